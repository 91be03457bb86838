"""HR's irreversible steps ask first, and the decided order changes by name (issue 16).

Each phase button of the cycle page leads to a page saying what the move will do, with its
real counts; only its "Yes, …" button moves the cycle. On the scoreboard HR reorders the
decided candidates with "Move up" / "Move down" driven from the keyboard alone, focus staying
on the same button of the moved row after each move, with JavaScript and without; the
justification is required. Once announced, the results say that HR changed the order and why,
and fit a 320 px screen. Every page is checked with axe-core.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from awards.models import Award, AwardCycle
from cycles import judging
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.nominations.conftest import make_nomination, move

pytestmark = pytest.mark.browser

WHY = "Leo's customers wrote to the board about him. The panel met twice to agree on it."


def press(page: Page, key: str) -> None:
    """A key on whatever has focus; a key that loads a page waits for it and checks it."""
    with page.expect_navigation():
        page.keyboard.press(key)
    assert_accessible(page)


def focused_button(page: Page) -> str:
    return page.evaluate("document.activeElement.value || document.activeElement.textContent")


def order_on_page(page: Page) -> list[str]:
    return page.locator(".reorder-row strong").all_inner_texts()


@pytest.fixture
def cycle_in_review(db):
    support = make_department("Support", faces_customers=True)
    hr = make_user(full_name="Hana HR", hr=True)
    people = {
        name: make_user(full_name=name, department=support)
        for name in ("Nina Nominee", "Leo Martin", "Ava Quinn")
    }
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    for person in people.values():
        make_nomination(nominator=make_user(), nominee=person, cycle=cycle)
    make_nomination(nominator=make_user(), nominee=people["Nina Nominee"], cycle=cycle)
    judging.assign_judges(cycle=cycle, judges=[make_user(full_name="Jude Judge")], by=hr)
    return hr, cycle, people


def confirm_move(page: Page, cycle: AwardCycle, button: str, says: list[str]) -> None:
    """From the cycle page, by keyboard: the phase button asks first; "Yes" moves."""
    visit(page, f"/hr/cycles/{cycle.pk}/")
    page.get_by_role("button", name=button).focus()
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{button}?")
    for sentence in says:
        expect(page.locator(".consequences")).to_contain_text(sentence)
    cycle.refresh_from_db()
    status = cycle.status
    # Nothing is focused for HR: an Enter too many must not make an irreversible move.
    expect(page.get_by_role("button", name=re.compile("^Yes, "))).not_to_be_focused()
    page.get_by_role("button", name=re.compile("^Yes, ")).focus()
    press(page, "Enter")
    cycle.refresh_from_db()
    assert cycle.status != status
    expect(page).to_have_url(re.compile(re.escape(cycle.get_absolute_url()) + "$"))


def test_hr_confirms_each_step_and_reorders_by_name_with_the_keyboard(open_page, cycle_in_review):
    hr, cycle, people = cycle_in_review
    office = open_page(hr)

    # Cancel leaves the cycle as it was.
    visit(office, f"/hr/cycles/{cycle.pk}/")
    office.get_by_role("button", name="Close nominations and start judging").click()
    assert_accessible(office)
    office.get_by_role("link", name="Cancel").click()
    assert_accessible(office)
    cycle.refresh_from_db()
    assert cycle.status == AwardCycle.Status.OPEN

    confirm_move(
        office,
        cycle,
        "Close nominations and start judging",
        ["4 nominations will be frozen", "3 candidates will be scored", "1 judge can start"],
    )
    expect(office.locator(".messages")).to_contain_text("judging has started")
    confirm_move(
        office,
        cycle,
        "Close judging and decide",
        ["3 candidates will be ranked", "As the scoreboard stands now, the winner will be"],
    )
    expect(office.get_by_role("heading", name="Winners (not announced yet)")).to_be_visible()

    # The scoreboard: the decided candidates by name, moved with the keyboard alone.
    visit(office, f"/hr/cycles/{cycle.pk}/scoreboard/")
    before = order_on_page(office)
    assert sorted(before) == sorted(people)
    last = before[-1]
    office.get_by_role("button", name=f"Move up: {last}").focus()
    press(office, "Enter")
    assert order_on_page(office) == [before[0], last, before[1]]
    expect(office.get_by_role("button", name=f"Move up: {last}")).to_be_focused()
    press(office, "Enter")
    assert order_on_page(office) == [last, before[0], before[1]]
    expect(office.get_by_role("button", name=f"Move up: {last}")).to_be_focused()
    # At the top "Move up" stays focusable and does nothing; Tab reaches "Move down".
    office.keyboard.press("Tab")
    expect(office.get_by_role("button", name=f"Move down: {last}")).to_be_focused()
    press(office, "Enter")
    assert order_on_page(office) == [before[0], last, before[1]]
    expect(office.get_by_role("button", name=f"Move down: {last}")).to_be_focused()
    office.keyboard.press("Shift+Tab")
    press(office, "Enter")  # up again: first
    assert order_on_page(office) == [last, before[0], before[1]]
    # "Move up" at the top does nothing, and the focus stays on it.
    expect(office.get_by_role("button", name=f"Move up: {last}")).to_have_attribute(
        "aria-disabled", "true"
    )
    press(office, "Enter")
    assert order_on_page(office) == [last, before[0], before[1]]
    expect(office.get_by_role("button", name=f"Move up: {last}")).to_be_focused()

    # Saving without a justification is refused next to the field; the order is kept.
    office.get_by_role("button", name="Save the new order").focus()
    press(office, "Enter")
    expect(office.locator("#id_justification_error")).to_contain_text(
        "Explain why the order changes"
    )
    assert order_on_page(office) == [last, before[0], before[1]]
    justification = office.get_by_label("Justification (required)")
    justification.focus()
    office.keyboard.type(WHY)
    office.keyboard.press("Tab")
    expect(office.get_by_role("button", name="Save the new order")).to_be_focused()
    press(office, "Enter")
    expect(office.locator(".messages")).to_contain_text("The new order is saved")
    assert Award.objects.get(cycle=cycle, rank=1).recipient.full_name == last
    expect(office.locator(".override-note")).to_contain_text(WHY)

    confirm_move(
        office,
        cycle,
        "Announce the winners",
        [f"1 winner will be announced: {last}.", "2 other nominees will be told"],
    )

    # Everyone reads the results: HR changed the order, and why in a sentence.
    reader = open_page(make_user(), width=320)
    visit(reader, f"/awards/{cycle.pk}/")
    note = reader.locator(".override-note")
    expect(note).to_contain_text("HR changed the order")
    expect(note).to_contain_text("Leo's customers wrote to the board about him.")
    expect(note).not_to_contain_text("The panel met twice")
    expect(reader.locator(".winner-hero h2")).to_have_text(last)
    assert reader.evaluate("document.documentElement.scrollWidth") <= 320
    visit(reader, "/awards/")
    expect(reader.locator(".hall-winner").first).to_contain_text(last)
    assert reader.evaluate("document.documentElement.scrollWidth") <= 320


def test_moves_work_without_javascript_and_keep_focus(open_page, cycle_in_review):
    hr, cycle, _people = cycle_in_review
    move(cycle, AwardCycle.Status.DECIDED)
    office = open_page(hr, javascript=False)
    visit(office, f"/hr/cycles/{cycle.pk}/scoreboard/")
    before = order_on_page(office)
    office.get_by_role("button", name=f"Move down: {before[0]}").focus()
    press(office, "Enter")
    assert order_on_page(office) == [before[1], before[0], before[2]]
    expect(office.get_by_role("button", name=f"Move down: {before[0]}")).to_be_focused()
    assert focused_button(office).startswith("down:")
