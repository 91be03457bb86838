"""HR invites someone the directory import added and who never signed in: a branded e-mail,
sent through the task queue, with a link that sets their password (or, when single sign-on is
the only way in, the sign-in page)."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditEvent
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PEOPLE = reverse("accounts:hr_people")
NEW_PASSWORD = "a long and unusual passphrase 42"


def imported(**extra):
    return make_user(
        "ines.imported@partner.example",
        full_name="Ines Imported",
        password=None,
        imported_from_directory=True,
        **extra,
    )


def invite_url(person) -> str:
    return reverse("accounts:hr_invite", args=[person.pk])


def invite_button(person) -> str:
    return f'action="{invite_url(person)}"'


@pytest.fixture
def hr(login):
    return login(make_user(full_name="Hana HR", hr=True))


def test_hr_invites_an_imported_colleague_who_then_sets_a_password(
    hr, mailoutbox, django_capture_on_commit_callbacks
):
    person = imported()
    assert invite_button(person) in hr.get(PEOPLE).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(invite_url(person), follow=True)

    assert "Ines Imported is invited" in response.content.decode()
    [message] = mailoutbox
    assert message.to == [person.email]
    assert message.subject == "You are invited to Plaudit"
    assert "Hello Ines," in message.body
    [link] = re.findall(r"Set your password: (\S+)", message.body)
    [(html, _)] = message.alternatives
    assert link in html
    [event] = AuditEvent.objects.filter(verb="user.invited")
    assert event.target == person

    visitor = Client()
    form = visitor.get(urlsplit(link).path, follow=True)
    assert form.status_code == 200
    done = visitor.post(
        form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    signed_in = Client()
    signed_in.post(reverse("account_login"), {"login": person.email, "password": NEW_PASSWORD})
    assert SESSION_KEY in signed_in.session


def test_someone_who_signed_in_already_is_not_invited(hr, mailoutbox):
    person = imported(last_login=timezone.now())
    colleague = make_user()
    page = hr.get(PEOPLE).content.decode()
    assert invite_button(person) not in page and invite_button(colleague) not in page

    response = hr.post(invite_url(person), follow=True)

    assert "has signed in or set a password already" in response.content.decode()
    assert not mailoutbox
    assert not AuditEvent.objects.filter(verb="user.invited").exists()


def test_with_single_sign_on_only_the_invitation_leads_to_the_sign_in_page(
    hr, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OIDC_ENABLED = settings.OIDC_ONLY = True
    person = imported()
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(invite_url(person))
    [message] = mailoutbox
    assert f"Sign in: {settings.SITE_URL}{reverse('account_login')}" in message.body
    assert "password" not in message.body.lower()


def test_only_hr_invites(login, mailoutbox):
    person = imported()
    response = login(make_user()).post(invite_url(person))
    assert response.status_code == 403
    assert not mailoutbox
