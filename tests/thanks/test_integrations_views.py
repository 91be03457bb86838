"""HR's console of helpdesk integrations: create, show the secret once, edit, rotate."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from nominations.models import Integration
from nominations.thanks import integrations
from tests.conftest import make_user
from tests.security.test_csp import assert_strict_policy

pytestmark = pytest.mark.django_db
LIST = reverse("thanks:integrations")
BODY = b'{"external_id": "T-1", "score": 5}'


def shown_secret(response) -> str:
    match = re.search(r'id="signing-secret"[^>]*value="([0-9a-f]+)"', response.content.decode())
    assert match, "no secret on the page"
    return match.group(1)


def create(client, **fields):
    data = {"name": "Zendesk CSAT", "slug": "zendesk-csat", "min_score_ratio": "0.80"} | fields
    return client.post(LIST, data)


@pytest.fixture
def hr_client(login, hr_user):
    return login(hr_user)


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("integrations", [], "get"),
        ("integrations", [], "post"),
        ("integration", [1], "get"),
        ("rotate_secret", [1], "post"),
    ],
)
def test_integrations_are_not_for_employees(login, employee, name, args, method):
    Integration.objects.create(
        pk=1, name="Zendesk", slug="zendesk", secret_salt="s", secret_hash="h"
    )
    response = getattr(login(employee), method)(reverse(f"thanks:{name}", args=args))
    assert response.status_code == 403
    assert b"This page is not for you" in response.content


def test_a_manager_is_not_hr_here_either(login, db):
    boss = make_user()
    make_user(manager=boss)
    assert login(boss).get(LIST).status_code == 403


def test_hr_lists_integrations_with_their_webhook_url(hr_client):
    integrations.create_integration(name="Zendesk CSAT", slug="zendesk-csat", by=None)
    content = hr_client.get(LIST).content.decode()
    assert "Zendesk CSAT" in content
    assert f"{settings.SITE_URL}/api/v1/integrations/zendesk-csat/feedback" in content
    assert "0.80" in content


def test_creating_an_integration_shows_its_secret_once(hr_client):
    response = create(hr_client)
    assert response.status_code == 200
    secret = shown_secret(response)
    content = response.content.decode()
    assert "it will not be shown again" in content
    assert "X-Plaudit-Signature: sha256=" in content
    assert "no-store" in response["Cache-Control"]
    integration = Integration.objects.get(slug="zendesk-csat")
    assert integrations.signing_secret(integration) == secret
    assert secret not in integration.secret_hash + integration.secret_salt
    assert secret not in hr_client.get(LIST).content.decode()
    detail = hr_client.get(reverse("thanks:integration", args=[integration.pk]))
    assert secret not in detail.content.decode()


def test_the_shown_secret_signs_valid_webhooks(hr_client):
    secret = shown_secret(create(hr_client))
    integration = Integration.objects.get(slug="zendesk-csat")
    signature = integrations.sign(BODY, secret)
    assert integrations.signature_is_valid(integration, BODY, signature)


def test_the_threshold_defaults_to_four_out_of_five(hr_client):
    content = hr_client.get(LIST).content.decode()
    assert 'name="min_score_ratio" value="0.80"' in content


def test_a_slug_in_use_is_an_error_next_to_it(hr_client):
    integrations.create_integration(name="Zendesk", slug="zendesk-csat", by=None)
    response = create(hr_client)
    content = response.content.decode()
    assert "Another integration already uses this name in its URL." in content
    assert 'id="signing-secret"' not in content
    assert Integration.objects.count() == 1


def test_a_threshold_above_one_is_refused_in_words(hr_client):
    response = create(hr_client, min_score_ratio="4")
    assert "Enter a share between 0 and 1, like 0.80." in response.content.decode()
    assert not Integration.objects.exists()


def test_a_slug_with_spaces_is_refused(hr_client):
    response = create(hr_client, slug="zendesk csat")
    assert "Use only lower-case letters, digits and hyphens" in response.content.decode()


def test_hr_edits_the_name_threshold_and_pauses_it(hr_client):
    integration, _ = integrations.create_integration(name="Zendesk", slug="zendesk", by=None)
    url = reverse("thanks:integration", args=[integration.pk])
    response = hr_client.post(url, {"name": "Zendesk (EU)", "min_score_ratio": "0.90"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Zendesk (EU)"
    assert integration.min_score_ratio == Decimal("0.90")
    assert integration.is_active is False
    assert integration.slug == "zendesk"


def test_rotating_shows_a_new_secret_and_the_old_one_stops_working(hr_client):
    old = shown_secret(create(hr_client))
    integration = Integration.objects.get(slug="zendesk-csat")
    response = hr_client.post(reverse("thanks:rotate_secret", args=[integration.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = shown_secret(response)
    assert new != old
    integration.refresh_from_db()
    assert integrations.signing_secret(integration) == new
    assert integrations.signature_is_valid(integration, BODY, integrations.sign(BODY, new))
    assert not integrations.signature_is_valid(integration, BODY, integrations.sign(BODY, old))


def test_rotating_needs_a_post(hr_client):
    integration, _ = integrations.create_integration(name="Zendesk", slug="zendesk", by=None)
    response = hr_client.get(reverse("thanks:rotate_secret", args=[integration.pk]))
    assert response.status_code == 405


def test_an_unknown_integration_is_404(hr_client):
    assert hr_client.get(reverse("thanks:integration", args=[999])).status_code == 404


def test_the_integration_pages_need_no_inline_code(hr_client):
    assert_strict_policy(create(hr_client))
    integration = Integration.objects.get()
    assert_strict_policy(hr_client.get(reverse("thanks:integration", args=[integration.pk])))
