"""Someone signs up with an address that already has an account (a colleague HR imported,
most often): allauth mails them instead of saying so on the page, and our mail says what to do
(set a password, or sign in with single sign-on), in Plaudit's words, not allauth's stock
"Hello from example.com"."""

import pytest
from allauth.core.context import request_context
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from accounts.adapter import AccountAdapter
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"
SSO_APP = {"provider_id": "sso", "name": "Acme sign-in", "client_id": "plaudit", "secret": ""}


@pytest.fixture
def sso(settings):
    settings.OIDC_ENABLED = True
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [SSO_APP]}}
    return settings


def imported(email: str = "ines.imported@partner.example"):
    return make_user(email, password=None, imported_from_directory=True)


def sign_up(client, email: str) -> mail.EmailMessage:
    data = {"email": email, "full_name": "Ines", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302  # as for a new address: nothing is revealed on the page
    [message] = mail.outbox
    return message


def test_an_imported_colleague_is_told_they_have_an_account_and_how_to_set_a_password(
    client, settings
):
    person = imported()
    message = sign_up(client, person.email)
    assert message.to == [person.email]
    assert message.subject == "[Plaudit] You already have a Plaudit account"
    assert "Hello from" not in message.body and "Thank you for using" not in message.body
    assert "HR added you from the company directory" in message.body
    assert "Your account has no password yet. To set one, ask for a link" in message.body
    assert settings.SITE_URL + "/accounts/password/reset/" in message.body
    assert "single sign-on" not in message.body and "Sign in with" not in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and "HR added you from the company directory" in html


def test_someone_who_already_signed_up_is_offered_a_new_password(client):
    person = make_user("rita@partner.example")
    message = sign_up(client, person.email)
    assert "an account with this address already exists" in message.body
    assert "HR added you" not in message.body
    assert "If you forgot your password, choose a new one" in message.body


def test_with_single_sign_on_the_mail_says_to_sign_in_with_it(client, sso):
    person = imported()
    message = sign_up(client, person.email)
    assert "Sign in with Acme sign-in, your company account:" in message.body
    assert sso.SITE_URL + reverse("account_login") in message.body
    assert "/accounts/password/reset/" in message.body  # a password is still allowed


def test_with_single_sign_on_only_no_password_is_offered(sso):
    sso.OIDC_ONLY = True
    person = imported()
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    with request_context(request):
        AccountAdapter(request).send_account_already_exists_mail(person.email)
    [message] = mail.outbox
    assert "Sign in with Acme sign-in" in message.body
    assert "password" not in message.body.lower()
