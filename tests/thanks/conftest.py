"""Factories for customer thank-yous: small functions, through the real services."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from nominations.models import ThankYou
from nominations.thanks import services
from tests.conftest import make_user


def send(
    employee: User | None = None,
    *,
    email: str = "ann@customer.example",
    message: str = "Thank you for sorting out my invoice so quickly.",
    hint: str = "",
    name: str = "Ann Customer",
    ip: str = "",
    consent: bool = True,
    **extra,
) -> ThankYou:
    """A thank-you as a customer sends it (pending confirmation)."""
    return services.send_thanks(
        employee=employee,
        employee_hint=hint or ("" if employee else "The lady at the Lyon counter"),
        customer_name=name,
        customer_email=email,
        message=message,
        consent_to_share=consent,
        ip=ip,
        **extra,
    )


def confirmed(employee: User | None = None, **kwargs) -> ThankYou:
    """A thank-you the customer sent and confirmed: waiting for moderation."""
    thank_you = send(employee, **kwargs)
    thank_you, _ = services.confirm_thanks(signed=services.confirmation_token(thank_you))
    return thank_you


def approved(employee: User, *, by: User, **kwargs) -> ThankYou:
    return services.moderate_thanks(
        thank_you=confirmed(employee, **kwargs), by=by, decision="approve"
    )


def expired_token(thank_you: ThankYou, hours: float = 49) -> str:
    """A genuine confirmation link, signed `hours` ago."""
    from unittest import mock

    past = timezone.now() - dt.timedelta(hours=hours)
    with mock.patch("django.core.signing.time.time", return_value=past.timestamp()):
        return services.confirmation_token(thank_you)


# The people of most moderation tests (a module may define its own).
@pytest.fixture
def boss():
    return make_user(full_name="Bea Boss")


@pytest.fixture
def agent(boss):
    return make_user(full_name="Maria Santos", manager=boss)


@pytest.fixture
def hr():
    return make_user(full_name="Hana HR", hr=True)
