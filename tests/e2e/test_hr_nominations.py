"""HR finds a cycle's nominations in a real browser: from the cycle page, filtered, and from a
name on the scoreboard. Every page is checked with axe-core."""

import pytest
from playwright.sync_api import expect

from awards.models import AwardCycle
from nominations import services as nominations
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.nominations.conftest import make_nomination

pytestmark = pytest.mark.browser


def test_hr_lists_filters_and_reaches_a_candidates_nominations(open_page):
    support = make_department("Support", faces_customers=True)
    billing = make_department("Billing")
    hr = make_user(full_name="Hana HR", hr=True)
    omar = make_user(full_name="Omar Nominator")
    nina = make_user(full_name="Nina Nominee", department=support)
    tom = make_user(full_name="Tom Tester", department=billing)
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    called = make_nomination(nominator=omar, nominee=nina, headline="Called every customer back")
    nominations.add_evidence(
        nomination=called,
        by=omar,
        kind="customer_words",
        quote="She called me back the same day.",
        quote_source="A support call",
    )
    make_nomination(nominator=omar, nominee=tom, headline="Fixed the invoice template")

    page = open_page(hr)
    visit(page, f"/hr/cycles/{cycle.pk}/")
    page.get_by_role("navigation", name="This cycle").get_by_role(
        "link", name="Nominations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nominations of {cycle.title}")
    assert_accessible(page)
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)  # the head and two nominations

    page.get_by_label("Nominee's department").select_option(label="Billing")
    page.get_by_role("button", name="Filter").click()
    assert_accessible(page, label="filtered by department")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Fixed the invoice template")

    page.get_by_label("Nominee's department").select_option(label="Every department")
    page.get_by_label("Evidence").select_option(label="Some evidence waits for verification")
    page.get_by_role("button", name="Filter").click()
    assert_accessible(page, label="filtered by evidence")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("0 verified · 0 disputed · 1 waiting")

    visit(page, f"/hr/cycles/{cycle.pk}/scoreboard/")
    page.get_by_role("link", name="Tom Tester").click()
    assert_accessible(page, label="one candidate's nominations")
    expect(page.get_by_text("Showing the nominations of Tom Tester.")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)
    page.get_by_role("link", name="Fixed the invoice template").click()
    expect(page.get_by_role("heading", name="Fixed the invoice template")).to_be_visible()
    assert_accessible(page)
