"""Nothing the scoreboard shows is stale after a write, whichever way the write was made (issue
12): the HR page and GET /api/v1/cycles/{id}/scoreboard show it on the very next request.

The standings are cached under the cycle's `scoring_version`, which the services move in the
transaction of the write; people, departments, the cycle's own fields and who may compete are
read fresh, so bulk writes (a directory import, `.update()`) need no version at all."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import Department, User
from awards.models import AwardCycle, Criterion, standings_changed
from cycles import deciding, judging, scoreboard_cache
from cycles import services as awards
from nominations import services as nominations
from nominations.models import Evidence, Nomination
from tests.awards.conftest import make_cycle
from tests.awards.test_scoreboard_scale import board_url, row_of, rows
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination, move

Status = AwardCycle.Status


@pytest.fixture
def hr(db):
    return make_user(full_name="Hana HR", hr=True)


@pytest.fixture
def board(login, api, hr):
    """board(cycle) → what HR sees on the next request: the page's rows and the API's
    candidates, each by name."""

    def read(cycle: AwardCycle, query: str = "") -> dict:
        page = login(hr).get(board_url(cycle, query))
        assert page.status_code == 200
        answer = api(hr).get(reverse("api-cycle-scoreboard", args=[cycle.pk]))
        assert answer.status_code == 200
        return {
            "html": page.content.decode(),
            "page": {row["name"]: row for row in rows(page.content.decode())},
            "api": {c["candidate"]["full_name"]: c for c in answer.json()["candidates"]},
        }

    return read


def version(cycle: AwardCycle) -> int:
    return AwardCycle.objects.values_list("scoring_version", flat=True).get(pk=cycle.pk)


def nominated(cycle: AwardCycle, name: str, **person) -> Nomination:
    return make_nomination(
        nominator=make_user(), nominee=make_user(full_name=name, **person), cycle=cycle
    )


# --- Bulk writes to people, departments and the cycle: no version, read fresh ------------------


def test_a_bulk_rename_and_move_of_a_candidate_shows_at_once(board, hr):
    cycle = make_cycle(status=Status.OPEN)
    billing, support = make_department("Billing"), make_department("Support")
    nomination = nominated(cycle, "Dana Old", department=billing)
    before = board(cycle)
    assert "Dana Old" in before["page"] and "Dana Old" in before["api"]

    # As the CSV directory import writes: no save(), no signal, no version.
    User.objects.filter(pk=nomination.nominee_id).update(full_name="Dana New", department=support)

    after = board(cycle)
    assert "Dana New" in after["page"] and "Dana Old" not in after["page"]
    assert "Dana New" in after["api"] and "Dana Old" not in after["api"]
    assert "Support" in after["html"] and "Billing" not in after["html"]


def test_a_bulk_rename_moves_the_candidate_in_the_name_order_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nominated(cycle, "Mia Middle")
    zed = nominated(cycle, "Zed Last").nominee
    assert list(board(cycle, "?sort=name")["page"]) == ["Mia Middle", "Zed Last"]

    User.objects.filter(pk=zed.pk).update(full_name="Abe First")

    assert list(board(cycle, "?sort=name")["page"]) == ["Abe First", "Mia Middle"]


def test_a_department_renamed_in_bulk_shows_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nominated(cycle, "Dee Dept", department=make_department("Billing"))
    assert "Billing" in board(cycle)["html"]

    Department.objects.filter(name="Billing").update(name="Billing and collections")

    assert "Billing and collections" in board(cycle)["html"]


def test_a_cycle_renamed_in_bulk_shows_at_once(board):
    cycle = make_cycle(status=Status.OPEN, title="Employee of the Month · Old")
    nominated(cycle, "Cy Cycle")
    assert "Scoreboard of Employee of the Month · Old" in board(cycle)["html"]

    AwardCycle.objects.filter(pk=cycle.pk).update(title="Employee of the Month · New")

    page = board(cycle)["html"]
    assert "Scoreboard of Employee of the Month · New" in page
    assert "· Old" not in page


# --- Who may compete: read fresh, and the ranks counted among those who may --------------------


def test_a_candidate_deactivated_in_bulk_leaves_the_board_and_the_ranks_close_up(board):
    cycle = make_cycle(status=Status.OPEN)
    leaver = nominated(cycle, "Lee Leaver")
    nominations.add_evidence(
        nomination=leaver,
        by=leaver.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="She stayed on the line until it worked.",
        quote_source="A call",
    )
    nominated(cycle, "Stay Here")
    assert board(cycle)["page"]["Lee Leaver"]["rank"] == 1

    User.objects.filter(pk=leaver.nominee_id).update(is_active=False)

    after = board(cycle)
    assert "Lee Leaver" not in after["page"] and "Lee Leaver" not in after["api"]
    assert after["page"]["Stay Here"]["rank"] == 1
    assert after["api"]["Stay Here"]["rank"] == 1


def test_a_candidate_moved_out_of_the_eligible_departments_in_bulk_leaves_at_once(board):
    support, legal = make_department("Support"), make_department("Legal")
    cycle = make_cycle(status=Status.OPEN, eligible_departments=[support])
    mover = nominated(cycle, "Moe Mover", department=support)
    nominated(cycle, "Stan Stays", department=support)
    assert "Moe Mover" in board(cycle)["page"]

    User.objects.filter(pk=mover.nominee_id).update(department=legal)

    after = board(cycle)
    assert "Moe Mover" not in after["page"] and "Moe Mover" not in after["api"]
    assert after["page"]["Stan Stays"]["rank"] == 1


def test_a_win_decided_in_another_cycle_starts_the_cool_down_at_once(board, hr):
    earlier = make_cycle(month=dt.date(2030, 1, 1), status=Status.OPEN)
    winner = make_user(full_name="Wanda Winner")
    make_nomination(nominator=make_user(), nominee=winner, cycle=earlier)
    earlier = move(earlier, Status.JUDGING)
    later = make_cycle(month=dt.date(2030, 2, 1), status=Status.OPEN)
    make_nomination(nominator=make_user(), nominee=winner, cycle=later)
    nominated(later, "Other Olive")
    assert "Wanda Winner" in board(later)["page"]

    awards.transition(cycle=earlier, to=Status.DECIDED, by=hr)  # moves only January's version

    after = board(later)
    assert "Wanda Winner" not in after["page"] and "Wanda Winner" not in after["api"]


# --- Writes through the services: the version moves with them ----------------------------------


def test_a_nomination_shows_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nominated(cycle, "First Fay")
    assert list(board(cycle)["page"]) == ["First Fay"]

    nominated(cycle, "Second Sid")

    after = board(cycle)
    assert set(after["page"]) == set(after["api"]) == {"First Fay", "Second Sid"}


def test_evidence_shows_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Eva Evidence")
    before = board(cycle)["api"]["Eva Evidence"]

    nominations.add_evidence(
        nomination=nomination,
        by=nomination.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="You explained it in plain words.",
        quote_source="Survey",
    )

    after = board(cycle)
    assert after["api"]["Eva Evidence"]["lines"][0]["input"] == "1.5"  # 3 × 0.5, unverified
    assert Decimal(after["api"]["Eva Evidence"]["composite"]) > Decimal(before["composite"])
    assert after["page"]["Eva Evidence"]["composite"] == after["api"]["Eva Evidence"]["composite"]


def test_removing_evidence_shows_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Rae Removed")
    item = nominations.add_evidence(
        nomination=nomination,
        by=nomination.nominator,
        kind=Evidence.Kind.FRONT_LINE_TIME,
        date=dt.date.today() - dt.timedelta(days=1),
        hours=Decimal(2),
        heard="Customers could not find the refund form.",
    )
    assert board(cycle)["api"]["Rae Removed"]["lines"][0]["input"] == "1.0"

    nominations.delete_evidence(evidence=item, by=nomination.nominator)

    assert board(cycle)["api"]["Rae Removed"]["lines"][0]["input"] == "0"


def test_an_endorsement_and_its_withdrawal_show_at_once(board):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Ena Endorsed")
    peer = lambda: board(cycle)["api"]["Ena Endorsed"]["lines"][3]["input"]  # noqa: E731
    assert peer() == "1.0"
    colleague = make_user()

    nominations.endorse(nomination=nomination, by=colleague, comment="I saw it.")
    assert peer() == "1.5"

    nominations.withdraw_endorsement(nomination=nomination, by=colleague)
    assert peer() == "1.0"


def test_a_panel_score_shows_at_once(board, hr):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Pam Panel")
    judge = make_user()
    judging.assign_judges(cycle=cycle, judges=[judge], by=hr)
    cycle = move(cycle, Status.JUDGING)
    impact = cycle.criteria.filter(kind=Criterion.Kind.PANEL).order_by("position").first()
    assert board(cycle)["api"]["Pam Panel"]["lines"][2]["input"] is None

    judging.score_candidate(
        cycle=cycle, judge=judge, candidate=nomination.nominee, criterion=impact, score=5
    )

    assert board(cycle)["api"]["Pam Panel"]["lines"][2]["input"] == "5.0000"


def test_an_override_shows_at_once(board, hr):
    cycle = make_cycle(status=Status.OPEN)
    first, second = nominated(cycle, "Ann Ahead"), nominated(cycle, "Bob Behind")
    nominations.add_evidence(
        nomination=first,
        by=first.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="Best help I ever had.",
        quote_source="A call",
    )
    cycle = move(cycle, Status.DECIDED)
    assert board(cycle)["page"]["Ann Ahead"]["rank"] == 1

    deciding.override_ranking(
        cycle=cycle,
        by=hr,
        ranking=[second.nominee_id],
        justification="Bob's work reached far more customers than the numbers show.",
    )

    assert board(cycle)["page"]["Bob Behind"]["rank"] == 1


@pytest.mark.parametrize(
    "write",
    [
        "nominate",
        "withdraw",
        "add_evidence",
        "verify_evidence",
        "endorse",
        "replace_rubric",
        "update_cycle",
    ],
)
def test_each_write_moves_the_version_in_its_own_transaction(hr, write):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Vic Version")
    item = nominations.add_evidence(
        nomination=nomination,
        by=nomination.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="Thank you.",
        quote_source="E-mail",
    )
    writes = {
        "nominate": lambda: nominated(cycle, "Newt New"),
        "withdraw": lambda: nominations.withdraw(nomination=nomination, by=hr),
        "add_evidence": lambda: nominations.add_evidence(
            nomination=nomination,
            by=nomination.nominator,
            kind=Evidence.Kind.CUSTOMER_WORDS,
            quote="Again, thank you.",
            quote_source="E-mail",
        ),
        "verify_evidence": lambda: nominations.verify_evidence(
            evidence=item, by=hr, status=Evidence.Verification.VERIFIED
        ),
        "endorse": lambda: nominations.endorse(
            nomination=nomination, by=make_user(), comment="Seconded."
        ),
        "replace_rubric": lambda: awards.replace_rubric(
            cycle=cycle,
            criteria=[
                {"name": "Evidence", "kind": "customer_evidence", "weight": 60, "half_point": 5},
                {"name": "Peers", "kind": "peer_support", "weight": 40, "half_point": 2},
            ],
            by=hr,
        ),
        "update_cycle": lambda: awards.update_cycle(
            cycle=cycle, by=hr, eligible_departments=[make_department()]
        ),
    }
    start = version(cycle)

    with pytest.raises(RuntimeError), transaction.atomic():
        writes[write]()
        assert version(cycle) == start + 1  # inside the write's transaction
        raise RuntimeError("rolled back")
    assert version(cycle) == start  # a rolled-back write leaves the version as it was

    writes[write]()
    assert version(cycle) == start + 1


def test_evidence_points_are_counted_in_the_transaction_of_each_change(hr):
    cycle = make_cycle(status=Status.OPEN)
    nomination = nominated(cycle, "Cora Count")
    points = lambda: Nomination.objects.get(pk=nomination.pk).evidence_points  # noqa: E731
    item = nominations.add_evidence(
        nomination=nomination,
        by=nomination.nominator,
        kind=Evidence.Kind.MEASURED_IMPROVEMENT,
        metric="Calls a week",
        before="40",
        after="10",
        unit="calls",
        higher_is_better=False,
        period="four weeks",
    )
    assert points() == Decimal("2.0")  # 4 × 0.5
    nominations.verify_evidence(evidence=item, by=hr, status=Evidence.Verification.VERIFIED)
    assert points() == Decimal("4.0")
    nominations.verify_evidence(
        evidence=item, by=hr, status=Evidence.Verification.DISPUTED, note="Not our numbers."
    )
    assert points() == Decimal(0)
    nominations.delete_evidence(evidence=item, by=nomination.nominator)
    assert points() == Decimal(0)


# --- The key ----------------------------------------------------------------------------------


def test_a_new_release_never_reads_what_an_older_one_cached(login, hr, settings, monkeypatch):
    cycle = make_cycle(status=Status.OPEN)
    nominated(cycle, "Rel Ease")
    client = login(hr)
    client.get(board_url(cycle))
    scored = []
    gather_all = scoreboard_cache.scoring.gather_all
    monkeypatch.setattr(
        scoreboard_cache.scoring, "gather_all", lambda c: scored.append(c.pk) or gather_all(c)
    )

    client.get(board_url(cycle))
    assert scored == []
    settings.RELEASE = "a-new-release"
    assert row_of(client.get(board_url(cycle)).content.decode(), "Rel Ease")
    assert scored == [cycle.pk]


def test_a_full_save_of_a_loaded_cycle_keeps_a_newer_version(hr):
    cycle = make_cycle(status=Status.OPEN)
    loaded = AwardCycle.objects.get(pk=cycle.pk)
    standings_changed(cycle.pk)
    loaded.title = "Saved from an older copy"
    loaded.save()
    assert version(cycle) == 1
