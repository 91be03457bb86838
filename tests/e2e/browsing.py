"""Helpers for the browser tests: the axe-core check, what a page logged, and signing in.

Every page a test visits is checked with axe-core: `visit()` navigates and checks, and after
a click that loads another page the test calls `assert_accessible()` itself. The `open_page`
fixture (conftest.py) fails a test that loaded a page it never checked, and any test during
which the browser reported a Content-Security-Policy violation, an uncaught script error or an
htmx error (a request htmx could not place or send, or an hx- selector that matched nothing).
"""

import re
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.utils.csp import CSP, build_policy
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, Route
from playwright.sync_api import Error as PlaywrightError

from accounts.models import User

BLOCKING_IMPACTS = ("serious", "critical")
_axe = Axe()


@dataclass
class PageLog:
    """What happened in one tab: the documents it loaded, those axe checked, and the
    console messages that mean something is broken."""

    javascript: bool = True
    color_scheme: str = "light"
    loaded: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)
    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    htmx_errors: list[str] = field(default_factory=list)

    @property
    def unchecked(self) -> set[str]:
        return self.loaded - self.checked


_logs: "WeakKeyDictionary[Page, PageLog]" = WeakKeyDictionary()


def _is_htmx_error(message: ConsoleMessage) -> bool:
    """htmx logs its error events as console errors named for the event ("htmx:targetError,
    #people-options"), and an hx-include or hx-target selector that matched nothing as
    "The selector … returned no matches!": the request then goes out without what it meant."""
    if "returned no matches" in message.text:
        return True
    return message.type == "error" and message.text.startswith("htmx:")


def _serve_media_as_the_site_does(page: Page) -> None:
    """The live server hands uploaded files out before any middleware (Django's media
    handler), so without a Content-Security-Policy; the site (`make run`, core.views.media)
    serves them under it. Opening an image by itself then breaks the policy (Chromium's image
    page styles itself inline), which a test must see as the browser would."""
    policy = build_policy(settings.SECURE_CSP, nonce=None)

    def with_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, CSP.HEADER_ENFORCE: policy})

    page.route(re.compile(re.escape(settings.MEDIA_URL)), with_policy)


def watch(page: Page, *, javascript: bool = True, color_scheme: str = "light") -> PageLog:
    """Start recording loads, CSP violations, htmx errors and uncaught errors for `page`."""
    log = _logs[page] = PageLog(javascript=javascript, color_scheme=color_scheme)
    _serve_media_as_the_site_does(page)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium reports a blocked script, style or connection as a console error
        # "Refused to … because it violates the following Content Security Policy directive",
        # or "Applying inline style violates the following Content Security Policy directive".
        if "Content Security Policy" in message.text:
            log.csp_violations.append(f"{page.url}: {message.text}")
        elif _is_htmx_error(message):
            log.htmx_errors.append(f"{page.url}: {message.text}")

    # `load` fires for whole documents only: an htmx swap with hx-push-url changes the URL
    # without loading a page, and is checked by the test where it matters.
    page.on("load", lambda p: log.loaded.add(p.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: log.script_errors.append(f"{page.url}: {error}"))
    return log


def log_of(page: Page) -> PageLog:
    return _logs[page]


def _axe_on(page: Page) -> list[dict]:
    """axe-core's violations on the page once it has loaded. A page can still be finishing a
    redirect (a sign-in through the provider) when the test's last expectation already
    matched; axe then finds no document: it runs once more on the page that settled."""
    page.wait_for_load_state()
    try:
        return _axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]
    except PlaywrightError:
        page.wait_for_load_state()
        return _axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]


def _axe_violations(page: Page) -> list[dict]:
    log = _logs.get(page)
    if log is None or log.javascript:
        return _axe_on(page)
    # axe-core waits on timers, which never fire where JavaScript is off: check the very
    # same document (its HTML as the browser holds it) in a twin tab that runs scripts.
    html, url = page.content(), page.url
    twin_context = page.context.browser.new_context(
        color_scheme=log.color_scheme, viewport=page.viewport_size
    )
    try:
        twin_context.add_cookies(page.context.cookies())
        twin = twin_context.new_page()
        twin.route(
            lambda u: u == url, lambda route: route.fulfill(body=html, content_type="text/html")
        )
        twin.goto(url)
        return _axe_on(twin)
    finally:
        twin_context.close()


def accessibility_problems(page: Page, *, label: str = "") -> str:
    """Run axe-core on the page as it is now; describe every serious or critical violation
    (rule, what it asks, and the offending nodes), or return "" when there is none."""
    violations = _axe_violations(page)
    if page in _logs:
        _logs[page].checked.add(page.url)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        return ""
    where = f"{page.url}{f' ({label})' if label else ''}"
    lines = [f"axe-core: {len(blocking)} serious or critical violation(s) on {where}"]
    for violation in blocking:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " >>> ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, label: str = "") -> None:
    problems = accessibility_problems(page, label=label)
    assert not problems, problems


def visit(page: Page, path: str) -> Response | None:
    """Go to `path` (relative to the live server) and check the page with axe-core."""
    response = page.goto(path)
    assert_accessible(page)
    return response


def sign_in(context: BrowserContext, user: User, base_url: str) -> None:
    """Give the browser a real session for `user` without going through the login form
    (only the login test needs the form)."""
    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
