from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from nominations.models import Integration, ThankYou
from nominations.thanks import integrations
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
BODY = b'{"external_id": "T-1"}'


@pytest.fixture
def helpdesk():
    integration, secret = integrations.create_integration(
        name="Helpdesk", slug="helpdesk", by=make_user(hr=True)
    )
    integration.secret = secret  # what HR was shown, for the tests
    return integration


def feedback(integration: Integration, **overrides):
    fields = {
        "external_id": "T-1",
        "employee_email": "agent@plaudit.example",
        "score": Decimal(5),
        "scale_max": Decimal(5),
        "comment": "Lovely help with my refund.",
        "customer_name": "Carl Customer",
        "customer_email": "carl@customer.example",
    }
    return integrations.receive_feedback(integration=integration, **{**fields, **overrides})


def test_the_secret_is_not_stored_only_its_hash(helpdesk):
    stored = {f.attname: getattr(helpdesk, f.attname) for f in Integration._meta.fields}
    assert helpdesk.secret not in [str(v) for v in stored.values()]
    assert integrations.signing_secret(helpdesk) == helpdesk.secret


def test_a_body_signed_with_the_secret_is_accepted(helpdesk):
    assert integrations.signature_is_valid(helpdesk, BODY, integrations.sign(BODY, helpdesk.secret))


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha256=00", "md5=abc", "sha256=" + "0" * 64, "sha256=é"],
)
def test_a_missing_or_wrong_signature_is_refused(helpdesk, header):
    assert not integrations.signature_is_valid(helpdesk, BODY, header)


def test_a_body_changed_after_signing_is_refused(helpdesk):
    header = integrations.sign(BODY, helpdesk.secret)
    assert not integrations.signature_is_valid(helpdesk, BODY.replace(b"1", b"2"), header)


def test_rotating_the_secret_stops_the_old_one(helpdesk):
    old = integrations.sign(BODY, helpdesk.secret)
    _, secret = integrations.rotate_secret(integration=helpdesk, by=None)
    helpdesk.refresh_from_db()
    assert not integrations.signature_is_valid(helpdesk, BODY, old)
    assert integrations.signature_is_valid(helpdesk, BODY, integrations.sign(BODY, secret))


def test_secrets_survive_a_secret_key_rotation_through_the_fallbacks(helpdesk, settings):
    header = integrations.sign(BODY, helpdesk.secret)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert integrations.signature_is_valid(helpdesk, BODY, header)
    settings.SECRET_KEY_FALLBACKS = []
    assert not integrations.signature_is_valid(helpdesk, BODY, header)


def test_two_integrations_cannot_share_a_slug(helpdesk):
    with pytest.raises(ValidationError):
        integrations.create_integration(name="Other", slug="helpdesk", by=None)


def test_good_feedback_becomes_a_confirmed_thank_you_for_the_agent(helpdesk):
    agent = make_user("agent@plaudit.example")
    outcome = feedback(helpdesk, employee_email="Agent@Plaudit.Example")
    assert outcome.created
    thank_you = outcome.thank_you
    assert thank_you.status == ThankYou.Status.CONFIRMED
    assert thank_you.source == ThankYou.Source.INTEGRATION
    assert thank_you.employee == agent
    assert thank_you.score == 5 and thank_you.scale_max == 5


def test_a_repeated_external_id_returns_the_first_thank_you(helpdesk):
    first = feedback(helpdesk).thank_you
    again = feedback(helpdesk, comment="A different text this time")
    assert not again.created and again.thank_you == first
    assert ThankYou.objects.count() == 1


@pytest.mark.parametrize(("score", "scale_max"), [(3, 5), (7, 10), (Decimal("0.79"), 1)])
def test_a_score_below_the_threshold_is_ignored_with_a_reason(helpdesk, score, scale_max):
    outcome = feedback(helpdesk, score=Decimal(score), scale_max=Decimal(scale_max))
    assert outcome.ignored and "threshold" in outcome.reason
    assert not ThankYou.objects.exists()


def test_the_threshold_is_a_share_of_the_scale(helpdesk):
    assert feedback(helpdesk, score=Decimal(8), scale_max=Decimal(10)).created


def test_a_comment_under_ten_characters_is_ignored(helpdesk):
    outcome = feedback(helpdesk, comment="Great!")
    assert outcome.ignored and "10 characters" in outcome.reason


@pytest.mark.parametrize(("score", "scale_max"), [(6, 5), (-1, 5), (1, 0)])
def test_a_score_outside_the_scale_is_refused(helpdesk, score, scale_max):
    with pytest.raises(ValidationError) as error:
        feedback(helpdesk, score=Decimal(score), scale_max=Decimal(scale_max))
    assert "score" in error.value.message_dict


def test_an_unknown_agent_is_kept_for_hr_to_assign(helpdesk):
    thank_you = feedback(helpdesk, employee_email="new.hire@plaudit.example").thank_you
    assert thank_you.employee is None
    assert thank_you.employee_hint == "new.hire@plaudit.example"


def test_feedback_without_a_customer_address_is_kept(helpdesk):
    assert feedback(helpdesk, customer_email="").thank_you.customer_email == ""


def test_a_very_long_comment_is_kept_to_two_thousand_characters(helpdesk):
    assert len(feedback(helpdesk, comment="z" * 5000).thank_you.message) == 2000
