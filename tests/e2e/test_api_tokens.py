"""The "API tokens" page in a real browser: accessible (axe-core, light and dark), readable at
320 px, and a token revoked with the keyboard alone, the focus landing on the result."""

import pytest
from django.urls import reverse
from knox.models import AuthToken
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.conftest import make_user
from tests.e2e.browsing import accessibility_problems, assert_accessible, visit

pytestmark = pytest.mark.browser

TOKENS = reverse("accounts:api_tokens")


def person_with_tokens(count: int = 2) -> tuple[User, list[AuthToken]]:
    person = make_user(full_name="Kim Keys")
    return person, [AuthToken.objects.create(user=person)[0] for _ in range(count)]


def focused_name(page: Page) -> str:
    text = page.evaluate("() => document.activeElement.textContent || ''")
    return " ".join(text.split())


def tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_name(page) == name:
            return
    pytest.fail(f"Tab never reached {name!r}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tokens_pages_pass_axe(open_page, scheme):
    person, [token, _] = person_with_tokens()
    page = open_page(person, color_scheme=scheme)

    page.goto(TOKENS)
    problems = [accessibility_problems(page, label=f"tokens, {scheme}")]
    page.goto(reverse("accounts:revoke_api_token", args=[token.digest]))
    problems.append(accessibility_problems(page, label=f"revoke, {scheme}"))
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    problems.append(accessibility_problems(page, label=f"revoked, {scheme}"))
    AuthToken.objects.filter(user=person).delete()
    page.goto(TOKENS)
    problems.append(accessibility_problems(page, label=f"no tokens, {scheme}"))

    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def test_the_tokens_page_fits_a_320_pixel_wide_screen(open_page):
    person, [token, _] = person_with_tokens()
    page = open_page(person, width=320, height=640)
    for path in (TOKENS, reverse("accounts:revoke_api_token", args=[token.digest])):
        visit(page, path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_the_account_menu_leads_to_the_tokens_page(open_page):
    person, _ = person_with_tokens()
    page = open_page(person)
    visit(page, reverse("home:home"))

    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="API tokens").click()

    page.wait_for_url(f"**{TOKENS}")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")


def test_a_token_is_revoked_with_the_keyboard_alone(open_page):
    person, [older, newer] = person_with_tokens()
    page = open_page(person)
    visit(page, TOKENS)
    expect(page.locator(".token-list > li")).to_have_count(2)
    start = older.token_key[:8]

    tab_to(page, f"Revoke the token starting with {start}")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{reverse('accounts:revoke_api_token', args=[older.digest])}")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Revoke this token?")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Revoke the token")).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{TOKENS}")
    assert_accessible(page)
    result = page.get_by_role("status").get_by_text(f"The token starting with {start} is revoked")
    expect(result).to_be_focused()
    expect(page.locator(".token-list > li")).to_have_count(1)
    assert list(AuthToken.objects.filter(user=person)) == [newer]


def test_keeping_the_token_changes_nothing(open_page):
    person, [token] = person_with_tokens(1)
    page = open_page(person)
    visit(page, reverse("accounts:revoke_api_token", args=[token.digest]))

    page.get_by_role("link", name="Keep it").click()

    page.wait_for_url(f"**{TOKENS}")
    assert_accessible(page)
    expect(page.locator(".token-list > li")).to_have_count(1)
    assert AuthToken.objects.filter(pk=token.pk).exists()
