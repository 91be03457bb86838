"""The colleague picker's server side (accounts/picker.py): at most PICKER_LIMIT matches are
offered, and when more people match, the count says so instead of stopping at the limit."""

import pytest
from django.urls import reverse

from accounts.picker import PICKER_LIMIT, colleague_picker
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MORE = "More than 8 colleagues found; type more to narrow the list"


def agents(count: int) -> list:
    return [make_user(full_name=f"Agent {n:02}") for n in range(count)]


def test_the_limit_is_eight():
    assert PICKER_LIMIT == 8  # the messages below spell it


def test_exactly_the_limit_is_counted_and_not_more(django_assert_num_queries):
    agents(PICKER_LIMIT)
    with django_assert_num_queries(1):
        picker = colleague_picker(field="nominee", q="agent", selected=[])
    assert len(picker["people"]) == PICKER_LIMIT
    assert picker["found"] == PICKER_LIMIT and picker["more"] is False


def test_one_past_the_limit_says_that_more_match(django_assert_num_queries):
    agents(PICKER_LIMIT + 1)
    with django_assert_num_queries(1):
        picker = colleague_picker(field="nominee", q="agent", selected=[])
    assert len(picker["people"]) == PICKER_LIMIT
    assert picker["found"] == PICKER_LIMIT and picker["more"] is True


def test_the_picked_colleagues_do_not_hide_that_more_match(django_assert_num_queries):
    people = agents(PICKER_LIMIT + 3)
    picked = [people[0].pk, people[-1].pk]
    with django_assert_num_queries(2):
        picker = colleague_picker(field="people", q="agent", selected=picked)
    # The two picked first, then eight more: ten listed, one left out.
    assert [p.pk for p in picker["people"][:2]] == picked
    assert len(picker["people"]) == PICKER_LIMIT + 2
    assert picker["found"] == PICKER_LIMIT + 2 and picker["more"] is True


def test_the_picked_colleagues_are_not_counted_as_more(django_assert_num_queries):
    people = agents(PICKER_LIMIT + 1)
    picker = colleague_picker(field="people", q="agent", selected=[people[3].pk])
    assert len(picker["people"]) == PICKER_LIMIT + 1
    assert picker["found"] == PICKER_LIMIT + 1 and picker["more"] is False


def test_the_search_announces_more_than_the_limit(login):
    agents(PICKER_LIMIT + 1)
    client = login(make_user(full_name="Omar Searcher"))
    url = reverse("nominations:nominee_search")
    html = client.get(url, {"q": " agent "}, headers=HTMX).content.decode()
    assert f'<span hx-swap-oob="innerHTML:#nominee-count">{MORE}</span>' in html
    assert html.count('type="radio"') == PICKER_LIMIT
    # The matches say which text they answer (picker.js compares it with the box's).
    assert '<div class="picker-matches" data-picker-q="agent">' in html
