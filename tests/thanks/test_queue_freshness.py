"""Nothing on the moderation queue is cached. Whatever changes a thank-you, the people on its
card, their department or the cycle it counts for, and however the change is made (a service,
a CSV directory import, a bulk write that sends no signal), HR's queue, a manager's queue and
GET /api/v1/thanks show it on the very next request; the tab counts are counted afresh too."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.directory_import import apply_import
from accounts.models import Department, User
from awards.models import AwardCycle
from nominations.models import Integration, ThankYou
from nominations.thanks import services
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.thanks.test_moderation_views import QUEUE, make_thanks

Status = ThankYou.Status
pytestmark = pytest.mark.django_db
API_THANKS = reverse("api-thanks")


def queue(client, **params) -> str:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response.content.decode()


def card(content: str, thank_you: ThankYou) -> str:
    match = re.search(rf'<article id="thank-you-{thank_you.pk}".*?</article>', content, re.S)
    assert match, f"no card for thank-you {thank_you.pk}"
    return match.group(0)


def tab_count(content: str, label: str) -> int:
    return int(re.search(rf'{label} <span class="thank-you-count">(\d+)</span>', content).group(1))


def listed(client, thank_you: ThankYou) -> dict:
    response = client.get(API_THANKS)
    assert response.status_code == 200
    (found,) = [t for t in response.json()["results"] if t["id"] == thank_you.pk]
    return found


@pytest.fixture
def billing():
    return make_department("Billing")


@pytest.fixture
def agent(boss, billing):
    return make_user(full_name="Maria Santos", manager=boss, department=billing)


# --- people and departments, changed without a signal ----------------------------------------


@pytest.mark.parametrize("reader", ["hr", "boss"])
def test_a_bulk_rename_and_move_shows_on_the_next_queue_page(login, request, agent, reader):
    thank_you = make_thanks(agent)
    client = login(request.getfixturevalue(reader))
    assert "· Billing" in card(queue(client), thank_you)
    collections = make_department("Collections")
    User.objects.filter(pk=agent.pk).update(full_name="Maria Santos-Lopez", department=collections)
    shown = card(queue(client), thank_you)
    assert "For Maria Santos-Lopez" in shown
    assert "· Collections" in shown
    assert "Billing" not in shown


@pytest.mark.parametrize("reader", ["hr", "boss"])
def test_a_department_renamed_by_a_bulk_update_shows(login, request, agent, billing, reader):
    thank_you = make_thanks(agent)
    client = login(request.getfixturevalue(reader))
    queue(client)
    Department.objects.filter(pk=billing.pk).update(name="Billing and collections")
    assert "· Billing and collections" in card(queue(client), thank_you)


def test_a_csv_directory_import_shows_on_both_queues_and_in_the_api(login, api, hr, boss, agent):
    thank_you = make_thanks(agent)
    for reader in (hr, boss):
        queue(login(reader))
    apply_import(
        csv_bytes=(
            "email,full_name,department,manager_email,job_title\n"
            f"{agent.email},Maria Lopez,Collections,{boss.email},Senior agent\n"
        ).encode(),
        by=hr,
    )
    for reader in (hr, boss):
        shown = card(queue(login(reader)), thank_you)
        assert "For Maria Lopez" in shown
        assert "· Collections" in shown
        assert listed(api(reader), thank_you)["employee"]["full_name"] == "Maria Lopez"


def test_a_report_moved_to_another_manager_by_a_bulk_update_moves_their_thank_yous(
    login, boss, agent
):
    thank_you = make_thanks(agent)
    make_user(full_name="Sam Stays", manager=boss)  # boss still manages someone
    nora = make_user(full_name="Nora New")
    old = queue(login(boss))
    assert tab_count(old, "Waiting for you") == 1
    User.objects.filter(pk=agent.pk).update(manager=nora)
    left = queue(login(boss))
    assert tab_count(left, "Waiting for you") == 0
    assert f'id="thank-you-{thank_you.pk}"' not in left
    arrived = queue(login(nora))
    assert tab_count(arrived, "Waiting for you") == 1
    assert "For Maria Santos" in card(arrived, thank_you)


def test_someone_who_leaves_is_marked_at_once(login, hr, agent):
    thank_you = make_thanks(agent)
    client = login(hr)
    queue(client)
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert "No longer with the company" in card(queue(client), thank_you)


def test_a_moderator_renamed_by_a_bulk_update_shows_on_the_queue_and_in_the_api(
    login, api, hr, agent
):
    thank_you = services.moderate_thanks(
        thank_you=make_thanks(agent), by=hr, decision="reject", note="A test entry"
    )
    client = login(hr)
    queue(client, status=Status.REJECTED)
    User.objects.filter(pk=hr.pk).update(full_name="Hana Hart")
    assert "by Hana Hart" in card(queue(client, status=Status.REJECTED), thank_you)
    assert listed(api(hr), thank_you)["moderated_by"]["full_name"] == "Hana Hart"


@pytest.mark.parametrize("reader", ["hr", "boss"])
def test_a_bulk_rename_shows_in_the_api_list(api, request, agent, reader):
    thank_you = make_thanks(agent)
    client = api(request.getfixturevalue(reader))
    assert listed(client, thank_you)["employee"]["full_name"] == "Maria Santos"
    User.objects.filter(pk=agent.pk).update(full_name="Maria Santos-Lopez")
    assert listed(client, thank_you)["employee"]["full_name"] == "Maria Santos-Lopez"


# --- the cycle, the integration ---------------------------------------------------------------


@pytest.mark.parametrize("reader", ["hr", "boss"])
def test_a_cycle_renamed_by_a_bulk_update_shows_on_the_cards_it_counts_for(
    login, request, hr, agent, reader
):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    thank_you = make_thanks(
        agent, status=Status.APPROVED, moderated_by=hr, moderated_at=timezone.now(), cycle=cycle
    )
    client = login(request.getfixturevalue(reader))
    before = card(queue(client, status=Status.APPROVED), thank_you)
    assert f"it counts for {cycle.title}" in before
    AwardCycle.objects.filter(pk=cycle.pk).update(title="March: customers first")
    shown = card(queue(client, status=Status.APPROVED), thank_you)
    assert "it counts for March: customers first" in shown


def test_a_renamed_integration_shows(login, hr, agent):
    integration = Integration.objects.create(
        slug="helpdesk", name="Helpdesk", secret_salt="s", secret_hash="h"
    )
    thank_you = make_thanks(agent, source=ThankYou.Source.INTEGRATION, integration=integration)
    client = login(hr)
    assert "(Helpdesk)" in card(queue(client), thank_you)
    Integration.objects.filter(pk=integration.pk).update(name="Service desk")
    assert "(Service desk)" in card(queue(client), thank_you)


# --- the thank-you itself ---------------------------------------------------------------------


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


def test_a_moderated_or_new_thank_you_shows_in_the_counts_at_once(login, hr, agent):
    thank_you = make_thanks(agent)
    client = login(hr)
    assert tab_count(queue(client), "Waiting for you") == 1
    services.moderate_thanks(thank_you=thank_you, by=hr, decision="approve", note="")
    content = queue(client)
    assert tab_count(content, "Waiting for you") == 0
    assert tab_count(content, "Approved") == 1
    make_thanks(agent)
    assert tab_count(queue(client), "Waiting for you") == 1


@pytest.mark.parametrize("reader", ["hr", "boss"])
def test_a_bulk_status_change_shows_in_the_counts_at_once(login, request, agent, reader):
    waiting = [make_thanks(agent), make_thanks(agent)]
    client = login(request.getfixturevalue(reader))
    assert tab_count(queue(client), "Waiting for you") == 2
    ThankYou.objects.filter(pk=waiting[0].pk).update(status=Status.REJECTED)
    ThankYou.objects.filter(pk=waiting[1].pk).delete()
    content = queue(client)
    assert tab_count(content, "Waiting for you") == 0
    assert tab_count(content, "Rejected") == 1


def test_hr_does_not_count_thank_yous_about_themselves(login, hr, agent):
    make_thanks(hr)
    make_thanks(agent)
    assert tab_count(queue(login(hr)), "Waiting for you") == 1


# --- each reader's own card -------------------------------------------------------------------


def test_a_manager_is_not_shown_what_hr_sees(login, hr, boss, agent):
    thank_you = make_thanks(agent)
    for_hr = card(queue(login(hr)), thank_you)
    assert thank_you.customer_email in for_hr
    assert "Change who this is about" in for_hr
    for_boss = card(queue(login(boss)), thank_you)
    assert thank_you.customer_email not in for_boss
    assert "Change who this is about" not in for_boss


def test_a_card_posts_with_the_readers_own_token_without_javascript(hr, agent):
    thank_you = make_thanks(agent)
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
