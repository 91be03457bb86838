"""Helpdesk and CSAT tools that push positive customer feedback through a signed webhook
(DESIGN §4: `POST /api/v1/integrations/{slug}/feedback`, documented in docs/api.md).

The shared secret is derived, never stored: secret = HMAC-SHA256(SECRET_KEY, salt) for a
random per-integration salt. The database holds the salt and the SHA-256 of the secret, so a
copy of the database alone cannot sign a webhook; HR sees the secret once, when it is created
or rotated. Rotating SECRET_KEY keeps secrets working while the old key is listed in
SECRET_KEY_FALLBACKS (the stored hash tells which key made the secret).
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User
from core import audit
from core.errors import ConflictError
from nominations.models import Integration, ThankYou

SIGNATURE_HEADER = "X-Plaudit-Signature"
MIN_COMMENT = ThankYou.MIN_MESSAGE
HINT_LENGTH = ThankYou._meta.get_field("employee_hint").max_length


def _derive(salt: str, key: str) -> str:
    return salted_hmac(
        "plaudit.integration.secret", salt, secret=key, algorithm="sha256"
    ).hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(integration: Integration) -> str:
    integration.secret_salt = secrets.token_hex(32)
    secret = _derive(integration.secret_salt, settings.SECRET_KEY)
    integration.secret_hash = _digest(secret)
    return secret


def signing_secret(integration: Integration) -> str | None:
    """The secret the integration signs with, or None when SECRET_KEY changed without keeping
    the old one in SECRET_KEY_FALLBACKS (HR must then rotate it)."""
    for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        secret = _derive(integration.secret_salt, key)
        if hmac.compare_digest(_digest(secret), integration.secret_hash):
            return secret
    return None


def sign(body: bytes, secret: str) -> str:
    """The header value a sender computes: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(integration: Integration, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    secret = signing_secret(integration)
    if secret is None:
        return False
    return hmac.compare_digest(
        sign(body, secret).encode(), header.strip().encode("utf-8", "replace")
    )


# --- HR manages integrations ------------------------------------------------------------------


@transaction.atomic
def create_integration(
    *, name: str, slug: str, min_score_ratio: Decimal = Decimal("0.80"), by: User
) -> tuple[Integration, str]:
    """A new integration and its secret (shown to HR once; only its hash is kept)."""
    taken = ValidationError({"slug": "Another integration already uses this name in its URL."})
    if Integration.objects.filter(slug=slug).exists():
        raise taken
    integration = Integration(name=name, slug=slug, min_score_ratio=min_score_ratio)
    integration.created_by = by
    secret = _new_secret(integration)
    integration.full_clean()
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError:
        raise taken from None  # another request took the slug at this very moment
    audit.record("integration.created", actor=by, target=integration, slug=slug)
    return integration, secret


@transaction.atomic
def update_integration(
    *, integration: Integration, by: User, name: str, min_score_ratio: Decimal, is_active: bool
) -> Integration:
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    integration.name = name
    integration.min_score_ratio = min_score_ratio
    integration.is_active = is_active
    integration.full_clean()
    integration.save(update_fields=["name", "min_score_ratio", "is_active"])
    audit.record(
        "integration.updated",
        actor=by,
        target=integration,
        min_score_ratio=str(min_score_ratio),
        is_active=is_active,
    )
    return integration


@transaction.atomic
def rotate_secret(*, integration: Integration, by: User) -> tuple[Integration, str]:
    """A new secret; the old one stops working at once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    secret = _new_secret(integration)
    integration.secret_rotated_at = timezone.now()
    integration.save(update_fields=["secret_salt", "secret_hash", "secret_rotated_at"])
    audit.record("integration.secret_rotated", actor=by, target=integration)
    return integration, secret


# --- receiving feedback -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one feedback: `thank_you` set when it was kept (or seen before)."""

    created: bool
    thank_you: ThankYou | None = None
    reason: str = ""

    @property
    def ignored(self) -> bool:
        return self.thank_you is None


def _existing(integration: Integration, external_id: str) -> ThankYou | None:
    return ThankYou.objects.filter(integration=integration, external_id=external_id).first()


@transaction.atomic
def receive_feedback(
    *,
    integration: Integration,
    external_id: str,
    employee_email: str,
    score: Decimal,
    scale_max: Decimal,
    comment: str,
    customer_name: str,
    customer_email: str = "",
    occurred_at: dt.datetime | None = None,
) -> Outcome:
    """One feedback from a signed webhook (the signature is checked before this is called),
    as api.FeedbackSerializer parses it (the name on one line, the customer's address in lower
    case, the comment trimmed).

    A repeated `external_id` returns the thank-you it made the first time; a score below
    `min_score_ratio` of the scale, or a comment under 10 characters, is ignored with a
    reason; otherwise it becomes a confirmed thank-you waiting for moderation (the helpdesk
    knows its customer, so no e-mail confirmation). The employee is the active one with that
    e-mail address, whatever its case; an unknown address is kept as the hint for HR to
    assign."""
    if existing := _existing(integration, external_id):
        return Outcome(created=False, thank_you=existing)
    if score < 0 or scale_max <= 0 or score > scale_max:
        raise ValidationError({"score": "The score must be between 0 and scale_max."})
    Integration.objects.filter(pk=integration.pk).update(last_received_at=timezone.now())
    ratio = score / scale_max
    if ratio < integration.min_score_ratio:
        return Outcome(
            created=False,
            reason=(
                f"The score {score:g}/{scale_max:g} is below this integration's threshold "
                f"of {integration.min_score_ratio:.0%} of the scale."
            ),
        )
    if len(comment) < MIN_COMMENT:
        return Outcome(
            created=False,
            reason="The comment is shorter than 10 characters: there are no words to pass on.",
        )
    email = employee_email.lower()
    employee = User.objects.filter(email=email, is_active=True).first()
    if employee is None and len(email) > HINT_LENGTH:
        # An unknown agent's address is kept as the hint HR reads, which has room for this.
        raise ValidationError({"employee_email": f"Keep this under {HINT_LENGTH} characters."})
    now = timezone.now()
    try:
        with transaction.atomic():
            thank_you = ThankYou.objects.create(
                employee=employee,
                status=ThankYou.Status.CONFIRMED,
                source=ThankYou.Source.INTEGRATION,
                integration=integration,
                external_id=external_id,
                score=score,
                scale_max=scale_max,
                consent_to_share=False,
                submitted_on=timezone.localdate(now),
                occurred_at=occurred_at,
                confirmed_at=now,
                employee_hint="" if employee is not None else email,
                customer_name=customer_name,
                customer_email=customer_email,
                # A helpdesk cannot shorten its customer's words: keep the first 2,000.
                message=comment[: ThankYou.MAX_MESSAGE],
            )
    except IntegrityError:
        # The helpdesk retried while the first delivery was being stored.
        if existing := _existing(integration, external_id):
            return Outcome(created=False, thank_you=existing)
        raise ConflictError("This feedback is being stored by another request.") from None
    return Outcome(created=True, thank_you=thank_you)
