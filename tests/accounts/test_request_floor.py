"""What every authenticated request costs: three reads (the session, the person with their
roles, the bell's count of unread notifications), no write, and session activity recorded
every few minutes rather than on every request."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import middleware
from accounts.backends import user_with_roles
from accounts.models import HR_GROUP
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _floor_routed(settings, db):
    settings.ROOT_URLCONF = "bench.urls"


FLOOR = "/bench/floor/"


def _queries(client, url: str = FLOOR, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def test_an_ordinary_authenticated_request_reads_the_session_and_the_person_and_writes_nothing(
    login,
):
    client = login(make_user())
    _queries(client)  # the first request after signing in records the session's activity
    sql = _queries(client)
    assert len(sql) == 3
    assert "django_session" in sql[0] and "accounts_user" in sql[1]
    assert "COUNT(" in sql[2] and "notifications_notification" in sql[2]  # the bell
    assert not any(word in q.upper() for q in sql for word in ("INSERT", "UPDATE", "DELETE"))


def test_the_layout_asks_for_no_role_of_its_own(login):
    # HR sees the HR console link, a manager is a manager: both came with the person.
    boss = make_user(hr=True)
    make_user(manager=boss)
    client = login(boss)
    _queries(client)
    sql = _queries(client)
    assert len(sql) == 3  # the session, the person, the bell's count
    assert 'href="/hr/"' in client.get(FLOOR).content.decode()


def test_roles_come_with_the_person_and_cost_no_query(db, django_assert_num_queries):
    hr = make_user(hr=True)
    manager = make_user()
    make_user(manager=manager)
    make_user(manager=manager, is_active=False)
    nobody = make_user()
    Group.objects.get_or_create(name="Other")
    with django_assert_num_queries(1):
        loaded = user_with_roles(hr.pk)
    with django_assert_num_queries(0):
        assert loaded.is_hr and not loaded.is_manager
        assert loaded.roles == ["employee", "hr"]
    assert user_with_roles(manager.pk).is_manager is True
    plain = user_with_roles(nobody.pk)
    assert (plain.is_hr, plain.is_manager) == (False, False)
    assert user_with_roles(10**9) is None


def test_a_person_with_only_inactive_reports_is_no_manager(db):
    manager = make_user()
    make_user(manager=manager, is_active=False)
    assert user_with_roles(manager.pk).is_manager is False


def test_leaving_the_hr_group_shows_on_the_next_request(login):
    hr = make_user(hr=True)
    client = login(hr)
    assert 'href="/hr/"' in client.get(FLOOR).content.decode()
    hr.groups.remove(Group.objects.get(name=HR_GROUP))
    assert 'href="/hr/"' not in client.get(FLOOR).content.decode()


def test_activity_is_recorded_at_most_once_per_interval(login, monkeypatch):
    from django.core import signing

    person = make_user()
    client = login(person)
    clock = [1_000_000.0]
    monkeypatch.setattr(signing.time, "time", lambda: clock[0])
    client.get(FLOOR)
    session = UserSession.objects.get(user=person)
    seen = session.last_seen_at

    clock[0] += middleware.ACTIVITY_INTERVAL - 1
    assert not any("usersessions" in q for q in _queries(client))

    clock[0] += 2
    assert any("usersessions" in q for q in _queries(client))
    session.refresh_from_db()
    assert session.last_seen_at > seen


def test_recording_activity_never_moves_the_end_of_the_session(login):
    from django.contrib.sessions.models import Session

    client = login(make_user())
    end = Session.objects.get().expire_date
    client.get(FLOOR)  # records activity
    client.cookies.pop(middleware.COOKIE)  # as if the interval had passed
    client.get(FLOOR)  # records it again
    assert Session.objects.get().expire_date == end


def test_an_activity_cookie_is_good_for_its_own_session_only(login):
    first = login(make_user())
    first.get(FLOOR)
    copied = first.cookies[middleware.COOKIE].value
    first.logout()
    other = make_user()
    first.force_login(other, backend="accounts.backends.ModelBackend")
    first.cookies[middleware.COOKIE] = copied
    assert any("usersessions" in q for q in _queries(first))


def test_a_new_address_or_browser_is_recorded_at_once(login):
    person = make_user()
    client = login(person)
    client.get(FLOOR, HTTP_USER_AGENT="Firefox")
    assert UserSession.objects.get(user=person).user_agent == "Firefox"
    assert any("usersessions" in q for q in _queries(client, HTTP_USER_AGENT="Chromium"))
    assert UserSession.objects.get(user=person).user_agent == "Chromium"


def test_a_session_ended_elsewhere_signs_out_at_once(login):
    person = make_user()
    client = login(person)
    client.get(FLOOR)
    UserSession.objects.get(user=person).end()
    response = client.get(FLOOR)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_deactivated_person_is_signed_out_on_the_next_request(login):
    person = make_user()
    client = login(person)
    client.get(FLOOR)
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    assert client.get(FLOOR).status_code == 302


@pytest.mark.parametrize(
    "name", ["home", "people", "stories", "hall_of_fame", "sessions", "logout"]
)
def test_the_layouts_links_are_the_sites_urls(login, name):
    from core.context_processors import LAYOUT_URLS

    client = login(make_user())
    assert f'href="{reverse(LAYOUT_URLS[name])}"' in client.get(FLOOR).content.decode() or (
        f'action="{reverse(LAYOUT_URLS[name])}"' in client.get(FLOOR).content.decode()
    )


def test_with_a_shared_cache_the_session_is_read_without_a_query(login, settings):
    settings.SESSION_ENGINE = "accounts.sessions.cached_db"
    person = make_user()
    client = login(person)
    _queries(client)
    sql = _queries(client)
    assert len(sql) == 2 and "accounts_user" in sql[0]  # and the bell's count
    # Signing out ends it in the database and in the cache alike.
    client.post(reverse("account_logout"))
    response = client.get(FLOOR)
    assert response.status_code == 302


def test_an_expired_or_unknown_session_is_no_session(login, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = login(make_user())
    assert client.get(FLOOR).status_code == 200
    Session.objects.update(expire_date=timezone.now())
    assert client.get(FLOOR).status_code == 302
    client.cookies["sessionid"] = "not-a-session"
    assert client.get(FLOOR).status_code == 302


def test_a_deactivated_persons_sessions_leave_the_session_cache_after_the_commit(
    login, settings, django_capture_on_commit_callbacks
):
    from django.contrib.sessions.backends import cached_db
    from django.core.cache import cache

    from accounts.services import deactivate

    settings.SESSION_ENGINE = "accounts.sessions.cached_db"
    person = make_user()
    client = login(person)
    client.get(FLOOR)
    key = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        deactivate(person=person, by=None)
        # A request that read the row before the deletion was committed copies it back.
        cache.set(cached_db.KEY_PREFIX + key, {"_auth_user_id": str(person.pk)})
    assert cache.get(cached_db.KEY_PREFIX + key) is None
