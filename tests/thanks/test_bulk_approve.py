"""The queue's "Approve selected": select some (or all on the page), approve them in one go.
Each is approved as its own Approve button would (audited, its people told); one that cannot
be is reported on its own and the others are approved all the same."""

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import AuditEvent
from nominations.models import ThankYou
from nominations.thanks import hr_views, services
from tests.conftest import make_user
from tests.thanks.conftest import confirmed
from tests.thanks.test_moderation_views import QUEUE

Status = ThankYou.Status
pytestmark = pytest.mark.django_db
APPROVE = reverse("thanks:approve_selected")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def waiting(agent):
    return [
        confirmed(agent, name=name, email=f"{name.split()[0].lower()}@customer.example")
        for name in ("Ann Customer", "Ben Buyer", "Cat Client")
    ]


def test_a_manager_approves_the_selected_thank_yous(
    login, boss, waiting, django_capture_on_commit_callbacks
):
    first, second, third = waiting
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(boss).post(APPROVE, {"selected": [first.pk, third.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == f"{QUEUE}?status=confirmed"
    statuses = dict(ThankYou.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.APPROVED,
        second.pk: Status.CONFIRMED,
        third.pk: Status.APPROVED,
    }
    # Audited one by one, as single approvals are; the employee told of each.
    approvals = AuditEvent.objects.filter(verb="thanks.approved", actor=boss)
    assert sorted(approvals.values_list("target_id", flat=True)) == [str(first.pk), str(third.pk)]
    assert len([m for m in mail.outbox if m.to == [first.employee.email]]) == 2
    [said] = messages_of(response)
    assert said.startswith("Approved 2 thank-yous (Ann Customer to Maria Santos, Cat Client to")
    # The tabs count what is left.
    assert response.context["tabs"][0]["count"] == 1


def test_one_decided_meanwhile_is_reported_and_the_others_approved(login, boss, hr, waiting):
    first, second, _ = waiting
    services.moderate_thanks(thank_you=second, by=hr, decision="reject", note="Spam.")
    response = login(boss).post(APPROVE, {"selected": [first.pk, second.pk]}, follow=True)
    assert ThankYou.objects.get(pk=first.pk).status == Status.APPROVED
    assert ThankYou.objects.get(pk=second.pk).status == Status.REJECTED
    assert messages_of(response) == [
        "Approved 1 thank-you (Ann Customer to Maria Santos): we have let them know.",
        "Not approved: the thank-you from Ben Buyer. This thank-you was rejected already.",
    ]
    assert AuditEvent.objects.filter(verb="thanks.approved").count() == 1


def test_one_about_nobody_yet_is_reported(login, hr, agent):
    about_nobody = confirmed(None)
    about_maria = confirmed(agent, email="ben@customer.example", name="Ben Buyer")
    selected = {"selected": [about_nobody.pk, about_maria.pk]}
    response = login(hr).post(APPROVE, selected, follow=True)
    assert ThankYou.objects.get(pk=about_maria.pk).status == Status.APPROVED
    assert ThankYou.objects.get(pk=about_nobody.pk).status == Status.CONFIRMED
    assert (
        "Not approved: the thank-you from Ann Customer. Choose who this thank-you is about "
        "before approving it." in messages_of(response)
    )


def test_nothing_selected_says_so_and_changes_nothing(login, boss, waiting):
    response = login(boss).post(APPROVE, {}, follow=True)
    assert messages_of(response) == ["Select the thank-yous to approve first."]
    assert not ThankYou.objects.filter(status=Status.APPROVED).exists()


def test_a_thank_you_outside_my_queue_approves_nothing(login, boss, waiting):
    stranger = confirmed(make_user(full_name="Olga Other"), email="x@customer.example")
    response = login(boss).post(APPROVE, {"selected": [waiting[0].pk, stranger.pk]}, follow=True)
    assert messages_of(response) == ["A thank-you you selected is no longer in your queue."]
    assert not ThankYou.objects.filter(status=Status.APPROVED).exists()


@pytest.mark.parametrize("junk", [["x", "1; drop"], [str(2**63)], ["-1"], ["\uff11"]])
def test_garbage_is_a_message_not_an_error(login, boss, waiting, junk):
    response = login(boss).post(APPROVE, {"selected": junk}, follow=True)
    assert response.status_code == 200
    assert not ThankYou.objects.filter(status=Status.APPROVED).exists()


def test_an_employee_without_reports_may_not(login, agent, waiting):
    assert login(agent).post(APPROVE, {"selected": [waiting[0].pk]}).status_code == 403
    assert not ThankYou.objects.filter(status=Status.APPROVED).exists()


def test_nobody_approves_their_own_in_bulk(login, hr):
    mine = confirmed(hr)
    response = login(hr).post(APPROVE, {"selected": [mine.pk]}, follow=True)
    assert ThankYou.objects.get(pk=mine.pk).status == Status.CONFIRMED
    assert messages_of(response) == ["A thank-you you selected is no longer in your queue."]


def test_the_get_is_not_allowed(login, boss):
    assert login(boss).get(APPROVE).status_code == 405


def test_the_waiting_tab_offers_select_all_without_javascript(login, boss, waiting):
    client = login(boss)
    page = client.get(QUEUE).content.decode()
    assert '<form id="bulk-approve"' in page
    assert page.count('form="bulk-approve"') == 3
    assert page.count('form="bulk-approve" id="thank-you-') == 3
    assert " checked>" not in page
    ticked = client.get(QUEUE, {"status": "confirmed", "select": "all"}).content.decode()
    assert ticked.count('form="bulk-approve" id="thank-you-') == 3
    assert ticked.count(" checked>") == 3
    assert "Clear the selection" in ticked


def test_other_tabs_have_no_bulk_approval(login, boss, hr, waiting):
    services.moderate_thanks(thank_you=waiting[0], by=hr, decision="approve")
    page = login(boss).get(QUEUE, {"status": "approved"}).content.decode()
    assert "bulk-approve" not in page


def test_the_queue_with_everything_selected_needs_the_same_queries_for_3_or_30(
    login, boss, agent, waiting, django_assert_num_queries
):
    client = login(boss)
    client.get(QUEUE)  # the first request of a session writes to it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        page = client.get(QUEUE, {"status": "confirmed", "select": "all"}).content.decode()
    assert page.count(" checked>") == 3
    for n in range(27):
        confirmed(make_user(manager=boss), email=f"more{n}@customer.example")
    with django_assert_num_queries(len(small)):
        page = client.get(QUEUE, {"status": "confirmed", "select": "all"}).content.decode()
    assert page.count(" checked>") == 25  # a page of the queue


def test_more_than_a_page_at_once_is_refused(login, boss, waiting, monkeypatch):
    monkeypatch.setattr(hr_views, "QUEUE_PAGE_SIZE", 2)
    response = login(boss).post(APPROVE, {"selected": [t.pk for t in waiting]}, follow=True)
    assert messages_of(response) == [
        "Select 2 thank-yous at most: one page of the queue at a time."
    ]
    assert not ThankYou.objects.filter(status=Status.APPROVED).exists()


def test_a_database_error_is_not_a_refusal_reason(boss, waiting, monkeypatch):
    # It propagates: the ones approved before it stay approved, the rest are left alone.
    first, second, third = waiting
    moderate = services.moderate_thanks

    def failing(*, thank_you, **kwargs):
        if thank_you.pk == second.pk:
            raise OperationalError("the connection was lost")
        return moderate(thank_you=thank_you, **kwargs)

    monkeypatch.setattr(services, "moderate_thanks", failing)
    with pytest.raises(OperationalError):
        services.approve_thanks(thank_yous=waiting, by=boss)
    statuses = dict(ThankYou.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.APPROVED,
        second.pk: Status.CONFIRMED,
        third.pk: Status.CONFIRMED,
    }
