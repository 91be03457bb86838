"""API tokens from the person's side: a new password revokes them all, whichever way it is set;
the "API tokens" page lists one's own tokens and revokes them; when a token was last used."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import TokenActivity, User
from core.audit import AuditEvent
from tests.concurrency import requires_postgres
from tests.conftest import PASSWORD, make_user

ME = reverse("api-me")
TOKENS = reverse("accounts:api_tokens")
NEW_PASSWORD = "a long and unusual passphrase 42"


def token_for(person: User) -> tuple[AuthToken, APIClient]:
    instance, token = AuthToken.objects.create(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return instance, client


def revoke_url(token: AuthToken) -> str:
    return reverse("accounts:revoke_api_token", args=[token.digest])


def signed_in(person: User) -> Client:
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


# --- a new password revokes every token ---------------------------------------------------------


def test_changing_the_password_on_the_website_revokes_every_api_token(employee):
    _, first = token_for(employee)
    _, second = token_for(employee)
    browser = signed_in(employee)

    response = browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.status_code == 200
    assert first.get(ME).status_code == 401
    assert second.get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=employee).exists()
    assert "Your 2 API tokens stopped working" in response.content.decode()
    assert browser.get(TOKENS).status_code == 200  # this browser stays signed in


def test_resetting_the_password_revokes_every_api_token(employee):
    _, api = token_for(employee)
    browser = Client()
    browser.post(reverse("account_reset_password"), {"email": employee.email})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body)[1]
    form = browser.get(link, follow=True).redirect_chain[-1][0]

    browser.post(form, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    employee.refresh_from_db()
    assert employee.check_password(NEW_PASSWORD)
    assert api.get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=employee).exists()


def test_setting_a_first_password_revokes_every_api_token(db, login):
    person = make_user(password=None)
    _, api = token_for(person)

    login(person).post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert api.get(ME).status_code == 401


def test_a_password_set_in_the_admin_revokes_every_api_token(employee, login):
    admin = make_user(is_staff=True, is_superuser=True)
    _, api = token_for(employee)

    response = login(admin).post(
        reverse("admin:auth_user_password_change", args=[employee.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.check_password(NEW_PASSWORD)
    assert api.get(ME).status_code == 401


def test_a_new_password_leaves_other_peoples_tokens_alone(employee):
    colleague = make_user()
    _, theirs = token_for(colleague)

    services.set_password(person=employee, password=NEW_PASSWORD, by=employee)

    assert theirs.get(ME).status_code == 200


def test_revoking_on_a_new_password_is_in_the_audit_log(employee):
    token_for(employee)
    token, _ = token_for(employee)
    TokenActivity.objects.create(token=token, last_used_at=timezone.now())

    assert services.set_password(person=employee, password=NEW_PASSWORD, by=employee) == 2

    event = AuditEvent.objects.get(verb="user.api_tokens_revoked")
    assert (event.actor, event.target, event.data) == (employee, employee, {"tokens": 2})
    assert not TokenActivity.objects.exists()


def test_a_new_password_without_tokens_writes_no_audit_event(employee):
    assert services.set_password(person=employee, password=NEW_PASSWORD, by=employee) == 0
    assert not AuditEvent.objects.exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_asked_for_while_the_password_changes_does_not_survive(monkeypatch):
    """The token request checked the old password; the change revokes before it commits. The
    person's row lock makes the token request wait for the change and then refuse."""
    person = make_user()
    checked = User.objects.get(pk=person.pk)  # as the token request saw it, old password
    revoked, issued = threading.Event(), []
    revoke_all = services._revoke_all_tokens

    def revoke_then_wait(who: User) -> int:
        count = revoke_all(who)
        revoked.set()
        threading.Event().wait(0.5)  # still inside the password change's transaction
        return count

    monkeypatch.setattr(services, "_revoke_all_tokens", revoke_then_wait)

    def ask() -> None:
        revoked.wait(10)
        issued.append(services.issue_api_token(person=checked))

    asking = threading.Thread(target=ask)
    asking.start()
    services.set_password(person=person, password=NEW_PASSWORD, by=person)
    asking.join(10)

    assert issued == [None]
    assert not AuthToken.objects.filter(user=person).exists()


# --- the API tokens page ---------------------------------------------------------------------


def test_the_page_lists_only_my_tokens_that_still_work(employee, login):
    mine, _ = token_for(employee)
    expired, _ = token_for(employee)
    AuthToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(days=1))
    theirs, _ = token_for(make_user())

    response = login(employee).get(TOKENS)

    assert response.status_code == 200
    assert [t.digest for t in response.context["tokens"]] == [mine.digest]
    html = response.content.decode()
    assert revoke_url(mine) in html
    assert theirs.token_key[:8] not in html
    assert revoke_url(theirs) not in html
    assert mine.created.strftime("%-d %B %Y") in html
    assert mine.expiry.strftime("%-d %B %Y") in html
    assert "Never" in html  # not used yet


def test_the_page_shows_when_a_token_was_last_used(employee, login):
    token, api = token_for(employee)
    assert api.get(ME).status_code == 200

    [listed] = login(employee).get(TOKENS).context["tokens"]

    assert listed.last_used_at == TokenActivity.objects.get(token=token).last_used_at
    assert timezone.now() - listed.last_used_at < timedelta(seconds=30)


def test_without_tokens_the_page_says_so(employee, login):
    response = login(employee).get(TOKENS)
    assert "You have no API token." in response.content.decode()


def test_the_account_menu_links_to_the_page(employee, login):
    assert f'href="{TOKENS}"' in login(employee).get(reverse("home:home")).content.decode()


@pytest.mark.parametrize("url", [TOKENS, "/people/me/api-tokens/" + "a" * 128 + "/revoke/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("tokens", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_number_of_tokens(
    employee, login, tokens, django_assert_num_queries
):
    for _ in range(tokens):
        token, _ = token_for(employee)
        TokenActivity.objects.create(token=token, last_used_at=timezone.now())
    browser = login(employee)
    browser.get(TOKENS)  # the session's activity is noted on the first page

    # The session, the person with their roles, the tokens with when they were last used, and
    # the bell's unread count.
    with django_assert_num_queries(4):
        response = browser.get(TOKENS)

    assert len(response.context["tokens"]) == tokens


# --- revoking one token ----------------------------------------------------------------------


def test_revoking_asks_first(employee, login):
    token, api = token_for(employee)

    response = login(employee).get(revoke_url(token))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Revoke this token?" in html
    assert token.token_key[:8] in html
    assert api.get(ME).status_code == 200  # nothing revoked by looking


def test_revoking_a_token_stops_it_and_says_so(employee, login):
    token, api = token_for(employee)
    _, other = token_for(employee)
    browser = login(employee)

    response = browser.post(revoke_url(token), follow=True)

    assert response.redirect_chain == [(TOKENS, 302)]
    assert api.get(ME).status_code == 401
    assert other.get(ME).status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<p class="message message-success" tabindex="-1" autofocus>The token starting with '
        + token.token_key[:8],
        html,
    )
    event = AuditEvent.objects.get(verb="user.api_token_revoked")
    assert (event.actor, event.target) == (employee, employee)


def test_someone_elses_token_is_404_and_stays(employee, login):
    theirs, api = token_for(make_user())
    browser = login(employee)

    assert browser.get(revoke_url(theirs)).status_code == 404
    assert browser.post(revoke_url(theirs)).status_code == 404

    assert api.get(ME).status_code == 200


def test_even_hr_cannot_revoke_someone_elses_token(employee, hr_user, login):
    theirs, api = token_for(employee)
    assert login(hr_user).post(revoke_url(theirs)).status_code == 404
    assert api.get(ME).status_code == 200


def test_an_unknown_token_is_404(employee, login):
    assert (
        login(employee).post("/people/me/api-tokens/" + "0" * 128 + "/revoke/").status_code == 404
    )


def test_revoking_needs_the_csrf_token(employee):
    token, api = token_for(employee)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(employee, backend="accounts.backends.ModelBackend")

    assert browser.post(revoke_url(token)).status_code == 403
    assert api.get(ME).status_code == 200


def test_a_revoked_token_cannot_be_revoked_twice(employee, login):
    token, _ = token_for(employee)
    browser = login(employee)
    browser.post(revoke_url(token))
    assert browser.post(revoke_url(token)).status_code == 404


# --- when a token was last used ---------------------------------------------------------------


def test_a_token_notes_its_use_at_most_once_every_few_minutes(employee):
    token, api = token_for(employee)
    api.get(ME)
    long_ago = timezone.now() - timedelta(hours=1)
    TokenActivity.objects.filter(token=token).update(last_used_at=long_ago)

    api.get(ME)  # a moment later: noted lately, nothing written
    assert TokenActivity.objects.get(token=token).last_used_at == long_ago

    cache.clear()  # as when the few minutes are over
    api.get(ME)
    assert TokenActivity.objects.get(token=token).last_used_at > long_ago


def test_noting_the_use_is_one_write_and_then_none(employee):
    _, api = token_for(employee)

    def activity_statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(ME).status_code == 200
        return [q["sql"] for q in queries.captured_queries if "tokenactivity" in q["sql"]]

    [upsert] = activity_statements()
    assert upsert.startswith("INSERT") and "ON CONFLICT" in upsert
    assert activity_statements() == []  # no read either: the cache knows


def test_a_revoked_token_leaves_no_activity_behind(employee):
    _, client = token_for(employee)
    client.get(ME)
    assert TokenActivity.objects.count() == 1

    client.delete(reverse("api-token"))

    assert not TokenActivity.objects.exists()


def test_deactivating_counts_tokens_not_their_activity(employee, hr_user):
    token, api = token_for(employee)
    api.get(ME)

    services.deactivate(person=employee, by=hr_user)

    assert AuditEvent.objects.get(verb="user.deactivated").data["tokens"] == 1
    assert not TokenActivity.objects.filter(token_id=token.digest).exists()
