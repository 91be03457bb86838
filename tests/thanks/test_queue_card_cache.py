"""Queue cards are cached (nominations/thanks/cards.py): whatever changes on a thank-you, on
the person it is about or on its integration shows on the next page, each reader gets their
own part of the card, and every cached form still posts with the reader's own CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from nominations.models import Integration, ThankYou
from nominations.thanks import services
from tests.conftest import make_department, make_user
from tests.thanks.test_moderation_views import QUEUE, make_thanks

Status = ThankYou.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user(full_name="Bea Boss")


@pytest.fixture
def agent(boss):
    return make_user(full_name="Maria Santos", manager=boss)


@pytest.fixture
def hr():
    return make_user(full_name="Hana HR", hr=True)


def queue(client, **params) -> str:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response.content.decode()


def card(content: str, thank_you: ThankYou) -> str:
    match = re.search(rf'<article id="thank-you-{thank_you.pk}".*?</article>', content, re.S)
    assert match, f"no card for thank-you {thank_you.pk}"
    return match.group(0)


def test_a_card_is_served_from_the_cache_the_second_time(login, hr, agent, monkeypatch):
    thank_you = make_thanks(agent)
    client = login(hr)
    first = card(queue(client), thank_you)
    # Were the card rendered again, the form's field would be asked for again.
    monkeypatch.setattr(
        "nominations.thanks.hr_forms.ModerateForm.__getitem__",
        lambda *_: pytest.fail("the cached card was rendered again"),
    )
    again = card(queue(client), thank_you)
    tokens = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert tokens.sub("", first) == tokens.sub("", again)


def test_moderating_moves_the_card_and_shows_who_did_it(login, hr, agent):
    thank_you = make_thanks(agent)
    client = login(hr)
    assert "Approve" in card(queue(client), thank_you)
    services.moderate_thanks(thank_you=thank_you, by=hr, decision="reject", note="A test entry")
    rejected = card(queue(client, status=Status.REJECTED), thank_you)
    assert "Hana HR" in rejected and "A test entry" in rejected
    assert "moderate-form" not in rejected


def test_assigning_shows_the_person_chosen(login, hr, agent):
    thank_you = make_thanks()
    client = login(hr)
    assert "For someone not chosen yet" in card(queue(client), thank_you)
    services.assign_employee(thank_you=thank_you, by=hr, employee=agent)
    assigned = card(queue(client), thank_you)
    assert "For Maria Santos" in assigned
    assert "Approve" in assigned


def test_a_renamed_person_their_department_and_their_leaving_show(login, hr, agent):
    thank_you = make_thanks(agent)
    client = login(hr)
    queue(client)
    agent.full_name = "Maria Santos-Lopez"
    agent.save()
    assert "For Maria Santos-Lopez" in card(queue(client), thank_you)
    department = make_department("Billing")
    agent.department = department
    agent.save()
    queue(client)
    department.name = "Billing and collections"
    department.save()
    assert "Billing and collections" in card(queue(client), thank_you)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert "No longer with the company" in card(queue(client), thank_you)


def test_a_renamed_integration_shows(login, hr, agent):
    integration = Integration.objects.create(
        slug="helpdesk", name="Helpdesk", secret_salt="s", secret_hash="h"
    )
    thank_you = make_thanks(agent, source=ThankYou.Source.INTEGRATION, integration=integration)
    client = login(hr)
    assert "(Helpdesk)" in card(queue(client), thank_you)
    Integration.objects.filter(pk=integration.pk).update(name="Service desk")
    assert "(Service desk)" in card(queue(client), thank_you)


def test_a_manager_is_not_served_the_card_hr_saw(login, hr, boss, agent):
    thank_you = make_thanks(agent)
    for_hr = card(queue(login(hr)), thank_you)
    assert thank_you.customer_email in for_hr
    assert "Change who this is about" in for_hr
    for_boss = card(queue(login(boss)), thank_you)
    assert thank_you.customer_email not in for_boss
    assert "Change who this is about" not in for_boss


def test_a_cached_card_posts_with_the_readers_own_token(hr, boss, agent):
    thank_you = make_thanks(agent)
    other_hr = make_user(full_name="Hugo HR", hr=True)
    warm = Client(enforce_csrf_checks=True)
    warm.force_login(other_hr)
    queue(warm)  # the card is cached now, with the other reader's token outside it
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr)
    mine = card(queue(client), thank_you)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', mine).group(1)
    response = client.post(
        reverse("thanks:moderate", args=[thank_you.pk]),
        {"decision": "approve", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    thank_you.refresh_from_db()
    assert thank_you.status == Status.APPROVED
