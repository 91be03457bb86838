"""Content-Security-Policy: nonces, no 'unsafe-inline', and templates that need neither."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import make_user

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mails are not web pages: no CSP applies to them and mail clients need inline styles.
EMAIL_TEMPLATES = TEMPLATES / "email"
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict_policy(response) -> str | None:
    """The policy forbids inline code and every inline <script>/<style> carries its nonce."""
    policy = policy_of(response)
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonces = {v for v in policy["script-src"] if v.startswith("'nonce-")}
    nonce = nonces.pop()[7:-1] if nonces else None
    for tag, attrs in tags_of(response.content.decode()):
        if tag == "script" and attrs.get("type") in DATA_SCRIPT_TYPES:
            continue
        if (tag == "script" and "src" not in attrs) or tag == "style":
            assert nonce and attrs.get("nonce") == nonce, f"inline <{tag}> without the nonce"
        if tag == "script" and "src" in attrs:
            assert attrs["src"].startswith("/"), f"script from elsewhere: {attrs['src']}"
        assert not any(name.startswith("on") for name in attrs), f"<{tag} {attrs}>"
        assert "style" not in attrs, f"inline style attribute on <{tag}>"
    return nonce


SIGNED_IN_PAGES = [
    "home:home",
    "accounts:directory",
    "accounts:edit_profile",
    "account_email",
    "account_change_password",
    "mfa_index",
    "usersessions_list",
]
HR_PAGES = ["home:hr_console", "accounts:hr_people", "accounts:hr_audit"]
ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password", "api-docs"]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_public_pages_carry_a_strict_policy_with_a_nonce(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert assert_strict_policy(response)


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_pages_carry_a_strict_policy_with_a_nonce(login, employee, name):
    response = login(employee).get(reverse(name))
    assert response.status_code == 200
    assert assert_strict_policy(response)


def test_the_profile_page(login, employee):
    response = login(employee).get(employee.get_absolute_url())
    assert assert_strict_policy(response)


@pytest.mark.parametrize("name", HR_PAGES)
def test_hr_pages_carry_a_strict_policy_with_a_nonce(login, hr_user, name):
    response = login(hr_user).get(reverse(name))
    assert response.status_code == 200
    assert assert_strict_policy(response)


def test_error_pages_carry_the_policy(login, employee):
    client = login(employee)
    assert assert_strict_policy(client.get("/no/such/page/"))
    assert assert_strict_policy(client.get(reverse("home:hr_console")))


def test_the_nonce_is_new_for_every_response(client, db):
    first = policy_of(client.get(reverse("account_login")))["script-src"]
    second = policy_of(client.get(reverse("account_login")))["script-src"]
    assert first != second


def test_htmx_is_loaded_from_our_own_server_with_the_nonce(login, employee):
    response = login(employee).get(reverse("home:home"))
    nonce = assert_strict_policy(response)
    scripts = [attrs for tag, attrs in tags_of(response.content.decode()) if tag == "script"]
    assert any("htmx" in attrs.get("src", "") and attrs.get("nonce") == nonce for attrs in scripts)
    assert '"allowEval": false' in response.content.decode()  # htmx may not eval either


def test_the_admin_carries_a_strict_policy(login, db):
    admin = make_user(is_staff=True, is_superuser=True)
    response = login(admin).get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert_strict_policy(response)  # the admin needs no nonce: it has no inline code


def test_json_responses_carry_the_policy_too(api, employee):
    response = api(employee).get(reverse("api-me"))
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


# --- the templates themselves ---------------------------------------------------------------


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in (".html", ".svg"))


def page_templates() -> list[Path]:
    return [p for p in template_files() if EMAIL_TEMPLATES not in p.parents]


def rel(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


def test_there_are_templates_to_check():
    assert len(page_templates()) > 20


@pytest.mark.parametrize("path", template_files(), ids=rel)
def test_no_template_has_inline_event_handlers(path: Path):
    text = path.read_text()
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), rel(path)
    assert "javascript:" not in text.lower(), rel(path)


@pytest.mark.parametrize("path", page_templates(), ids=rel)
def test_every_script_and_style_tag_in_a_template_carries_the_nonce(path: Path):
    text = path.read_text()
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text, re.IGNORECASE):
        assert 'nonce="{{ csp_nonce }}"' in tag, f"{rel(path)}: {tag}"


@pytest.mark.parametrize("path", page_templates(), ids=rel)
def test_no_page_template_has_inline_style_attributes(path: Path):
    # style-src without 'unsafe-inline' makes browsers ignore style="…" attributes.
    assert not re.search(r"\sstyle\s*=", path.read_text(), re.IGNORECASE), rel(path)
