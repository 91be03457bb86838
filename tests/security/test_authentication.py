"""Signing in and signing up: rate limits, the admin login, closed sign-up, mandatory e-mail
verification."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, make_user

LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
TOO_MANY = "Too many failed login attempts"
NEW_PASSWORD = "a long and unusual passphrase 42"


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# --- rate limits -------------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_address_even_for_the_right_one(client, employee):
    answers = [sign_in(client, employee.email, "wrong") for _ in range(10)]

    assert all(r.status_code == 200 for r in answers)  # the form again, with an error
    assert "not correct" in answers[0].content.decode()
    assert TOO_MANY in answers[-1].content.decode()
    response = sign_in(client, employee.email)  # the right password, too late
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert not is_signed_in(client)


def test_the_address_is_locked_after_five_failures(client, employee):
    for _ in range(5):
        sign_in(client, employee.email, "wrong")
    assert TOO_MANY in sign_in(client, employee.email).content.decode()


def test_ten_failures_from_one_address_across_accounts_lock_that_ip(client, db):
    people = [make_user() for _ in range(11)]
    for person in people[:10]:
        assert TOO_MANY not in sign_in(client, person.email, "wrong").content.decode()

    response = sign_in(client, people[10].email)

    assert TOO_MANY in response.content.decode()
    assert not is_signed_in(client)


def test_a_forged_forwarded_for_header_does_not_reset_the_ip_limit(db):
    client = Client()
    people = [make_user() for _ in range(11)]
    for n, person in enumerate(people[:10]):
        client.post(
            LOGIN, {"login": person.email, "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.1.1.{n}"
        )
    response = client.post(
        LOGIN,
        {"login": people[10].email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert TOO_MANY in response.content.decode()


def test_the_error_is_shown_in_the_form_and_keeps_the_address(client, employee):
    response = sign_in(client, employee.email, "wrong")
    html = response.content.decode()
    assert "data-error-summary" in html  # the error summary, focused and announced
    assert f'value="{employee.email}"' in html


def test_the_right_password_signs_in(client, employee):
    response = sign_in(client, employee.email)
    assert response.status_code == 302
    assert is_signed_in(client)


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_login_page_hands_over_to_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")


def test_a_staff_member_signed_in_through_allauth_reaches_the_admin(client, db):
    admin = make_user(is_staff=True, is_superuser=True)
    sign_in(client, admin.email)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_form_cannot_be_posted_to_directly(client, db):
    # Posting credentials to Django's own admin form would skip allauth's rate limits and MFA.
    admin = make_user(is_staff=True, is_superuser=True)
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert not is_signed_in(client)


# --- sign-up -----------------------------------------------------------------------------------


def signup(client: Client, email: str, **extra):
    data = {"email": email, "full_name": "New Starter", "password1": NEW_PASSWORD}
    return client.post(SIGNUP, data | {"password2": NEW_PASSWORD} | extra)


@pytest.fixture
def company_domain(settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["plaudit.example"]
    return "plaudit.example"


def test_an_address_outside_the_company_is_refused_next_to_the_email_field(
    client, db, company_domain
):
    response = signup(client, "someone@gmail.example")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    html = response.content.decode()
    error = re.search(r'<ul class="errorlist" id="id_email_error">(.*?)</ul>', html, re.S)
    assert error, "the error belongs next to the e-mail field"
    assert "company addresses only" in error.group(1)
    assert 'value="New Starter"' in html  # what was typed is kept
    assert not User.objects.filter(email="someone@gmail.example").exists()
    assert not mail.outbox


def test_signup_is_closed_to_everyone_when_no_domain_is_allowed(client, db, settings):
    settings.ALLOWED_SIGNUP_DOMAINS = []
    response = signup(client, "someone@plaudit.example")
    assert "company addresses only" in response.content.decode()


def test_a_lookalike_domain_is_refused(client, db, company_domain):
    for email in ("x@evilplaudit.example", "x@plaudit.example.evil", "x@sub.plaudit.example"):
        assert "company addresses only" in signup(client, email).content.decode(), email


def test_a_company_address_signs_up_and_must_verify_before_signing_in(client, db, company_domain):
    response = signup(client, "New.Starter@Plaudit.example")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    person = User.objects.get(email__iexact="new.starter@plaudit.example")
    assert person.full_name == "New Starter"
    assert not EmailAddress.objects.get(user=person).verified
    assert not is_signed_in(client)
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)

    # Signing in before confirming only re-sends the confirmation.
    refused = sign_in(Client(), person.email, NEW_PASSWORD)
    assert refused.status_code == 302
    assert refused["Location"] == reverse("account_email_verification_sent")

    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=person).verified
    later = Client()
    assert sign_in(later, person.email, NEW_PASSWORD).status_code == 302
    assert is_signed_in(later)


def test_an_address_hr_imported_is_not_refused(client, db, company_domain):
    # Imported people have no password yet; allauth sends them a "you already have an
    # account" e-mail with a password-reset link instead of creating a twin account.
    imported = make_user("ines.imported@partner.example", password=None)

    response = signup(client, "ines.imported@partner.example")

    assert response.status_code == 302
    assert "company addresses only" not in response.content.decode()
    assert User.objects.filter(email__iexact=imported.email).count() == 1
    [message] = mail.outbox
    assert message.to == [imported.email]
    assert "/accounts/password/reset/" in message.body


def test_signup_adapter_allows_imported_addresses_whatever_their_case(db, settings):
    from accounts.adapter import signup_allowed

    settings.ALLOWED_SIGNUP_DOMAINS = []
    make_user("ines.imported@partner.example", password=None)
    assert signup_allowed("Ines.Imported@Partner.example")
    assert not signup_allowed("someone.else@partner.example")
