"""The improvement story feed in a real browser (issue 5): a back-office employee logs a
front-line shift and an improvement story with a before/after metric and a photo; a colleague
finds it by search, applauds it (the count changes in place), comments, and "More stories"
loads the next page. Every page is checked with axe-core."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from stories import services
from stories.models import Story
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.e2e.test_foundation import png_bytes

pytestmark = pytest.mark.browser


def still_the_same_document(page: Page) -> None:
    page.evaluate("window.stillTheSameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.stillTheSameDocument") is True, "the page was reloaded"


def older_stories(author, n: int) -> None:
    """Colleagues' stories from the weeks before, so that the feed has more than one page."""
    for i in range(n):
        story = services.create_story(
            author=author,
            kind=Story.Kind.FRONT_LINE,
            title=f"A morning at the service desk, week {i + 1}",
            body="What we heard there.",
            shift_date=timezone.localdate() - dt.timedelta(days=30),
            shift_hours=Decimal(3),
            heard="Customers asked where their parcel was.",
            publish=True,
        )
        Story.objects.filter(pk=story.pk).update(
            published_at=timezone.now() - dt.timedelta(days=40 - i)
        )


def test_a_back_office_story_is_found_applauded_and_discussed(open_page, tmp_path):
    billing = make_department("Billing")
    support = make_department("Support", faces_customers=True)
    bea = make_user(full_name="Bea Billing", department=billing, job_title="Billing specialist")
    carl = make_user(full_name="Carl Colleague", department=support)
    older_stories(carl, 24)

    # Bea spent a morning on the support line and logs it.
    writer = open_page(bea)
    visit(writer, "/stories/new/")
    writer.get_by_role("radio", name=re.compile("^Front line")).check()
    writer.get_by_label("Title", exact=True).fill("Three hours on the support line")
    writer.get_by_label("Date", exact=True).fill(
        (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    )
    writer.get_by_label("Hours", exact=True).fill("3")
    writer.get_by_role("textbox", name=re.compile(r"^What\ you\ heard")).fill(
        "Customers cannot read our invoices."
    )
    writer.get_by_role("button", name="Publish").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Three hours on the support line")
    assert_accessible(writer)

    # Then the improvement that came out of it, with a measured Check and a photo.
    photo = tmp_path / "new-invoice.png"
    photo.write_bytes(png_bytes((640, 400)))
    visit(writer, "/stories/new/")
    writer.get_by_role("radio", name=re.compile("^Improvement")).check()
    writer.get_by_label("Title", exact=True).fill("Invoices our customers understand")
    writer.get_by_role("textbox", name=re.compile(r"^The story")).fill(
        "We rewrote the invoice with **customers**."
    )
    writer.get_by_role("textbox", name=re.compile(r"^Plan:\ the\ customer's\ problem")).fill(
        "“I can't tell what I pay for.”"
    )
    writer.get_by_role("textbox", name=re.compile(r"^Do:\ what\ was\ changed")).fill(
        "One line per service, in plain words."
    )
    writer.get_by_role("textbox", name=re.compile(r"^Check:\ what\ you\ measured")).fill(
        "Calls about invoices"
    )
    writer.get_by_role("textbox", name=re.compile(r"^Before")).fill("120")
    writer.get_by_role("textbox", name=re.compile(r"^After")).fill("45")
    writer.get_by_role("textbox", name=re.compile(r"^Unit")).fill("calls a week")
    writer.get_by_role("radio", name="Lower is better").check()
    writer.get_by_role(
        "textbox", name=re.compile(r"^Act:\ how\ it\ became\ the\ standard\ way")
    ).fill("It is the template now.")
    writer.get_by_label(re.compile(r"^Photo 1")).set_input_files(str(photo))
    writer.get_by_role("textbox", name=re.compile(r"^What\ photo\ 1\ shows")).fill(
        "The new invoice, one line per service"
    )
    writer.get_by_role("button", name="Publish").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Invoices our customers understand")
    expect(writer.get_by_role("img", name=re.compile("Calls about invoices"))).to_be_visible()
    expect(writer.get_by_text("A genuine improvement", exact=True)).to_be_visible()
    expect(writer.get_by_role("img", name="The new invoice, one line per service")).to_be_visible()
    assert_accessible(writer)

    # Carl finds it by searching the feed.
    reader = open_page(carl)
    visit(reader, "/stories/")
    reader.get_by_label("Search").fill("invoices")
    reader.get_by_role("button", name="Show stories").click()
    assert_accessible(reader)
    # Both of Bea's stories: the word is in the improvement's title and in what she heard.
    expect(reader.locator("article.story-card")).to_have_count(2)
    reader.get_by_role("link", name="Invoices our customers understand", exact=True).click()
    assert_accessible(reader)

    # He applauds it: the button and its count change in place.
    still_the_same_document(reader)
    applause = reader.get_by_role("button", name=re.compile("^Applause"))
    expect(applause).to_have_attribute("aria-pressed", "false")
    applause.click()
    expect(reader.get_by_role("button", name=re.compile("^Applause"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(reader.get_by_role("button", name=re.compile("^Applause 1"))).to_be_visible()
    assert Story.objects.get(title__startswith="Invoices").applause_count == 1

    # And comments: the comment appears without a reload.
    reader.get_by_label("Your comment").fill("We hear this on the phone every day. Thank you!")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.locator("#comments")).to_contain_text("We hear this on the phone every day.")
    assert_not_reloaded(reader)
    assert_accessible(reader)

    # "More stories" loads the next page of stories in place.
    visit(reader, "/stories/")
    cards = reader.locator("article.story-card")
    expect(cards).to_have_count(20)
    still_the_same_document(reader)
    reader.get_by_role("button", name="More stories").click()
    expect(cards).to_have_count(26)
    expect(reader.get_by_role("button", name="More stories")).to_have_count(0)
    assert_not_reloaded(reader)
    assert_accessible(reader)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_story_page_is_accessible(open_page, scheme):
    from stories.digest import unsubscribe_token
    from tests.stories.conftest import improvement_check, make_story, png
    from tests.thanks.conftest import approved

    hr = make_user(full_name="Hana HR", hr=True)
    author = make_user(full_name="Bea Billing", department=make_department("Billing"))
    improvement = make_story(
        author, kind=Story.Kind.IMPROVEMENT, title="Shorter waits", **improvement_check()
    )
    services.add_image(story=improvement, by=author, upload=png(), alt_text="The queue board")
    make_story(author, title="A draft in progress", publish=False)
    comment = services.add_comment(story=improvement, author=author, body="Proud of the team.")
    thank_you = approved(author, by=hr, organisation="Bennett Bakery")

    page = open_page(author, color_scheme=scheme)
    for path in (
        f"/people/{author.pk}/",
        "/stories/",
        f"/stories/?kind=improvement&person={author.pk}",
        f"/stories/{improvement.pk}/",
        f"/stories/{improvement.pk}/edit/",
        "/stories/mine/",
        f"/stories/comments/{comment.pk}/edit/",
        f"/stories/from-thank-you/{thank_you.pk}/",
    ):
        visit(page, path)
    page.get_by_role("button", name="Publish this story").click()
    assert_accessible(page)

    hr_page = open_page(hr, color_scheme=scheme)
    visit(hr_page, f"/stories/{improvement.pk}/hide/")

    anonymous = open_page(color_scheme=scheme, width=390, height=844)
    visit(anonymous, f"/stories/digest/unsubscribe/{unsubscribe_token(author)}/")
    anonymous.get_by_role("button", name="Stop the weekly digest").click()
    expect(anonymous.get_by_role("button", name=re.compile("digest again"))).to_be_visible()
    assert_accessible(anonymous)
