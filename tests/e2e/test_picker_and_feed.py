"""The colleague picker and the story feed, driven with the keyboard alone (issue 16).

The picker searches as often as one types (it once lost its list after the first search on a
nomination page), is a combobox (Down into the matches, Up and Down between them, Enter or
Space to pick, Escape back to the box) whose count is announced in a live region, and stays a
search box with a Find button without JavaScript. The feed's "More stories" is a button that
moves the focus to the first new story, so the footer stays reachable; its filters are folded
on a phone. Where the focus lands is read from `document.activeElement`; every page is checked
with axe-core (browsing.py), and any htmx error the browser logs fails the test."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from nominations.models import Nomination
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, log_of, visit
from tests.e2e.test_nominations import assert_not_reloaded, open_office, still_the_same_document
from tests.e2e.test_stories import older_stories
from tests.nominations.conftest import make_nomination

pytestmark = pytest.mark.browser


# --- Driving with the keyboard --------------------------------------------------------------


def focused(page: Page, expression: str = "el.id") -> str:
    """`expression` about the focused element `el` (its id by default)."""
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def tab_to(page: Page, test: str, *, limit: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab with `back`) until the focused element `el` passes `test`."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if focused(page, f"Boolean({test})"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached an element where {test}")


def type_search(page: Page, text: str) -> None:
    """Type into the focused picker box and wait until the list answers that very text (the
    matches carry the query they answer: the count of the previous search is no answer)."""
    field = focused(page, "el.dataset.pickerSearch")
    with page.expect_response(lambda r: "/nominations/nominees/" in r.url):
        page.keyboard.press("Control+a")
        page.keyboard.type(text)
    answered = page.locator(f"#{field}-options [data-picker-q]")
    expect(answered).to_have_attribute("data-picker-q", text)


def no_htmx_errors(page: Page) -> None:
    assert log_of(page).htmx_errors == [], log_of(page).htmx_errors


# --- The picker -----------------------------------------------------------------------------


def test_invite_endorsers_searches_again_and_again(open_page):
    cast = open_office().people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    page = open_page(cast.nominator)
    visit(page, nomination.get_absolute_url())

    box = page.get_by_role("combobox", name="Find colleagues to invite")
    tab_to(page, "el.id === 'id_invite_q'")
    type_search(page, "Carl")
    expect(page.locator("#people-options")).to_contain_text("Carl Colleague")
    type_search(page, "Mona")
    # The second search replaces the list (it used to lose its target and keep Carl).
    expect(page.locator("#people-options")).to_contain_text("Mona Manager")
    expect(page.locator("#people-options")).not_to_contain_text("Carl Colleague")
    type_search(page, "Carl")
    expect(page.locator("#people-options")).to_contain_text("Carl Colleague")
    no_htmx_errors(page)
    expect(box).to_be_focused()
    assert_accessible(page, label="after three searches")


def test_the_first_search_of_a_picker_logs_no_htmx_error(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    tab_to(page, "el.id === 'id_q'")
    type_search(page, "Nina")
    expect(page.get_by_role("radio", name=re.compile("Nina Nominee"))).to_be_visible()
    no_htmx_errors(page)  # htmx said: [name='nominee']:checked on hx-include returned no matches
    assert_accessible(page, label="with the matches")


def test_the_picker_is_a_combobox_driven_with_arrows_and_announces_the_count(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    box = page.get_by_role("combobox", name="Find a colleague")
    expect(box).to_have_attribute("aria-controls", "nominee-options")
    expect(box).to_have_attribute("aria-expanded", "false")
    # The focus moves into the matches: the popup is a dialog (APG), named by the legend.
    expect(box).to_have_attribute("aria-haspopup", "dialog")
    popup = page.get_by_role("dialog", name="Who are you nominating?")
    expect(popup).to_have_attribute("id", "nominee-options")
    expect(popup).to_have_attribute("aria-describedby", "nominee-count")
    count = page.locator("#nominee-count")
    expect(count).to_have_attribute("aria-live", "polite")

    tab_to(page, "el.getAttribute('role') === 'combobox'")
    type_search(page, "zebra")
    expect(count).to_have_text("No colleague found")
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    assert focused(page) == "id_q"
    type_search(page, "Nominee")  # Nina only
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(count).to_have_text("1 colleague found")
    type_search(page, "a")  # Nina, Mona, Carl, Hana, Sam… everyone but Omar himself
    matches = page.locator("#nominee-options input[type=radio]")
    expect(count).to_have_text(re.compile(r"^\d+ colleagues found$"))
    expect(count).to_have_text(f"{matches.count()} colleagues found")
    expect(box).to_have_attribute("aria-expanded", "true")
    ids = matches.evaluate_all("inputs => inputs.map(input => input.id)")
    assert len(ids) >= 3

    # Down moves into the matches and between them, without picking anyone.
    page.keyboard.press("ArrowDown")
    assert focused(page) == ids[0]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == ids[2]
    page.keyboard.press("ArrowUp")
    assert focused(page) == ids[1]
    expect(page.locator("#nominee-options input:checked")).to_have_count(0)

    # Enter picks (it does not submit the form); Space picks another.
    page.keyboard.press("Enter")
    expect(page.locator(f"#{ids[1]}")).to_be_checked()
    assert focused(page) == ids[1]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f"#{ids[2]}")).to_be_checked()
    expect(page).to_have_url(re.compile(re.escape(reverse("nominations:new")) + "$"))

    # Escape goes back to the box; Up from the first match too.
    page.keyboard.press("Escape")
    assert focused(page) == "id_q"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert focused(page) == "id_q"

    # Whoever is picked stays listed (and reachable) when a search finds nobody else.
    type_search(page, "zebra")
    expect(count).to_have_text("No colleague found")
    expect(matches).to_have_count(1)
    page.keyboard.press("ArrowDown")
    assert focused(page) == ids[2]
    expect(page.locator(f"#{ids[2]}")).to_be_checked()
    no_htmx_errors(page)
    assert_accessible(page, label="after searching for nobody")


def test_invitations_are_sent_with_the_keyboard_alone(open_page):
    cast = open_office().people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    page = open_page(cast.nominator)
    visit(page, nomination.get_absolute_url())

    tab_to(page, "el.id === 'id_invite_q'")
    type_search(page, "Colleague")
    expect(page.locator("#people-count")).to_have_text("1 colleague found")
    page.keyboard.press("ArrowDown")
    assert focused(page) == f"people-{cast.colleague.pk}"
    page.keyboard.press("Space")
    page.keyboard.press("Escape")
    type_search(page, "Manager")
    # Carl stays listed and picked; only Mona matches the new search. (The count read "1
    # colleague found" for Carl already: wait for Mona's answer.)
    expect(page.locator("#people-options")).to_contain_text("Mona Manager")
    expect(page.locator("#people-count")).to_have_text("1 colleague found")
    expect(page.locator(f"#people-{cast.colleague.pk}")).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == f"people-{cast.manager.pk}"
    page.keyboard.press("Enter")
    tab_to(page, "el.textContent.trim() === 'Invite'")
    page.keyboard.press("Enter")

    status = page.locator("#invite .message[role=status]")
    expect(status).to_contain_text("Mona Manager")
    expect(status).to_contain_text("Carl Colleague")
    assert set(Nomination.objects.get().invited_endorsers.all()) == {
        cast.colleague,
        cast.manager,
    }
    no_htmx_errors(page)
    assert_accessible(page, label="after inviting")


def test_down_right_after_typing_waits_for_the_matches_of_what_was_typed(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    tab_to(page, "el.id === 'id_q'")
    type_search(page, "Nina")
    # Down before the typing pause is over: the list still shows Nina. Down searches at once
    # and moves to Mona when her match arrives (it moved to Nina, whom Mona's answer then
    # removed, and the focus fell to the page).
    with page.expect_response(lambda r: "/nominations/nominees/" in r.url):
        page.keyboard.press("Control+a")
        page.keyboard.type("Mona")
        page.keyboard.press("ArrowDown")
    mona = page.get_by_role("radio", name=re.compile("Mona Manager"))
    expect(mona).to_be_focused()
    expect(page.locator("#nominee-options")).not_to_contain_text("Nina Nominee")
    # The search the typing pause sends afterwards answers the same: the focus stays.
    page.wait_for_timeout(600)
    expect(mona).to_be_focused()
    expect(mona).not_to_be_checked()
    no_htmx_errors(page)
    assert_accessible(page, label="after Down on a new search")


def test_enter_in_the_box_searches_and_does_not_submit_the_form(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    still_the_same_document(page)
    tab_to(page, "el.id === 'id_q'")
    with page.expect_response(lambda r: "/nominations/nominees/" in r.url):
        page.keyboard.type("Nina")
        page.keyboard.press("Enter")  # at once: without waiting for the typing pause
    expect(page.get_by_role("radio", name=re.compile("Nina Nominee"))).to_be_visible()
    expect(page.get_by_role("combobox", name="Find a colleague")).to_be_focused()
    page.wait_for_timeout(400)
    assert posts == [], posts  # Enter used to submit the form through its Find button
    assert_not_reloaded(page)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=re.compile("Nina Nominee"))).to_be_focused()
    no_htmx_errors(page)
    assert_accessible(page, label="after Enter")


def test_left_and_right_move_between_the_matches_without_picking(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    tab_to(page, "el.id === 'id_q'")
    type_search(page, "a")
    ids = page.locator("#nominee-options input[type=radio]").evaluate_all(
        "inputs => inputs.map(input => input.id)"
    )
    assert len(ids) >= 3
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert focused(page) == ids[2]
    page.keyboard.press("ArrowLeft")
    assert focused(page) == ids[1]
    # A radio group's own arrows pick as they move: here nobody is picked.
    expect(page.locator("#nominee-options input:checked")).to_have_count(0)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert focused(page) == "id_q"
    no_htmx_errors(page)


def test_without_javascript_the_picker_is_a_search_box_with_a_find_button(open_page):
    cast = open_office().people
    page = open_page(cast.nominator, javascript=False)
    visit(page, reverse("nominations:new"))
    box = page.get_by_role("searchbox", name="Find a colleague")
    expect(box).not_to_have_attribute("role", "combobox")
    box.fill("Nina")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("radio", name=re.compile("Nina Nominee"))).to_be_visible()
    expect(page.locator("#nominee-count")).to_have_text("1 colleague found")
    assert_accessible(page, label="with the matches")


# --- The feed -------------------------------------------------------------------------------


def a_feed_of(n: int) -> User:
    author = make_user(full_name="Carl Colleague", department=make_department("Support"))
    older_stories(author, n)
    return make_user(full_name="Rita Reader")


def test_more_stories_is_a_button_that_moves_focus_to_the_first_new_story(open_page):
    page = open_page(a_feed_of(25))
    visit(page, reverse("stories:feed"))
    cards = page.locator("article.story-card")
    expect(cards).to_have_count(20)

    # Tabbing through the feed reaches the button; nothing loads on the way.
    tab_to(page, "el.textContent.trim() === 'More stories'", limit=200)
    assert focused(page, "el.tagName") == "BUTTON"
    expect(cards).to_have_count(20)
    page.keyboard.press("Enter")
    expect(cards).to_have_count(25)
    expect(page.get_by_role("button", name="More stories")).to_have_count(0)
    first_new = cards.nth(20).get_attribute("aria-labelledby")
    assert focused(page, "el.getAttribute('aria-labelledby')") == first_new
    assert focused(page, "el.tagName") == "ARTICLE"
    assert_accessible(page, label="with the second page")

    # Onwards from the new story, the footer is reached.
    tab_to(page, "el.closest('footer.site-footer')", limit=60)


def test_more_stories_without_javascript_opens_the_next_page(open_page):
    page = open_page(a_feed_of(25), javascript=False)
    visit(page, reverse("stories:feed"))
    page.get_by_role("button", name="More stories").click()
    expect(page).to_have_url(re.compile(r"/stories/\?cursor="))
    expect(page.locator("article.story-card")).to_have_count(5)
    assert_accessible(page)


def test_on_a_phone_the_feed_filters_are_folded_and_say_how_many_are_set(open_page):
    page = open_page(a_feed_of(3), width=375, height=700)
    visit(page, reverse("stories:feed") + "?kind=front_line")
    kind = page.get_by_label("Kind", exact=True)
    expect(kind).to_be_hidden()
    summary = page.locator(".story-filters summary")
    expect(summary).to_have_text("More filters (1 active)")
    # The first story starts on the first screen.
    first = page.locator("article.story-card").first.bounding_box()
    assert first is not None and first["y"] < 700, first

    tab_to(page, "el.matches('.story-filters summary')")
    page.keyboard.press("Enter")
    expect(kind).to_be_visible()
    expect(kind).to_have_value("front_line")
    assert_accessible(page, label="with the filters open")
