"""With the keyboard alone, focus lands on what changed: after every in-page (htmx) update the
new item, the status message or the error summary has it, never <body>; a form sent with
mistakes comes back with its error summary focused and "Error: " in the title; Escape closes
a menu and gives the focus back to its button.

Each test reaches its first control with `focus()` (where a Tab walk would start) and then
uses only the keyboard: typing, Tab, Enter and Escape."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from awards.models import AwardCycle
from cycles import judging
from cycles import services as cycles
from nominations import services
from nominations.models import Evidence
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.e2e.test_nominations import evidence_item, open_office
from tests.nominations.conftest import make_nomination
from tests.stories.conftest import make_story

pytestmark = pytest.mark.browser

Kind = Evidence.Kind


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)


def assert_focused(page: Page, target: Locator) -> None:
    """`target` has the focus once htmx has settled the swap (it focuses the fragment's
    `autofocus` then, a moment after the browser may have done so itself)."""
    expect(target).to_be_focused()
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    expect(target).to_be_focused()
    assert page.evaluate("document.activeElement !== document.body"), "focus went to <body>"


def test_adding_evidence_focuses_the_error_summary_the_field_then_the_new_item(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee, cycle=office.cycle)
    page = open_page(cast.nominator)
    visit(page, nomination.get_absolute_url())

    page.locator("#evidence summary", has_text=Kind.CUSTOMER_WORDS.label).focus()
    press(page, "Enter")  # opens the form
    page.get_by_role("button", name="Add the customer's own words").focus()
    press(page, "Enter")  # sent empty
    summary = page.locator("#evidence [data-error-summary]")
    assert_focused(page, summary)
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert_accessible(page, label="evidence with mistakes")

    press(page, "Tab")  # the summary's first link
    press(page, "Enter")
    assert_focused(page, page.get_by_label("The customer's words"))
    page.keyboard.type("Finally a letter I understand!")
    press(page, "Tab")
    page.keyboard.type("Survey comment, March")
    press(page, "Enter")  # sends the form from its last box
    item = evidence_item(page, Kind.CUSTOMER_WORDS)
    expect(item).to_contain_text("Finally a letter I understand!")
    assert_focused(page, item)
    assert_accessible(page, label="evidence added")

    page.once("dialog", lambda dialog: dialog.accept())  # "Remove this evidence?"
    item.get_by_role("button", name=re.compile("^Remove")).focus()
    press(page, "Enter")
    status = page.locator("#evidence [role=status]")
    expect(status).to_have_text("The evidence is removed.")
    assert_focused(page, status)


def test_verifying_evidence_focuses_the_summary_then_the_verified_item(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee, cycle=office.cycle)
    services.add_evidence(
        nomination=nomination,
        by=cast.nominator,
        kind=Kind.CUSTOMER_WORDS,
        quote="Finally a letter I understand!",
        quote_source="Survey comment, March",
    )
    page = open_page(cast.manager)
    visit(page, nomination.get_absolute_url())
    item = evidence_item(page, Kind.CUSTOMER_WORDS)

    item.get_by_role("button", name=re.compile("^Dispute this evidence")).focus()
    press(page, "Enter")  # a dispute needs a note
    assert_focused(page, item.locator("[data-error-summary]"))

    item.get_by_role("button", name=re.compile("^Verify this evidence")).focus()
    press(page, "Enter")
    expect(item.locator(".verification-verified")).to_have_text("Verified")
    assert_focused(page, item)
    assert_accessible(page, label="verified")


def test_endorsing_focuses_the_error_summary_then_the_thank_you(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee, cycle=office.cycle)
    services.invite_endorsers(nomination=nomination, by=cast.nominator, people=[cast.colleague])
    page = open_page(cast.colleague)
    visit(page, nomination.get_absolute_url())

    page.get_by_role("button", name="Endorse", exact=True).focus()
    press(page, "Enter")  # sent empty
    assert_focused(page, page.locator("#endorsements [data-error-summary]"))
    press(page, "Tab")
    press(page, "Enter")
    assert_focused(page, page.get_by_label("Why do you second this?"))
    page.keyboard.type("I took those calls: they stopped.")
    press(page, "Tab")
    press(page, "Enter")
    status = page.locator("#endorsements [role=status]")
    expect(status).to_have_text("Thank you: you endorsed it.")
    assert_focused(page, status)
    assert_accessible(page, label="endorsed")


def test_saving_scores_focuses_saved(open_page):
    nina = make_user(full_name="Nina Nominee")
    jude = make_user(full_name="Jude Judge")
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    make_nomination(nominator=make_user(full_name="Omar Nominator"), nominee=nina)
    judging.assign_judges(cycle=cycle, judges=[jude], by=make_user(hr=True))
    cycles.transition(cycle=cycle, to=AwardCycle.Status.JUDGING, by=None)
    page = open_page(jude)
    visit(page, f"/judge/{cycle.pk}/")

    card = page.locator(f"#candidate-{nina.pk}")
    card.get_by_role("group", name="Customer impact").get_by_label("4 · Strongly").focus()
    press(page, "Space")
    card.get_by_role("button", name=re.compile("^Save scores")).focus()
    press(page, "Enter")
    saved = card.get_by_role("status")
    expect(saved).to_have_text("Saved")
    assert_focused(page, saved)


def test_posting_a_comment_focuses_the_error_summary_then_the_new_comment(open_page):
    story = make_story(make_user(full_name="Alex Author"))
    page = open_page(make_user(full_name="Rita Reader"))
    visit(page, story.get_absolute_url())

    page.get_by_role("button", name="Post comment").focus()
    press(page, "Enter")  # sent empty
    summary = page.locator("#comment-form [data-error-summary]")
    assert_focused(page, summary)
    press(page, "Tab")
    press(page, "Enter")
    assert_focused(page, page.get_by_label("Your comment"))

    page.keyboard.type("The counter has never been so calm.")
    press(page, "Tab")  # the Post button
    press(page, "Enter")
    comment = page.locator("#comment-list .comment").last
    expect(comment).to_contain_text("The counter has never been so calm.")
    assert_focused(page, comment)
    assert_accessible(page, label="commented")

    comment.get_by_role("link", name="Edit your comment").focus()
    press(page, "Enter")
    editing = page.get_by_label("Your comment").first
    assert_focused(page, editing)
    page.keyboard.type(" Truly.")
    press(page, "Tab")  # Save comment
    press(page, "Enter")
    saved = comment.get_by_role("status")
    expect(saved).to_have_text("Comment saved.")
    assert_focused(page, saved)


def test_adding_a_rubric_row_focuses_the_new_rows_name(open_page):
    cycle = make_cycle()
    page = open_page(make_user(full_name="Hana HR", hr=True))
    visit(page, reverse("awards:hr_rubric", args=[cycle.pk]))
    rows = page.locator(".rubric-row")
    before = rows.count()

    page.get_by_role("button", name="Add a row").focus()
    press(page, "Enter")
    expect(rows).to_have_count(before + 1)
    assert_focused(page, rows.last.locator("input[name$='-name']"))
    assert_accessible(page, label="with a new row")


@pytest.mark.parametrize("form", ["nomination", "customer thank-you"])
def test_a_form_sent_with_mistakes_comes_back_titled_error_with_its_summary_focused(
    open_page, form
):
    if form == "nomination":
        office = open_office()
        page = open_page(office.people.nominator)
        visit(page, reverse("nominations:new"))
        send = page.get_by_role("button", name="Nominate", exact=True)
        # The colleague is chosen in the picker: its link leads to the picker's search box.
        first_wrong = page.get_by_label("Find a colleague", exact=True)
    else:
        page = open_page()
        visit(page, reverse("thanks:form"))
        send = page.get_by_role("button", name="Send my thank-you")
        first_wrong = page.get_by_label("Who helped you?")
    send.focus()
    with page.expect_navigation():
        press(page, "Enter")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("[data-error-summary]")
    assert_focused(page, summary)
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert_accessible(page, label="with mistakes")
    press(page, "Tab")  # the first link
    press(page, "Enter")
    assert_focused(page, first_wrong)


def test_escape_closes_the_account_menu_and_gives_the_focus_back_to_its_button(open_page):
    page = open_page(make_user(full_name="Emma Employee"))
    visit(page, reverse("nominations:mine"))
    menu = page.locator("details.account-menu")
    button = menu.locator("summary")

    button.focus()
    press(page, "Enter")
    expect(menu).to_have_js_property("open", True)
    press(page, "Tab")
    assert_focused(page, menu.get_by_role("link", name="My profile"))
    press(page, "Escape")
    expect(menu).to_have_js_property("open", False)
    assert_focused(page, button)

    # A click elsewhere on the page closes it too.
    press(page, "Enter")
    expect(menu).to_have_js_property("open", True)
    page.locator("main h1").click()
    expect(menu).to_have_js_property("open", False)


def test_the_phone_navigation_menu_opens_with_enter_and_closes_with_escape(open_page):
    page = open_page(make_user(), width=320)
    visit(page, reverse("nominations:mine"))
    menu = page.locator("details.nav-menu")
    button = menu.locator("summary")

    button.focus()
    press(page, "Enter")
    expect(menu).to_have_js_property("open", True)
    press(page, "Tab")
    assert_focused(page, menu.get_by_role("link", name="Home"))
    press(page, "Escape")
    expect(menu).to_have_js_property("open", False)
    assert_focused(page, button)


def test_the_navigation_menu_closes_when_the_focus_leaves_it(open_page):
    page = open_page(make_user(), width=320)
    visit(page, reverse("nominations:mine"))
    menu = page.locator("details.nav-menu")
    links = menu.get_by_role("link")

    menu.locator("summary").focus()
    press(page, "Enter")
    for _ in range(links.count()):
        press(page, "Tab")
    assert_focused(page, links.last)
    expect(menu).to_have_js_property("open", True)
    press(page, "Tab")  # out of the menu, to the notifications
    expect(menu).to_have_js_property("open", False)


def test_escape_that_a_widget_has_used_leaves_the_menu_open(open_page):
    """A widget that handles Escape itself (the colleague picker closes its list) cancels the
    key: the menu it sits in stays open."""
    page = open_page(make_user(), width=320)
    visit(page, reverse("nominations:mine"))
    menu = page.locator("details.nav-menu")
    menu.locator("summary").focus()
    press(page, "Enter")
    press(page, "Tab")
    # Stands in for such a widget: a listener that runs first and cancels the key.
    page.evaluate(
        """() => window.addEventListener("keydown", event => {
            if (event.key === "Escape") event.preventDefault();
        }, { capture: true, once: true })"""
    )
    press(page, "Escape")
    expect(menu).to_have_js_property("open", True)
    assert_focused(page, menu.get_by_role("link", name="Home"))


def test_escape_in_the_navigation_on_a_wide_screen_keeps_the_focus_on_its_link(open_page):
    """Opened on a phone, then the window grew: the button is hidden and the list always
    shown. Escape closes the menu, and the focus stays where it was (the button cannot take
    it)."""
    page = open_page(make_user(), width=320)
    visit(page, reverse("nominations:mine"))
    menu = page.locator("details.nav-menu")
    menu.locator("summary").focus()
    press(page, "Enter")
    press(page, "Tab")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu.locator("summary")).to_be_hidden()
    home = menu.get_by_role("link", name="Home")
    assert_focused(page, home)
    press(page, "Escape")
    expect(menu).to_have_js_property("open", False)
    assert_focused(page, home)
