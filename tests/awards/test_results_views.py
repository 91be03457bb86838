"""The scoreboard (HR), the override of a decided order, the hall of fame and a cycle's results."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import Award, AwardCycle, Decision
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


def test_an_override_without_justification_is_refused_next_to_the_field(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.hr).post(
        board_url(panel.cycle), {"ranking": f"{panel.tom.pk} Tom", "justification": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_justification_error"' in page
    assert "Explain why the order changes" in page
    assert Decision.objects.get(cycle=panel.cycle).override_ranking is None


def test_an_override_with_a_justification_reorders_and_is_shown(login, panel):
    move(panel.cycle, Status.DECIDED)
    client = login(panel.hr)
    response = client.post(
        board_url(panel.cycle),
        {"ranking": f"{panel.tom.pk} Tom Thanked", "justification": JUSTIFICATION},
    )
    assert response.status_code == 302
    assert Award.objects.get(cycle=panel.cycle, rank=1).recipient == panel.tom
    page = client.get(board_url(panel.cycle)).content.decode()
    assert "HR changed the order" in page and JUSTIFICATION in page


def test_a_ranking_that_is_not_ids_gets_a_readable_error(login, panel):
    move(panel.cycle, Status.DECIDED)
    response = login(panel.hr).post(
        board_url(panel.cycle), {"ranking": "Tom", "justification": JUSTIFICATION}
    )
    assert 'id="id_ranking_error"' in response.content.decode()


def test_the_override_form_reads_the_leading_number_of_each_line():
    from cycles.results_views import OverrideForm

    form = OverrideForm({"ranking": "12. Tom Thanked\n\n  7 — Ann\r\n3,", "justification": ""})
    assert form.is_valid()
    assert form.cleaned_data["ranking"] == [12, 7, 3]
    for text in ("Tom", "12\n-3 Ann", "١٢ Tom"):
        form = OverrideForm({"ranking": text, "justification": ""})
        assert form.errors == {"ranking": ["The ranking must be a list of candidate ids."]}, text


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
