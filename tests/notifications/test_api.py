"""GET /api/v1/notifications and POST /api/v1/notifications/read: the caller's own only."""

import pytest
from django.urls import reverse

from notifications import services
from tests.conftest import make_user
from tests.notifications.conftest import make_notice

LIST = reverse("api-notifications")
READ = reverse("api-notifications-read")


def test_signed_out_callers_are_refused(api, db):
    assert api().get(LIST).status_code in (401, 403)
    assert api().post(READ, {"all": True}, format="json").status_code in (401, 403)


def test_the_list_is_mine_newest_first_and_paginated(api, ana):
    first = make_notice(ana, text="First.", link="/stories/1/")
    make_notice(make_user(), text="Someone else's.")
    second = make_notice(ana, text="Second.")
    body = api(ana).get(LIST).json()
    assert body["count"] == 2 and body["next"] is None
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert body["results"][1] == {
        "id": first.pk,
        "kind": "story_commented",
        "text": "First.",
        "link": "/stories/1/",
        "created_at": body["results"][1]["created_at"],
        "read": False,
        "read_at": None,
    }
    page = api(ana).get(LIST, {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]


def test_the_unread_filter(api, ana):
    read, unread = make_notice(ana), make_notice(ana)
    services.mark_read(user=ana, ids=[read.pk])
    client = api(ana)
    assert [n["id"] for n in client.get(LIST, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert [n["id"] for n in client.get(LIST, {"unread": "false"}).json()["results"]] == [read.pk]
    assert client.get(LIST, {"unread": "maybe"}).status_code == 400


def test_marking_ids_read_ignores_other_peoples(api, ana):
    mine, other = make_notice(ana), make_notice(ana)
    theirs = make_notice(make_user())
    response = api(ana).post(READ, {"ids": [mine.pk, theirs.pk, 999999]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    theirs.refresh_from_db()
    other.refresh_from_db()
    assert not theirs.is_read and not other.is_read


def test_marking_all_read_is_idempotent(api, ana):
    make_notice(ana)
    make_notice(ana)
    client = api(ana)
    assert client.post(READ, {"all": True}, format="json").json() == {"marked": 2, "unread": 0}
    assert client.post(READ, {"all": True}, format="json").json() == {"marked": 0, "unread": 0}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"ids": []},
        {"ids": ["x"]},
        {"ids": [0]},
        {"ids": 5},
        {"ids": [1], "all": True},
        {"all": "sometimes"},
        {"ids": list(range(1, 202))},
    ],
)
def test_bad_input_is_a_400(api, ana, body):
    make_notice(ana)
    response = api(ana).post(READ, body, format="json")
    assert response.status_code == 400, response.json()
    assert services.unread_count(ana) == 1
