"""A judge's progress line ("You have given 1 of 4 scores") follows each save made in the page,
without a reload, and is announced politely. Checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from awards.models import AwardCycle
from cycles import judging
from cycles import services as cycles
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.e2e.browsing import assert_accessible, visit
from tests.nominations.conftest import make_nomination

pytestmark = pytest.mark.browser


def test_the_judges_progress_follows_each_saved_score(open_page):
    nina = make_user(full_name="Nina Nominee")
    leo = make_user(full_name="Leo Martin")
    omar = make_user(full_name="Omar Nominator")
    jude = make_user(full_name="Jude Judge")
    hr = make_user(full_name="Hana HR", hr=True)
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    make_nomination(nominator=omar, nominee=nina)
    make_nomination(nominator=omar, nominee=leo, headline="Fixed the invoice template")
    judging.assign_judges(cycle=cycle, judges=[jude], by=hr)
    cycles.transition(cycle=cycle, to=AwardCycle.Status.JUDGING, by=None)

    page = open_page(jude)
    visit(page, f"/judge/{cycle.pk}/")
    progress = page.locator("#judge-progress")
    # Two candidates × the default rubric's two panel criteria.
    expect(progress).to_have_text("You have given 0 of 4 scores.")
    expect(progress).to_have_attribute("aria-live", "polite")

    card = page.locator(f"#candidate-{nina.pk}")
    card.get_by_role("group", name="Customer impact").get_by_label("4 · Strongly").check()
    card.get_by_role("button", name=re.compile("^Save scores")).click()
    expect(card.get_by_role("status")).to_have_text("Saved")
    expect(progress).to_have_text("You have given 1 of 4 scores.")

    card = page.locator(f"#candidate-{leo.pk}")
    for criterion in ("Customer impact", "Innovation and attention to detail"):
        card.get_by_role("group", name=criterion).get_by_label("3 · Clearly").check()
    card.get_by_role("button", name=re.compile("^Save scores")).click()
    expect(progress).to_have_text("You have given 3 of 4 scores.")
    assert_accessible(page, label="after saving scores")
