"""The notification centre in a real browser: the bell's count, the list, a notice marked
read with the keyboard alone (focus lands on the status message, the bell follows), and axe
in light and dark (dark at 320 px, where nothing may overflow)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from notifications import services
from notifications.models import Kind
from tests.conftest import make_user
from tests.e2e.browsing import accessibility_problems, assert_accessible, visit

pytestmark = pytest.mark.browser

LIST = reverse("notifications:list")


def focused(page: Page) -> str:
    return " ".join(page.evaluate("() => document.activeElement.textContent || ''").split())


def test_a_person_reads_their_notifications_with_the_keyboard(open_page):
    ana = make_user(full_name="Ana Popescu")
    for n, text in enumerate(["Bo commented on your story “Lyon”.", "Evidence waits for you."]):
        services.notify(
            recipient=ana,
            kind=Kind.STORY_COMMENTED,
            event_key=f"e2e:{n}",
            text=text,
            link="/stories/",
        )
    page = open_page(ana)
    visit(page, reverse("home:home"))
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Notifications, 2 unread")

    bell.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"{LIST}$"))
    assert_accessible(page, label="list, light")

    # Tab to the first "Mark read" (the newest notice) and press it.
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused(page).startswith("Mark read"):
            break
    assert focused(page) == "Mark read: Evidence waits for you."
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_have_text("Marked as read: Evidence waits for you.")
    expect(status).to_be_focused()
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    problems = [accessibility_problems(page, label="after marking read, light")]
    page.goto(reverse("notifications:settings"))
    problems.append(accessibility_problems(page, label="settings, light"))

    dark = open_page(ana, color_scheme="dark", width=320, height=640)
    dark.goto(LIST)
    assert dark.evaluate("document.documentElement.scrollWidth") <= 320
    problems.append(accessibility_problems(dark, label="list, dark"))
    dark.goto(reverse("notifications:settings"))
    problems.append(accessibility_problems(dark, label="settings, dark"))
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)
