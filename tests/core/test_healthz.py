from unittest import mock

from django.urls import reverse
from redis import exceptions


def test_healthz_reports_database_and_cache(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_is_503_when_the_cache_is_down(client, db):
    # The probe asks the strict cache, which raises when Redis is down (tests/core/
    # test_cache_outage.py stops Redis for real).
    down = mock.Mock(**{"set.side_effect": exceptions.ConnectionError("down")})
    with mock.patch("core.views.strict", return_value=down):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_healthz_is_503_when_the_database_is_down(client, db):
    with mock.patch("core.views.connection.cursor", side_effect=Exception("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
