"""The audit log in the admin: read, never written, changed or deleted by hand."""

import pytest
from django.urls import reverse

from core import audit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(login):
    return login(make_user(is_staff=True, is_superuser=True))


@pytest.fixture
def event():
    return audit.record("user.deactivated", actor=make_user(), target=make_user(), tokens=1)


def test_the_audit_log_can_be_read(admin_client, event):
    assert admin_client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}  # every field shown read-only


def test_no_event_can_be_added_by_hand(admin_client):
    response = admin_client.post(reverse("admin:core_auditevent_add"), {"verb": "made.up"})
    assert response.status_code == 403
    assert not audit.AuditEvent.objects.exists()


def test_an_event_cannot_be_changed(admin_client, event):
    url = reverse("admin:core_auditevent_change", args=[event.pk])
    response = admin_client.post(url, {"verb": "rewritten"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.verb == "user.deactivated"


def test_an_event_cannot_be_deleted(admin_client, event):
    url = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)  # the action is not offered: nothing happens
    assert audit.AuditEvent.objects.filter(pk=event.pk).exists()
