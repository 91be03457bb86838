"""The scoreboard (HR), the override of a decided order, the hall of fame and a cycle's results."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from awards.models import Award, AwardCycle, Decision
from cycles import deciding
from nominations.models import Evidence
from stories.models import Story
from tests.awards.conftest import make_cycle
from tests.awards.test_judging import Panel
from tests.conftest import make_user
from tests.nominations.conftest import make_nomination, move

Status = AwardCycle.Status
SECRET = "Judges' eyes only: quiet but brilliant."
JUSTIFICATION = "The customers of Tom wrote to the CEO; the panel agreed he should lead."


@pytest.fixture
def panel(db) -> Panel:
    panel = Panel()
    panel.score(panel.nina, 5, note=SECRET)
    return panel


def board_url(cycle: AwardCycle) -> str:
    return reverse("awards:hr_scoreboard", args=[cycle.pk])


def results_url(cycle: AwardCycle) -> str:
    return reverse("awards:results", args=[cycle.pk])


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hr_scoreboard", "results", "hall_of_fame"])
def test_anonymous_visitors_are_sent_to_log_in(client, panel, name):
    args = [] if name == "hall_of_fame" else [panel.cycle.pk]
    response = client.get(reverse(f"awards:{name}", args=args))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_employees_and_judges_cannot_open_the_scoreboard(login, panel):
    assert login(panel.bystander).get(board_url(panel.cycle)).status_code == 403
    assert login(panel.judge).get(board_url(panel.cycle)).status_code == 403


# --- The scoreboard ---------------------------------------------------------------------------


def test_before_the_decision_the_scoreboard_is_live(login, panel):
    page = login(panel.hr).get(board_url(panel.cycle)).content.decode()
    assert "Live" in page
    assert "Nina Nominee" in page and "Tom Thanked" in page
    assert "subscore" in page and "input" in page


def test_each_row_has_a_labelled_stacked_bar(login, panel):
    page = login(panel.hr).get(board_url(panel.cycle)).content.decode()
    assert 'role="img"' in page
    assert 'aria-label="' in page
    label = page.split('role="img" aria-label="')[1].split('"')[0]
    assert "points in all" in label
    assert "Customer-awareness evidence" in label and "Customer impact" in label


def test_the_scoreboard_sorts_by_name(login, panel):
    page = login(panel.hr).get(board_url(panel.cycle) + "?sort=name").content.decode()
    names = ["Eve Endorsed", "Jude Judge", "Nick Nominated", "Nina Nominee", "Rita Report"]
    positions = [page.index(f">{name}") for name in names]
    assert positions == sorted(positions)


def test_the_scoreboard_sorts_by_a_criterion(login, panel):
    url = board_url(panel.cycle) + f"?sort={panel.impact.pk}"
    page = login(panel.hr).get(url).content.decode()
    assert 'aria-sort="descending"' in page
    # Nina has the only panel score, so she leads on "Customer impact".
    assert page.index(">Nina Nominee") < page.index(">Tom Thanked")


def test_after_the_decision_the_scoreboard_shows_the_snapshot_and_an_override_form(login, panel):
    move(panel.cycle, Status.DECIDED)
    page = login(panel.hr).get(board_url(panel.cycle)).content.decode()
    assert "As decided on" in page
    assert "Change the order" in page


def standing_ids(page: str) -> list[int]:
    """The reorder list's hidden fields, in order."""
    return [int(pk) for pk in re.findall(r'name="ranking" value="(\d+)"', page)]


def test_the_reorder_list_names_the_decided_candidates_in_the_order_that_stands(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.hr).get(board_url(panel.cycle))
    page = response.content.decode()
    ids = standing_ids(page)
    decided = [row["pk"] for row in response.context["reorder"]]
    assert ids == decided and panel.nina.pk == ids[0] and panel.tom.pk in ids
    assert page.count(">Move up<") == len(ids) and page.count(">Move down<") == len(ids)
    assert "Justification (required)" in page
    assert "id_ranking" not in page.replace('id="id_ranking_error"', "")  # no textarea of ids


def test_moving_a_candidate_up_keeps_the_new_order_saves_nothing_and_focuses_the_same_button(
    login, panel
):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    tom = ids.index(panel.tom.pk)
    response = client.post(
        board_url(panel.cycle),
        {"ranking": ids, "move": f"up:{panel.tom.pk}", "justification": "Half typed"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    expected = ids.copy()
    expected[tom - 1], expected[tom] = expected[tom], expected[tom - 1]
    assert standing_ids(page) == expected
    assert re.search(rf'value="up:{panel.tom.pk}"[^>]*autofocus', page)
    assert page.count("autofocus") == 1
    assert "Half typed" in page  # the justification typed so far is kept
    assert "errorlist" not in page  # a move is no attempt to save
    assert Decision.objects.get(cycle=panel.cycle).override_ranking is None


def test_moving_past_either_end_changes_nothing(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    for move_ in (f"up:{ids[0]}", f"down:{ids[-1]}", "up:999999", "sideways:1", "up:x"):
        page = client.post(board_url(panel.cycle), {"ranking": ids, "move": move_}).content
        assert standing_ids(page.decode()) == ids, move_


def test_a_tampered_list_starts_again_from_the_order_that_stands(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    response = client.post(board_url(panel.cycle), {"ranking": ["x", "<b>"], "move": "up:1"})
    assert response.status_code == 200
    assert standing_ids(response.content.decode()) == ids


def test_an_override_without_justification_is_refused_next_to_the_field(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    moved = [panel.tom.pk] + [pk for pk in ids if pk != panel.tom.pk]
    for justification in ("", "Too short."):
        response = client.post(
            board_url(panel.cycle), {"ranking": moved, "justification": justification}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="id_justification_error"' in page
        assert "Explain why the order changes" in page
        # Its summary sits under the section's h2 "Change the order".
        assert '<h3 class="error-summary-title">There is a problem</h3>' in page
        assert standing_ids(page) == moved  # HR's order is kept for the next try
    assert Decision.objects.get(cycle=panel.cycle).override_ranking is None


def test_an_override_by_name_reorders_and_is_shown(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    moved = [panel.tom.pk] + [pk for pk in ids if pk != panel.tom.pk]
    response = client.post(
        board_url(panel.cycle), {"ranking": moved, "justification": JUSTIFICATION}
    )
    assert response.status_code == 302
    assert Award.objects.get(cycle=panel.cycle, rank=1).recipient == panel.tom
    page = client.get(board_url(panel.cycle)).content.decode()
    assert "HR changed the order" in page and JUSTIFICATION in page
    assert standing_ids(page)[0] == panel.tom.pk


def test_a_ranking_that_is_not_ids_gets_a_readable_error(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.hr).post(
        board_url(panel.cycle), {"ranking": ["Tom"], "justification": JUSTIFICATION}
    )
    page = response.content.decode()
    assert 'id="id_ranking_error"' in page
    assert "The ranking must be a list of candidate ids." in page


def test_a_ranking_of_strangers_is_refused_next_to_the_list(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.hr).post(
        board_url(panel.cycle), {"ranking": [panel.bystander.pk], "justification": JUSTIFICATION}
    )
    page = response.content.decode()
    assert 'id="id_ranking_error"' in page and "Not candidates of this cycle" in page


def test_employees_cannot_reorder(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.bystander).post(
        board_url(panel.cycle), {"ranking": [panel.tom.pk], "justification": JUSTIFICATION}
    )
    assert response.status_code == 403
    assert Decision.objects.get(cycle=panel.cycle).override_ranking is None


def test_the_override_form_reads_hidden_ids_in_order():
    from cycles.results_views import OverrideForm

    data = MultiValueDict({"ranking": ["12", "7", "3"], "justification": [JUSTIFICATION]})
    form = OverrideForm(data)
    assert form.is_valid()
    assert form.cleaned_data["ranking"] == [12, 7, 3]
    for junk in (["Tom"], ["12", "-3"], ["١٢"], ["9" * 40]):
        form = OverrideForm(MultiValueDict({"ranking": junk, "justification": [JUSTIFICATION]}))
        assert form.errors == {"ranking": ["The ranking must be a list of candidate ids."]}, junk


def test_no_override_form_once_announced(login, panel):
    move(panel.cycle, Status.ANNOUNCED)
    assert "Change the order" not in login(panel.hr).get(board_url(panel.cycle)).content.decode()


def test_a_cycle_decided_without_candidates_says_nobody_was_a_candidate(login, hr_user):
    cycle = make_cycle(status=Status.DECIDED)
    client = login(hr_user)
    assert "Nobody was a candidate" in client.get(board_url(cycle)).content.decode()
    detail = client.get(reverse("awards:hr_cycle", args=[cycle.pk])).content.decode()
    assert "Nobody was a candidate" in detail
    assert board_url(cycle) in detail


def _scoreboard_cycle(size: int, month: dt.date) -> AwardCycle:
    cycle = make_cycle(month=month, status=Status.OPEN)
    for _ in range(size):
        make_nomination(nominator=make_user(), nominee=make_user(), cycle=cycle)
    return move(cycle, Status.JUDGING)


@pytest.mark.parametrize("decided", [False, True])
def test_the_scoreboard_runs_the_same_queries_whatever_the_number_of_candidates(
    login, hr_user, django_assert_num_queries, decided
):
    client = login(hr_user)
    small = _scoreboard_cycle(2, dt.date(2030, 1, 1))
    large = _scoreboard_cycle(9, dt.date(2030, 2, 1))
    if decided:
        small, large = move(small, Status.DECIDED), move(large, Status.DECIDED)
    client.get(board_url(small))  # the first request of a session also records the session
    with CaptureQueriesContext(connection) as queries:
        client.get(board_url(small))
    count = len(queries)
    client.get(board_url(large))  # the standings are cached: compare warm with warm
    with django_assert_num_queries(count):
        response = client.get(board_url(large))
    assert response.content.decode().count('role="img"') == 9


# --- Hall of fame and results -----------------------------------------------------------------


def test_the_hall_of_fame_lists_only_announced_cycles(login, panel):
    client = login(panel.bystander)
    panel.cycle = move(panel.cycle, Status.DECIDED)
    winner = Award.objects.get(cycle=panel.cycle, rank=1).recipient
    assert winner.full_name not in client.get(reverse("awards:hall_of_fame")).content.decode()
    move(panel.cycle, Status.ANNOUNCED)
    page = client.get(reverse("awards:hall_of_fame")).content.decode()
    assert winner.full_name in page
    assert "January 2030" in page


def test_results_are_hidden_until_the_announcement(login, panel):
    client = login(panel.bystander)
    assert client.get(results_url(panel.cycle)).status_code == 404
    panel.cycle = move(panel.cycle, Status.DECIDED)
    assert client.get(results_url(panel.cycle)).status_code == 404
    move(panel.cycle, Status.ANNOUNCED)
    assert client.get(results_url(panel.cycle)).status_code == 200


def test_results_show_the_citation_and_breakdown_never_the_judges_notes(login, panel):
    move(panel.cycle, Status.ANNOUNCED)
    award = Award.objects.get(cycle=panel.cycle, rank=1)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    assert award.recipient.full_name in page
    assert award.citation.splitlines()[0] in page
    assert "Subscore" in page and "Weight" in page and "Points" in page
    assert SECRET not in page
    story = Story.objects.get(kind=Story.Kind.AWARD, award_cycle=panel.cycle)
    assert story.get_absolute_url() in page


def test_results_after_an_override_say_hr_changed_the_order_and_why(login, panel):
    panel.cycle = move(panel.cycle, Status.DECIDED)
    deciding.override_ranking(
        cycle=panel.cycle,
        by=panel.hr,
        ranking=[panel.tom.pk],
        justification=JUSTIFICATION + " The second sentence stays in the audit log.",
    )
    move(panel.cycle, Status.ANNOUNCED)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    assert "HR changed the order" in page
    assert JUSTIFICATION in page  # the first sentence: the summary
    assert "The second sentence" not in page
    assert "Tom Thanked" in page and "Placed first by HR (computed place: " in page


@pytest.mark.parametrize(
    "justification, summary",
    [
        (
            "Tom's customers wrote to the CEO. The panel agreed.",
            "Tom's customers wrote to the CEO.",
        ),
        ("Is 4.5 a tie? Yes! More.", "Is 4.5 a tie?"),
        ("One paragraph without a stop\n\nThen another.", "One paragraph without a stop"),
        ("Wrapped\nlines   join.  Rest.", "Wrapped lines join."),
        ("word " * 60, ("word " * 39).strip() + "…"),
        ("x" * 300, "x" * 199 + "…"),
    ],
)
def test_the_public_summary_of_a_justification_is_its_first_sentence_up_to_200(
    justification, summary
):
    result = Decision(override_justification=justification).justification_summary
    assert result == summary
    assert len(result) <= 200


def test_results_celebrate_the_winner_with_the_customers_words_and_the_measure(login, panel):
    nomination = panel.nina.nominations_received.get(cycle=panel.cycle)
    Evidence.objects.create(
        nomination=nomination, kind=Evidence.Kind.CUSTOMER_WORDS, quote="She called me back."
    )
    Evidence.objects.create(
        nomination=nomination,
        kind=Evidence.Kind.MEASURED_IMPROVEMENT,
        metric="Complaint calls a week",
        before=Decimal(80),
        after=Decimal("45.5"),
        unit="calls",
        period="March",
    )
    Evidence.objects.create(
        nomination=nomination,
        kind=Evidence.Kind.MEASURED_IMPROVEMENT,
        metric="Disputed figure",
        before=Decimal(1),
        after=Decimal(2),
        verification=Evidence.Verification.DISPUTED,
        verification_note="The call log says otherwise.",
    )
    move(panel.cycle, Status.ANNOUNCED)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    hero = page[page.index('class="card winner-hero"') :]
    assert hero.index("Nina Nominee") < hero.index("She called me back.")
    assert "Complaint calls a week" in hero and "80" in hero and "<strong>45.50</strong>" in hero
    assert "Disputed figure" not in page
    assert 'role="region"' in page and 'tabindex="0"' in page  # the table scrolls, labelled


def test_the_results_run_the_same_queries_whatever_the_number_of_winners(
    db, login, django_assert_num_queries
):
    client = login(make_user())

    def announced(month: dt.date, winners: int) -> AwardCycle:
        cycle = make_cycle(month=month, status=Status.OPEN, winner_count=winners)
        for _ in range(winners):
            make_nomination(nominator=make_user(), nominee=make_user(), cycle=cycle)
        return move(cycle, Status.ANNOUNCED)

    one, three = announced(dt.date(2030, 1, 1), 1), announced(dt.date(2030, 2, 1), 3)
    client.get(results_url(one))  # the session and the caches warm up
    with CaptureQueriesContext(connection) as queries:
        client.get(results_url(one))
    with django_assert_num_queries(len(queries)):
        page = client.get(results_url(three)).content.decode()
    assert page.count('class="card result-winner"') == 2


def test_results_without_an_override_say_nothing_of_it(login, panel):
    move(panel.cycle, Status.ANNOUNCED)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    assert "HR changed the order" not in page


def test_the_hall_of_fame_runs_the_same_queries_whatever_the_number_of_winners(
    db, login, django_assert_num_queries
):
    client = login(make_user())
    client.get(reverse("awards:hall_of_fame"))

    def announced(month: dt.date) -> None:
        cycle = make_cycle(month=month, status=Status.OPEN)
        make_nomination(nominator=make_user(), nominee=make_user(), cycle=cycle)
        move(cycle, Status.ANNOUNCED)

    announced(dt.date(2030, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("awards:hall_of_fame"))
    count = len(queries)
    for month in (2, 3, 4):
        announced(dt.date(2030, month, 1))
    with django_assert_num_queries(count):
        response = client.get(reverse("awards:hall_of_fame"))
    assert response.content.decode().count('class="hall-winner"') == 4


# --- Profile ----------------------------------------------------------------------------------


def test_the_profile_shows_the_persons_awards_once_announced(login, panel):
    panel.cycle = move(panel.cycle, Status.DECIDED)
    winner = Award.objects.get(cycle=panel.cycle, rank=1).recipient
    client = login(panel.bystander)
    profile = reverse("home:profile", args=[winner.pk])
    assert "Employee of the Month —" not in client.get(profile).content.decode()
    move(panel.cycle, Status.ANNOUNCED)
    page = client.get(profile).content.decode()
    assert "Employee of the Month — January 2030" in page
    assert results_url(panel.cycle) in page


def test_the_scoreboard_links_to_the_csv_export(login, panel):
    page = login(panel.hr).get(board_url(panel.cycle)).content.decode()
    assert f"/api/v1/cycles/{panel.cycle.pk}/export.csv" in page


# --- Issue 16 review: what the results say of an override, and HR's concurrent tabs ---------


def computed_order(cycle: AwardCycle) -> list[int]:
    decision = Decision.objects.get(cycle=cycle)
    return [row.candidate_id for row in deciding.snapshot_ranking(decision.snapshot)]


@pytest.mark.parametrize("change", ["unchanged", "below_the_winners"])
def test_an_override_that_keeps_the_winners_is_not_called_a_change(login, panel, change):
    panel.cycle = move(panel.cycle, Status.DECIDED)
    order = computed_order(panel.cycle)
    if change == "below_the_winners":
        order[1], order[2] = order[2], order[1]  # one winner: places 2 and 3 win nothing
    deciding.override_ranking(
        cycle=panel.cycle, by=panel.hr, ranking=order, justification=JUSTIFICATION
    )
    move(panel.cycle, Status.ANNOUNCED)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    assert "HR changed the order" not in page
    assert JUSTIFICATION not in page


def test_a_justification_written_before_it_was_public_stays_private(login, panel):
    panel.cycle = move(panel.cycle, Status.DECIDED)
    deciding.override_ranking(
        cycle=panel.cycle, by=panel.hr, ranking=[panel.tom.pk], justification=JUSTIFICATION
    )
    assert Decision.objects.get(cycle=panel.cycle).justification_public
    # Saved before HR was told its first sentence is public (the migration's False).
    Decision.objects.filter(cycle=panel.cycle).update(justification_public=False)
    move(panel.cycle, Status.ANNOUNCED)
    page = login(panel.bystander).get(results_url(panel.cycle)).content.decode()
    assert "HR changed the order" in page
    assert JUSTIFICATION not in page and "HR's reason" not in page


def test_the_justification_says_its_first_sentence_is_public(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    page = client.get(board_url(panel.cycle)).content.decode()
    assert "Its first sentence is shown on the public results" in page
    response = client.post(board_url(panel.cycle), {"ranking": [panel.tom.pk]})
    assert "Its first sentence is shown on the public results" in response.content.decode()


def base_of(page: str) -> str:
    """The override the reorder form was built from (its hidden `base`)."""
    return re.search(r'name="base"(?: value="([^"]*)")?', page).group(1) or ""


def test_a_save_from_a_page_built_before_another_save_is_refused_next_to_the_list(login, panel):
    panel.cycle = move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    page = client.get(board_url(panel.cycle)).content.decode()
    base = base_of(page)
    ids = standing_ids(page)
    # Another HR tab saves Eve first meanwhile.
    deciding.override_ranking(
        cycle=panel.cycle, by=panel.hr, ranking=[panel.eve.pk], justification=JUSTIFICATION
    )
    mine = [panel.tom.pk] + [pk for pk in ids if pk != panel.tom.pk]
    data = {"ranking": mine, "justification": "Tom's customers wrote in twice.", "base": base}
    response = client.post(board_url(panel.cycle), data)
    assert response.status_code == 200
    page = response.content.decode()
    error = page[page.index('id="id_ranking_error"') :]
    assert "The order was changed by someone else meanwhile" in error[: error.index("</ul>")]
    assert standing_ids(page)[0] == panel.eve.pk  # the order that stands now
    assert "Tom&#x27;s customers wrote in twice." in page  # kept for another try
    assert Decision.objects.get(cycle=panel.cycle).override_ranking[0] == panel.eve.pk
    # Saving again from this page, knowing of Eve, works.
    data["base"] = base_of(page)
    assert data["base"] != base
    assert client.post(board_url(panel.cycle), data).status_code == 302
    assert Award.objects.get(cycle=panel.cycle, rank=1).recipient == panel.tom


def test_a_tampered_list_with_a_candidate_twice_shows_each_once(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    ids = standing_ids(client.get(board_url(panel.cycle)).content.decode())
    twice = [ids[1], *ids]
    for data in (
        {"ranking": twice, "move": f"down:{ids[0]}"},
        {"ranking": twice, "justification": JUSTIFICATION},  # refused: appears twice
    ):
        shown = standing_ids(client.post(board_url(panel.cycle), data).content.decode())
        assert len(shown) == len(set(shown)) == len(ids), data
