import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.audit import AuditEvent
from core.errors import ConflictError
from core.ratelimit import RateLimited
from nominations.models import ThankYou
from nominations.thanks import services
from tests.awards.conftest import make_cycle
from tests.conftest import make_user
from tests.thanks.conftest import approved, confirmed, expired_token, send

Status = ThankYou.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    boss = make_user(full_name="Bea Boss")
    agent = make_user(full_name="Maria Santos", manager=boss, preferred_name="Maria")
    return boss, agent


@pytest.fixture(autouse=True)
def _mail_at_once(monkeypatch):
    # Each test runs in one transaction that never commits: send the mail when it is queued.
    monkeypatch.setattr(
        "core.tasks.transaction.on_commit", lambda callback, *args, **kwargs: callback()
    )


# --- sending ----------------------------------------------------------------------------------


def test_a_thank_you_waits_for_the_customer_to_confirm_it(team, mailoutbox):
    _, agent = team
    thank_you = send(agent, email="ann@customer.example", ip="203.0.113.9")
    assert thank_you.status == Status.PENDING_CONFIRMATION
    assert thank_you.source == ThankYou.Source.PERSONAL_LINK
    assert thank_you.customer_email == "ann@customer.example"
    assert [m.to for m in mailoutbox] == [["ann@customer.example"]]
    assert "Maria" in mailoutbox[0].subject
    [token] = re.findall(r"/thanks/confirm/([^/\s]+)/", mailoutbox[0].body)
    assert services.read_confirmation(token) == thank_you


def test_the_ip_address_is_stored_only_as_a_salted_hash(team):
    thank_you = send(team[1], ip="203.0.113.9")
    assert thank_you.ip_hash and "203.0.113.9" not in thank_you.ip_hash
    assert len(thank_you.ip_hash) == 64


def test_a_deactivated_employee_cannot_be_thanked(team):
    _, agent = team
    agent.is_active = False
    agent.save()
    with pytest.raises(ValidationError):
        send(agent)


def test_the_same_message_from_the_same_address_within_a_day_is_one_thank_you(team, mailoutbox):
    _, agent = team
    first = send(agent, message="Thank you   for the help!")
    again = send(agent, email="ANN@customer.example", message="thank you for the help!")
    assert again.pk == first.pk
    assert ThankYou.objects.count() == 1
    # The customer may have lost the first e-mail: the link is sent again.
    assert len(mailoutbox) == 2


def test_the_same_message_a_day_later_is_a_new_thank_you(team):
    _, agent = team
    first = send(agent)
    later = send(agent, now=timezone.now() + dt.timedelta(days=1, minutes=1))
    assert later.pk != first.pk


def test_the_same_words_to_two_people_are_two_thank_yous(team):
    boss, agent = team
    assert send(agent).pk != send(make_user(manager=boss)).pk


def test_a_sixth_thank_you_from_one_address_in_an_hour_is_refused(team):
    _, agent = team
    for n in range(5):
        send(agent, email=f"c{n}@customer.example", ip="198.51.100.7")
    with pytest.raises(RateLimited) as error:
        send(agent, email="c6@customer.example", ip="198.51.100.7")
    assert "connection" in error.value.message
    assert ThankYou.objects.count() == 5
    # Another connection is not affected.
    send(agent, email="c7@customer.example", ip="198.51.100.8")


def test_one_customer_address_may_send_five_thank_yous_a_day(team):
    _, agent = team
    for n in range(5):
        send(agent, message=f"Thank you, visit number {n}.", ip=f"10.0.0.{n}")
    with pytest.raises(RateLimited) as error:
        send(agent, message="Thank you, visit number six.", ip="10.0.0.9")
    assert "e-mail address" in error.value.message


def test_a_duplicate_does_not_spend_the_rate_limit(team):
    _, agent = team
    for _ in range(8):
        send(agent, ip="198.51.100.7")
    assert ThankYou.objects.count() == 1


# --- confirming -------------------------------------------------------------------------------


def test_the_link_confirms_the_thank_you_once(team, mailoutbox):
    boss, agent = team
    thank_you = send(agent)
    token = services.confirmation_token(thank_you)
    thank_you, changed = services.confirm_thanks(signed=token)
    assert changed and thank_you.status == Status.CONFIRMED and thank_you.confirmed_at
    assert mailoutbox[-1].to == [boss.email]  # the manager is asked to review it
    _, changed_again = services.confirm_thanks(signed=token)
    assert not changed_again
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "MQ:abc:def",
    ],
)
def test_a_forged_or_damaged_link_is_refused(team, damage):
    thank_you = send(team[1])
    with pytest.raises(services.ConfirmationLinkError) as error:
        services.confirm_thanks(signed=damage(services.confirmation_token(thank_you)))
    assert not error.value.expired
    thank_you.refresh_from_db()
    assert thank_you.status == Status.PENDING_CONFIRMATION


def test_a_link_signed_for_another_purpose_is_refused(team):
    from django.core import signing

    thank_you = send(team[1])
    with pytest.raises(services.ConfirmationLinkError):
        services.confirm_thanks(signed=signing.dumps(thank_you.pk))


def test_an_expired_link_can_be_renewed(team, mailoutbox):
    thank_you = send(team[1])
    token = expired_token(thank_you)
    with pytest.raises(services.ConfirmationLinkError) as error:
        services.confirm_thanks(signed=token)
    assert error.value.expired and error.value.thank_you == thank_you
    services.resend_confirmation(signed=token)
    new_link = mailoutbox[-1].body
    assert token not in new_link
    fresh = services.confirmation_token(thank_you)
    assert services.confirm_thanks(signed=fresh)[1]


def test_an_expired_link_of_a_confirmed_thank_you_still_says_it_is_confirmed(team):
    thank_you = confirmed(team[1])
    _, changed = services.confirm_thanks(signed=expired_token(thank_you))
    assert not changed


def test_a_new_link_can_be_asked_for_three_times_a_day(team):
    thank_you = send(team[1])
    token = expired_token(thank_you)
    for _ in range(3):
        services.resend_confirmation(signed=token)
    with pytest.raises(RateLimited):
        services.resend_confirmation(signed=token)


# --- moderating -------------------------------------------------------------------------------


def test_the_manager_approves_and_it_counts_in_the_open_cycle(team, mailoutbox):
    boss, agent = team
    make_cycle(month=dt.date(2030, 1, 1), status="judging")
    cycle = make_cycle(month=dt.date(2030, 2, 1), status="open")
    thank_you = confirmed(agent)
    mailoutbox.clear()
    thank_you = services.moderate_thanks(thank_you=thank_you, by=boss, decision="approve")
    assert thank_you.status == Status.APPROVED
    assert thank_you.cycle == cycle
    assert thank_you.moderated_by == boss
    # The employee hears of it; their manager approved it, so needs no e-mail.
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert thank_you.message in mailoutbox[0].body
    assert AuditEvent.objects.filter(verb="thanks.approved", actor=boss).exists()


def test_hr_approving_tells_the_employee_and_their_manager(team, mailoutbox):
    boss, agent = team
    thank_you = confirmed(agent)
    mailoutbox.clear()
    services.moderate_thanks(thank_you=thank_you, by=make_user(hr=True), decision="approve")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([agent.email, boss.email])


def test_approving_with_no_open_cycle_counts_nowhere(team):
    boss, agent = team
    assert approved(agent, by=boss).cycle is None


def test_customer_text_is_inert_in_the_approval_e_mail(team, mailoutbox):
    boss, agent = team
    approved(agent, by=boss, name="<b>Bob</b>", message="<script>alert(1)</script> thanks!")
    html = mailoutbox[-1].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Bob</b>" not in html


def test_a_rejection_keeps_its_note_and_stays_for_hr(team):
    boss, agent = team
    thank_you = services.moderate_thanks(
        thank_you=confirmed(agent), by=boss, decision="reject", note="Spam from a bot"
    )
    assert thank_you.status == Status.REJECTED
    assert thank_you.moderation_note == "Spam from a bot"
    assert thank_you.cycle is None
    assert AuditEvent.objects.filter(verb="thanks.rejected").exists()


def test_only_the_employees_manager_or_hr_moderates(team):
    _, agent = team
    thank_you = confirmed(agent)
    for outsider in (make_user(), agent, make_user(manager=None)):
        with pytest.raises(PermissionDenied):
            services.moderate_thanks(thank_you=thank_you, by=outsider, decision="approve")


def test_an_unconfirmed_thank_you_cannot_be_moderated(team):
    boss, agent = team
    with pytest.raises(ConflictError, match="not confirmed"):
        services.moderate_thanks(thank_you=send(agent), by=boss, decision="approve")


def test_a_decision_is_final(team):
    boss, agent = team
    thank_you = approved(agent, by=boss)
    for decision in ("approve", "reject"):
        with pytest.raises(ConflictError, match="approved already"):
            services.moderate_thanks(thank_you=thank_you, by=boss, decision=decision)


def test_a_general_thank_you_needs_an_employee_before_approval(db):
    hr = make_user(hr=True)
    thank_you = confirmed(None, hint="Somebody in billing")
    with pytest.raises(ValidationError) as error:
        services.moderate_thanks(thank_you=thank_you, by=hr, decision="approve")
    assert "employee" in error.value.message_dict
    agent = make_user()
    thank_you = services.moderate_thanks(
        thank_you=thank_you, by=hr, decision="approve", employee=agent
    )
    assert thank_you.employee == agent and thank_you.status == Status.APPROVED
    assert AuditEvent.objects.filter(verb="thanks.assigned").exists()


def test_only_hr_assigns_the_employee(team):
    boss, agent = team
    thank_you = confirmed(agent)
    with pytest.raises(PermissionDenied):
        services.assign_employee(thank_you=thank_you, by=boss, employee=make_user(manager=boss))
    with pytest.raises(PermissionDenied):
        services.moderate_thanks(
            thank_you=thank_you, by=boss, decision="approve", employee=make_user(manager=boss)
        )


def test_hr_cannot_assign_a_deactivated_employee(db):
    gone = make_user(is_active=False)
    with pytest.raises(ValidationError):
        services.assign_employee(thank_you=confirmed(None), by=make_user(hr=True), employee=gone)


def test_an_approved_thank_you_always_has_an_employee_in_the_database(db):
    from django.db import IntegrityError, transaction

    thank_you = confirmed(None)
    thank_you.status = Status.APPROVED
    with pytest.raises(IntegrityError), transaction.atomic():
        thank_you.save()


def test_nobody_moderates_a_thank_you_about_themselves(db):
    hr = make_user(hr=True)
    colleague = make_user(hr=True)
    thank_you = confirmed(hr)
    with pytest.raises(PermissionDenied):
        services.moderate_thanks(thank_you=thank_you, by=hr, decision="approve")
    assert services.moderate_thanks(thank_you=thank_you, by=colleague, decision="approve")


def test_hr_cannot_hand_a_thank_you_about_themselves_to_someone_else(db):
    hr = make_user(hr=True)
    thank_you = confirmed(hr)
    with pytest.raises(PermissionDenied):
        services.assign_employee(thank_you=thank_you, by=hr, employee=make_user())
    thank_you.refresh_from_db()
    assert thank_you.employee == hr


def test_hr_cannot_assign_a_thank_you_to_themselves(db):
    hr = make_user(hr=True)
    with pytest.raises(ValidationError):
        services.assign_employee(thank_you=confirmed(None), by=hr, employee=hr)
