"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

- The browser is Debian's `/usr/bin/chromium` (`PLAUDIT_CHROMIUM` points elsewhere); nothing
  is ever downloaded. When it is missing the tests are skipped with a message saying how to
  install it, except under CI (`CI` set), where a missing browser is a failure.
- One browser for the session (pytest-playwright's `browser` fixture, launched with the
  options below), a new context per page, so `--tracing`, `--screenshot` and `--headed`
  work as documented by pytest-playwright.
- Tests that use `live_server` run with a transactional database.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from accounts.models import User
from tests.e2e.browsing import sign_in, watch

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _chromium() -> str:
    """The Chromium binary, or skip (fail under CI) with the way to install it."""
    path = os.environ.get("PLAUDIT_CHROMIUM", "/usr/bin/chromium")
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    message = (
        f"Chromium was not found at {path}. Install it with `apt-get install chromium` "
        "(Debian/Ubuntu) or point PLAUDIT_CHROMIUM at a Chromium binary to run the browser "
        "tests."
    )
    if _under_ci():
        pytest.fail(f"{message} A missing browser is a failure under CI.", pytrace=False)
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's stand-in for pytest-base-url trips a pytest 9 deprecation warning.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's Playwright, with Django told that its running loop is harmless.

    Playwright's sync API keeps an asyncio loop running in the main thread from now until
    the end of the session, and Django refuses ORM calls from a thread with a running loop.
    Every ORM call in the tests (the browser tests and those that run after them) is
    synchronous, so the check is a false alarm; the live server answers from its own thread.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield playwright
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options (--headed, --slowmo…) on the system Chromium."""
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server) -> dict:
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings) -> None:
    # Every test creates people; the slow production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def open_page(new_context, live_server, request) -> Iterator[Callable[..., Page]]:
    """open_page(user=None, *, color_scheme="light", width=1280, javascript=True) → a new tab
    in a fresh browser context, signed in as `user` when one is given.

    After the test: fails when the browser reported a Content-Security-Policy violation, an
    htmx error or an uncaught script error, or (if the test passed) when a page was loaded but
    never checked with axe-core."""
    logs = []

    def open_(
        user: User | None = None,
        *,
        color_scheme: str = "light",
        width: int = 1280,
        height: int = 900,
        javascript: bool = True,
    ) -> Page:
        context = new_context(
            color_scheme=color_scheme,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        if user is not None:
            sign_in(context, user, live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        logs.append(watch(page, javascript=javascript, color_scheme=color_scheme))
        return page

    yield open_

    problems = [
        line for log in logs for line in log.csp_violations + log.htmx_errors + log.script_errors
    ]
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.passed:
        problems += [
            f"{url} was loaded but not checked with axe-core"
            for log in logs
            for url in sorted(log.unchecked)
        ]
    if problems:
        pytest.fail("While browsing:\n" + "\n".join(problems), pytrace=False)
