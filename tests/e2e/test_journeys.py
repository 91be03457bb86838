"""Each role's journey end to end, with the keyboard alone, on a desktop and on a 320 px phone
(issue 16): the employee who nominates and hears of a dispute, the manager who verifies, the
judge who scores, HR who moves a cycle through its confirmations, the customer without an
account who thanks someone, and the story reader whose comment reaches the author.

After the first page a test only presses keys (Tab, Shift+Tab, Enter, Space, the arrows,
Escape) and types; it opens a page itself only where the person would: the link in an e-mail
they received. After each action it asserts where the focus landed (never <body>); every page
is checked with axe-core and, at 320 px, must not scroll sideways. On a phone the navigation is
reached through its "Menu" button. The data is built through the services (tests/*/conftest.py).
"""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from awards.models import Award, AwardCycle
from cycles import judging
from cycles import services as cycles
from nominations import services as nominations
from nominations.models import Evidence, Nomination, ThankYou
from notifications.models import Kind, Notification
from stories import services as stories
from stories.models import Comment, Story
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible
from tests.e2e.test_mobile import overflow_problem
from tests.e2e.test_nominations import evidence_item, open_office
from tests.e2e.test_picker_and_feed import a_feed_of, type_search
from tests.nominations.conftest import make_nomination
from tests.stories.conftest import make_story

pytestmark = pytest.mark.browser

WIDTHS = pytest.mark.parametrize("width", [1280, 320], ids=["desktop", "320px"])
PHONE_WIDTH = 320


# --- The keyboard ---------------------------------------------------------------------------


def is_focused(target: Locator) -> bool:
    return target.evaluate("el => el === document.activeElement")


def assert_focused(page: Page, target: Locator) -> None:
    """`target` has the focus once htmx has settled (it focuses an `autofocus` then)."""
    expect(target).to_be_focused()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    expect(target).to_be_focused()
    assert page.evaluate("document.activeElement !== document.body"), "focus went to <body>"


def tab_to(page: Page, target: Locator, *, limit: int = 60, back: bool = False) -> None:
    """Press Tab (Shift+Tab with `back`) until `target` (found by its role and accessible
    name) has the focus; fail after `limit` presses."""
    expect(target).to_have_count(1)
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if is_focused(target):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def arrive(page: Page, *, label: str = "") -> None:
    """A page loaded: axe-core finds nothing serious, and on a phone nothing sticks out."""
    page.wait_for_load_state()
    assert_accessible(page, label=label)
    if page.viewport_size["width"] <= PHONE_WIDTH:
        problem = overflow_problem(page, label=label)
        assert not problem, problem


def press_and_load(page: Page, key: str = "Enter", *, label: str = "") -> None:
    """A key that loads another page: wait for it, check it, and see where the focus starts:
    on what the page marks `autofocus` (a message that replaces the control used, an error
    summary), or at the top, where the first Tab reaches the skip link."""
    with page.expect_navigation():
        page.keyboard.press(key)
    arrive(page, label=label)
    marked = page.locator("[autofocus]:visible")
    fragment = urlsplit(page.url).fragment
    if marked.count():
        assert_focused(page, marked.first)
    elif fragment:
        # A link to a part of the page (#evidence-3): the browser starts the Tab order there.
        page.keyboard.press("Tab")
        assert page.evaluate(
            """id => {
                const target = document.getElementById(id), el = document.activeElement;
                return el !== document.body && (target.contains(el)
                    || Boolean(target.compareDocumentPosition(el)
                               & Node.DOCUMENT_POSITION_FOLLOWING));
            }""",
            fragment,
        ), f"the first Tab did not start from #{fragment}"
    else:
        page.keyboard.press("Tab")
        assert_focused(page, page.get_by_role("link", name="Skip to main content"))


def open_at(page: Page, path: str) -> None:
    """The first page of a journey, or a link the person got by e-mail."""
    page.goto(path)
    arrive(page)


def go_to(page: Page, link: str) -> None:
    """Follow a link of the main navigation: on a phone, through the "Menu" button."""
    nav = page.get_by_role("navigation", name="Main")
    if page.viewport_size["width"] <= PHONE_WIDTH:
        menu = nav.locator("summary", has_text="Menu")
        tab_to(page, menu)
        page.keyboard.press("Enter")
        expect(nav.locator("details")).to_have_js_property("open", True)
    tab_to(page, nav.get_by_role("link", name=link, exact=True))
    press_and_load(page)
    expect(nav.locator("a[aria-current=page]")).to_have_text(link)


def open_bell(page: Page, *, unread: int) -> None:
    """From anywhere: Tab to the bell, which counts the unread notices, and open the list."""
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name(f"Notifications, {unread} unread")
    tab_to(page, bell)
    press_and_load(page, label="notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")


def open_notice(page: Page, text: str | re.Pattern) -> None:
    """On the notifications page, Tab to the notice and open what it is about."""
    tab_to(page, page.locator(".notification-text").get_by_role("link", name=text))
    press_and_load(page, label="a notice opened")


# --- E-mail ---------------------------------------------------------------------------------


def mail_to(address: str, *, subject: str | re.Pattern = re.compile("")) -> mail.EmailMessage:
    """The one message sent to `address` whose subject matches."""
    found = [m for m in mail.outbox if address in m.to and re.search(subject, str(m.subject))]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def link_in(message: mail.EmailMessage, path: str) -> str:
    """The path (and fragment) of the message's link that starts with `path`, as the person
    opens it in the browser (the live server stands in for SITE_URL)."""
    for url in re.findall(r"https?://[^\s<>\"“”]+", message.body):
        parts = urlsplit(url)
        if parts.path.startswith(path):
            return parts.path + (f"#{parts.fragment}" if parts.fragment else "")
    raise AssertionError(f"no link to {path} in:\n{message.body}")


def notices_of(person: User) -> list[str]:
    return list(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


# --- The employee who nominates -------------------------------------------------------------


@WIDTHS
def test_an_employee_nominates_invites_and_hears_of_a_dispute(open_page, width):
    office = open_office()
    cast = office.people
    omar = open_page(cast.nominator, width=width)
    open_at(omar, reverse("home:home"))
    go_to(omar, "Nominate")

    # The colleague picker: type, Down into the matches, Enter picks.
    tab_to(omar, omar.get_by_role("combobox", name="Find a colleague"))
    type_search(omar, "Nina")
    omar.keyboard.press("ArrowDown")
    nina = omar.get_by_role("radio", name=re.compile("Nina Nominee"))
    assert_focused(omar, nina)
    omar.keyboard.press("Enter")
    expect(nina).to_be_checked()
    heard = omar.get_by_role("radio", name=re.compile("^Heard the customer"))
    tab_to(omar, heard)
    omar.keyboard.press("Space")
    expect(heard).to_be_checked()
    for label, text in [
        ("Headline", "Rewrote the refund letter with customers"),
        ("Story", "She sat with support for a week and rewrote the refund letter."),
        ("Customer impact", "Customers stopped calling to ask what the letter meant."),
    ]:
        tab_to(omar, omar.get_by_label(label, exact=True))
        omar.keyboard.type(text)
    tab_to(omar, omar.get_by_role("button", name="Nominate", exact=True))
    press_and_load(omar, label="nominated")
    nomination = Nomination.objects.get()
    expect(omar).to_have_url(re.compile(re.escape(nomination.get_absolute_url())))
    expect(omar.get_by_role("heading", level=1)).to_have_text(
        "Rewrote the refund letter with customers"
    )

    # The customer's own words, as evidence: the new item takes the focus.
    words = omar.locator("#evidence summary", has_text=Evidence.Kind.CUSTOMER_WORDS.label)
    tab_to(omar, words)
    omar.keyboard.press("Enter")
    tab_to(omar, omar.get_by_label("The customer's words"))
    omar.keyboard.type("Finally a letter I understand!")
    omar.keyboard.press("Tab")
    omar.keyboard.type("Survey comment, March")
    omar.keyboard.press("Enter")
    item = evidence_item(omar, Evidence.Kind.CUSTOMER_WORDS)
    expect(item).to_contain_text("Finally a letter I understand!")
    assert_focused(omar, item)
    arrive(omar, label="evidence added")
    # Mona, Nina's manager, hears that it waits for her.
    assert notices_of(cast.manager) == [Kind.EVIDENCE_TO_VERIFY]

    # Carl is invited to second it, through the picker of the invitation.
    tab_to(omar, omar.get_by_role("combobox", name="Find colleagues to invite"))
    type_search(omar, "Carl")
    omar.keyboard.press("ArrowDown")
    carl_box = omar.get_by_role("checkbox", name=re.compile("Carl Colleague"))
    assert_focused(omar, carl_box)
    omar.keyboard.press("Space")
    expect(carl_box).to_be_checked()
    omar.keyboard.press("Escape")
    assert_focused(omar, omar.get_by_role("combobox", name="Find colleagues to invite"))
    tab_to(omar, omar.get_by_role("button", name="Invite", exact=True))
    omar.keyboard.press("Enter")
    invited = omar.locator("#invite .message[role=status]")
    expect(invited).to_contain_text("Carl Colleague")
    assert_focused(omar, invited)
    arrive(omar, label="invited")

    # Carl gets the e-mail and the notice; the e-mail's link opens the nomination.
    invitation = mail_to(cast.colleague.email)
    carl = open_page(cast.colleague, width=width)
    open_at(carl, link_in(invitation, nomination.get_absolute_url()))
    expect(carl.get_by_role("button", name="Endorse", exact=True)).to_be_visible()
    open_bell(carl, unread=1)
    expect(carl.locator(".notification-list")).to_contain_text(
        "A colleague asks you to second their nomination of Nina Nominee."
    )

    # Later Mona disputes the evidence: Omar reads it in the e-mail and in the bell.
    evidence = Evidence.objects.get(nomination=nomination)
    nominations.verify_evidence(
        evidence=evidence,
        by=cast.manager,
        status=Evidence.Verification.DISPUTED,
        note="This comment was about the old letter.",
    )
    dispute = mail_to(cast.nominator.email, subject="disputed")
    assert "This comment was about the old letter." in dispute.body
    later = open_page(cast.nominator, width=width)  # the e-mail opens a new tab
    open_at(later, link_in(dispute, nomination.get_absolute_url()))
    expect(later).to_have_url(re.compile(f"#evidence-{evidence.pk}$"))
    open_bell(later, unread=1)
    open_notice(later, "Evidence on your nomination of Nina Nominee was disputed.")
    expect(later).to_have_url(re.compile(re.escape(nomination.get_absolute_url())))
    expect(evidence_item(later, Evidence.Kind.CUSTOMER_WORDS)).to_contain_text("Disputed")
    expect(later.locator("#notification-bell")).to_have_accessible_name("Notifications")


# --- The manager who verifies ---------------------------------------------------------------


@WIDTHS
def test_a_manager_hears_that_evidence_waits_and_verifies_it(open_page, width):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    evidence = nominations.add_evidence(
        nomination=nomination,
        by=cast.nominator,
        kind=Evidence.Kind.CUSTOMER_WORDS,
        quote="Finally a letter I understand!",
        quote_source="Survey comment, March",
    )
    letter = mail_to(cast.manager.email, subject="waits for your verification")
    assert link_in(letter, nomination.get_absolute_url()).endswith(f"#evidence-{evidence.pk}")

    mona = open_page(cast.manager, width=width)
    open_at(mona, reverse("home:home"))
    open_bell(mona, unread=1)
    open_notice(mona, "New evidence on the nomination of Nina Nominee waits for your verification.")
    expect(mona).to_have_url(re.compile(f"#evidence-{evidence.pk}$"))

    item = evidence_item(mona, Evidence.Kind.CUSTOMER_WORDS)
    tab_to(mona, item.get_by_role("button", name=re.compile("^Verify this evidence")))
    mona.keyboard.press("Enter")
    expect(item.locator(".verification-verified")).to_have_text("Verified")
    assert_focused(mona, item)
    expect(item.get_by_role("button", name=re.compile("^Verify this evidence"))).to_have_count(0)
    arrive(mona, label="verified")
    evidence.refresh_from_db()
    assert evidence.verification == Evidence.Verification.VERIFIED
    expect(mona.locator("#notification-bell")).to_have_accessible_name("Notifications")


# --- The judge ------------------------------------------------------------------------------


@WIDTHS
def test_a_judge_hears_of_the_panel_and_of_judging_and_scores_with_the_keyboard(open_page, width):
    nina = make_user(full_name="Nina Nominee")
    leo = make_user(full_name="Leo Martin")
    omar = make_user(full_name="Omar Nominator")
    jude = make_user(full_name="Jude Judge")
    hr = make_user(full_name="Hana HR", hr=True)
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    make_nomination(nominator=omar, nominee=nina)
    make_nomination(nominator=omar, nominee=leo, headline="Fixed the invoice template")
    judge_page = reverse("awards:judge_cycle", args=[cycle.pk])

    # On the panel: the e-mail's link opens the judging page, which says to wait.
    judging.assign_judges(cycle=cycle, judges=[jude], by=hr)
    assigned = mail_to(jude.email)
    assert "We will tell you when judging starts" in assigned.body
    page = open_page(jude, width=width)
    open_at(page, link_in(assigned, judge_page))
    expect(page.locator("main .lead")).to_have_text(
        "Judging starts when nominations close. The candidates will appear here then."
    )
    expect(page.locator("#notification-bell")).to_have_accessible_name("Notifications, 1 unread")

    # Judging starts: a second notice and e-mail, whose link now shows the candidates.
    cycles.transition(cycle=cycle, to=AwardCycle.Status.JUDGING, by=None)
    started = mail_to(jude.email, subject="has started")
    open_at(page, link_in(started, judge_page))
    open_bell(page, unread=2)
    notices = page.locator(".notification-list")
    expect(notices).to_contain_text(f"You are on the judging panel of {cycle}")
    open_notice(page, f"Judging of {cycle} has started: score the candidates.")
    expect(page).to_have_url(re.compile(re.escape(judge_page) + "$"))
    progress = page.locator("#judge-progress")
    expect(progress).to_have_text("You have given 0 of 4 scores.")

    card = page.locator(f"#candidate-{nina.pk}")
    impact = card.get_by_role("group", name="Customer impact")
    tab_to(page, impact.get_by_role("radio").first)
    # A radio group: the arrows move and pick; Space picks the one focused.
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    strongly = impact.get_by_label("4 · Strongly")
    assert_focused(page, strongly)
    page.keyboard.press("Space")
    expect(strongly).to_be_checked()
    tab_to(page, card.get_by_role("button", name=re.compile("^Save scores")))
    page.keyboard.press("Enter")
    saved = card.get_by_role("status")
    expect(saved).to_have_text("Saved")
    assert_focused(page, saved)
    expect(progress).to_have_text("You have given 1 of 4 scores.")
    arrive(page, label="scored")


# --- HR -------------------------------------------------------------------------------------

WHY = "Leo's customers wrote to the board about him. The panel met twice to agree on it."


def confirm_with_keyboard(page: Page, button: str, says: list[str]) -> None:
    """On the cycle page: the phase button asks first; Tab to "Yes, …" and Enter moves."""
    tab_to(page, page.get_by_role("button", name=button))
    press_and_load(page, label=f"{button}?")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{button}?")
    for sentence in says:
        expect(page.locator(".consequences")).to_contain_text(sentence)
    tab_to(page, page.get_by_role("button", name=re.compile("^Yes, ")))
    press_and_load(page, label=f"after {button}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@WIDTHS
def test_hr_moves_a_cycle_through_its_confirmations_and_reorders_the_winners(open_page, width):
    support = make_department("Support", faces_customers=True)
    hr = make_user(full_name="Hana HR", hr=True)
    people = {
        name: make_user(full_name=name, department=support)
        for name in ("Nina Nominee", "Leo Martin", "Ava Quinn")
    }
    nominators = {name: make_user(full_name=f"Nominator of {name}") for name in people}
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    for name, person in people.items():
        make_nomination(nominator=nominators[name], nominee=person, cycle=cycle)
    judging.assign_judges(cycle=cycle, judges=[make_user(full_name="Jude Judge")], by=hr)
    cycle_page = reverse("awards:hr_cycle", args=[cycle.pk])

    office = open_page(hr, width=width)
    open_at(office, reverse("home:home"))
    go_to(office, "HR console")
    tab_to(office, office.get_by_role("link", name=cycle.title, exact=True))
    press_and_load(office, label="the cycle")
    expect(office).to_have_url(re.compile(re.escape(cycle_page) + "$"))
    confirm_with_keyboard(
        office,
        "Close nominations and start judging",
        ["3 nominations will be frozen", "3 candidates will be scored", "1 judge can start"],
    )
    messages = office.locator(".messages")
    expect(messages).to_contain_text("judging has started")
    confirm_with_keyboard(office, "Close judging and decide", ["3 candidates will be ranked"])

    # The scoreboard: the decided order changed by name, then justified.
    tab_to(office, office.get_by_role("link", name="Scoreboard", exact=True))
    press_and_load(office, label="scoreboard")
    order = office.locator(".reorder-row strong")
    before = order.all_inner_texts()
    last = before[-1]
    move_up = office.get_by_role("button", name=f"Move up: {last}")
    tab_to(office, move_up)
    press_and_load(office, label="moved up once")
    assert order.all_inner_texts() == [before[0], last, before[1]]
    expect(move_up).to_be_focused()
    press_and_load(office, label="moved up twice")
    assert order.all_inner_texts() == [last, before[0], before[1]]
    expect(move_up).to_be_focused()
    tab_to(office, office.get_by_label("Justification (required)"))
    office.keyboard.type(WHY)
    office.keyboard.press("Tab")
    save = office.get_by_role("button", name="Save the new order")
    assert_focused(office, save)
    press_and_load(office, label="order saved")
    expect(office.locator(".messages")).to_contain_text("The new order is saved")
    assert Award.objects.get(cycle=cycle, rank=1).recipient.full_name == last

    # Back to the cycle, and the announcement.
    tab_to(office, office.get_by_role("link", name=f"← {cycle.title}"), back=True)
    press_and_load(office, label="back to the cycle")
    confirm_with_keyboard(
        office,
        "Announce the winners",
        [f"1 winner will be announced: {last}.", "2 other nominees will be told"],
    )
    cycle.refresh_from_db()
    assert cycle.status == AwardCycle.Status.ANNOUNCED

    # Who hears of it: the winner's nominator (notice and e-mail), each nominee by e-mail.
    winner_nominator = nominators[last]
    assert notices_of(winner_nominator) == [Kind.NOMINEE_WON]
    told = mail_to(winner_nominator.email, subject="winner")
    results = reverse("awards:results", args=[cycle.pk])
    for name, person in people.items():
        mail_to(
            person.email,
            subject="^You are Employee of the Month"
            if name == last
            else "^You were nominated for Employee of the Month",
        )
    other_nominators = [n for name, n in nominators.items() if name != last]
    assert all(notices_of(n) == [] for n in other_nominators)

    # The winner's nominator follows the e-mail: the results say that HR changed the order.
    reader = open_page(winner_nominator, width=width)
    open_at(reader, link_in(told, results))
    note = reader.locator(".override-note")
    expect(note).to_contain_text("HR changed the order")
    expect(note).to_contain_text("Leo's customers wrote to the board about him.")
    expect(reader.locator(".winner-hero h2")).to_have_text(last)
    open_bell(reader, unread=1)
    open_notice(reader, re.compile(f"^{last}, whom you nominated, is a winner"))
    expect(reader).to_have_url(re.compile(re.escape(results) + "$"))


# --- The customer, without an account -------------------------------------------------------

MESSAGE = "Leo stayed on the line until our card terminal worked again. You saved our Saturday!"


@WIDTHS
def test_a_customer_thanks_someone_confirms_by_e_mail_and_the_employee_hears_of_it(
    open_page, width, monkeypatch
):
    # People take more than two seconds to fill the form, keyboards in tests do not.
    monkeypatch.setattr("nominations.thanks.forms.MIN_FILL_SECONDS", 0)
    support = make_department("Support", faces_customers=True)
    manager = make_user(full_name="Mona Manager", department=support)
    leo = make_user(
        full_name="Leo Martin", preferred_name="Leo", department=support, manager=manager
    )
    make_cycle(status=AwardCycle.Status.OPEN)

    customer = open_page(width=width)
    open_at(customer, reverse("thanks:personal", args=[leo.thanks_token]))
    expect(customer.get_by_role("heading", name="Thank Leo")).to_be_visible()
    tab_to(customer, customer.get_by_label("Your message"))
    customer.keyboard.type("Thanks!")  # too short
    tab_to(customer, customer.get_by_label("Your name"))
    customer.keyboard.type("Olivia Bennett")
    customer.keyboard.press("Tab")
    assert_focused(customer, customer.get_by_label("Your e-mail address"))
    customer.keyboard.type("olivia@bakery.example")
    tab_to(customer, customer.get_by_label("You may share my words inside the company"))
    customer.keyboard.press("Space")
    tab_to(customer, customer.get_by_role("button", name="Send my thank-you"))
    press_and_load(customer, label="with mistakes")
    expect(customer).to_have_title(re.compile(r"^Error: "))
    summary = customer.locator("[data-error-summary]")
    assert_focused(customer, summary)
    expect(summary).to_contain_text("Write at least 10 characters")

    customer.keyboard.press("Tab")  # the summary's link to the message
    customer.keyboard.press("Enter")
    message = customer.get_by_label("Your message")
    assert_focused(customer, message)
    customer.keyboard.press("Control+a")
    customer.keyboard.type(MESSAGE)
    tab_to(customer, customer.get_by_role("button", name="Send my thank-you"))
    press_and_load(customer, label="sent")
    expect(customer.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(customer).not_to_have_title(re.compile(r"^Error: "))

    # The link in the e-mail opens a page whose button confirms.
    letter = mail_to("olivia@bakery.example")
    open_at(customer, link_in(letter, "/thanks/confirm/"))
    tab_to(customer, customer.get_by_role("button", name="Confirm my thank-you"))
    press_and_load(customer, label="confirmed")
    expect(customer.get_by_role("heading", level=1)).to_contain_text("onfirmed")
    assert ThankYou.objects.get().status == ThankYou.Status.CONFIRMED

    # Leo's manager follows her e-mail to the queue and approves it: the focus moves to the
    # status message.
    review = mail_to(manager.email, subject="please review it")
    mona = open_page(manager, width=width)
    open_at(mona, link_in(review, "/hr/thanks/"))
    card = mona.locator("article", has_text="Olivia Bennett")
    expect(card).to_contain_text("our card terminal worked again")
    tab_to(mona, card.get_by_role("button", name=re.compile("^Approve")))
    mona.keyboard.press("Enter")
    approved = mona.get_by_role("status").filter(has_text="pproved")
    assert_focused(mona, approved)
    arrive(mona, label="approved")
    assert ThankYou.objects.get().status == ThankYou.Status.APPROVED

    # Leo hears of it by e-mail, and reads it on his profile from its link.
    thanked = mail_to(leo.email, subject="Olivia Bennett thanked you")
    employee = open_page(leo, width=width)
    open_at(employee, link_in(thanked, leo.get_absolute_url()))
    wall = employee.locator("#thanks")
    expect(wall).to_contain_text(MESSAGE)
    expect(wall).not_to_contain_text("olivia@bakery.example")


# --- The story reader and the author --------------------------------------------------------


@WIDTHS
def test_a_reader_browses_applauds_and_comments_and_the_author_hears_of_it(open_page, width):
    rita = a_feed_of(21)  # Carl Colleague's stories: more than one page of the feed
    alex = make_user(full_name="Alex Author")
    story = make_story(alex, title="A morning at the Lyon counter")
    # Older than Carl's: the last story of the feed, on its second page.
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - dt.timedelta(days=60))

    page = open_page(rita, width=width)
    open_at(page, reverse("home:home"))
    go_to(page, "Stories")
    cards = page.locator("article.story-card")
    expect(cards).to_have_count(20)
    more = page.get_by_role("button", name="More stories")
    tab_to(page, more, limit=250)
    page.keyboard.press("Enter")
    expect(cards).to_have_count(22)
    assert_focused(page, cards.nth(20))
    arrive(page, label="second page of the feed")

    # Onwards from the first new story to Alex's, the last one, and open it.
    title = page.locator(f"#story-{story.pk}-title").get_by_role("link")
    tab_to(page, title)
    press_and_load(page, label="the story")
    expect(page.get_by_role("heading", level=1)).to_have_text("A morning at the Lyon counter")

    applause = page.locator(f"#react-{story.pk}-applause")
    tab_to(page, applause)
    page.keyboard.press("Enter")
    expect(applause).to_have_attribute("aria-pressed", "true")
    assert_focused(page, applause)
    expect(applause.locator(".reaction-count")).to_have_text("1")

    tab_to(page, page.get_by_label("Your comment"))
    page.keyboard.type("The counter has never been so calm.")
    page.keyboard.press("Tab")
    assert_focused(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")
    comment = page.locator("#comment-list .comment").last
    expect(comment).to_contain_text("The counter has never been so calm.")
    assert_focused(page, comment)
    arrive(page, label="commented")

    # Alex hears of it by e-mail (his default) and in the bell; the link leads to the comment.
    posted = Comment.objects.get()
    letter = mail_to(alex.email, subject="commented on your story")
    author = open_page(alex, width=width)
    open_at(author, link_in(letter, story.get_absolute_url()))
    expect(author).to_have_url(re.compile(f"#comment-{posted.pk}$"))
    open_bell(author, unread=1)
    open_notice(author, re.compile("^Rita Reader commented on your story"))
    expect(author.locator(f"#comment-{posted.pk}")).to_contain_text("never been so calm")

    # He chooses to hear of comments in Plaudit only: the next one sends no e-mail.
    tab_to(author, author.locator("#notification-bell"), back=True)
    press_and_load(author, label="notifications again")
    tab_to(author, author.get_by_role("link", name="Notification settings"))
    press_and_load(author, label="notification settings")
    group = author.get_by_role("group", name=str(Kind.STORY_COMMENTED.label))
    tab_to(author, group.get_by_role("radio", name="In Plaudit and by e-mail"))
    author.keyboard.press("ArrowDown")
    in_app = group.get_by_role("radio", name="In Plaudit only")
    assert_focused(author, in_app)
    expect(in_app).to_be_checked()
    tab_to(author, author.get_by_role("button", name="Save settings"))
    press_and_load(author, label="settings saved")
    sent = len(mail.outbox)
    stories.add_comment(story=story, author=make_user(full_name="Bo Baker"), body="Well done!")
    assert len(mail.outbox) == sent
    assert notices_of(alex).count(Kind.STORY_COMMENTED) == 2
