"""GET /api/v1/nominations with the filters of HR's list of a cycle's nominations: nominee,
department, a name search and the state of the evidence. The same QuerySet rules as the page."""

import pytest
from django.urls import reverse

from nominations import services
from nominations.models import Evidence
from tests.awards.test_nomination_list import Cast

NOMINATIONS = reverse("api-nominations")


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


def headlines(client, **query) -> list[str]:
    response = client.get(NOMINATIONS, {"cycle": query.pop("cycle"), **query})
    assert response.status_code == 200, response.json()
    return [n["headline"] for n in response.json()["results"]]


def test_hr_filters_a_cycles_nominations_as_on_the_page(api, cast):
    hr = api(cast.hr)
    cycle = cast.cycle.pk
    assert headlines(hr, cycle=cycle) == ["Withdrawn", "Fixed it", "Called back"]
    assert headlines(hr, cycle=cycle, nominee=cast.tom.pk) == ["Fixed it"]
    assert headlines(hr, cycle=cycle, department=cast.support.pk) == ["Withdrawn", "Called back"]
    assert headlines(hr, cycle=cycle, q="nina") == ["Called back"]
    assert headlines(hr, cycle=cycle, evidence="waiting") == ["Called back"]
    assert headlines(hr, cycle=cycle, evidence="disputed") == ["Fixed it"]
    assert headlines(hr, cycle=cycle, evidence="none") == ["Withdrawn"]
    assert headlines(hr, cycle=cycle, evidence="verified") == []
    assert headlines(hr, cycle=cycle, status="active", department=cast.support.pk) == [
        "Called back"
    ]


def test_filters_never_widen_what_a_caller_may_see(api, cast):
    # Leo endorsed Nina's nomination: he sees that one, whatever he asks for.
    leo = api(cast.leo)
    assert headlines(leo, cycle=cast.cycle.pk) == ["Called back"]
    assert headlines(leo, cycle=cast.cycle.pk, nominee=cast.tom.pk) == []
    assert headlines(leo, cycle=cast.cycle.pk, evidence="disputed") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"evidence": "all"}, "evidence"),
        ({"nominee": "me"}, "nominee"),
        ({"department": "0"}, "department"),
        ({"department": str(10**30)}, "department"),
        ({"q": "x" * 101}, "q"),
        ({"q": "nul\x00"}, "q"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(api, cast, query, field):
    response = api(cast.hr).get(NOMINATIONS, query)
    assert response.status_code == 400
    assert field in response.json()


def test_verified_means_every_item_is_verified(api, cast):
    waiting = Evidence.objects.get(quote="Second quote, not yet verified.")
    services.verify_evidence(evidence=waiting, by=cast.hr, status="verified")
    assert headlines(api(cast.hr), cycle=cast.cycle.pk, evidence="verified") == ["Called back"]
