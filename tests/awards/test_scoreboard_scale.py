"""The HR scoreboard at scale: one page of rows at a time, the same queries whatever the size of
the cycle, and live standings scored once per version of the cycle's scoring inputs (the
freshness of what is cached: test_scoreboard_freshness.py)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as accounts
from awards.models import AwardCycle, standings_changed
from cycles import scoreboard_cache
from cycles import services as awards
from cycles.results_views import SCOREBOARD_PAGE_SIZE
from nominations import services as nominations
from nominations.models import Evidence
from tests.awards.conftest import make_cycle
from tests.awards.test_judging import Panel
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination, move
from tests.thanks.conftest import approved, confirmed

Status = AwardCycle.Status
ROW = re.compile(
    r'<tr>\s*<td>(?P<rank>\d+)[^<]*(?:<span class="muted">\(\d+\)</span>)?</td>\s*'
    r'<th scope="row"><a href="[^"]*">(?P<name>[^<]+)</a>'
    r'.*?<td class="strong">(?P<composite>[\d.]+)</td>',
    re.S,
)


def board_url(cycle: AwardCycle, query: str = "") -> str:
    return reverse("awards:hr_scoreboard", args=[cycle.pk]) + query


def rows(page: str) -> list[dict]:
    """(rank, name, composite) of every row of the table, top to bottom."""
    return [
        {"rank": int(m["rank"]), "name": m["name"].strip(), "composite": m["composite"]}
        for m in ROW.finditer(page)
    ]


def row_of(page: str, name: str) -> dict | None:
    return next((row for row in rows(page) if row["name"] == name), None)


def cycle_of(size: int, month: dt.date, status: str = Status.OPEN) -> AwardCycle:
    cycle = make_cycle(month=month, status=Status.OPEN)
    for _ in range(size):
        make_nomination(nominator=make_user(), nominee=make_user(), cycle=cycle)
    return move(cycle, status) if status != Status.OPEN else cycle


@pytest.fixture
def hr(db):
    return make_user(full_name="Hana HR", hr=True)


# --- Pages ------------------------------------------------------------------------------------


def test_the_scoreboard_shows_fifty_rows_a_page_with_their_real_ranks(login, hr):
    cycle = cycle_of(60, dt.date(2030, 1, 1))
    client = login(hr)
    first = rows(client.get(board_url(cycle)).content.decode())
    second = rows(client.get(board_url(cycle, "?page=2")).content.decode())
    assert SCOREBOARD_PAGE_SIZE == 50
    assert [row["rank"] for row in first] == list(range(1, 51))
    assert [row["rank"] for row in second] == list(range(51, 61))


def test_the_sort_is_kept_across_pages_and_ranks_stay_real(login, hr):
    cycle = cycle_of(60, dt.date(2030, 1, 1))
    client = login(hr)
    page = client.get(board_url(cycle, "?sort=name")).content.decode()
    following = re.search(r'<a href="\?([^"]+)" rel="next">', page)
    assert following is not None
    assert "sort=name" in following[1] and "page=2" in following[1]
    second = client.get(board_url(cycle, "?sort=name&page=2")).content.decode()
    names = [row["name"] for row in rows(page) + rows(second)]
    assert len(names) == 60
    assert names == sorted(names, key=str.lower)
    ranks = sorted(row["rank"] for row in rows(page) + rows(second))
    assert ranks == list(range(1, 61))


@pytest.mark.parametrize("decided", [False, True])
def test_the_scoreboard_runs_the_same_queries_for_3_and_60_candidates(login, hr, decided):
    status = Status.DECIDED if decided else Status.JUDGING
    small = cycle_of(3, dt.date(2030, 1, 1), status)
    large = cycle_of(60, dt.date(2030, 2, 1), status)
    client = login(hr)
    client.get(reverse("awards:hall_of_fame"))  # the session's first request, out of the count
    counts = []
    for cycle in (small, large):
        cold_and_warm = []
        for _ in range(2):  # scores (or parses) the standings, then finds them cached
            with CaptureQueriesContext(connection) as queries:
                response = client.get(board_url(cycle))
            assert response.status_code == 200
            cold_and_warm.append(len(queries))
        counts.append(cold_and_warm)
    assert counts[0] == counts[1]
    assert counts[0][1] < counts[0][0]
    assert response.content.decode().count('role="img"') == SCOREBOARD_PAGE_SIZE


@pytest.mark.parametrize("sort", ["name", "composite"])
def test_a_sorted_page_runs_the_same_queries_for_3_and_60_candidates(login, hr, sort):
    small = cycle_of(3, dt.date(2030, 1, 1))
    large = cycle_of(60, dt.date(2030, 2, 1))
    client = login(hr)
    counts = []
    for cycle in (small, large):
        client.get(board_url(cycle))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(board_url(cycle, f"?sort={sort}")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_override_form_starts_from_the_top_candidates_only(login, hr):
    cycle = cycle_of(30, dt.date(2030, 1, 1), Status.DECIDED)
    page = login(hr).get(board_url(cycle)).content.decode()
    assert len(re.findall(r'<input type="hidden" name="ranking" value="\d+">', page)) == 10


def test_the_live_standings_are_scored_once_until_something_changes(login, hr, monkeypatch):
    cycle = cycle_of(3, dt.date(2030, 1, 1))
    client = login(hr)
    client.get(board_url(cycle))

    def refuse(cycle):
        raise AssertionError("scored again although nothing changed")

    monkeypatch.setattr(scoreboard_cache.scoring, "gather_all", refuse)
    assert len(rows(client.get(board_url(cycle)).content.decode())) == 3
    assert len(rows(client.get(board_url(cycle, "?sort=name")).content.decode())) == 3


def test_a_process_reads_a_board_from_the_shared_cache_once_per_version(login, hr, monkeypatch):
    from django.core.cache import cache

    cycle = cycle_of(3, dt.date(2030, 1, 1))
    client = login(hr)
    client.get(board_url(cycle))  # scored, and kept in the shared cache and in this process
    read = []
    real_get = cache.get
    monkeypatch.setattr(
        cache, "get", lambda key, *a, **k: read.append(key) or real_get(key, *a, **k)
    )
    client.get(board_url(cycle))
    assert not [key for key in read if ":scoreboard:" in key]

    scoreboard_cache.forget_recent()  # another worker: it reads the shared cache once
    client.get(board_url(cycle))
    client.get(board_url(cycle))
    assert len([key for key in read if ":scoreboard:" in key]) == 1

    standings_changed(cycle.pk)  # a new version is never served from memory
    read.clear()
    client.get(board_url(cycle))
    assert len([key for key in read if ":scoreboard:" in key]) == 1


# --- Every write through the services shows at once -------------------------------------------


def test_a_new_panel_score_shows_at_once(login, db):
    panel = Panel()
    client = login(panel.hr)
    before = row_of(client.get(board_url(panel.cycle)).content.decode(), "Nina Nominee")
    panel.score(panel.nina, 5)
    after = row_of(client.get(board_url(panel.cycle)).content.decode(), "Nina Nominee")
    assert float(after["composite"]) > float(before["composite"])
    assert after["rank"] == 1


def test_verifying_evidence_shows_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    nominee, nominator = make_user(full_name="Vera Verified"), make_user()
    nomination = make_nomination(nominator=nominator, nominee=nominee, cycle=cycle)
    item = nominations.add_evidence(
        nomination=nomination,
        by=nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="You finally explained it in plain words.",
        quote_source="Survey",
    )
    client = login(hr)
    before = row_of(client.get(board_url(cycle)).content.decode(), "Vera Verified")
    nominations.verify_evidence(evidence=Evidence.objects.get(pk=item.pk), by=hr, status="verified")
    after = row_of(client.get(board_url(cycle)).content.decode(), "Vera Verified")
    assert float(after["composite"]) > float(before["composite"])


def test_withdrawing_a_nomination_shows_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    nominator = make_user()
    make_nomination(nominator=make_user(), nominee=make_user(full_name="Stay Here"), cycle=cycle)
    gone = make_nomination(nominator=nominator, nominee=make_user(full_name="Wendy Withdrawn"))
    client = login(hr)
    assert row_of(client.get(board_url(cycle)).content.decode(), "Wendy Withdrawn")
    nominations.withdraw(nomination=gone, by=nominator)
    page = client.get(board_url(cycle)).content.decode()
    assert row_of(page, "Wendy Withdrawn") is None
    assert row_of(page, "Stay Here")["rank"] == 1


def test_approving_a_thank_you_for_the_cycle_shows_at_once(login, hr):
    from nominations.thanks import services as thanks

    cycle = make_cycle(status=Status.OPEN)
    make_nomination(nominator=make_user(), nominee=make_user(), cycle=cycle)
    tom = make_user(full_name="Tom Thanked")
    waiting = confirmed(tom)
    client = login(hr)
    assert row_of(client.get(board_url(cycle)).content.decode(), "Tom Thanked") is None
    thanks.moderate_thanks(thank_you=waiting, by=hr, decision="approve")
    assert row_of(client.get(board_url(cycle)).content.decode(), "Tom Thanked")


def test_a_second_thank_you_raises_the_score_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    tom = make_user(full_name="Tom Thanked")
    approved(tom, by=hr, email="first@customer.example")
    client = login(hr)
    before = row_of(client.get(board_url(cycle)).content.decode(), "Tom Thanked")
    approved(tom, by=hr, email="second@customer.example")
    after = row_of(client.get(board_url(cycle)).content.decode(), "Tom Thanked")
    assert float(after["composite"]) > float(before["composite"])


def test_deactivating_a_nominee_shows_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    leaver = make_user(full_name="Lee Leaver")
    make_nomination(nominator=make_user(), nominee=leaver, cycle=cycle)
    client = login(hr)
    assert row_of(client.get(board_url(cycle)).content.decode(), "Lee Leaver")
    accounts.deactivate(person=leaver, by=hr)
    assert row_of(client.get(board_url(cycle)).content.decode(), "Lee Leaver") is None


def test_a_rubric_weight_change_shows_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    nominee, nominator = make_user(full_name="Rubi Rubric"), make_user()
    make_nomination(nominator=nominator, nominee=nominee, cycle=cycle)
    client = login(hr)
    before = row_of(client.get(board_url(cycle)).content.decode(), "Rubi Rubric")
    items = [
        {"name": "Evidence", "kind": "customer_evidence", "weight": 55, "half_point": 5},
        {"name": "Peers", "kind": "peer_support", "weight": 45, "half_point": 2},
    ]
    awards.replace_rubric(cycle=cycle, criteria=items, by=None)
    page = client.get(board_url(cycle)).content.decode()
    assert "(45%)" in page
    assert row_of(page, "Rubi Rubric")["composite"] != before["composite"]


def test_renaming_a_candidate_moves_them_in_the_name_order_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    zed = make_user(full_name="Zed Last")
    make_nomination(nominator=make_user(), nominee=make_user(full_name="Mia Middle"), cycle=cycle)
    make_nomination(nominator=make_user(), nominee=zed, cycle=cycle)
    client = login(hr)
    page = client.get(board_url(cycle, "?sort=name")).content.decode()
    assert [row["name"] for row in rows(page)] == ["Mia Middle", "Zed Last"]
    accounts.update_profile(
        person=zed, by=zed, full_name="Abe First", preferred_name="", job_title=""
    )
    page = client.get(board_url(cycle, "?sort=name")).content.decode()
    assert [row["name"] for row in rows(page)] == ["Abe First", "Mia Middle"]


# --- The rows, written afresh with their people -----------------------------------------------


def test_a_renamed_department_shows_at_once(login, hr):
    cycle = make_cycle(status=Status.OPEN)
    department = make_department("Billing")
    make_nomination(
        nominator=make_user(),
        nominee=make_user(full_name="Dee Dept", department=department),
        cycle=cycle,
    )
    client = login(hr)
    assert "Billing" in client.get(board_url(cycle)).content.decode()
    department.name = "Billing and collections"
    department.save()
    assert "Billing and collections" in client.get(board_url(cycle)).content.decode()
