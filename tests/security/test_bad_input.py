"""No query string makes any page or API list answer 500 (DESIGN §6: "No input may produce a
500"). Every GET route of the site is tried, as HR (who can open the most), so pages added
later are covered. Run it on PostgreSQL too: it refuses NUL characters that SQLite accepts.
"""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import our_schema
from tests.security.conftest import all_routes

NASTY_VALUES = {
    "nul": "a\x00b",
    "quote": "' OR 1=1 --",
    "wildcards": "%_%",
    "huge_number": "9" * 40,
    "negative": "-1",
    "markup": "<script>alert(1)</script>",
    "long": "ü" * 2000,
}
# The query parameters our pages and API read, plus a few that later pages are likely to.
PARAMETERS = [
    "q",
    "page",
    "page_size",
    "verb",
    "field",
    "nomination",
    "status",
    "kind",
    "cycle",
    "department",
    "tag",
    "person",
    "cursor",
    "sort",
]

# Our own pages: allauth's and the admin's are theirs, and the API is tried below.
PAGES = [
    r.url
    for r in all_routes()
    if r.url and not r.route.startswith(("accounts/", "admin/", "api/", "media/"))
]
API_LISTS = [
    path.replace("{id}", "1")
    for path, methods in our_schema()["paths"].items()
    if "get" in methods and methods["get"].get("security")
]


def query(value: str) -> dict[str, str]:
    return dict.fromkeys(PARAMETERS, value)


@pytest.mark.parametrize("value", NASTY_VALUES.values(), ids=NASTY_VALUES.keys())
def test_no_page_fails_on_a_strange_query_string(login, hr_user, value):
    client = login(hr_user)
    client.raise_request_exception = False  # collect every failing page, not just the first
    failures = []
    for url in PAGES:
        response = client.get(url, query(value))
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        htmx = client.get(url, query(value), headers={"HX-Request": "true"})
        if htmx.status_code >= 500:
            failures.append(f"{url} (htmx): {htmx.status_code}")
    assert not failures


@pytest.mark.parametrize("value", NASTY_VALUES.values(), ids=NASTY_VALUES.keys())
def test_no_api_read_fails_on_a_strange_query_string(hr_user, value):
    client = APIClient()
    client.force_authenticate(hr_user)
    client.raise_request_exception = False
    failures = []
    for path in API_LISTS:
        response = client.get(path, query(value))
        if response.status_code >= 500:
            failures.append(f"{path}: {response.status_code}")
    assert not failures


def test_there_are_pages_and_api_reads_to_try():
    assert len(PAGES) > 10
    assert len(API_LISTS) > 3
