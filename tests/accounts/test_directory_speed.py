"""The people directory stays cheap as the company grows: one query for a page of people
(no COUNT), the same behaviour with and without JavaScript."""

import re

import pytest
from django.urls import reverse

from accounts.views import DIRECTORY_PAGE_SIZE
from tests.conftest import make_department, make_user

DIRECTORY_URL = reverse("accounts:directory")
HTMX = {"HX-Request": "true", "HX-Target": "directory-results"}


def card_names(response) -> list[str]:
    return re.findall(r'<a class="strong" href="[^"]+">([^<]+)</a>', response.content.decode())


def next_link(response) -> str | None:
    match = re.search(r'<a href="(\?[^"]+)" rel="next">Next</a>', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def test_every_word_must_match_one_of_the_fields(login, employee):
    lyon = make_department("Lyon Office")
    make_user(full_name="Ada Berg", department=lyon)
    make_user(full_name="Ada Stone", job_title="Lyon liaison")
    make_user(full_name="Ada Moss")
    make_user(full_name="Bo Lind", department=lyon)

    response = login(employee).get(DIRECTORY_URL, {"q": "ada LYON"})

    assert card_names(response) == ["Ada Berg", "Ada Stone"]
    assert "2 people match “ada LYON”." in response.content.decode()


def test_a_department_name_finds_its_members(login, employee):
    sales = make_department("Field Sales")
    make_user(full_name="Cy Ames", department=sales)
    make_user(full_name="Di Ross", department=make_department("Finance"))

    response = login(employee).get(DIRECTORY_URL, {"q": "sales"})

    assert card_names(response) == ["Cy Ames"]


def test_the_search_also_reads_preferred_names_and_emails(login, employee):
    make_user(full_name="Margaret Ode", preferred_name="Peggy")
    make_user("quill@example.com", full_name="Ned Quill")

    client = login(employee)

    assert card_names(client.get(DIRECTORY_URL, {"q": "peggy"})) == ["Margaret Ode"]
    assert card_names(client.get(DIRECTORY_URL, {"q": "QUILL@"})) == ["Ned Quill"]


def test_people_who_left_are_not_found(login, employee):
    make_user(full_name="Zia Here")
    make_user(full_name="Zia Gone", is_active=False)

    response = login(employee).get(DIRECTORY_URL, {"q": "zia"})

    assert card_names(response) == ["Zia Here"]
    assert "1 person match" in response.content.decode()


def test_pages_follow_one_another_by_name_without_javascript(login, employee):
    people = 2 * DIRECTORY_PAGE_SIZE + 3
    for n in reversed(range(people)):
        make_user(full_name=f"Ana {n:03}")
    client = login(employee)

    first = client.get(DIRECTORY_URL, {"q": "ana"})
    assert card_names(first) == [f"Ana {n:03}" for n in range(DIRECTORY_PAGE_SIZE)]
    assert f"More than {DIRECTORY_PAGE_SIZE} people match “ana”." in first.content.decode()
    assert 'rel="prev"' not in first.content.decode()

    second = client.get(DIRECTORY_URL + next_link(first))
    assert card_names(second)[0] == f"Ana {DIRECTORY_PAGE_SIZE:03}"
    assert 'rel="prev"' in second.content.decode()

    last = client.get(DIRECTORY_URL + next_link(second))
    assert card_names(last) == [f"Ana {n:03}" for n in range(2 * DIRECTORY_PAGE_SIZE, people)]
    assert f"{people} people match “ana”." in last.content.decode()  # exact on the last page
    assert next_link(last) is None
    assert "Page 3" in last.content.decode()


def test_the_htmx_results_carry_their_own_page_links(login, employee):
    for n in range(DIRECTORY_PAGE_SIZE + 1):
        make_user(full_name=f"Bea {n:03}")

    response = login(employee).get(DIRECTORY_URL, {"q": "bea"}, headers=HTMX)

    assert b"<html" not in response.content
    assert len(card_names(response)) == DIRECTORY_PAGE_SIZE
    assert next_link(response) == "?q=bea&page=2"


# Not named "page": pytest-playwright parametrizes any test asking for a "page" with a browser,
# which would also move the browser tests (that flush the database) among these.
@pytest.mark.parametrize("number", ["abc", "0", "-1", "99999999999999999999999"])
def test_a_junk_page_number_shows_the_first_page(login, employee, number):
    make_user(full_name="Cleo Page")

    response = login(employee).get(DIRECTORY_URL, {"q": "cleo", "page": number})

    assert response.status_code == 200
    assert card_names(response) == ["Cleo Page"]


def test_a_page_past_the_end_offers_the_way_back(login, employee):
    make_user(full_name="Dot Last")

    response = login(employee).get(DIRECTORY_URL, {"q": "dot", "page": "4"})

    assert response.status_code == 200
    assert card_names(response) == []
    assert '<a href="?q=dot">Go to the first page</a>' in response.content.decode()


@pytest.mark.parametrize("people", [5, 60])
def test_the_query_count_does_not_grow_with_the_company(
    login, employee, people, django_assert_num_queries
):
    teams = [make_department(f"Team {n}") for n in range(3)]
    for n in range(people):
        make_user(full_name=f"Mara {n:03}", department=teams[n % 3], job_title="Agent")
    client = login(employee)
    client.get(DIRECTORY_URL)  # the session's first-visit bookkeeping

    # The session, its user with their roles, then one query for the page: no COUNT, no query
    # per person or department, no write. And the bell's unread count, as on every page.
    with django_assert_num_queries(4):
        response = client.get(DIRECTORY_URL, {"q": "mar agent"})

    assert len(card_names(response)) == min(people, DIRECTORY_PAGE_SIZE)
