from decimal import Decimal

import pytest

from core.errors import ConflictError
from nominations.models import ThankYou
from nominations.thanks import integrations, services
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user
from tests.thanks.conftest import confirmed, send

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_a_double_click_on_send_makes_one_thank_you():
    agent = make_user()
    results = race(lambda: send(agent), threads=3)
    assert ThankYou.objects.count() == 1
    assert {r.pk for r in results} == {ThankYou.objects.get().pk}


def test_two_moderators_at_the_same_instant_decide_once():
    boss = make_user()
    thank_you = confirmed(make_user(manager=boss))
    hr = make_user(hr=True)
    moderators = iter([boss, hr])  # the manager and HR click Approve at the same instant
    results = race(
        lambda: services.moderate_thanks(
            thank_you=thank_you, by=next(moderators), decision="approve"
        ),
        threads=2,
    )
    assert sum(isinstance(r, ThankYou) for r in results) == 1
    assert sum(isinstance(r, ConflictError) for r in results) == 1
    assert ThankYou.objects.get().status == ThankYou.Status.APPROVED


def test_a_webhook_delivered_twice_at_once_is_stored_once():
    make_user("agent@plaudit.example")
    helpdesk, _ = integrations.create_integration(name="Desk", slug="desk", by=None)

    def deliver():
        return integrations.receive_feedback(
            integration=helpdesk,
            external_id="T-7",
            employee_email="agent@plaudit.example",
            score=Decimal(5),
            scale_max=Decimal(5),
            comment="Thank you for the quick refund.",
            customer_name="Carl",
        )

    results = race(deliver, threads=3)
    assert ThankYou.objects.count() == 1
    assert sum(r.created for r in results) == 1
    assert {r.thank_you.pk for r in results} == {ThankYou.objects.get().pk}
