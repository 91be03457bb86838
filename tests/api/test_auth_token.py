"""POST/DELETE /api/v1/auth/token: hashed API tokens, rate limited, two-factor aware."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.tokens import LOCKED
from tests.api.conftest import our_schema, totp_code
from tests.conftest import PASSWORD, make_user

TOKEN_URL = reverse("api-token")
ME_URL = reverse("api-me")


def ask_for_token(email: str, password: str = PASSWORD, client: APIClient | None = None, **extra):
    return (client or APIClient()).post(
        TOKEN_URL, {"email": email, "password": password} | extra, format="json"
    )


def test_the_right_password_gets_a_token_that_works_on_me(employee):
    response = ask_for_token(employee.email)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expiry"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = client.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["email"] == employee.email


def test_the_e_mail_address_is_not_case_sensitive(employee):
    assert ask_for_token(employee.email.upper()).status_code == 201


def test_the_database_keeps_a_digest_and_never_the_token(employee):
    token = ask_for_token(employee.email).json()["token"]

    stored = AuthToken.objects.get(user=employee)
    assert stored.digest != token
    assert token not in stored.digest
    assert len(stored.token_key) < len(token)  # only a short lookup prefix is kept
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")  # noqa: S608 - fixed name
        rows = cursor.fetchall()
    assert not any(token in str(value) for row in rows for value in row)


def test_a_wrong_password_is_a_400_with_a_plain_reason(employee):
    response = ask_for_token(employee.email, "not my password")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The e-mail address or password is not right."}
    assert not AuthToken.objects.exists()


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(db):
    response = ask_for_token("nobody@example.com")
    assert response.status_code == 400
    assert response.json() == {"detail": "The e-mail address or password is not right."}


def test_missing_fields_are_reported_per_field(db):
    response = APIClient().post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"email", "password"}
    assert all(isinstance(messages, list) and messages for messages in body.values())


def test_a_deactivated_person_gets_no_token(db):
    person = make_user(is_active=False)
    assert ask_for_token(person.email).status_code == 400


def test_an_unverified_address_gets_no_token_just_as_it_cannot_sign_in(db):
    # Mandatory e-mail verification must not be bypassed through the API.
    person = make_user(email="new.starter@example.com")
    EmailAddress.objects.filter(user=person).update(verified=False)

    response = ask_for_token(person.email)

    assert response.status_code == 400
    assert "confirm" in response.json()["detail"].lower()
    assert not AuthToken.objects.exists()


def test_delete_revokes_the_token(employee, token_client):
    client, _ = token_client(employee)
    assert client.get(ME_URL).status_code == 200

    response = client.delete(TOKEN_URL)

    assert response.status_code == 204
    assert not AuthToken.objects.filter(user=employee).exists()
    after = client.get(ME_URL)
    assert after.status_code == 401
    assert "detail" in after.json()


def test_delete_revokes_only_the_token_it_was_sent_with(employee, token_client):
    first, _ = token_client(employee)
    second, _ = token_client(employee)

    first.delete(TOKEN_URL)

    assert first.get(ME_URL).status_code == 401
    assert second.get(ME_URL).status_code == 200


def test_delete_without_a_token_is_401(employee, login):
    # A browser session is not enough to revoke tokens: the token itself is the proof.
    assert login(employee).delete(TOKEN_URL).status_code == 401
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_a_made_up_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 64)
    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_401(employee, token_client, settings):
    client, _ = token_client(employee)
    AuthToken.objects.filter(user=employee).update(expiry="2000-01-01T00:00:00Z")
    assert client.get(ME_URL).status_code == 401


def test_ten_attempts_a_minute_from_one_address_then_429(employee):
    # Ten different accounts, so that no account's own limit is reached first.
    for n in range(10):
        assert ask_for_token(f"guess{n}@example.com", "guess").status_code == 400

    response = ask_for_token(employee.email)  # even the right password now waits

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled")
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(employee):
    client = APIClient()
    for n in range(10):
        ask_for_token(f"guess{n}@example.com", "guess", client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = client.post(
        TOKEN_URL,
        {"email": employee.email, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled")


# --- one limit of failed sign-ins per account, for the website and the API -------------------


def sign_in_on_the_website(email: str, password: str = PASSWORD) -> Client:
    browser = Client()
    browser.post(reverse("account_login"), {"login": email, "password": password})
    return browser


def assert_locked(response) -> None:
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED}
    assert 0 < int(response["Retry-After"]) <= 5 * 60


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(employee):
    for _ in range(5):
        assert ask_for_token(employee.email, "guess").status_code == 400

    response = ask_for_token(employee.email)

    assert_locked(response)
    assert not AuthToken.objects.exists()


def test_failures_on_the_website_lock_the_api(employee):
    for _ in range(5):
        sign_in_on_the_website(employee.email, "guess")

    assert_locked(ask_for_token(employee.email))
    assert_locked(ask_for_token(employee.email.upper()))  # however the address is written


def test_failures_on_the_api_lock_the_website(employee):
    for _ in range(5):
        assert ask_for_token(employee.email, "guess").status_code == 400

    browser = sign_in_on_the_website(employee.email)

    assert SESSION_KEY not in browser.session
    page = browser.post(reverse("account_login"), {"login": employee.email, "password": PASSWORD})
    assert "Too many failed login attempts" in page.content.decode()


def test_failures_on_both_count_together(employee):
    for _ in range(3):
        sign_in_on_the_website(employee.email, "guess")
    for _ in range(2):
        assert ask_for_token(employee.email, "guess").status_code == 400

    assert_locked(ask_for_token(employee.email))


def test_the_lock_is_per_account(employee):
    colleague = make_user()
    for _ in range(5):
        ask_for_token(employee.email, "guess")

    assert ask_for_token(colleague.email).status_code == 201


def test_a_right_password_does_not_count_as_a_failure(employee):
    for _ in range(4):
        assert ask_for_token(employee.email).status_code == 201
    assert ask_for_token(employee.email, "guess").status_code == 400

    assert ask_for_token(employee.email).status_code == 201


# --- other credentials on the request -----------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["Token bogus", "Token " + "f" * 64, "Token", "Token two words", "token x"]
)
def test_a_stale_or_bogus_token_header_does_not_block_getting_a_new_one(employee, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = ask_for_token(employee.email, client=client)

    assert response.status_code == 201
    assert AuthToken.objects.filter(user=employee).count() == 1


def test_a_revoked_token_in_the_header_does_not_block_getting_a_new_one(employee, token_client):
    client, _ = token_client(employee)
    client.delete(TOKEN_URL)

    assert ask_for_token(employee.email, client=client).status_code == 201


def test_a_wrong_password_with_a_stale_header_is_still_a_400(employee):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token bogus")
    response = ask_for_token(employee.email, "guess", client)
    assert response.status_code == 400
    assert response.json() == {"detail": "The e-mail address or password is not right."}


def test_someone_elses_token_or_session_lends_no_identity(employee, token_client, login):
    colleague = make_user()
    client, _ = token_client(colleague)
    assert ask_for_token(employee.email, "guess", client).status_code == 400

    browser = login(colleague)  # a session, and no CSRF token: neither matters here
    response = browser.post(
        TOKEN_URL, {"email": employee.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 201
    assert AuthToken.objects.get(digest=hash_token(response.json()["token"])).user == employee


class TestTwoFactor:
    def test_without_a_code_the_answer_asks_for_one(self, mfa_user):
        response = ask_for_token(mfa_user.email)

        assert response.status_code == 400
        assert "authenticator code" in response.json()["code"][0]
        assert not AuthToken.objects.exists()

    def test_a_wrong_code_is_refused(self, mfa_user):
        wrong = "000000" if totp_code() != "000000" else "111111"
        response = ask_for_token(mfa_user.email, code=wrong)
        assert response.status_code == 400
        assert "not right" in response.json()["code"][0]

    def test_the_current_code_gets_a_token(self, mfa_user):
        response = ask_for_token(mfa_user.email, code=totp_code())
        assert response.status_code == 201

    def test_a_code_cannot_be_used_twice(self, mfa_user):
        code = totp_code()
        assert ask_for_token(mfa_user.email, code=code).status_code == 201
        assert ask_for_token(mfa_user.email, code=code).status_code == 400

    def test_a_wrong_password_with_a_right_code_is_still_refused(self, mfa_user):
        response = ask_for_token(mfa_user.email, "nope", code=totp_code())
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_five_wrong_codes_lock_the_account_even_for_the_right_one(self, mfa_user):
        wrong = "000000" if totp_code() != "000000" else "111111"
        for _ in range(5):
            assert ask_for_token(mfa_user.email, code=wrong).status_code == 400

        assert_locked(ask_for_token(mfa_user.email, code=totp_code()))

    def test_a_recovery_code_gets_a_token_once(self, mfa_user):
        [code, *_] = RecoveryCodes.activate(mfa_user).generate_codes()
        assert ask_for_token(mfa_user.email, code=code).status_code == 201
        assert ask_for_token(mfa_user.email, code=code).status_code == 400


@pytest.mark.parametrize("payload", [[], "text", {"email": ["a"], "password": {"x": 1}}])
def test_odd_json_bodies_are_a_400_not_a_500(db, payload):
    response = APIClient().post(TOKEN_URL, payload, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_a_body_that_is_not_json_is_a_400(db):
    response = APIClient().post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_without_a_client_address_the_limits_cannot_apply_so_it_refuses(employee):
    # As allauth does on the website: a server that cannot tell addresses apart is misconfigured.
    response = APIClient().post(
        TOKEN_URL, {"email": employee.email, "password": PASSWORD}, format="json", REMOTE_ADDR=""
    )
    assert response.status_code == 403
    assert "TRUSTED_PROXY_COUNT" in response.json()["detail"]
    assert not AuthToken.objects.exists()


def test_the_schema_documents_what_the_token_operation_answers():
    operations = our_schema()["paths"]["/api/v1/auth/token"]
    post, delete = operations["post"], operations["delete"]

    assert not post.get("security")
    assert {"201", "400", "429"} <= set(post["responses"])
    assert "401" not in post["responses"]  # it never asks for credentials
    assert "failed sign-ins for this account" in post["responses"]["429"]["description"]
    assert delete["security"]
    assert {"204", "401", "429"} <= set(delete["responses"])
