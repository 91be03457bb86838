"""Every page on a 320 px phone (issue 16): no page scrolls sideways, and the navigation folds
behind a "Menu" button.

The walk visits every page of the site as the person who sees it (employee, manager, HR,
judge, a customer without an account) on the demo organisation, which has a cycle in every
phase, evidence of every kind, thank-yous and stories; an integration is added through its
form first, so that the page shows its code block. Each page is checked with axe-core and
fails when it is wider than the screen, naming the widest element that sticks out.

So that a new page cannot be forgotten, `test_every_page_is_walked_or_excused` reads the URL
resolver: every named URL outside /api/ and the admin is walked, answers GET with 405 (an
action, not a page), or is listed in NOT_WALKED with the reason.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from knox.models import AuthToken
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from awards.models import AwardCycle, JudgeAssignment
from nominations.models import Evidence, Integration, Nomination, ThankYou
from nominations.thanks import services as thanks
from stories import digest
from stories import services as stories
from stories.models import Story
from tests.api.conftest import TOTP_SECRET
from tests.conftest import make_user
from tests.e2e.browsing import accessibility_problems, assert_accessible, visit
from tests.nominations.conftest import make_nomination
from tests.stories.conftest import improvement_check, make_story
from tests.thanks.conftest import approved, confirmed, send

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 568}

# The widest elements that stick out past the right edge of the screen, outside any box that
# scrolls or clips them: the causes of a sideways scroll, not their ancestors.
OVERFLOW_SCRIPT = """() => {
  const limit = window.innerWidth;
  const page = document.documentElement.scrollWidth;
  if (page <= limit) return null;
  const sticksOut = (el) => el.getBoundingClientRect().right > limit + 0.5;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 4; a = a.parentElement) {
      parts.unshift(name(a));
    }
    return parts.join(" > ");
  };
  const causes = [...document.body.querySelectorAll("*")]
    .filter((el) => sticksOut(el) && !clipped(el)
      && !(el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement)))
    .map((el) => ({el, right: el.getBoundingClientRect().right,
                   width: el.getBoundingClientRect().width}))
    .sort((a, b) => b.right - a.right)
    .slice(0, 3)
    .map(({el, right, width}) =>
      `${path(el)} (${Math.round(width)} px wide, ends at ${Math.round(right)} px)`);
  return {page, limit, causes};
}"""


def overflow_problem(page: Page, *, label: str = "") -> str:
    """How much wider than the screen the page is, and what sticks out ("" when it fits)."""
    found = page.evaluate(OVERFLOW_SCRIPT)
    if found is None:
        return ""
    causes = "; ".join(found["causes"]) or "no single element (margins?)"
    where = f"{label}: {page.url}" if label else page.url
    return f"{where} is {found['page']} px wide on a {found['limit']} px screen: {causes}"


def first_screen_problem(page: Page, *, label: str) -> str:
    """Whether the page's own heading shows on the first screen ("" when it does): what comes
    before it (the header, the menu button, a section's tabs) must not fill a phone's screen."""
    bottom = page.evaluate(
        """() => {
          const heading = document.querySelector("main h1");
          return heading && heading.getBoundingClientRect().bottom + window.scrollY;
        }"""
    )
    where = f"{label}: {page.url}"
    if bottom is None:
        return f"{where} has no heading (h1) in <main>"
    if bottom > PHONE["height"]:
        return f"{where} shows its heading {round(bottom)} px down, past the first screen"
    return ""


# --- The cast and the data -----------------------------------------------------------------


@dataclass
class World:
    """The demo organisation, and the objects whose pages the walk visits."""

    people: dict[str, User | None]
    cycles: dict[str, AwardCycle]
    nomination: Nomination  # in the open cycle, nominated by the employee
    verifiable: Nomination  # evidence waiting for the manager
    story: Story  # the employee's, published, with a comment of theirs
    photos: Story  # a demo story with photos
    thank_you: ThankYou  # approved, for the employee: can become a story
    unassigned: ThankYou  # confirmed, for nobody yet: HR assigns it
    confirmation: str  # a customer's confirmation link's signed part
    token_digest: str  # one of the employee's API tokens
    integration: int = 0  # added by HR through the form, at the start of the walk


ROLES = {
    "employee": "Leo Martin",
    "hr": "Ingrid Johansson",
    "judge": "Grace Mensah",
}


def seed_world() -> World:
    # A transactional test's database has lost the categories a data migration seeded.
    categories = importlib.import_module("nominations.migrations.0002_default_categories")
    categories.seed(django_apps, None)
    call_command("seed_demo", "--force", stdout=StringIO())

    people: dict[str, User | None] = {
        role: User.objects.get(full_name=name) for role, name in ROLES.items()
    }
    people["anonymous"] = None
    employee, hr = people["employee"], people["hr"]
    cycles = {cycle.status: cycle for cycle in AwardCycle.objects.order_by("month")}
    assert set(cycles) >= {"open", "judging", "decided", "announced"}, cycles
    JudgeAssignment.objects.get_or_create(cycle=cycles["judging"], judge=people["judge"])

    nomination = Nomination.objects.filter(
        cycle=cycles["open"], nominator=employee
    ).first() or make_nomination(nominator=employee, nominee=make_user(full_name="Nils Nominee"))
    # The manager of someone whose evidence waits for verification in the open cycle.
    waiting = Evidence.objects.filter(
        verification=Evidence.Verification.UNVERIFIED,
        nomination__cycle=cycles["open"],
        nomination__nominee__manager__isnull=False,
    ).select_related("nomination__nominee__manager")[0]
    verifiable = waiting.nomination
    people["manager"] = verifiable.nominee.manager
    story = make_story(
        employee,
        kind=Story.Kind.IMPROVEMENT,
        title="A call-back button instead of twenty minutes on hold",
        **improvement_check(),
    )
    stories.add_comment(story=story, author=employee, body="Thank you all for reading this.")
    thank_you = approved(employee, by=hr, message="You sorted out my invoice in one call.")
    unassigned = confirmed(hint="The man with the red scarf at the Lyon counter")
    pending = send(employee, email="cy@customer.example", message="Very patient on the phone.")
    token, _ = AuthToken.objects.create(user=employee)
    # The judge has two-factor authentication on: its settings pages show.
    TOTP.activate(people["judge"], TOTP_SECRET)
    RecoveryCodes.activate(people["judge"])
    return World(
        people=people,
        cycles=cycles,
        nomination=nomination,
        verifiable=verifiable,
        story=story,
        photos=Story.objects.filter(images__isnull=False).first(),
        thank_you=thank_you,
        unassigned=unassigned,
        confirmation=thanks.confirmation_token(pending),
        token_digest=token.digest,
    )


# --- The pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Walk:
    """One page: its URL name, who visits it, and its arguments from the world."""

    name: str
    role: str
    args: Callable[[World], list | dict] = lambda world: []
    label: str = ""
    query: str = ""

    def path(self, world: World) -> str:
        args = self.args(world)
        if isinstance(args, dict):
            return reverse(self.name, kwargs=args) + self.query
        return reverse(self.name, args=args) + self.query


def _cycle(status: str) -> Callable[[World], list]:
    return lambda world: [world.cycles[status].pk]


def _me(role: str) -> Callable[[World], list]:
    return lambda world: [world.people[role].pk]


# In the order a person would meet them; each role's pages in one browser tab.
WALKS = [
    # A customer, and someone without an account yet.
    Walk("account_login", "anonymous"),
    Walk("account_signup", "anonymous"),
    Walk("account_reset_password", "anonymous"),
    Walk("account_reset_password_done", "anonymous"),
    Walk(
        "account_reset_password_from_key",
        "anonymous",
        lambda world: {"uidb36": "0", "key": "not-a-key"},
    ),
    Walk("account_reset_password_from_key_done", "anonymous"),
    Walk("account_confirm_email", "anonymous", lambda world: {"key": "not-a-key"}),
    Walk("account_email_verification_sent", "anonymous"),
    Walk("account_inactive", "anonymous"),
    Walk("socialaccount_login_cancelled", "anonymous"),
    Walk("socialaccount_login_error", "anonymous"),
    Walk("thanks:form", "anonymous"),
    Walk("thanks:personal", "anonymous", lambda world: [world.people["employee"].thanks_token]),
    Walk("thanks:sent", "anonymous"),
    Walk("thanks:confirm", "anonymous", lambda world: [world.confirmation]),
    Walk(
        "stories:digest_unsubscribe",
        "anonymous",
        lambda world: [digest.unsubscribe_token(world.people["employee"])],
    ),
    # An employee.
    Walk("home:home", "employee"),
    Walk("accounts:directory", "employee"),
    Walk("home:profile", "employee", _me("employee")),
    Walk("accounts:edit_profile", "employee"),
    Walk("accounts:api_tokens", "employee"),
    Walk("accounts:revoke_api_token", "employee", lambda world: [world.token_digest]),
    Walk("nominations:new", "employee"),
    Walk("nominations:mine", "employee"),
    Walk("nominations:detail", "employee", lambda world: [world.nomination.pk]),
    Walk("nominations:edit", "employee", lambda world: [world.nomination.pk]),
    Walk("nominations:withdraw", "employee", lambda world: [world.nomination.pk]),
    Walk("stories:feed", "employee"),
    Walk("stories:detail", "employee", lambda world: [world.story.pk]),
    Walk("stories:detail", "employee", lambda world: [world.photos.pk], "with photos"),
    Walk(
        "stories:photo",
        "employee",
        lambda world: [world.photos.pk, world.photos.images.first().pk],
    ),
    Walk("stories:new", "employee"),
    Walk("stories:mine", "employee"),
    Walk("stories:edit", "employee", lambda world: [world.story.pk]),
    Walk(
        "stories:comment_edit",
        "employee",
        lambda world: [world.story.comments.filter(author=world.people["employee"]).last().pk],
    ),
    Walk("stories:from_thanks", "employee", lambda world: [world.thank_you.pk]),
    Walk("notifications:list", "employee"),
    Walk("notifications:settings", "employee"),
    Walk("awards:hall_of_fame", "employee"),
    Walk("awards:results", "employee", _cycle("announced")),
    Walk("account_email", "employee"),
    Walk("account_change_password", "employee"),
    Walk("mfa_index", "employee"),
    Walk("mfa_activate_totp", "employee"),
    Walk("usersessions_list", "employee"),
    Walk("socialaccount_connections", "employee"),
    Walk("account_reauthenticate", "employee"),
    Walk("account_logout", "employee"),  # GET asks to confirm; it does not sign out
    # A manager verifies evidence about their team.
    Walk("nominations:detail", "manager", lambda world: [world.verifiable.pk], "to verify"),
    # A judge.
    Walk("awards:judge_home", "judge"),
    Walk("awards:judge_cycle", "judge", _cycle("judging")),
    Walk("mfa_index", "judge", label="two-factor on"),
    Walk("mfa_view_recovery_codes", "judge"),
    Walk("mfa_generate_recovery_codes", "judge"),
    Walk("mfa_deactivate_totp", "judge"),
    Walk("mfa_reauthenticate", "judge"),
    # HR.
    Walk("home:hr_console", "hr"),
    Walk("accounts:hr_people", "hr"),
    Walk("accounts:hr_import", "hr"),
    Walk("accounts:hr_audit", "hr"),
    Walk("awards:hr_cycles", "hr"),
    Walk("awards:hr_cycle_new", "hr"),
    Walk("awards:hr_cycle", "hr", _cycle("open"), "open"),
    Walk("awards:hr_cycle", "hr", _cycle("judging"), "judging"),
    Walk("awards:hr_cycle", "hr", _cycle("decided"), "decided"),
    Walk("awards:hr_cycle", "hr", _cycle("announced"), "announced"),
    Walk("awards:hr_cycle_transition", "hr", _cycle("open"), "to judging", "?to=judging"),
    Walk("awards:hr_cycle_transition", "hr", _cycle("decided"), "to announced", "?to=announced"),
    Walk("awards:hr_rubric", "hr", _cycle("open")),
    Walk("awards:hr_judges", "hr", _cycle("judging")),
    Walk("awards:hr_scoreboard", "hr", _cycle("decided")),
    Walk("awards:hr_nominations", "hr", _cycle("judging")),
    Walk("nominations:detail", "hr", lambda world: [world.verifiable.pk], "as HR"),
    Walk("stories:hide", "hr", lambda world: [world.story.pk]),
    Walk(
        "nominations:evidence_image",
        "hr",
        lambda world: [Evidence.objects.exclude(image="").first().pk],
    ),
    Walk("thanks:queue", "hr"),
    Walk("thanks:assign", "hr", lambda world: [world.unassigned.pk]),
    Walk("thanks:integrations", "hr"),
    Walk("thanks:integration", "hr", lambda world: [world.integration]),
]

# Pages that answer with an error status by design, and that status; every other page must
# answer below 400, or it was not walked (a 403 is the wrong person, not the page).
EXPECTED_STATUS = {"socialaccount_login_error": 401}

# Named GET URLs the walk does not visit, and why.
NOT_WALKED = {
    "healthz": "a health check for the load balancer, not a page",
    "media": "serves uploaded files",
    "thanks:qr_png": "an image (the QR code), shown on the profile the walk visits",
    "thanks:qr_svg": "an image (the QR code), shown on the profile the walk visits",
    "nominations:nominee_search": "an htmx fragment of the colleague picker, inside the pages",
    "notifications:open": "marks a notice read and redirects to what it is about",
    "account_set_password": "redirects: every demo person has a password",
    "account_confirm_login_code": "only while signing in by e-mail code, which is off",
    "mfa_authenticate": "only in the middle of a sign-in with two-factor authentication",
    "mfa_download_recovery_codes": "a text file, not a page",
    "socialaccount_signup": "only in the middle of a sign-in through the identity provider",
    "openid_connect_login": "hands over to the identity provider",
    "openid_connect_callback": "the identity provider's way back",
}


def named_urls() -> dict[str, dict[str, str]]:
    """Every named URL of the site outside /api/ and the admin: name → arguments that fit its
    pattern (and its includes' patterns) and name nothing that exists."""
    found: dict[str, dict[str, str]] = {}

    def arguments(pattern) -> dict[str, str]:
        converters = getattr(pattern, "converters", {})
        return {
            name: "1" if isinstance(converters.get(name), IntConverter) else "x1"
            for name in pattern.regex.groupindex
        }

    def walk(patterns, prefix: str, namespace: str | None, inherited: dict[str, str]) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(("api/", "admin/")):
                continue
            kwargs = inherited | arguments(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner, kwargs)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.setdefault(name, kwargs)

    walk(get_resolver().url_patterns, "", None, {})
    return found


@pytest.mark.django_db
def test_every_page_is_walked_or_excused():
    """A page added to the site is walked at 320 px, or excused here with a reason."""
    names = named_urls()
    walked = {walk.name for walk in WALKS}
    assert not (walked | set(NOT_WALKED)) - set(names), "walked or excused, but no such URL"

    # An action (POST only) answers GET with 405, whoever asks: it is not a page.
    client = Client()
    client.force_login(make_user(hr=True), backend="accounts.backends.ModelBackend")
    forgotten, needless = [], []
    for name, kwargs in sorted(names.items()):
        if name in walked:
            continue
        path = reverse(name, kwargs=kwargs)
        action = client.get(path).status_code == 405
        if name in NOT_WALKED and action:
            needless.append(name)
        elif name not in NOT_WALKED and not action:
            forgotten.append(f"{name} ({path})")
    assert not forgotten, (
        "These pages answer GET but the 320 px walk (tests/e2e/test_mobile.py) neither visits "
        "them nor says why in NOT_WALKED: " + ", ".join(forgotten)
    )
    assert not needless, f"POST only now, no need to excuse them in NOT_WALKED: {needless}"


def test_every_page_fits_a_320_px_screen(open_page):
    """Each page, as the person who sees it, on the demo organisation: no sideways scroll."""
    world = seed_world()
    tabs = {role: open_page(person, **PHONE) for role, person in world.people.items()}

    # HR adds an integration: the page then shows the secret and a curl example once.
    office = tabs["hr"]
    visit(office, reverse("thanks:integrations"))
    office.get_by_label("Name", exact=True).fill("Zendesk customer satisfaction survey")
    office.get_by_label("Name in the webhook URL").fill("zendesk-customer-satisfaction-survey")
    office.get_by_role("button", name="Add the integration").click()
    expect(office.get_by_role("heading", name="Copy the secret")).to_be_visible()
    problems = [
        accessibility_problems(office, label="integration added"),
        overflow_problem(office, label="thanks:integrations (integration added) as hr"),
    ]
    world.integration = Integration.objects.get(slug="zendesk-customer-satisfaction-survey").pk

    for walk in WALKS:
        page = tabs[walk.role]
        path = walk.path(world)
        response = page.goto(path)
        where = f"{walk.name}{f' ({walk.label})' if walk.label else ''} as {walk.role}"
        status = response.status if response else None
        expected = EXPECTED_STATUS.get(walk.name)
        if status is None or (status != expected if expected else status >= 400):
            problems.append(f"{where}: {path} answered {status}, so it was not walked")
            continue
        if walk.name != "account_reauthenticate" and "/accounts/reauthenticate/" in page.url:
            # Two-factor settings ask for the password again first, as they should.
            problems.append(accessibility_problems(page, label=f"{where}, signing in again"))
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_load_state()
        if not page.url.endswith(path):
            problems.append(f"{where}: {path} went to {page.url}, so it was not walked")
        problems.append(accessibility_problems(page, label=where))
        problems.append(overflow_problem(page, label=where))
        problems.append(first_screen_problem(page, label=where))

    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


# --- The menu button -----------------------------------------------------------------------

MAIN_LINKS = ["Home", "People", "Nominate", "My nominations", "Stories", "Hall of fame"]


def focused_text(page: Page) -> str:
    return page.evaluate("() => document.activeElement.textContent.trim()")


def test_on_a_phone_the_navigation_folds_behind_a_menu_button_that_the_keyboard_opens(
    open_page,
):
    page = open_page(make_user(full_name="Pat Phone"), **PHONE)
    visit(page, reverse("awards:hall_of_fame"))
    nav = page.get_by_role("navigation", name="Main")
    header = page.locator(".site-header").bounding_box()

    # Folded: the header is one row, and the first screen is mostly the page itself.
    assert header["height"] <= 80, header
    assert page.get_by_role("heading", level=1).bounding_box()["y"] < PHONE["height"] / 3
    for name in MAIN_LINKS:
        expect(nav.get_by_role("link", name=name)).to_be_hidden()

    # Skip link, the logo, then the menu button; Enter opens it, Tab goes through its links.
    for _ in range(3):
        page.keyboard.press("Tab")
    assert focused_text(page) == "Menu"
    page.keyboard.press("Enter")
    reached = []
    for _ in MAIN_LINKS:
        page.keyboard.press("Tab")
        reached.append(focused_text(page))
    assert reached == MAIN_LINKS
    expect(nav.get_by_role("link", name="Hall of fame")).to_have_attribute("aria-current", "page")
    assert not overflow_problem(page)
    assert_accessible(page, label="menu open")


def test_the_menu_button_works_without_javascript(open_page):
    page = open_page(make_user(full_name="Pat Phone"), **PHONE, javascript=False)
    visit(page, reverse("stories:feed"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Stories")).to_be_hidden()
    nav.get_by_text("Menu").click()
    expect(nav.get_by_role("link", name="Stories")).to_be_visible()
    expect(nav.get_by_role("link", name="Stories")).to_have_attribute("aria-current", "page")
    assert not overflow_problem(page)
    assert_accessible(page, label="menu open")


@pytest.mark.parametrize("width", [1024, 1280])
def test_on_a_desktop_the_header_is_one_row_with_no_menu_button(open_page, width):
    page = open_page(make_user(full_name="Hana Hughes-Longname", hr=True), width=width)
    visit(page, reverse("home:home"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text("Menu")).to_be_hidden()
    tops = {
        round(nav.get_by_role("link", name=name).bounding_box()["y"])
        for name in [*MAIN_LINKS, "HR console"]
    }
    assert len(tops) == 1, tops
    assert page.locator(".site-header").bounding_box()["height"] <= 80
    # The links follow the logo straight away: no button to press first.
    for _ in range(3):
        page.keyboard.press("Tab")
    assert focused_text(page) == "Home"
