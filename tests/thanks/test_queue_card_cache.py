"""The moderation queue's caches (nominations/thanks/cards.py). Cards: whatever changes on a
thank-you, on the person it is about or on its integration shows on the next page, each reader
gets their own part of the card, and every cached form still posts with the reader's own CSRF
token. Tab counts: counted once per change, and right at once after one."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nominations.models import Integration, ThankYou
from nominations.thanks import cards, services
from tests.conftest import make_department, make_user
from tests.thanks.test_moderation_views import QUEUE, make_thanks

Status = ThankYou.Status
pytestmark = pytest.mark.django_db


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


# --- the tab counts ---------------------------------------------------------------------------


def tab_count(content: str, label: str) -> int:
    return int(re.search(rf'{label} <span class="thank-you-count">(\d+)</span>', content).group(1))


def counting_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        queue(client)
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_the_tab_counts_are_counted_once_until_a_thank_you_changes(login, hr, agent):
    make_thanks(agent)
    client = login(hr)
    queue(client)
    assert counting_queries(client) == []
    make_thanks(agent)
    assert len(counting_queries(client)) == 1
    assert tab_count(queue(client), "Waiting for you") == 2


def test_a_moderated_or_new_thank_you_shows_in_the_counts_at_once(login, hr, agent):
    thank_you = make_thanks(agent)
    client = login(hr)
    assert tab_count(queue(client), "Waiting for you") == 1
    services.moderate_thanks(thank_you=thank_you, by=hr, decision="approve", note="")
    content = queue(client)
    assert tab_count(content, "Waiting for you") == 0
    assert tab_count(content, "Approved") == 1


def test_a_report_who_moves_to_another_manager_leaves_the_counts(login, boss, agent):
    make_user(full_name="Sam Stays", manager=boss)
    make_thanks(agent)
    client = login(boss)
    assert tab_count(queue(client), "Waiting for you") == 1
    agent.manager = make_user(full_name="Nora New")
    agent.save()
    assert tab_count(queue(client), "Waiting for you") == 0


def test_a_login_does_not_recount_every_queue(login, hr, agent):
    make_thanks(agent)
    someone = make_user()
    client = login(hr)
    queue(client)
    Client().force_login(someone)  # saves their last_login
    assert counting_queries(client) == []


def test_counts_taken_just_after_a_change_are_kept_only_briefly(login, hr, agent, monkeypatch):
    # The version moves inside the writing transaction: a reader may count before the commit.
    kept = []
    original = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, value, timeout=None, **kw: (
            kept.append(timeout) if key.startswith("thanks:queue-counts:") else None,
            original(key, value, timeout, **kw),
        )[1],
    )
    make_thanks(agent)
    queue(login(hr))
    assert kept == [cards.SETTLE]
