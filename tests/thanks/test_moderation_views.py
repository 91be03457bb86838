"""The moderation queue: who sees it, what each card shows, and the actions on a card."""

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.models import AwardCycle
from nominations.models import ThankYou
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.security.test_csp import assert_strict_policy

Status = ThankYou.Status
pytestmark = pytest.mark.django_db
QUEUE = reverse("thanks:queue")
HTMX = {"HTTP_HX_REQUEST": "true"}
_numbers = itertools.count(1)


def make_thanks(employee=None, *, status: str = Status.CONFIRMED, **fields) -> ThankYou:
    """A thank-you as the services leave it, straight in the database."""
    n = next(_numbers)
    values = {
        "employee": employee,
        "employee_hint": "" if employee else "The lady at the Lyon counter",
        "customer_name": "Ann Customer",
        "customer_email": f"ann{n}@customer.example",
        "organisation": "Acme Bakeries",
        "message": "Thank you for sorting out my invoice so quickly.",
        "source": (ThankYou.Source.PERSONAL_LINK if employee else ThankYou.Source.PUBLIC_FORM),
        "submitted_on": timezone.localdate(),
        "status": status,
        "confirmed_at": None if status == Status.PENDING_CONFIRMATION else timezone.now(),
    }
    return ThankYou.objects.create(**values | fields)


def moderate_url(thank_you: ThankYou) -> str:
    return reverse("thanks:moderate", args=[thank_you.pk])


def assign_url(thank_you: ThankYou) -> str:
    return reverse("thanks:assign", args=[thank_you.pk])


# --- who may open the queue -------------------------------------------------------------------


def test_the_queue_is_not_for_an_employee_without_reports(login, agent):
    response = login(agent).get(QUEUE)
    assert response.status_code == 403
    assert b"This page is not for you" in response.content


def test_hr_opens_the_queue(login, hr):
    assert login(hr).get(QUEUE).status_code == 200


def test_a_manager_opens_the_queue(login, boss, agent):
    assert login(boss).get(QUEUE).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- what the queue shows ---------------------------------------------------------------------


def test_a_manager_sees_only_thank_yous_to_their_reports(login, boss, agent):
    mine = make_thanks(agent, message="Maria found the parcel we had lost.")
    other = make_thanks(make_user(), message="Someone else fixed the billing address.")
    unassigned = make_thanks(message="The lady at the counter was lovely.")
    content = login(boss).get(QUEUE).content.decode()
    assert mine.message in content
    assert other.message not in content
    assert unassigned.message not in content


def test_a_manager_never_sees_the_customers_email(login, boss, agent):
    thank_you = make_thanks(agent)
    content = login(boss).get(QUEUE).content.decode()
    assert thank_you.customer_name in content
    assert thank_you.customer_email not in content


def test_hr_sees_every_thank_you_with_the_customers_email(login, hr, agent):
    to_agent = make_thanks(agent)
    unassigned = make_thanks()
    content = login(hr).get(QUEUE).content.decode()
    assert to_agent.customer_email in content
    assert unassigned.customer_email in content
    assert "The lady at the Lyon counter" in content  # the hint, while nobody is chosen


def test_the_customers_words_are_escaped(login, hr, agent):
    make_thanks(agent, message="<script>alert(1)</script>\nSecond line", customer_name="<b>Ann</b>")
    content = login(hr).get(QUEUE).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in content
    assert "<b>Ann</b>" not in content


def test_the_queue_opens_on_the_ones_waiting_and_counts_every_tab(login, hr, agent):
    make_thanks(agent, message="Waiting for a decision, please.")
    make_thanks(agent, status=Status.PENDING_CONFIRMATION, message="Not confirmed by Ann yet.")
    content = login(hr).get(QUEUE).content.decode()
    assert "Waiting for a decision, please." in content
    assert "Not confirmed by Ann yet." not in content
    assert 'aria-current="page">Waiting for you <span class="thank-you-count">1</span>' in content
    assert 'Not confirmed by the customer yet <span class="thank-you-count">1</span>' in content


def test_unconfirmed_thank_yous_are_listed_read_only(login, hr, agent):
    make_thanks(agent, status=Status.PENDING_CONFIRMATION, message="Not confirmed by Ann yet.")
    content = login(hr).get(QUEUE, {"status": "pending_confirmation"}).content.decode()
    assert "Not confirmed by Ann yet." in content
    assert 'value="approve"' not in content


def test_hr_sees_who_rejected_a_thank_you_and_why(login, hr, boss, agent):
    make_thanks(
        agent,
        status=Status.REJECTED,
        moderated_by=boss,
        moderated_at=timezone.now(),
        moderation_note="A test message from our own team.",
    )
    content = login(hr).get(QUEUE, {"status": "rejected"}).content.decode()
    assert "by Bea Boss" in content
    assert "A test message from our own team." in content


def test_an_unknown_tab_falls_back_to_the_waiting_ones(login, hr, agent):
    make_thanks(agent, message="Waiting for a decision, please.")
    response = login(hr).get(QUEUE, {"status": "nonsense"})
    assert "Waiting for a decision, please." in response.content.decode()


def test_the_queue_pages_by_25_and_keeps_the_tab(login, hr, agent):
    for _ in range(26):
        make_thanks(agent, status=Status.APPROVED, moderated_by=hr, moderated_at=timezone.now())
    response = login(hr).get(QUEUE, {"status": "approved"})
    assert len(response.context["page"].object_list) == 25
    assert "?status=approved&amp;page=2" in response.content.decode()
    second = login(hr).get(QUEUE, {"status": "approved", "page": 2})
    assert len(second.context["page"].object_list) == 1


def add_to_every_tab(hr, agent, cycle, count: int) -> None:
    for n in range(count):
        make_thanks(make_user(manager=agent, department=agent.department))
        make_thanks(
            agent, status=Status.APPROVED, moderated_by=hr, moderated_at=timezone.now(), cycle=cycle
        )
        make_thanks(employee_hint=f"Person {n}")


@pytest.mark.parametrize("status", ["confirmed", "approved"])
def test_the_queue_needs_the_same_queries_whatever_its_size(
    login, hr, agent, django_assert_num_queries, status
):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    client = login(hr)
    add_to_every_tab(hr, agent, cycle, 2)
    client.get(QUEUE)  # the first request of a session writes to it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE, {"status": status}).status_code == 200
    add_to_every_tab(hr, agent, cycle, 10)
    with django_assert_num_queries(len(small)):
        response = client.get(QUEUE, {"status": status})
    assert len(response.context["page"].object_list) >= 12


# --- approving and rejecting ------------------------------------------------------------------


def test_approving_with_htmx_swaps_the_card_and_counts_in_the_open_cycle(
    login, boss, agent, hr, mailoutbox, django_capture_on_commit_callbacks
):
    cycle = make_cycle(status=AwardCycle.Status.OPEN)
    thank_you = make_thanks(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(hr).post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<article id="thank-you-{thank_you.pk}"')
    assert 'role="status"' in content
    assert "Approved: we have let Maria Santos know." in content
    assert "<html" not in content
    thank_you.refresh_from_db()
    assert thank_you.status == Status.APPROVED
    assert thank_you.cycle == cycle
    assert thank_you.moderated_by == hr
    # The employee, and their manager because someone else approved it.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([agent.email, boss.email])


def counts_swapped_in(content: str) -> dict[str, str]:
    """The tab counts an htmx response swaps into the queue's tabs, out of band."""
    pattern = r'<span hx-swap-oob="innerHTML:#thank-you-tab-(\w+) \.thank-you-count">(\d+)</span>'
    return dict(re.findall(pattern, content))


@pytest.mark.parametrize(("decision", "decided"), [("approve", "approved"), ("reject", "rejected")])
def test_moderating_with_htmx_updates_the_tab_counts(login, boss, agent, decision, decided):
    first, _ = make_thanks(agent), make_thanks(agent)
    client = login(boss)
    page = client.get(QUEUE).content.decode()
    assert 'id="thank-you-tab-confirmed"' in page
    assert 'Waiting for you <span class="thank-you-count">2</span>' in page
    response = client.post(moderate_url(first), {"decision": decision, "note": "Ok."}, **HTMX)
    assert counts_swapped_in(response.content.decode()) == {
        "confirmed": "1",
        "pending_confirmation": "0",
        "approved": "1" if decided == "approved" else "0",
        "rejected": "1" if decided == "rejected" else "0",
    }


def test_a_manager_who_approves_is_not_mailed_about_it(
    login, boss, agent, mailoutbox, django_capture_on_commit_callbacks
):
    thank_you = make_thanks(agent)
    with django_capture_on_commit_callbacks(execute=True):
        login(boss).post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    assert [m.to for m in mailoutbox] == [[agent.email]]


def test_rejecting_keeps_the_note(login, boss, agent):
    thank_you = make_thanks(agent)
    response = login(boss).post(
        moderate_url(thank_you), {"decision": "reject", "note": "Sent by our own intern."}, **HTMX
    )
    assert "Rejected" in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.status == Status.REJECTED
    assert thank_you.moderation_note == "Sent by our own intern."
    assert thank_you.moderated_by == boss


def test_without_javascript_moderating_goes_back_to_the_queue_with_a_message(login, boss, agent):
    thank_you = make_thanks(agent)
    response = login(boss).post(moderate_url(thank_you), {"decision": "approve"}, follow=True)
    assert response.redirect_chain[0][0].startswith(QUEUE)
    assert "Approved: we have let Maria Santos know." in response.content.decode()


def test_a_manager_cannot_moderate_a_thank_you_to_someone_elses_report(login, boss):
    other = make_thanks(make_user(manager=make_user()))
    response = login(boss).post(moderate_url(other), {"decision": "approve"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Status.CONFIRMED


def test_an_employee_cannot_moderate_at_all(login, agent):
    thank_you = make_thanks(agent)
    response = login(agent).post(moderate_url(thank_you), {"decision": "approve"})
    assert response.status_code == 404
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_approving_an_unconfirmed_thank_you_shows_why_not(login, boss, agent):
    thank_you = make_thanks(agent, status=Status.PENDING_CONFIRMATION)
    response = login(boss).post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    assert "The customer has not confirmed this thank-you yet" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_approving_twice_says_it_was_approved_already(login, boss, agent):
    thank_you = make_thanks(agent)
    client = login(boss)
    client.post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    response = client.post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    assert "This thank-you was approved already." in response.content.decode()


def test_approving_twice_without_javascript_says_so_on_the_queue(login, boss, agent):
    thank_you = make_thanks(agent, status=Status.APPROVED, moderated_by=boss)
    response = login(boss).post(moderate_url(thank_you), {"decision": "approve"}, follow=True)
    assert response.status_code == 200
    assert "This thank-you was approved already." in response.content.decode()


def test_a_decision_other_than_approve_or_reject_is_an_error_on_the_card(login, boss, agent):
    thank_you = make_thanks(agent)
    response = login(boss).post(moderate_url(thank_you), {"decision": "publish"}, **HTMX)
    assert response.status_code == 200
    assert "Choose approve or reject." in response.content.decode()


def test_a_note_too_long_is_an_error_on_the_card(login, boss, agent):
    thank_you = make_thanks(agent)
    response = login(boss).post(
        moderate_url(thank_you), {"decision": "reject", "note": "x" * 501}, **HTMX
    )
    assert "Keep the note under 500 characters." in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_the_page_and_the_api_measure_a_note_alike(login, api, boss, agent):
    # Spaces fold into one before the note is measured, on the page as over the API.
    note = "Spam" + " " * 600 + "from a bot"
    on_page, over_api = make_thanks(agent), make_thanks(agent)
    login(boss).post(moderate_url(on_page), {"decision": "reject", "note": note}, **HTMX)
    api(boss).post(
        reverse("api-thanks-moderate", args=[over_api.pk]),
        {"decision": "reject", "note": note},
        format="json",
    )
    for thank_you in (on_page, over_api):
        thank_you.refresh_from_db()
        assert (thank_you.status, thank_you.moderation_note) == (
            Status.REJECTED,
            "Spam from a bot",
        )


# --- choosing who a thank-you is about ---------------------------------------------------------


def test_approving_an_unassigned_thank_you_asks_to_choose_the_employee(login, hr):
    thank_you = make_thanks()
    response = login(hr).post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    assert "Choose who this thank-you is about before approving it." in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.status == Status.CONFIRMED


def test_an_unassigned_thank_you_offers_no_approve_button(login, hr):
    make_thanks()
    content = login(hr).get(QUEUE).content.decode()
    assert 'value="reject"' in content
    assert 'value="approve"' not in content
    assert "Choose who this is about" in content


def test_hr_assigns_the_employee_then_approves(login, hr, agent, boss):
    thank_you = make_thanks()
    client = login(hr)
    page = client.get(assign_url(thank_you), {"q": "Maria"})
    assert page.status_code == 200
    assert f'value="{agent.pk}"' in page.content.decode()
    response = client.post(assign_url(thank_you), {"nominee": agent.pk}, follow=True)
    assert "This thank-you is now about Maria Santos" in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.employee == agent
    client.post(moderate_url(thank_you), {"decision": "approve"}, **HTMX)
    thank_you.refresh_from_db()
    assert thank_you.status == Status.APPROVED


def test_assigning_with_htmx_swaps_the_card(login, hr, agent):
    thank_you = make_thanks()
    response = login(hr).post(assign_url(thank_you), {"nominee": agent.pk}, **HTMX)
    content = response.content.decode()
    assert content.lstrip().startswith(f'<article id="thank-you-{thank_you.pk}"')
    assert 'value="approve"' in content


def test_searching_without_javascript_lists_colleagues_to_choose_from(login, hr, agent):
    thank_you = make_thanks()
    response = login(hr).post(assign_url(thank_you), {"q": "Maria", "find": "1"})
    assert response.status_code == 200
    assert f'id="nominee-{agent.pk}"' in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.employee is None


def test_assigning_nobody_says_to_choose_someone(login, hr):
    thank_you = make_thanks()
    response = login(hr).post(assign_url(thank_you), {})
    assert "Choose the colleague this thank-you is about." in response.content.decode()


def test_assigning_a_deactivated_colleague_is_refused_next_to_the_picker(login, hr):
    thank_you = make_thanks()
    gone = make_user(full_name="Gus Gone", is_active=False)
    response = login(hr).post(assign_url(thank_you), {"nominee": gone.pk})
    assert response.status_code == 200
    assert "no longer with the company" in response.content.decode()
    thank_you.refresh_from_db()
    assert thank_you.employee is None


def test_a_manager_cannot_assign(login, boss, agent):
    thank_you = make_thanks(agent)
    response = login(boss).post(assign_url(thank_you), {"nominee": boss.pk})
    assert response.status_code == 403
    thank_you.refresh_from_db()
    assert thank_you.employee == agent


def test_assigning_is_404_for_an_employee(login, agent):
    thank_you = make_thanks()
    assert login(agent).post(assign_url(thank_you), {"nominee": agent.pk}).status_code == 404


def test_a_decided_thank_you_cannot_be_reassigned(login, hr, agent):
    thank_you = make_thanks(agent, status=Status.REJECTED, moderated_by=hr)
    response = login(hr).post(assign_url(thank_you), {"nominee": make_user().pk}, **HTMX)
    assert response.status_code == 200
    assert "This thank-you was rejected already." in response.content.decode()


# --- strict Content-Security-Policy ------------------------------------------------------------


def test_the_queue_and_the_assign_page_need_no_inline_code(login, hr, agent):
    make_thanks(agent)
    unassigned = make_thanks()
    client = login(hr)
    assert_strict_policy(client.get(QUEUE))
    assert_strict_policy(client.get(assign_url(unassigned), {"q": "Maria"}))


def test_the_assign_page_shows_the_card_without_its_moderation_form(login, hr):
    thank_you = make_thanks()
    content = login(hr).get(assign_url(thank_you)).content.decode()
    assert f'id="thank-you-{thank_you.pk}"' in content
    assert "moderate-form" not in content
    assert reverse("thanks:moderate", args=[thank_you.pk]) not in content
