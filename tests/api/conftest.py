"""Fixtures for the API tests: real hashed tokens, and a person with TOTP two-factor on."""

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import make_user

TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # base32; the same one an authenticator app would scan


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app shows right now (or at a given Unix time)."""
    import time

    from allauth.mfa import app_settings

    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def token_client():
    """token_client(user) → (APIClient sending `Authorization: Token …`, the plaintext token)."""

    def build(user: User) -> tuple[APIClient, str]:
        _, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client, token

    return build


@pytest.fixture
def mfa_user(db) -> User:
    user = make_user(full_name="Mo Factor")
    TOTP.activate(user, TOTP_SECRET)
    return user


def our_schema() -> dict:
    """The OpenAPI schema exactly as /api/schema/ serves it, built without a request or a
    database (so it can be used at collection time)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))
