"""Two moderators approving overlapping selections at the same instant (PostgreSQL): each
thank-you is approved once, audited once and its employee told once; what one of them found
decided already is reported to them, not approved a second time."""

import pytest
from django.core import mail

from core.audit import AuditEvent
from nominations.models import ThankYou
from nominations.thanks import services
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user
from tests.thanks.conftest import confirmed

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_overlapping_bulk_approvals_approve_each_thank_you_once():
    boss = make_user(full_name="Bea Boss")
    hr = make_user(full_name="Hana HR", hr=True)
    agent = make_user(full_name="Maria Santos", manager=boss)
    thanks = [confirmed(agent, email=f"c{n}@customer.example") for n in range(6)]
    mail.outbox.clear()
    # Both select every one, in opposite orders: the row locks, not the order, must decide.
    selections = iter([(boss, thanks), (hr, thanks[::-1])])

    def approve():
        by, selected = next(selections)
        return services.approve_thanks(thank_yous=selected, by=by)

    first, second = race(approve, threads=2)
    outcomes = [*first, *second]
    assert sum(o.approved for o in outcomes) == 6
    refused = [o for o in outcomes if not o.approved]
    assert len(refused) == 6
    assert {o.error for o in refused} == {"This thank-you was approved already."}
    assert set(ThankYou.objects.values_list("status", flat=True)) == {ThankYou.Status.APPROVED}
    audited = AuditEvent.objects.filter(verb="thanks.approved")
    assert sorted(audited.values_list("target_id", flat=True)) == sorted(str(t.pk) for t in thanks)
    assert len([m for m in mail.outbox if m.to == [agent.email]]) == 6
