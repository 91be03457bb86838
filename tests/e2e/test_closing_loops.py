"""Loops issue 16 closes, in a real browser: a photo or image evidence opens larger on a page
of ours (a bare image broke the Content-Security-Policy), the thank-you link copies with a
button, a manager approves several thank-yous at once, sharing a thank-you previews the story
first, and the 409 page of a closed nomination is accessible. Every page visited is checked
with axe-core (browsing.py)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from awards.models import AwardCycle, JudgeAssignment
from nominations import services
from nominations.models import Evidence
from nominations.thanks.selectors import personal_url
from stories.models import Story
from stories.services import add_image
from tests.conftest import make_user
from tests.e2e.browsing import assert_accessible, log_of, visit
from tests.e2e.test_foundation import png_bytes
from tests.e2e.test_nominations import open_office
from tests.nominations.conftest import make_nomination, move
from tests.stories.conftest import make_story, png
from tests.thanks.conftest import approved, confirmed

pytestmark = pytest.mark.browser


def test_the_closed_nomination_page_is_accessible(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    move(office.cycle, AwardCycle.Status.JUDGING)

    page = open_page(cast.nominator)
    response = visit(page, reverse("nominations:edit", args=[nomination.pk]))
    assert response.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This nomination can no longer be edited"
    )


def test_image_evidence_opens_larger_without_breaking_the_content_security_policy(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    services.add_evidence(
        nomination=nomination,
        by=cast.nominator,
        kind=Evidence.Kind.ARTIFACT,
        image=SimpleUploadedFile("letter.png", png_bytes((900, 600)), content_type="image/png"),
        caption="The new refund letter",
    )

    page = open_page(cast.manager)
    visit(page, nomination.get_absolute_url())
    page.get_by_role("link", name="The new refund letter").click()
    page.wait_for_load_state()
    # A bare image document gets Chromium's own inline styles, which our policy refuses.
    assert log_of(page).csp_violations == []
    expect(page.get_by_role("img", name="The new refund letter")).to_be_visible()
    assert_accessible(page)
    # The larger image, on a page of ours: back to the nomination from there.
    page.get_by_role("link", name="Back to the nomination").click()
    expect(page).to_have_url(re.compile(re.escape(nomination.get_absolute_url()) + "#evidence-"))
    assert_accessible(page)


def test_a_story_photo_opens_larger(open_page):
    author = make_user(full_name="Alex Author")
    story = make_story(author, title="A morning at the Lyon counter")
    add_image(story=story, by=author, upload=png((1200, 800)), alt_text="The new counter sign")

    page = open_page(make_user(full_name="Rita Reader"))
    visit(page, story.get_absolute_url())
    page.get_by_role("link", name="The new counter sign").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A morning at the Lyon counter")
    expect(page.get_by_role("img", name="The new counter sign")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A morning at the Lyon counter")
    assert_accessible(page)


def test_a_photo_keeps_its_shape_in_a_short_window(open_page):
    # Held to the window's height, a photo must narrow with it, not be squashed.
    author = make_user(full_name="Alex Author")
    story = make_story(author, title="A morning at the Lyon counter")
    photo = add_image(story=story, by=author, upload=png((1200, 800)), alt_text="The sign")

    page = open_page(make_user(full_name="Rita Reader"), width=1280, height=400)
    visit(page, reverse("stories:photo", args=[story.pk, photo.pk]))
    image = page.get_by_role("img", name="The sign")
    expect(image).to_be_visible()
    box = image.bounding_box()
    assert box is not None
    assert box["height"] <= 400 * 0.85 + 1
    assert box["width"] / box["height"] == pytest.approx(1200 / 800, rel=0.02)


def test_from_the_judge_page_an_evidence_image_leads_back_to_its_candidate(open_page):
    office = open_office()
    cast = office.people
    nomination = make_nomination(nominator=cast.nominator, nominee=cast.nominee)
    services.add_evidence(
        nomination=nomination,
        by=cast.nominator,
        kind=Evidence.Kind.ARTIFACT,
        image=SimpleUploadedFile("letter.png", png_bytes((900, 600)), content_type="image/png"),
        caption="The new refund letter",
    )
    JudgeAssignment.objects.create(cycle=office.cycle, judge=cast.judge)
    cycle = move(office.cycle, AwardCycle.Status.JUDGING)
    judge_page = reverse("awards:judge_cycle", args=[cycle.pk])

    page = open_page(cast.judge)
    visit(page, judge_page)
    page.get_by_role("link", name="The new refund letter").click()
    expect(page.get_by_role("img", name="The new refund letter")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to where you were").click()
    expect(page).to_have_url(re.compile(re.escape(judge_page) + f"#candidate-{cast.nominee.pk}$"))
    assert_accessible(page)


# --- The thank-you link copies in one click ---------------------------------------------------


def test_the_thank_you_link_copies_with_a_button(open_page, live_server):
    agent = make_user(full_name="Leo Martin")
    page = open_page(agent)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    visit(page, agent.get_absolute_url())
    link = personal_url(agent)
    page.get_by_role("button", name="Copy link to your thank-you page").click()
    expect(page.locator("#thank-you-link [data-copy-status]")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link


def test_without_javascript_the_thank_you_link_is_a_box_to_copy_from(open_page):
    agent = make_user(full_name="Leo Martin")
    page = open_page(agent, javascript=False)
    visit(page, agent.get_absolute_url())
    expect(page.get_by_label("Your link")).to_have_value(personal_url(agent))
    expect(page.get_by_role("button", name="Copy link to your thank-you page")).to_be_hidden()


# --- Approve selected -------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_manager_approves_several_thank_yous_at_once(open_page, javascript):
    boss = make_user(full_name="Bea Boss")
    agent = make_user(full_name="Maria Santos", manager=boss)
    for name in ("Ann Customer", "Ben Buyer", "Cat Client"):
        confirmed(agent, name=name, email=f"{name.split()[0].lower()}@customer.example")

    page = open_page(boss, javascript=javascript)
    visit(page, reverse("thanks:queue"))
    waiting = page.locator("#thank-you-tab-confirmed .thank-you-count")
    expect(waiting).to_have_text("3")
    page.get_by_role("link", name="Select all on this page").click()
    assert_accessible(page)
    boxes = page.get_by_role("checkbox", name=re.compile("^Select to approve"))
    expect(boxes).to_have_count(3)
    for box in boxes.all():
        expect(box).to_be_checked()
    page.get_by_role("checkbox", name="Select to approve the thank-you from Ben Buyer").uncheck()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("Approved 2 thank-yous")).to_be_visible()
    assert_accessible(page)
    expect(waiting).to_have_text("1")
    expect(page.locator("#thank-you-tab-approved .thank-you-count")).to_have_text("2")
    expect(page.locator(".thank-you-card")).to_have_count(1)
    expect(page.locator(".thank-you-card")).to_contain_text("Ben Buyer")


# --- Share as a story: a preview first ------------------------------------------------------


def test_sharing_a_thank_you_previews_the_story_before_publishing(open_page):
    hr = make_user(full_name="Hana HR", hr=True)
    agent = make_user(full_name="Maria Santos")
    approved(agent, by=hr, name="Ann Lebrun", organisation="Acme Lyon", consent=True)

    page = open_page(agent)
    visit(page, agent.get_absolute_url())
    page.get_by_role("link", name="Share as a story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share this thank-you as a story?")
    assert_accessible(page)
    assert not Story.objects.exists()
    expect(page.locator("#preview-title")).to_have_text("Ann thanks Maria Santos (Acme Lyon)")
    page.get_by_label("Title").fill("Ann and the refund letter")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#preview-title")).to_have_text("Ann and the refund letter")
    assert_accessible(page)
    assert not Story.objects.exists()
    page.get_by_role("button", name="Publish this story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ann and the refund letter")
    assert_accessible(page)
    assert Story.objects.get().status == Story.Status.PUBLISHED
