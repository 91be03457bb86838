"""Nominations in a real browser: the whole story of issue 3 (nominate with evidence, invite,
endorse, verify and dispute, HR closes nominations), nominating without JavaScript, the
duplicate nomination, and every nomination and cycle page accessible in light and dark.

The tests drive the pages as people do; only the cast and the open cycle (and, for the
accessibility sweep, a nomination with evidence in every state) are set up through the
services. Every page visited is checked with axe-core (see browsing.py)."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from awards.models import AwardCycle
from nominations import services
from nominations.models import Evidence, Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_department
from tests.e2e.browsing import accessibility_problems, assert_accessible, visit
from tests.e2e.test_foundation import png_bytes, screenshot
from tests.nominations.conftest import People, make_nomination

pytestmark = pytest.mark.browser

Kind = Evidence.Kind
Verification = Evidence.Verification


@dataclass
class Office:
    people: People
    cycle: AwardCycle


def open_office() -> Office:
    """The cast of tests/nominations (nominee Nina, her manager Mona, nominator Omar,
    colleague Carl, Hana from HR…), a customer-facing team, the five default categories
    (transactional tests flush what the data migration seeded) and an open cycle."""
    import_module("nominations.migrations.0002_default_categories").seed(apps, None)
    people = People()
    support = make_department("Support", faces_customers=True)
    User.objects.filter(pk=people.nominee.pk).update(department=support, job_title="Support agent")
    return Office(people=people, cycle=make_cycle(status=AwardCycle.Status.OPEN))


# --- Driving the pages ----------------------------------------------------------------------


def still_the_same_document(page: Page) -> None:
    page.evaluate("window.stillTheSameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.stillTheSameDocument") is True, "the page was reloaded"


def pick_nominee(page: Page, *, search: str, name: str) -> None:
    """Type in the picker and choose the colleague from the htmx autocomplete."""
    with page.expect_response(lambda r: "/nominations/nominees/" in r.url) as answer:
        page.get_by_role("combobox", name="Find a colleague").fill(search)
    assert answer.value.request.headers.get("hx-request") == "true"
    page.get_by_role("radio", name=re.compile(name)).check()


def write_nomination(page: Page, *, headline: str) -> None:
    page.get_by_role("radio", name=re.compile("^Heard the customer")).check()
    page.get_by_label("Headline", exact=True).fill(headline)
    page.get_by_label("Story", exact=True).fill(
        "She sat with support for a week and **rewrote** the refund letter with customers."
    )
    page.get_by_label("Customer impact", exact=True).fill(
        "Customers stopped calling to ask what the letter meant."
    )


def evidence_item(page: Page, kind: str) -> Locator:
    tag = page.locator(".evidence-head .tag").get_by_text(Kind(kind).label, exact=True)
    return page.locator("#evidence .evidence-item").filter(has=tag)


def open_evidence_form(page: Page, kind: str) -> None:
    page.locator("#evidence summary", has_text=Kind(kind).label).click()


def evidence_total(page: Page) -> Locator:
    return page.locator("#evidence-total")


# --- The story of the issue -----------------------------------------------------------------


def test_a_nomination_gathers_evidence_and_an_endorsement_is_verified_and_goes_to_judging(
    open_page,
):
    office = open_office()
    cast = office.people

    # Omar nominates Nina: the autocomplete finds her, the preview shows the story.
    omar = open_page(cast.nominator)
    visit(omar, reverse("nominations:new"))
    still_the_same_document(omar)
    pick_nominee(omar, search="Nina", name="Nina Nominee")
    write_nomination(omar, headline="Rewrote the refund letter with customers")
    with omar.expect_response(lambda r: r.url.endswith("/nominations/preview/")):
        omar.get_by_role("button", name="Preview the story").click()
    preview = omar.locator("#story-preview")
    expect(preview.get_by_role("heading", name="Preview")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("rewrote")
    assert_not_reloaded(omar)
    assert_accessible(omar, label="with the preview")
    omar.get_by_role("button", name="Nominate", exact=True).click()

    expect(omar).to_have_url(re.compile(r"/nominations/\d+/$"))
    assert_accessible(omar)
    expect(omar.get_by_role("heading", level=1)).to_have_text(
        "Rewrote the refund letter with customers"
    )
    expect(omar.locator(".messages")).to_contain_text("Your nomination of Nina Nominee is in.")
    nomination = Nomination.objects.get()
    assert (nomination.nominee, nomination.nominator) == (cast.nominee, cast.nominator)
    assert nomination.category.name == "Heard the customer"

    # The customer's words and a measured improvement appear without a reload.
    still_the_same_document(omar)
    open_evidence_form(omar, Kind.CUSTOMER_WORDS)
    omar.get_by_label("The customer's words").fill("Finally a letter I understand!")
    omar.get_by_label("Where they come from").fill("Survey comment, March")
    omar.get_by_role("button", name="Add the customer's own words").click()
    expect(evidence_item(omar, Kind.CUSTOMER_WORDS)).to_contain_text(
        "Finally a letter I understand!"
    )
    expect(omar.locator("#evidence [role=status]")).to_have_text("Added: the customer's own words.")

    open_evidence_form(omar, Kind.MEASURED_IMPROVEMENT)
    omar.get_by_label("What you measured").fill("Calls about refunds")
    omar.get_by_label("Before", exact=True).fill("120")
    omar.get_by_label("After", exact=True).fill("45")
    omar.get_by_label("Unit", exact=True).fill("calls a week")
    omar.get_by_label("Which way is better?").select_option(label="Lower is better")
    omar.get_by_label("Period", exact=True).fill("four weeks before and after")
    omar.get_by_role("button", name="Add a measured improvement").click()
    expect(evidence_item(omar, Kind.MEASURED_IMPROVEMENT)).to_contain_text("120 → 45 calls a week")
    expect(evidence_item(omar, Kind.CUSTOMER_WORDS)).to_be_visible()
    expect(evidence_total(omar)).to_have_text("3.5 points")  # (3 + 4) × ½ until verified
    assert_not_reloaded(omar)

    # He invites Carl, who saw it happen.
    with omar.expect_response(lambda r: "/nominations/nominees/" in r.url):
        omar.get_by_role("combobox", name="Find colleagues to invite").fill("Carl")
    omar.get_by_role("checkbox", name=re.compile("Carl Colleague")).check()
    omar.get_by_role("button", name="Invite", exact=True).click()
    expect(omar.locator("#invite [role=status]")).to_contain_text("Invited Carl Colleague")
    expect(omar.locator("#invite .people-list")).to_contain_text("Carl Colleague")
    assert_not_reloaded(omar)
    assert_accessible(omar, label="with evidence and an invitation")

    # Carl finds the invitation among his nominations and endorses it.
    carl = open_page(cast.colleague)
    visit(carl, reverse("nominations:mine"))
    carl.get_by_role("link", name="Rewrote the refund letter with customers").click()
    expect(carl).to_have_url(re.compile(re.escape(nomination.get_absolute_url()) + "$"))
    assert_accessible(carl)
    carl.get_by_label("Why do you second this?").fill("I took those calls: they stopped.")
    carl.get_by_role("button", name="Endorse", exact=True).click()
    endorsements = carl.locator("#endorsements")
    expect(endorsements.get_by_role("status")).to_have_text("Thank you: you endorsed it.")
    expect(endorsements).to_contain_text("I took those calls: they stopped.")
    expect(endorsements.get_by_role("button", name="Endorse", exact=True)).to_have_count(0)
    assert_accessible(carl, label="endorsed")

    # Mona, Nina's manager, verifies the quote and disputes the numbers; the points follow.
    mona = open_page(cast.manager)
    visit(mona, reverse("nominations:mine"))
    mona.get_by_role("link", name="Rewrote the refund letter with customers").click()
    expect(mona).to_have_url(re.compile(re.escape(nomination.get_absolute_url()) + "$"))
    assert_accessible(mona)
    still_the_same_document(mona)
    expect(evidence_total(mona)).to_have_text("3.5 points")
    quote = evidence_item(mona, Kind.CUSTOMER_WORDS)
    quote.get_by_role("button", name=re.compile("^Verify this evidence")).click()
    expect(quote.locator(".verification-verified")).to_have_text("Verified")
    expect(quote.get_by_role("button", name=re.compile("^Verify"))).to_have_count(0)
    expect(quote.get_by_text("Change the verification")).to_be_visible()
    expect(quote).to_contain_text("Counts 3 points now")
    expect(evidence_total(mona)).to_have_text("5 points")  # 3 × 1 + 4 × ½

    numbers = evidence_item(mona, Kind.MEASURED_IMPROVEMENT)
    numbers.get_by_label(re.compile("^Note for the nominator")).fill(
        "The call log shows 80 calls a week after, not 45."
    )
    numbers.get_by_role("button", name=re.compile("^Dispute this evidence")).click()
    expect(numbers.locator(".verification-disputed")).to_have_text("Disputed")
    expect(numbers.locator(".verification-note")).to_contain_text("Disputed by Mona Manager on")
    expect(numbers.locator(".verification-note")).to_contain_text(
        "“The call log shows 80 calls a week after, not 45.”"
    )
    expect(numbers).to_contain_text("Counts 0 points now")
    expect(evidence_total(mona)).to_have_text("3 points")  # a disputed item counts nothing
    assert_not_reloaded(mona)
    assert_accessible(mona, label="verified and disputed")

    # Hana closes nominations from the HR console.
    hana = open_page(cast.hr)
    visit(hana, reverse("awards:hr_cycles"))
    hana.get_by_role("link", name=office.cycle.title).click()
    expect(hana).to_have_url(re.compile(re.escape(office.cycle.get_absolute_url()) + "$"))
    assert_accessible(hana)
    hana.get_by_role("button", name="Close nominations and start judging").click()
    assert_accessible(hana, label="confirm closing nominations")
    hana.get_by_role("button", name="Yes, close nominations").click()
    expect(hana.locator(".messages")).to_contain_text(
        "Nominations are closed and judging has started."
    )
    assert_accessible(hana, label="in judging")
    expect(hana.locator(".page-head .badge")).to_have_text("Judging")
    expect(hana.locator(".timeline [aria-current=step] .timeline-label")).to_contain_text("Judging")
    office.cycle.refresh_from_db()
    assert office.cycle.status == AwardCycle.Status.JUDGING

    # Omar's page no longer offers to add evidence (nor to edit or invite).
    omar.reload()
    assert_accessible(omar, label="in judging")
    expect(omar.locator(".nomination-header")).to_contain_text("Judging")
    expect(omar.get_by_role("heading", name="Add evidence")).to_have_count(0)
    expect(omar.locator("form[action$='/evidence/']")).to_have_count(0)
    expect(omar.get_by_role("heading", name="Invite endorsers")).to_have_count(0)
    expect(evidence_item(omar, Kind.CUSTOMER_WORDS)).to_be_visible()


# --- Without JavaScript ---------------------------------------------------------------------


def test_nominating_works_without_javascript(open_page):
    cast = open_office().people
    page = open_page(cast.nominator, javascript=False)
    visit(page, reverse("nominations:new"))

    page.get_by_role("searchbox", name="Find a colleague").fill("Nina")
    page.get_by_role("button", name="Find", exact=True).click()
    nina = page.get_by_role("radio", name=re.compile("Nina Nominee"))
    expect(nina).to_be_visible()
    assert_accessible(page, label="with the matches")
    nina.check()
    write_nomination(page, headline="Rewrote the refund letter with customers")
    page.get_by_role("button", name="Nominate", exact=True).click()

    expect(page).to_have_url(re.compile(r"/nominations/\d+/$"))
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rewrote the refund letter with customers"
    )
    nomination = Nomination.objects.get()
    assert (nomination.nominee, nomination.nominator) == (cast.nominee, cast.nominator)


# --- The duplicate --------------------------------------------------------------------------


def test_nominating_the_same_colleague_twice_links_to_the_first_nomination(open_page):
    cast = open_office().people
    page = open_page(cast.nominator)
    visit(page, reverse("nominations:new"))
    pick_nominee(page, search="Nina", name="Nina Nominee")
    write_nomination(page, headline="Rewrote the refund letter with customers")
    page.get_by_role("button", name="Nominate", exact=True).click()
    expect(page).to_have_url(re.compile(r"/nominations/\d+/$"))
    assert_accessible(page)
    first = page.url

    visit(page, reverse("nominations:new"))
    pick_nominee(page, search="Nina", name="Nina Nominee")
    write_nomination(page, headline="She did it again")
    page.get_by_role("button", name="Nominate", exact=True).click()

    picker = page.locator("fieldset.picker")
    expect(picker.locator(".errorlist")).to_contain_text(
        "You already nominated Nina Nominee in this cycle."
    )
    expect(picker.get_by_role("radio", name=re.compile("Nina Nominee"))).to_be_checked()
    assert_accessible(page, label="with the duplicate")
    assert Nomination.objects.count() == 1
    picker.get_by_role("link", name="Open the nomination you already made").click()
    expect(page).to_have_url(first)
    assert_accessible(page)


# --- Every page: accessible in light and dark -----------------------------------------------


def nomination_with_every_kind_of_evidence(office: Office) -> Nomination:
    """Omar's nomination of Nina with evidence of all four kinds (verified, disputed, not yet
    verified), Carl's endorsement, and Omar also a manager with a nomination to verify and
    an invitation to endorse, so that every section of the pages has something to show."""
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    add = services.add_evidence
    quote = add(
        nomination=nomination,
        by=cast.nominator,
        kind=Kind.CUSTOMER_WORDS,
        quote="Finally a letter I understand!",
        quote_source="Survey comment, March",
    )
    numbers = add(
        nomination=nomination,
        by=cast.nominator,
        kind=Kind.MEASURED_IMPROVEMENT,
        metric="Calls about refunds",
        before=Decimal(120),
        after=Decimal(45),
        unit="calls a week",
        higher_is_better=False,
        period="four weeks before and after",
    )
    add(
        nomination=nomination,
        by=cast.nominator,
        kind=Kind.FRONT_LINE_TIME,
        date=timezone.localdate() - dt.timedelta(days=2),
        hours=Decimal("3.5"),
        heard="Customers read the old letter as a final demand.",
    )
    image = add(
        nomination=nomination,
        by=cast.nominator,
        kind=Kind.ARTIFACT,
        image=SimpleUploadedFile("letter.png", png_bytes(), content_type="image/png"),
        caption="The new refund letter",
    )
    services.verify_evidence(evidence=quote, by=cast.manager, status=Verification.VERIFIED)
    services.verify_evidence(evidence=image, by=cast.hr, status=Verification.VERIFIED)
    services.verify_evidence(
        evidence=numbers, by=cast.manager, status=Verification.DISPUTED, note="80, not 45."
    )
    services.invite_endorsers(nomination=nomination, by=cast.nominator, people=[cast.colleague])
    services.endorse(nomination=nomination, by=cast.colleague, comment="I took those calls.")

    User.objects.filter(pk=cast.judge.pk).update(manager=cast.nominator)
    theirs = make_nomination(
        nominator=cast.colleague, nominee=cast.judge, headline="Stayed late for a customer"
    )
    services.invite_endorsers(nomination=theirs, by=cast.colleague, people=[cast.nominator])
    return nomination


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nomination_and_cycle_pages_pass_axe_in_light_and_dark(open_page, scheme):
    office = open_office()
    cast = office.people
    nomination = nomination_with_every_kind_of_evidence(office)
    problems = []

    def check(page: Page, path: str, name: str) -> None:
        if path:
            page.goto(path)
        problems.append(accessibility_problems(page, label=f"{name}, {scheme}"))
        screenshot(page, f"{scheme} {name}")

    nominator = open_page(cast.nominator, color_scheme=scheme)
    check(nominator, reverse("nominations:new"), "nominate")
    check(nominator, nomination.get_absolute_url(), "nomination, as its nominator")
    check(nominator, reverse("nominations:mine"), "my nominations")
    manager = open_page(cast.manager, color_scheme=scheme)
    check(manager, nomination.get_absolute_url(), "nomination, as the nominee's manager")
    expect(manager.locator(".evidence-item")).to_have_count(4)
    expect(manager.locator(".verification-verified")).to_have_count(2)
    expect(manager.locator(".verification-disputed")).to_have_count(1)
    expect(manager.locator(".verification-unverified")).to_have_count(1)

    hr = open_page(cast.hr, color_scheme=scheme)
    check(hr, reverse("awards:hr_cycles"), "HR cycles")
    check(hr, office.cycle.get_absolute_url(), "HR cycle")
    check(hr, reverse("awards:hr_rubric", args=[office.cycle.pk]), "rubric editor")
    # The live summary says by how much the weights miss, and stays legible doing so.
    summary = hr.locator("#rubric-summary")
    expect(summary.locator(".rule-ok")).to_be_visible()
    with hr.expect_response(lambda r: r.url.endswith("/rubric/summary/")):
        hr.get_by_label("Weight (%), criterion 1", exact=True).fill("39")
    expect(summary.locator(".rule-errors")).to_contain_text("add up to 99%")
    expect(summary.locator(".rule-errors")).to_contain_text("(1 short)")
    check(hr, "", "rubric editor, 1 short")

    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)
