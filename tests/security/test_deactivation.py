"""Deactivating someone ends their open sessions and revokes their API tokens at once,
whichever way it is done: the service, the HR console button, or the admin."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from core.audit import AuditEvent
from tests.conftest import PASSWORD, make_user

HOME = reverse("home:home")


@pytest.fixture
def signed_in(db):
    """A person with an open browser session (signed in for real) and an API token."""
    person = make_user(full_name="Dee Parting")
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get(HOME).status_code == 200
    _, token = AuthToken.objects.create(user=person)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api-me")).status_code == 200
    return person, browser, api


def assert_locked_out(person: User, browser: Client, api: APIClient) -> None:
    person.refresh_from_db()
    assert not person.is_active
    response = browser.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert api.get(reverse("api-me")).status_code == 401
    assert not AuthToken.objects.filter(user=person).exists()
    assert not UserSession.objects.filter(user=person).exists()
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(person.pk) for s in Session.objects.all()
    )


def test_the_service_ends_sessions_and_revokes_tokens(signed_in, hr_user):
    person, browser, api = signed_in
    assert UserSession.objects.filter(user=person).exists()  # allauth tracks the session

    services.deactivate(person=person, by=hr_user)

    assert_locked_out(person, browser, api)
    event = AuditEvent.objects.get(verb="user.deactivated")
    assert event.data == {"sessions": 1, "tokens": 1}


def test_the_hr_console_button(signed_in, hr_user, login):
    person, browser, api = signed_in

    response = login(hr_user).post(reverse("accounts:hr_deactivate", args=[person.pk]))

    assert response.status_code == 302
    assert_locked_out(person, browser, api)


def test_hr_cannot_deactivate_themselves_from_the_console(hr_user, login):
    login(hr_user).post(reverse("accounts:hr_deactivate", args=[hr_user.pk]))
    hr_user.refresh_from_db()
    assert hr_user.is_active


def test_the_admin_change_form(signed_in, login):
    person, browser, api = signed_in
    admin = make_user(is_staff=True, is_superuser=True)
    client = login(admin)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "avatar", "avatar_thumbnail")
    }
    data["groups"] = []
    data["faces_customers"] = "unknown"
    data.pop("is_active")  # unticked

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_locked_out(person, browser, api)


def test_the_admin_action(signed_in, login):
    person, browser, api = signed_in
    admin = make_user(is_staff=True, is_superuser=True)

    response = login(admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_people", "_selected_action": [person.pk]},
    )

    assert response.status_code == 302
    assert_locked_out(person, browser, api)


def test_a_deactivated_person_cannot_sign_in_again(signed_in, hr_user):
    person, _, _ = signed_in
    services.deactivate(person=person, by=hr_user)

    browser = Client()
    response = browser.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")  # allauth's "inactive" page
    assert browser.get(HOME).status_code == 302  # still signed out


def test_a_deactivated_person_cannot_get_a_token(signed_in, hr_user):
    person, _, _ = signed_in
    services.deactivate(person=person, by=hr_user)
    response = APIClient().post(
        reverse("api-token"), {"email": person.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_a_session_is_rejected_even_if_it_somehow_survived(db, login):
    # Defence in depth: Django itself refuses an inactive user's session.
    person = make_user()
    client = login(person)
    User.objects.filter(pk=person.pk).update(is_active=False)  # bypasses the service
    assert client.get(HOME).status_code == 302
