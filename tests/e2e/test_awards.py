"""Employee of the Month in a real browser (issue 6): a cycle from open to announced. Two
judges score (one does not see the candidate they nominated); HR puts a candidate on the
panel only once warned, by confirming it, and her judging page reveals nothing of it; HR
decides and announces, the award story is in the feed, the winner's profile shows the award,
and a nominee who did not win received the "you were nominated" e-mail. Every page is checked
with axe-core."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from awards.models import AwardCycle
from cycles import judging
from nominations import services as nominations
from stories.models import Story
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.nominations.conftest import make_nomination

pytestmark = pytest.mark.browser


def score(page: Page, candidate_id: int, marks: dict[str, str]) -> None:
    card = page.locator(f"#candidate-{candidate_id}")
    for criterion, mark in marks.items():
        card.get_by_role("group", name=criterion).get_by_label(mark).check()
    card.get_by_role("button", name=re.compile("^Save scores")).click()
    expect(card.get_by_role("status")).to_have_text("Saved")


def move(page: Page, cycle: AwardCycle, button: str) -> None:
    visit(page, f"/hr/cycles/{cycle.pk}/")
    page.get_by_role("button", name=button).click()
    assert_accessible(page)  # what the move will do: it asks first
    page.get_by_role("button", name=re.compile("^Yes, ")).click()
    assert_accessible(page)


def test_a_cycle_runs_from_open_to_announced(open_page):
    support = make_department("Support", faces_customers=True)
    hr = make_user(full_name="Hana HR", hr=True)
    manager = make_user(full_name="Mona Manager", department=support)
    nina = make_user(full_name="Nina Nominee", department=support, manager=manager)
    leo = make_user(full_name="Leo Martin", department=support, manager=manager)
    omar = make_user(full_name="Omar Nominator")
    jude = make_user(full_name="Jude Judge")
    gia = make_user(full_name="Gia Judge")
    cycle = make_cycle(status=AwardCycle.Status.OPEN)

    nomination = make_nomination(nominator=omar, nominee=nina)
    evidence = nominations.add_evidence(
        nomination=nomination,
        by=omar,
        kind="customer_words",
        quote="She called me back the same day. Nobody ever does that.",
        quote_source="A support call",
    )
    nominations.verify_evidence(evidence=evidence, by=manager, status="verified")
    make_nomination(nominator=jude, nominee=leo, headline="Fixed the invoice template")
    judging.assign_judges(cycle=cycle, judges=[jude, gia], by=hr)

    office = open_page(hr)
    move(office, cycle, "Close nominations and start judging")
    visit(office, f"/hr/cycles/{cycle.pk}/judges/")
    expect(office.get_by_text("Jude Judge").first).to_be_visible()

    # HR puts Nina, a candidate, on the panel too: warned, they confirm it.
    with office.expect_response(lambda r: "/nominations/nominees/" in r.url):
        office.get_by_role("combobox", name="Find colleagues to be judges").fill("Nina")
    office.get_by_role("checkbox", name=re.compile("Nina Nominee")).check()
    office.get_by_role("button", name="Save the judges").click()
    expect(office.locator("#people-error")).to_contain_text(
        "Nina Nominee is a candidate in this cycle"
    )
    assert_accessible(office)
    office.get_by_role("checkbox", name=re.compile("^Yes, Nina Nominee judges this cycle")).check()
    office.get_by_role("button", name="Save the judges").click()
    expect(office.get_by_text("The judges are saved.")).to_be_visible()
    expect(office.locator(".judge-row", has_text="Nina Nominee")).to_contain_text(
        "Also a candidate"
    )
    assert_accessible(office)

    # Judging tells Nina nothing: no card of her own, no conflict counted for it.
    candidate = open_page(nina)
    visit(candidate, f"/judge/{cycle.pk}/")
    expect(candidate.locator(f"#candidate-{leo.pk}")).to_be_visible()
    expect(candidate.locator(f"#candidate-{nina.pk}")).to_have_count(0)
    expect(candidate.get_by_text("conflict of interest")).to_have_count(0)

    # Jude nominated Leo: Leo is hidden from him.
    first = open_page(jude)
    visit(first, "/judge/")
    visit(first, "/")
    first.get_by_role("link", name=f"Judge {cycle.title}").click()
    assert_accessible(first)
    expect(first.get_by_text("hidden from you because of a conflict of interest")).to_be_visible()
    expect(first.locator(f"#candidate-{leo.pk}")).to_have_count(0)
    score(first, nina.pk, {"Customer impact": "5 · Outstanding"})
    assert_accessible(first)

    second = open_page(gia)
    visit(second, f"/judge/{cycle.pk}/")
    score(second, nina.pk, {"Customer impact": "4 · Strongly"})
    score(second, leo.pk, {"Customer impact": "2 · A little"})

    # HR reads the scoreboard, decides and announces.
    visit(office, f"/hr/cycles/{cycle.pk}/scoreboard/")
    move(office, cycle, "Close judging and decide")
    visit(office, f"/hr/cycles/{cycle.pk}/scoreboard/")
    expect(office.get_by_role("img", name=re.compile("points in all")).first).to_be_visible()
    expect(office.get_by_role("row", name=re.compile("Nina Nominee")).first).to_be_visible()
    move(office, cycle, "Announce the winners")
    cycle.refresh_from_db()
    assert cycle.status == AwardCycle.Status.ANNOUNCED

    # The whole company sees it.
    colleague = open_page(omar)
    visit(colleague, "/stories/")
    expect(colleague.locator("article.story-card").first).to_contain_text("Employee of the Month")
    # The award story puts the winner first and largest.
    visit(colleague, Story.objects.get(kind=Story.Kind.AWARD, award_cycle=cycle).get_absolute_url())
    expect(colleague.locator(".story-winner")).to_contain_text("Nina Nominee")
    visit(colleague, "/awards/")
    visit(colleague, f"/awards/{cycle.pk}/")
    expect(colleague.get_by_role("heading", name=re.compile("Nina Nominee")).first).to_be_visible()
    visit(colleague, f"/people/{nina.pk}/")
    expect(colleague.get_by_text(re.compile("Employee of the Month")).first).to_be_visible()

    # Leo did not win, and hears that he was nominated, by whom and for what.
    [to_leo] = [m for m in mail.outbox if m.to == [leo.email]]
    assert "Jude Judge" in to_leo.body
    assert "Fixed the invoice template" in to_leo.body
