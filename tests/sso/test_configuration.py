"""The OIDC_* environment variables as the settings module reads them at start-up, and the
password rules of OIDC_ONLY. The flows themselves run in a browser: tests/e2e/test_sso.py."""

import json
import os
import subprocess
import sys

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.api import PASSWORDS_OFF
from tests.conftest import PASSWORD, make_user
from tests.sso.identity_provider import ROOT


def settings_with(**variables: str) -> dict:
    """Import config.settings in a fresh interpreter with these variables set."""
    code = (
        "import json; from config import settings as s; print(json.dumps({'csp': "
        "[str(v) for v in s.SECURE_CSP['form-action']], 'providers': s.SOCIALACCOUNT_PROVIDERS,"
        " 'only': s.OIDC_ONLY, 'break_glass': s.OIDC_BREAK_GLASS}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environ, **variables},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_csp_lets_forms_reach_the_configured_provider_and_nothing_else():
    configured = settings_with(
        OIDC_CLIENT_ID="plaudit", OIDC_SERVER_URL="https://login.example.com/tenant/v2.0/"
    )
    assert configured["csp"] == ["'self'", "https://login.example.com"]
    assert settings_with()["csp"] == ["'self'"]


def test_pkce_is_on_and_the_email_claim_is_never_blindly_trusted_by_default():
    app_settings = settings_with(OIDC_CLIENT_ID="plaudit", OIDC_SERVER_URL="https://idp.example")
    provider = app_settings["providers"]["openid_connect"]
    assert provider["APPS"][0]["settings"]["oauth_pkce_enabled"] is True
    assert provider["VERIFIED_EMAIL"] is False
    off = settings_with(
        OIDC_CLIENT_ID="plaudit", OIDC_SERVER_URL="https://idp.example", OIDC_PKCE="0"
    )
    assert off["providers"]["openid_connect"]["APPS"][0]["settings"]["oauth_pkce_enabled"] is False


def test_sso_only_needs_a_provider_and_break_glass_addresses_are_compared_in_lower_case():
    assert settings_with(OIDC_ONLY="1")["only"] is False
    configured = settings_with(
        OIDC_CLIENT_ID="plaudit",
        OIDC_SERVER_URL="https://idp.example",
        OIDC_ONLY="1",
        OIDC_BREAK_GLASS="Hana@Example.com,it@example.com",
    )
    assert configured["only"] is True
    assert configured["break_glass"] == ["hana@example.com", "it@example.com"]


@pytest.fixture
def sso_only(db, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_ONLY = True
    settings.OIDC_BREAK_GLASS = ["hana@example.com"]


@pytest.mark.parametrize(("email", "mails"), [("ravi@example.com", 0), ("hana@example.com", 1)])
def test_with_sso_only_a_password_reset_is_sent_to_the_break_glass_list_only(
    client, sso_only, email, mails
):
    make_user(email)
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == mails


def test_with_sso_only_a_password_does_not_sign_in_someone_off_the_break_glass_list(
    client, sso_only
):
    make_user("ravi@example.com")
    response = client.post(
        reverse("account_login"), {"login": "ravi@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "use the button above" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_sso_only_the_api_refuses_a_password_in_words_an_api_caller_understands(sso_only):
    make_user("ravi@example.com")
    response = APIClient(REMOTE_ADDR="203.0.113.9").post(
        "/api/v1/auth/token", {"email": "ravi@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": str(PASSWORDS_OFF)}
    assert "button" not in response.json()["detail"]
