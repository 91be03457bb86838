"""Employee of the Month over the API (issue 6): judges, panel scores, the scoreboard, the
override, the results and the CSV export."""

import codecs
import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import AwardCycle, Criterion, Decision, PanelScore, standings_changed
from cycles import deciding, judging, services
from cycles.results_api import LineSerializer
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.nominations.conftest import make_nomination, move
from tests.thanks.conftest import approved

Status = AwardCycle.Status
WHY = "The panel found a second verified customer call that the scores missed."
NOTE = "Private panel note: strong on customers, weak on follow-up."


def url(name: str, cycle: AwardCycle) -> str:
    return reverse(f"api-cycle-{name}", args=[cycle.pk])


def read_csv(response) -> list[list[str]]:
    """The rows as a client reads them: in the charset the answer declares, else ISO-8859-1
    (HTTP's default for text), skipping a UTF-8 byte-order mark."""
    charset = response.charset if "charset=" in response["Content-Type"] else "iso-8859-1"
    text = response.content.decode(charset)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


class Cast:
    """An open cycle with two nominees, a thanked employee and two judges."""

    def __init__(self) -> None:
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.cycle = make_cycle(status=Status.OPEN)
        self.boss = make_user(full_name="Mona Manager")
        self.alice = make_user(full_name="Alice Archer", manager=self.boss)
        self.bob = make_user(full_name="Bob Baker")
        self.cara = make_user(full_name="Cara Cole")
        self.omar = make_user(full_name="Omar Okafor")
        self.judge = make_user(full_name="Jude Judge")
        self.employee = make_user(full_name="Emma Employee")
        make_nomination(nominator=self.omar, nominee=self.alice)
        make_nomination(nominator=self.judge, nominee=self.bob)  # the judge's conflict
        approved(self.cara, by=self.hr)
        judging.assign_judges(cycle=self.cycle, judges=[self.judge], by=self.hr)
        self.panel = self.cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()

    def judging(self) -> AwardCycle:
        self.cycle = move(self.cycle, Status.JUDGING)
        return self.cycle

    def decide(self) -> AwardCycle:
        self.judging()
        judging.score_candidate(
            cycle=self.cycle,
            judge=self.judge,
            candidate=self.alice,
            criterion=self.panel,
            score=5,
            note=NOTE,
        )
        self.cycle = services.transition(cycle=self.cycle, to=Status.DECIDED, by=self.hr)
        return self.cycle

    def announce(self) -> AwardCycle:
        self.decide()
        self.cycle = services.transition(cycle=self.cycle, to=Status.ANNOUNCED, by=self.hr)
        return self.cycle

    def score(self, candidate, score=4, **extra) -> dict:
        return {"candidate": candidate.pk, "criterion": self.panel.pk, "score": score} | extra


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


# --- Judges -----------------------------------------------------------------------------------


def test_hr_replaces_the_judges(api, cast):
    other = make_user(full_name="Jo Judge")
    response = api(cast.hr).put(url("judges", cast.cycle), {"user_ids": [other.pk]})
    assert response.status_code == 200
    assert [j["id"] for j in response.json()["judges"]] == [other.pk]


def test_judges_must_be_known_people(api, cast):
    response = api(cast.hr).put(url("judges", cast.cycle), {"user_ids": [999999]})
    assert response.status_code == 400
    assert "user_ids" in response.json()


def test_judges_must_be_active(api, cast):
    gone = make_user(is_active=False)
    response = api(cast.hr).put(url("judges", cast.cycle), {"user_ids": [gone.pk]})
    assert response.status_code == 400


def test_judges_are_final_once_decided(api, cast):
    cast.decide()
    response = api(cast.hr).put(url("judges", cast.cycle), {"user_ids": []})
    assert response.status_code == 409


def test_only_hr_assigns_judges(api, cast):
    response = api(cast.employee).put(url("judges", cast.cycle), {"user_ids": []})
    assert response.status_code == 403


# --- Panel scores -----------------------------------------------------------------------------


def test_a_judge_scores_a_candidate_and_changes_the_score(api, cast):
    cast.judging()
    client = api(cast.judge)
    first = client.post(url("panel-scores", cast.cycle), cast.score(cast.alice, 4))
    again = client.post(url("panel-scores", cast.cycle), cast.score(cast.alice, 5))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["score"] == 5
    assert PanelScore.objects.get(candidate=cast.alice).score == 5


def test_a_judge_reads_their_own_scores(api, cast):
    cast.judging()
    api(cast.judge).post(url("panel-scores", cast.cycle), cast.score(cast.alice, 3))
    response = api(cast.judge).get(url("panel-scores", cast.cycle))
    assert [row["score"] for row in response.json()] == [3]
    assert api(cast.employee).get(url("panel-scores", cast.cycle)).json() == []


def test_a_judge_cannot_score_a_candidate_they_nominated(api, cast):
    cast.judging()
    response = api(cast.judge).post(url("panel-scores", cast.cycle), cast.score(cast.bob))
    assert response.status_code == 403


def test_only_the_cycles_judges_score(api, cast):
    cast.judging()
    response = api(cast.employee).post(url("panel-scores", cast.cycle), cast.score(cast.alice))
    assert response.status_code == 403


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_is_from_1_to_5(api, cast, score):
    cast.judging()
    response = api(cast.judge).post(url("panel-scores", cast.cycle), cast.score(cast.alice, score))
    assert response.status_code == 400
    assert "score" in response.json()


@pytest.mark.parametrize("score", ["five", 4.5, True, None])
def test_a_score_is_a_whole_number(api, cast, score):
    cast.judging()
    body = cast.score(cast.alice) | {"score": score}
    response = api(cast.judge).post(url("panel-scores", cast.cycle), body)
    assert response.status_code == 400
    assert list(response.json()) == ["score"]
    assert not PanelScore.objects.exists()


def test_only_panel_criteria_are_scored(api, cast):
    cast.judging()
    computed = cast.cycle.criteria.exclude(kind=Criterion.Kind.PANEL).first()
    body = cast.score(cast.alice) | {"criterion": computed.pk}
    response = api(cast.judge).post(url("panel-scores", cast.cycle), body)
    assert response.status_code == 400
    assert "criterion" in response.json()


def test_only_candidates_are_scored(api, cast):
    cast.judging()
    response = api(cast.judge).post(url("panel-scores", cast.cycle), cast.score(cast.employee))
    assert response.status_code == 400
    assert "candidate" in response.json()


def test_scoring_after_judging_closed_is_a_conflict(api, cast):
    cast.decide()
    response = api(cast.judge).post(url("panel-scores", cast.cycle), cast.score(cast.alice))
    assert response.status_code == 409


def test_a_draft_cycle_is_not_found_for_a_judge(api, db):
    judge = make_user()
    draft = make_cycle()
    response = api(judge).post(url("panel-scores", draft), {"candidate": 1, "criterion": 1})
    assert response.status_code == 404


# --- Scoreboard -------------------------------------------------------------------------------


def test_hr_sees_the_live_scoreboard_before_the_decision(api, cast):
    cast.judging()
    body = api(cast.hr).get(url("scoreboard", cast.cycle)).json()
    assert body["decided"] is False
    assert body["override"] is None
    assert {row["candidate"]["id"] for row in body["candidates"]} == {
        cast.alice.pk,
        cast.bob.pk,
        cast.cara.pk,
    }
    assert [row["rank"] for row in body["candidates"]] == [1, 2, 3]
    line = body["candidates"][0]["lines"][0]
    assert set(line) == {"criterion", "name", "kind", "input", "subscore", "weight", "points"}
    assert isinstance(body["candidates"][0]["composite"], str)


def test_hr_sees_the_snapshot_after_the_decision(api, cast):
    cast.decide()
    body = api(cast.hr).get(url("scoreboard", cast.cycle)).json()
    snapshot = Decision.objects.get(cycle=cast.cycle).snapshot
    assert body["decided"] is True
    assert [row["candidate"]["id"] for row in body["candidates"]] == snapshot["ranking"]
    assert body["candidates"][0]["composite"] == snapshot["candidates"][0]["composite"]


def test_the_decided_scoreboard_and_export_read_exactly_as_the_live_ones_did(api, cast):
    # Live standings and the decision's snapshot are one shape (cycles/snapshots.py): when
    # nothing changed in between, deciding changes no byte of the answer but `decided`.
    cast.judging()
    judging.score_candidate(
        cycle=cast.cycle, judge=cast.judge, candidate=cast.alice, criterion=cast.panel, score=5
    )
    client = api(cast.hr)
    live = client.get(url("scoreboard", cast.cycle)).content
    live_csv = client.get(url("export", cast.cycle)).content
    cast.cycle = services.transition(cycle=cast.cycle, to=Status.DECIDED, by=cast.hr)

    decided = client.get(url("scoreboard", cast.cycle)).content

    assert decided == live.replace(b'"decided":false', b'"decided":true')
    assert client.get(url("export", cast.cycle)).content == live_csv


def test_a_scoreboard_row_and_its_export_keep_their_exact_shape(api, cast):
    cast.decide()
    client = api(cast.hr)
    body = client.get(url("scoreboard", cast.cycle)).json()
    alice = body["candidates"][0]

    assert list(body) == [
        "formula_version",
        "criteria",
        "candidates",
        "cycle",
        "decided",
        "override",
    ]
    assert body["criteria"][0] == {
        "id": body["criteria"][0]["id"],
        "name": "Customer-awareness evidence",
        "kind": "customer_evidence",
        "weight": 40,
        "half_point": "6.00",
        "customer_focused": True,
    }
    assert list(alice) == ["candidate", "rank", "composite", "lines"]
    assert (alice["candidate"]["id"], alice["rank"], alice["composite"]) == (
        cast.alice.pk,
        1,
        "18.75",
    )
    assert alice["lines"][2] == {
        "criterion": cast.panel.pk,
        "name": "Customer impact",
        "kind": "panel",
        "input": "5.0000",
        "subscore": "1.0000",
        "weight": 15,
        "points": "15.0000",
    }
    assert list(alice["lines"][2]) == list(LineSerializer().fields)
    assert alice["lines"][4]["input"] is None  # a panel criterion nobody scored
    csv_line = client.get(url("export", cast.cycle)).content.decode().splitlines()[1]
    assert csv_line == (
        f"1,Alice Archer,{cast.alice.email},18.75,0,0.0000,40,0.0000,0,0.0000,15,0.0000,"
        "5.0000,1.0000,15,15.0000,1.0,0.2500,15,3.7500,,0.0000,15,0.0000"
    )


def test_the_results_breakdown_is_the_winners_scoreboard_row(api, cast):
    cast.announce()
    scoreboard = api(cast.hr).get(url("scoreboard", cast.cycle)).json()
    results = api(cast.employee).get(url("results", cast.cycle)).json()
    winner = results["winners"][0]
    assert list(winner) == ["rank", "person", "composite", "citation", "breakdown"]
    assert winner["breakdown"] == scoreboard["candidates"][0]["lines"]


def test_a_judge_sees_the_scoreboard_only_once_decided(api, cast):
    cast.judging()
    assert api(cast.judge).get(url("scoreboard", cast.cycle)).status_code == 403
    cast.cycle = services.transition(cycle=cast.cycle, to=Status.DECIDED, by=cast.hr)
    assert api(cast.judge).get(url("scoreboard", cast.cycle)).status_code == 200


def test_employees_never_see_the_scoreboard(api, cast):
    cast.decide()
    assert api(cast.employee).get(url("scoreboard", cast.cycle)).status_code == 403
    assert api(cast.alice).get(url("scoreboard", cast.cycle)).status_code == 403


def test_a_draft_scoreboard_is_not_found_for_employees(api, db):
    employee = make_user()
    assert api(employee).get(url("scoreboard", make_cycle())).status_code == 404


def _grow(cycle: AwardCycle, hr, extra: int) -> None:
    for n in range(extra):
        make_nomination(nominator=make_user(), nominee=make_user())
        approved(make_user(), by=hr, email=f"customer{n}@customer.example")


@pytest.mark.parametrize("decided", [False, True])
def test_the_scoreboard_takes_a_constant_number_of_queries(api, cast, decided):
    client = api(cast.hr)

    def count() -> tuple[int, int]:
        """Queries of a request that scores (or parses) the standings, then of one that
        finds them cached."""
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url("scoreboard", cast.cycle))
            assert response.status_code == 200
            counts.append(len(queries))
        return counts[0], counts[1]

    if decided:
        cast.decide()
    small = count()
    if decided:
        # A decided board reads the snapshot: grow the snapshot itself. (No service rewrites
        # a snapshot; this one is grown by hand, so it moves the version as a service would.)
        decision = Decision.objects.get(cycle=cast.cycle)
        row = decision.snapshot["candidates"][0]
        people = [make_user() for _ in range(5)]
        decision.snapshot["candidates"] += [
            row | {"candidate_id": p.pk, "rank": 10 + n} for n, p in enumerate(people)
        ]
        decision.save()
        standings_changed(cast.cycle.pk)
    else:
        _grow(cast.cycle, cast.hr, 5)
    large = count()
    assert len(client.get(url("scoreboard", cast.cycle)).json()["candidates"]) >= 8
    assert large == small
    assert small[1] < small[0]  # the second request scored nothing


# --- Override ---------------------------------------------------------------------------------


def test_hr_overrides_the_order_with_a_justification(api, cast):
    cast.decide()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": [cast.cara.pk], "justification": WHY}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ranking"][0] == cast.cara.pk
    assert body["awards"][0]["person"]["id"] == cast.cara.pk
    board = api(cast.hr).get(url("scoreboard", cast.cycle)).json()
    assert board["override"]["justification"] == WHY
    assert board["override"]["by"]["id"] == cast.hr.pk


def test_an_override_needs_a_justification(api, cast):
    cast.decide()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": [cast.cara.pk], "justification": ""}
    )
    assert response.status_code == 400
    assert "justification" in response.json()


def test_an_override_names_only_candidates(api, cast):
    cast.decide()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": [cast.employee.pk], "justification": WHY}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("ranking", [["bob"], [True], "1,2", [1.5]])
def test_an_override_ranking_is_a_list_of_ids(api, cast, ranking):
    cast.decide()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": ranking, "justification": WHY}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["ranking"]


def test_an_undecided_order_cannot_change(api, cast):
    cast.judging()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": [cast.cara.pk], "justification": WHY}
    )
    assert response.status_code == 409


def test_an_announced_order_cannot_change(api, cast):
    cast.announce()
    response = api(cast.hr).post(
        url("override", cast.cycle), {"ranking": [cast.cara.pk], "justification": WHY}
    )
    assert response.status_code == 409


# --- Results ----------------------------------------------------------------------------------


def test_results_are_not_found_before_the_announcement(api, cast):
    cast.decide()
    assert api(cast.employee).get(url("results", cast.cycle)).status_code == 404
    assert api(cast.hr).get(url("results", cast.cycle)).status_code == 404


def test_everyone_sees_the_winner_and_the_breakdown_once_announced(api, cast):
    cast.announce()
    response = api(cast.employee).get(url("results", cast.cycle))
    assert response.status_code == 200
    body = response.json()
    winner = body["winners"][0]
    assert winner["rank"] == 1
    assert winner["person"]["id"] == cast.alice.pk
    assert winner["citation"]
    assert {line["name"] for line in winner["breakdown"]} == set(
        cast.cycle.criteria.values_list("name", flat=True)
    )
    assert body["announced_at"]
    assert NOTE not in response.content.decode()
    assert all("note" not in winner for winner in body["winners"])


# --- Export -----------------------------------------------------------------------------------


def test_hr_exports_the_scoreboard_as_csv(api, cast):
    cast.decide()
    client = api(cast.hr)
    response = client.get(url("export", cast.cycle))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment; filename=" in response["Content-Disposition"]
    rows = read_csv(response)
    board = client.get(url("scoreboard", cast.cycle)).json()
    criteria = [c["name"] for c in board["criteria"]]
    assert rows[0][:4] == ["rank", "candidate", "email", "composite"]
    assert rows[0][4:] == [
        f"{name} {column}"
        for name in criteria
        for column in ("input", "subscore", "weight", "points")
    ]
    for row, standing in zip(rows[1:], board["candidates"], strict=True):
        assert row[0] == str(standing["rank"])
        assert row[1] == standing["candidate"]["full_name"]
        assert row[3] == standing["composite"]
        assert row[4:8] == [
            str(standing["lines"][0][k] if standing["lines"][0][k] is not None else "")
            for k in ("input", "subscore", "weight", "points")
        ]


def test_the_export_never_lets_a_name_run_as_a_formula(api, cast):
    cast.alice.full_name = '=HYPERLINK("http://evil")'
    cast.alice.save()
    response = api(cast.hr).get(url("export", cast.cycle))
    assert "'=HYPERLINK" in response.content.decode()


def test_the_export_is_utf8_says_so_and_starts_with_a_bom(api, cast):
    cast.decide()
    response = api(cast.hr).get(url("export", cast.cycle))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(codecs.BOM_UTF8 + b"rank,")  # Excel reads it as UTF-8
    assert response.content.count(codecs.BOM_UTF8) == 1


def test_accented_names_come_out_of_the_export_as_they_were_typed(api, cast):
    cast.alice.full_name = "Zoë Ñúñez-Ångström"
    cast.alice.save()
    cast.decide()

    rows = read_csv(api(cast.hr).get(url("export", cast.cycle)))

    assert "Zoë Ñúñez-Ångström" in [row[1] for row in rows[1:]]


def test_an_accented_name_that_looks_like_a_formula_is_still_escaped(api, cast):
    cast.alice.full_name = "=Zoë+1"
    cast.alice.save()
    cast.decide()

    rows = read_csv(api(cast.hr).get(url("export", cast.cycle)))

    assert "'=Zoë+1" in [row[1] for row in rows[1:]]


def test_only_hr_exports(api, cast):
    cast.decide()
    assert api(cast.judge).get(url("export", cast.cycle)).status_code == 403


def test_text_with_a_lone_surrogate_is_a_400_not_a_500(api, cast):
    cast.judging()
    body = json.dumps(cast.score(cast.alice) | {"note": "\ud800"})
    response = api(cast.judge).post(
        url("panel-scores", cast.cycle), body, content_type="application/json"
    )
    assert response.status_code == 400


def test_the_results_say_when_hr_changed_the_order_and_why(api, cast):
    cast.decide()
    override = {"ranking": [cast.cara.pk], "justification": WHY}
    assert api(cast.hr).post(url("override", cast.cycle), override).status_code == 200
    cast.cycle = services.transition(cycle=cast.cycle, to=Status.ANNOUNCED, by=cast.hr)
    body = api(cast.employee).get(url("results", cast.cycle)).json()
    assert body["winners"][0]["person"]["id"] == cast.cara.pk
    assert body["order_changed"] == {"justification_summary": WHY}


def test_the_results_of_an_unchanged_order_say_nothing_changed(api, cast):
    cast.announce()
    assert api(cast.employee).get(url("results", cast.cycle)).json()["order_changed"] is None


def test_an_override_saved_unchanged_is_no_change_of_order(api, cast):
    cast.decide()
    decision = Decision.objects.get(cycle=cast.cycle)
    computed = [row.candidate_id for row in deciding.snapshot_ranking(decision.snapshot)]
    override = {"ranking": computed, "justification": WHY}
    assert api(cast.hr).post(url("override", cast.cycle), override).status_code == 200
    cast.cycle = services.transition(cycle=cast.cycle, to=Status.ANNOUNCED, by=cast.hr)
    assert api(cast.employee).get(url("results", cast.cycle)).json()["order_changed"] is None


def test_a_justification_written_before_it_was_public_is_not_given(api, cast):
    cast.decide()
    override = {"ranking": [cast.cara.pk], "justification": WHY}
    assert api(cast.hr).post(url("override", cast.cycle), override).status_code == 200
    Decision.objects.filter(cycle=cast.cycle).update(justification_public=False)  # an old row
    cast.cycle = services.transition(cycle=cast.cycle, to=Status.ANNOUNCED, by=cast.hr)
    body = api(cast.employee).get(url("results", cast.cycle)).json()
    assert body["order_changed"] == {"justification_summary": None}
