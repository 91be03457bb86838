"""HR's list of a cycle's nominations (/hr/cycles/<id>/nominations/): who may see it, what a
row says, the filters, the order, the pages, the links from the cycle and the scoreboard."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import AwardCycle, JudgeAssignment
from nominations import services
from nominations.models import Evidence, Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import make_nomination
from tests.thanks.conftest import approved

Status = AwardCycle.Status


def list_url(cycle: AwardCycle) -> str:
    return reverse("awards:hr_nominations", args=[cycle.pk])


def words(nominee, by, quote="She called back the same day.") -> Evidence:
    nomination = Nomination.objects.get(nominee=nominee)
    return services.add_evidence(
        nomination=nomination, by=by, kind="customer_words", quote=quote, quote_source="A call"
    )


class Cast:
    """Three nominations in an open cycle: Nina's evidence verified, Tom's disputed, Ada's
    withdrawn without evidence; Leo endorsed Nina's."""

    def __init__(self) -> None:
        self.cycle = make_cycle(status=Status.OPEN)
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.support = make_department("Support")
        self.billing = make_department("Billing")
        self.omar = make_user(full_name="Omar Nominator")
        self.nina = make_user(full_name="Nina Nominee", department=self.support)
        self.tom = make_user(full_name="Tom Tester", department=self.billing)
        self.ada = make_user(full_name="Ada Archer", department=self.support)
        self.leo = make_user(full_name="Leo Martin")
        self.first = make_nomination(nominator=self.omar, nominee=self.nina, headline="Called back")
        self.second = make_nomination(nominator=self.omar, nominee=self.tom, headline="Fixed it")
        self.third = make_nomination(nominator=self.omar, nominee=self.ada, headline="Withdrawn")
        services.verify_evidence(
            evidence=words(self.nina, self.omar), by=self.hr, status="verified"
        )
        services.verify_evidence(
            evidence=words(self.tom, self.omar), by=self.hr, status="disputed", note="No call."
        )
        words(self.nina, self.omar, quote="Second quote, not yet verified.")
        services.endorse(nomination=self.first, by=self.leo, comment="Yes, I saw it.")
        services.withdraw(nomination=self.third, by=self.omar)


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


def headlines(response) -> list[str]:
    return [n.headline for n in response.context["page"].object_list]


def test_anonymous_visitors_are_sent_to_log_in(client, cast):
    response = client.get(list_url(cast.cycle))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["omar", "nina", "judge"])
def test_anyone_but_hr_is_refused(login, cast, who):
    if who == "judge":
        user = make_user(full_name="Jude Judge")
        JudgeAssignment.objects.create(cycle=cast.cycle, judge=user)
    else:
        user = getattr(cast, who)
    assert login(user).get(list_url(cast.cycle)).status_code == 403


def test_an_unknown_cycle_is_404(login, cast):
    assert login(cast.hr).get(reverse("awards:hr_nominations", args=[99999])).status_code == 404


def test_hr_sees_every_nomination_with_its_evidence_and_endorsements(login, cast):
    response = login(cast.hr).get(list_url(cast.cycle))
    assert response.status_code == 200
    assert headlines(response) == ["Withdrawn", "Fixed it", "Called back"]  # newest first
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)[1:]
    nina = " ".join(rows[2].split())
    assert "Nina Nominee" in nina and "Support" in nina
    assert f'href="{cast.first.get_absolute_url()}"' in nina
    assert "Omar Nominator" in nina
    assert "Active" in nina
    assert "2 items" in nina and "4.5 points" in nina  # 3 verified + 3 × 0.5
    assert "1 verified · 0 disputed · 1 waiting" in nina
    assert re.search(r"<td>1</td>", nina)  # one endorsement
    tom = " ".join(rows[1].split())
    assert "0 verified · 1 disputed · 0 waiting" in tom and "0 points" in tom
    ada = " ".join(rows[0].split())
    assert "Withdrawn" in ada and "0 items" in ada


def test_hr_sees_the_nominators_even_when_judging_is_blind(login, cast):
    JudgeAssignment.objects.create(cycle=cast.cycle, judge=cast.hr)  # HR on the panel too
    assert cast.cycle.blind_judging
    page = login(cast.hr).get(list_url(cast.cycle)).content.decode()
    assert page.count("Omar Nominator") == 3


def test_a_customer_sourced_nomination_says_where_it_came_from(login, cast):
    Nomination.objects.filter(pk=cast.second.pk).update(nominator=None, source="customer")
    page = login(cast.hr).get(list_url(cast.cycle)).content.decode()
    assert "A customer" in page


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "active"}, ["Fixed it", "Called back"]),
        ({"status": "withdrawn"}, ["Withdrawn"]),
        ({"department": "billing"}, ["Fixed it"]),
        ({"q": "nina"}, ["Called back"]),
        ({"q": "ARCH"}, ["Withdrawn"]),
        ({"evidence": "waiting"}, ["Called back"]),
        ({"evidence": "disputed"}, ["Fixed it"]),
        ({"evidence": "none"}, ["Withdrawn"]),
        ({"status": "active", "department": "support"}, ["Called back"]),
    ],
)
def test_filters_narrow_the_list(login, cast, filters, expected):
    if "department" in filters:
        filters["department"] = getattr(cast, filters["department"]).pk
    response = login(cast.hr).get(list_url(cast.cycle), filters)
    assert headlines(response) == expected


def test_all_verified_means_every_item_is_verified(login, cast):
    client = login(cast.hr)
    assert headlines(client.get(list_url(cast.cycle), {"evidence": "verified"})) == []
    waiting = Evidence.objects.get(quote="Second quote, not yet verified.")
    services.verify_evidence(evidence=waiting, by=cast.hr, status="verified")
    assert headlines(client.get(list_url(cast.cycle), {"evidence": "verified"})) == ["Called back"]


def test_the_list_can_be_sorted(login, cast):
    client = login(cast.hr)
    by_name = client.get(list_url(cast.cycle), {"sort": "nominee"})
    assert headlines(by_name) == ["Withdrawn", "Called back", "Fixed it"]  # Ada, Nina, Tom
    by_points = client.get(list_url(cast.cycle), {"sort": "points"})
    assert headlines(by_points)[0] == "Called back"
    oldest = client.get(list_url(cast.cycle), {"sort": "oldest"})
    assert headlines(oldest) == ["Called back", "Fixed it", "Withdrawn"]


def test_one_nominees_list_names_them_and_offers_every_nominee_again(login, cast):
    response = login(cast.hr).get(list_url(cast.cycle), {"nominee": cast.tom.pk})
    assert headlines(response) == ["Fixed it"]
    page = response.content.decode()
    assert "Showing the nominations of Tom Tester." in page
    assert "Show every nominee" in page
    assert f'type="hidden" name="nominee" value="{cast.tom.pk}"' in page


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "won"}, "status"),
        ({"department": "abc"}, "department"),
        ({"department": "999999"}, "department"),
        ({"evidence": "<script>"}, "evidence"),
        ({"sort": "-password"}, "sort"),
        ({"q": "x" * 101}, "q"),
        ({"q": "nul\x00"}, "q"),
        ({"nominee": "me"}, "nominee"),
        ({"nominee": str(2**63)}, "nominee"),
        ({"page": "last"}, None),
    ],
)
def test_junk_filters_are_reported_and_never_break_the_page(login, cast, filters, field):
    response = login(cast.hr).get(list_url(cast.cycle), filters)
    assert response.status_code == 200
    if field is not None:
        assert field in response.context["form"].errors
    if field in ("status", "department", "evidence", "sort"):
        assert "Choose one of the options in the list." in response.content.decode()
    if field == "nominee":
        assert "The link named no nominee: every nominee is shown." in response.content.decode()
    assert b"<script>" not in response.content
    # A filter HR mistyped is left out: the list still shows every nomination.
    assert len(headlines(response)) == 3


def test_an_empty_list_says_so(login, cast):
    response = login(cast.hr).get(list_url(cast.cycle), {"q": "nobody by that name"})
    assert "No nomination matches these filters." in response.content.decode()
    other = make_cycle(month=cast.cycle.month.replace(year=2031))
    page = login(cast.hr).get(list_url(other)).content.decode()
    assert "Nobody has been nominated in this cycle yet." in page


def test_the_list_is_paginated(login, cast, monkeypatch):
    monkeypatch.setattr("cycles.nomination_views.NOMINATIONS_PAGE_SIZE", 2)
    client = login(cast.hr)
    first = client.get(list_url(cast.cycle), {"status": "", "sort": "oldest"})
    assert headlines(first) == ["Called back", "Fixed it"]
    second = client.get(list_url(cast.cycle), {"sort": "oldest", "page": 2})
    assert headlines(second) == ["Withdrawn"]
    assert "sort=oldest&amp;page=2" in first.content.decode()


def make_more(cast: Cast, n: int) -> None:
    for _ in range(n):
        nominee = make_user(department=cast.support)
        nomination = make_nomination(nominator=cast.omar, nominee=nominee)
        services.add_evidence(
            nomination=nomination, by=cast.omar, kind="customer_words", quote="Thanks!"
        )
        services.endorse(nomination=nomination, by=cast.leo, comment="Seconded.")


@pytest.mark.parametrize(
    "filters",
    [
        lambda cast: {},
        # Matches Nina's nomination, then the twelve more too: rows at both sizes.
        lambda cast: {"department": cast.support.pk, "evidence": "waiting", "q": "e"},
    ],
    ids=["unfiltered", "filtered"],
)
def test_the_list_costs_the_same_queries_at_any_size(
    login, cast, django_assert_num_queries, filters
):
    client = login(cast.hr)
    client.get(list_url(cast.cycle))  # the first request of a session writes to it
    with CaptureQueriesContext(connection) as small:
        response = client.get(list_url(cast.cycle), filters(cast))
    few = len(headlines(response))
    make_more(cast, 12)
    with django_assert_num_queries(len(small)):
        response = client.get(list_url(cast.cycle), filters(cast))
    assert few > 0
    assert len(headlines(response)) == few + 12


def test_the_cycle_page_links_to_its_nominations(login, cast):
    page = login(cast.hr).get(reverse("awards:hr_cycle", args=[cast.cycle.pk])).content.decode()
    assert f'href="{list_url(cast.cycle)}"' in page


def test_each_name_on_the_scoreboard_links_to_that_candidates_nominations(login, cast):
    url = reverse("awards:hr_scoreboard", args=[cast.cycle.pk])
    page = login(cast.hr).get(url).content.decode()
    assert f'<a href="{list_url(cast.cycle)}?nominee={cast.nina.pk}">Nina Nominee</a>' in page
    assert f'<a href="{list_url(cast.cycle)}?nominee={cast.tom.pk}">Tom Tester</a>' in page


def test_a_candidate_through_thank_yous_only_is_told_why_their_list_is_empty(login, cast):
    zoe = make_user(full_name="Zoe Thanked", department=cast.support)
    thank_you = approved(zoe, by=cast.hr)
    assert thank_you.cycle == cast.cycle
    client = login(cast.hr)
    board = client.get(reverse("awards:hr_scoreboard", args=[cast.cycle.pk])).content.decode()
    assert f'<a href="{list_url(cast.cycle)}?nominee={zoe.pk}">Zoe Thanked</a>' in board

    response = client.get(list_url(cast.cycle), {"nominee": zoe.pk})
    assert headlines(response) == []
    assert (
        "Zoe Thanked is a candidate through customer thank-yous only, with no nomination in "
        "this cycle." in response.content.decode()
    )


def test_a_nominee_whose_nominations_the_filters_hide_is_not_called_thanks_only(login, cast):
    approved(cast.nina, by=cast.hr)
    response = login(cast.hr).get(
        list_url(cast.cycle), {"nominee": cast.nina.pk, "status": "withdrawn"}
    )
    page = response.content.decode()
    assert headlines(response) == []
    assert "Showing the nominations of Nina Nominee." in page
    assert "thank-yous only" not in page
