"""Every change to a customer thank-you: sending, confirming, assigning, moderating.

The web forms and the API call these; the database holds the invariants under concurrency
(one thank-you per message per day, an approved one always has an employee), and every
moderation is audited. Customers have no account: what they may do is proven by the signed
link in their confirmation e-mail.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from awards.models import AwardCycle, standings_changed
from core import audit, notify
from core.errors import ConflictError
from core.ratelimit import Limit, RateLimited, ip_hash
from nominations.models import ThankYou
from nominations.thanks import access

Status = ThankYou.Status
Source = ThankYou.Source

CONFIRM_SALT = "plaudit.thanks.confirm"
CONFIRM_MAX_AGE = dt.timedelta(hours=48)
DUPLICATE_WINDOW = dt.timedelta(days=1)
PER_IP = Limit("thanks-ip", limit=5, period=3600)
PER_EMAIL = Limit("thanks-email", limit=5, period=24 * 3600)
RESENDS = Limit("thanks-resend", limit=3, period=24 * 3600)
CUSTOMER_FOOTER = (
    "You receive this because this address was used to thank someone through Plaudit. "
    "If it was not you, ignore this e-mail: nothing is shared until it is confirmed."
)
Decision = Literal["approve", "reject"]
DECISIONS = ("approve", "reject")


class ConfirmationLinkError(Exception):
    """A confirmation link that cannot be used. `thank_you` is set when the link is genuine
    but expired, so that the customer can ask for a new one."""

    def __init__(self, message: str, *, thank_you: ThankYou | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.thank_you = thank_you

    @property
    def expired(self) -> bool:
        return self.thank_you is not None


# --- sending ----------------------------------------------------------------------------------


def fingerprint(*, customer_email: str, employee: User | None, hint: str, message: str) -> str:
    """The identity of a thank-you for de-duplication: the same words from the same address
    about the same person. Case and spacing do not make a message different."""
    recipient = f"user:{employee.pk}" if employee is not None else f"hint:{hint.casefold()}"
    words = " ".join(message.casefold().split())
    return hashlib.sha256(
        "\n".join([customer_email.lower(), recipient, words]).encode("utf-8", "surrogatepass")
    ).hexdigest()


def _recent_twin(fp: str, now: dt.datetime) -> ThankYou | None:
    return (
        ThankYou.objects.filter(fingerprint=fp, created_at__gte=now - DUPLICATE_WINDOW)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def send_thanks(
    *,
    employee: User | None,
    customer_name: str,
    customer_email: str,
    message: str,
    consent_to_share: bool,
    organisation: str = "",
    employee_hint: str = "",
    ip: str = "",
    now: dt.datetime | None = None,
) -> ThankYou:
    """A customer's thank-you, waiting for them to confirm it by e-mail. The words come as
    forms.ThankYouInput gives them (checked and tidied).

    `employee` is set when it came through the employee's personal link; otherwise
    `employee_hint` says who helped and HR assigns the employee during moderation. Sending the
    same message from the same address within a day returns the first thank-you (and mails
    its confirmation link again while it is unconfirmed). Raises ValidationError or
    RateLimited (at most PER_IP an hour from one address, PER_EMAIL a day for one e-mail)."""
    now = now or timezone.now()
    if employee is not None and not employee.is_active:
        raise ValidationError({"employee": "This thank-you link no longer works."})
    if employee is not None:
        employee_hint = ""  # the link says who it is for
    fp = fingerprint(
        customer_email=customer_email, employee=employee, hint=employee_hint, message=message
    )
    if twin := _recent_twin(fp, now):
        _resend_if_unconfirmed(twin)
        return twin
    if ip and not PER_IP.hit(ip):
        raise RateLimited(
            "Too many thank-yous were sent from your connection in the last hour. "
            "Please try again later.",
            retry_after=PER_IP.period,
        )
    if not PER_EMAIL.hit(customer_email):
        raise RateLimited(
            "Too many thank-yous were sent from this e-mail address today. "
            "Please try again tomorrow.",
            retry_after=PER_EMAIL.period,
        )
    try:
        with transaction.atomic():
            thank_you = ThankYou.objects.create(
                employee=employee,
                employee_hint=employee_hint,
                customer_name=customer_name,
                customer_email=customer_email,
                organisation=organisation,
                message=message,
                consent_to_share=consent_to_share,
                source=Source.PERSONAL_LINK if employee is not None else Source.PUBLIC_FORM,
                ip_hash=ip_hash(ip),
                fingerprint=fp,
                submitted_on=timezone.localdate(now),
            )
    except IntegrityError:
        # A twin submission (a double click) won the race: it is the same thank-you.
        if twin := _recent_twin(fp, now):
            return twin
        raise
    _mail_confirmation(thank_you)
    return thank_you


def _resend_if_unconfirmed(thank_you: ThankYou) -> None:
    if thank_you.status == Status.PENDING_CONFIRMATION and RESENDS.hit(str(thank_you.pk)):
        _mail_confirmation(thank_you)


def confirmation_token(thank_you: ThankYou) -> str:
    return signing.dumps(thank_you.pk, salt=CONFIRM_SALT)


def confirmation_url(thank_you: ThankYou) -> str:
    return settings.SITE_URL + reverse("thanks:confirm", args=[confirmation_token(thank_you)])


def _mail_confirmation(thank_you: ThankYou) -> None:
    about = thank_you.employee.display_name if thank_you.employee else "our colleague"
    notify.send_mail_on_commit(
        to=thank_you.customer_email,
        subject=f"Please confirm your thank-you to {about}",
        template="notice",
        context={
            "greeting": f"Hello {thank_you.customer_name},",
            "message": (
                f"Thank you for taking the time to thank {about}. Please confirm that you "
                "sent this message: open the link below within 48 hours. Once you confirm "
                "it, their manager or HR reads it, and it reaches them."
            ),
            "quote": thank_you.message,
            "action_url": confirmation_url(thank_you),
            "action_label": "Confirm my thank-you",
            "footer": CUSTOMER_FOOTER,
        },
    )


# --- confirming -------------------------------------------------------------------------------


def read_confirmation(signed: str) -> ThankYou:
    """The thank-you a confirmation link is for. Raises ConfirmationLinkError when the link is
    forged, damaged, for a thank-you that no longer exists, or older than 48 hours."""
    invalid = ConfirmationLinkError(
        "This confirmation link is not valid. It may have been cut short when it was copied: "
        "open it from the e-mail again, or send your thank-you again."
    )
    try:
        pk = signing.loads(signed, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        expired = False
    except signing.SignatureExpired:
        pk = signing.loads(signed, salt=CONFIRM_SALT)
        expired = True
    except (signing.BadSignature, ValueError):
        raise invalid from None
    thank_you = ThankYou.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if thank_you is None:
        raise invalid
    if expired and thank_you.status == Status.PENDING_CONFIRMATION:
        raise ConfirmationLinkError(
            "This confirmation link has expired: links work for 48 hours. "
            "We can send you a new one.",
            thank_you=thank_you,
        )
    return thank_you


@transaction.atomic
def confirm_thanks(*, signed: str, now: dt.datetime | None = None) -> tuple[ThankYou, bool]:
    """Confirm a thank-you from its link. Returns it and whether this call confirmed it
    (False when it was confirmed already: following the link twice changes nothing)."""
    thank_you = read_confirmation(signed)
    thank_you = ThankYou.objects.select_for_update().get(pk=thank_you.pk)
    if thank_you.status != Status.PENDING_CONFIRMATION:
        return thank_you, False
    thank_you.status = Status.CONFIRMED
    thank_you.confirmed_at = now or timezone.now()
    thank_you.save(update_fields=["status", "confirmed_at"])
    _mail_moderator(thank_you)
    return thank_you, True


def resend_confirmation(*, signed: str) -> ThankYou:
    """A new confirmation e-mail for an expired link (at most RESENDS a day)."""
    try:
        thank_you = read_confirmation(signed)
    except ConfirmationLinkError as error:
        if not error.expired:
            raise
        thank_you = error.thank_you
    if thank_you.status != Status.PENDING_CONFIRMATION:
        return thank_you
    if not RESENDS.hit(str(thank_you.pk)):
        raise RateLimited(
            "We have sent this link several times today. Please look in your inbox, and in "
            "your spam folder, for the latest one.",
            retry_after=RESENDS.period,
        )
    with transaction.atomic():
        _mail_confirmation(thank_you)
    return thank_you


def _mail_moderator(thank_you: ThankYou) -> None:
    """Tell the employee's manager that a thank-you waits for them (HR sees the queue)."""
    employee = thank_you.employee
    manager = employee.manager if employee is not None else None
    if manager is None or not manager.is_active:
        return
    notify.send_mail_on_commit(
        to=manager.email,
        subject=f"A customer thanked {employee.full_name}: please review it",
        template="notice",
        context={
            "greeting": f"Hello {manager.display_name},",
            "message": (
                f"{thank_you.customer_name} thanked {employee.full_name} and confirmed it. "
                "Read it and approve it, so that it reaches them and counts for the award."
            ),
            "quote": thank_you.message,
            "quote_by": thank_you.customer_name,
            "action_url": settings.SITE_URL + reverse("thanks:queue"),
            "action_label": "Review thank-yous",
        },
    )


# --- moderating -------------------------------------------------------------------------------


def _lock(thank_you: ThankYou) -> ThankYou:
    return (
        ThankYou.objects.select_for_update(of=("self",))
        .select_related("employee__manager")
        .get(pk=thank_you.pk)
    )


def _already(thank_you: ThankYou) -> str:
    return gettext("This thank-you was %(status)s already.") % {
        "status": thank_you.get_status_display().lower()
    }


def _check_moderator(thank_you: ThankYou, by: User) -> None:
    if not access.can_moderate(by, thank_you):
        raise PermissionDenied(
            gettext(
                "You moderate thank-yous to your direct reports only, never those about yourself."
            )
        )


def _check_assignable(thank_you: ThankYou, by: User, employee: User) -> None:
    if not access.can_assign(by):
        raise PermissionDenied(gettext("Only HR can choose who a thank-you is about."))
    if not access.can_moderate(by, ThankYou(employee=employee)):
        # Nobody moderates a thank-you about themselves: not even by assigning it.
        raise ValidationError(
            {"employee": gettext("Another member of HR moderates thank-yous about you.")}
        )
    if thank_you.status in (Status.APPROVED, Status.REJECTED):
        raise ConflictError(
            _already(thank_you),
            status=thank_you.status,
        )
    if not employee.is_active:
        raise ValidationError({"employee": f"{employee} is no longer with the company."})


@transaction.atomic
def assign_employee(*, thank_you: ThankYou, by: User, employee: User) -> ThankYou:
    """HR says who a thank-you from the general form is about (or corrects it)."""
    thank_you = _lock(thank_you)
    _check_moderator(thank_you, by)
    _check_assignable(thank_you, by, employee)
    if thank_you.employee_id == employee.pk:
        return thank_you
    previous = thank_you.employee_id
    thank_you.employee = employee
    thank_you.save(update_fields=["employee"])
    audit.record(
        "thanks.assigned", actor=by, target=thank_you, employee=employee.pk, previous=previous
    )
    return thank_you


@transaction.atomic
def moderate_thanks(
    *,
    thank_you: ThankYou,
    by: User,
    decision: Decision,
    employee: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ThankYou:
    """Approve or reject a confirmed thank-you (HR, or the employee's manager).

    Approving records the cycle open at that moment (it counts there), tells the employee and
    their manager, and is final; so is rejecting (HR still sees rejected ones). `employee`
    assigns the thank-you first (HR only). The decision and the note come as
    hr_forms.ModerateForm gives them."""
    if decision not in ("approve", "reject"):
        raise ValueError(f"Unknown decision: {decision!r}")  # the form or serializer let it in
    thank_you = _lock(thank_you)
    _check_moderator(thank_you, by)
    if thank_you.status == Status.PENDING_CONFIRMATION:
        raise ConflictError(
            gettext(
                "The customer has not confirmed this thank-you yet, so it cannot be moderated."
            ),
            status=thank_you.status,
        )
    if thank_you.status != Status.CONFIRMED:
        raise ConflictError(
            _already(thank_you),
            status=thank_you.status,
        )
    if employee is not None and employee.pk != thank_you.employee_id:
        _check_assignable(thank_you, by, employee)
        audit.record(
            "thanks.assigned",
            actor=by,
            target=thank_you,
            employee=employee.pk,
            previous=thank_you.employee_id,
        )
        thank_you.employee = employee
    if decision == "approve":
        if thank_you.employee is None:
            raise ValidationError(
                {"employee": gettext("Choose who this thank-you is about before approving it.")}
            )
        if not thank_you.employee.is_active:
            raise ValidationError(
                {
                    "employee": gettext("%(employee)s is no longer with the company.")
                    % {"employee": thank_you.employee}
                }
            )
        thank_you.status = Status.APPROVED
        thank_you.cycle = (
            AwardCycle.objects.filter(status=AwardCycle.Status.OPEN).order_by("-month").first()
        )
    else:
        thank_you.status = Status.REJECTED
    thank_you.moderated_by = by
    thank_you.moderated_at = now or timezone.now()
    thank_you.moderation_note = note
    thank_you.save()
    if thank_you.status == Status.APPROVED:
        standings_changed(thank_you.cycle_id)  # it counts in that cycle's scoring now
    audit.record(
        f"thanks.{thank_you.status}",
        actor=by,
        target=thank_you,
        employee=thank_you.employee_id,
        cycle=thank_you.cycle_id,
        note=note,
    )
    if thank_you.status == Status.APPROVED:
        _mail_approval(thank_you)
    return thank_you


@dataclass(frozen=True)
class Approval:
    """What became of one thank-you of a bulk approval: approved, or why not."""

    thank_you: ThankYou
    approved: bool
    error: str = ""


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext("You cannot do this.")


def approve_thanks(
    *, thank_yous: Sequence[ThankYou], by: User, now: dt.datetime | None = None
) -> list[Approval]:
    """Approve each of `thank_yous` exactly as moderate_thanks approves one: in its own
    transaction, under its row lock, audited, its people told. One that cannot be approved
    (decided by someone else a moment ago, about nobody yet, not this moderator's) is reported
    with the reason and the others are approved all the same.

    A DatabaseError is no such reason: it propagates. Those approved before it stay approved
    (each committed on its own), and the connection may be unusable (a lost connection, or a
    caller's transaction broken), so going on would only fail the rest for the same cause."""
    outcomes = []
    for thank_you in thank_yous:
        try:
            thank_you = moderate_thanks(thank_you=thank_you, by=by, decision="approve", now=now)
        except (ConflictError, ValidationError, PermissionDenied) as error:
            outcomes.append(Approval(thank_you, approved=False, error=_reason(error)))
        else:
            outcomes.append(Approval(thank_you, approved=True))
    return outcomes


def _mail_approval(thank_you: ThankYou) -> None:
    """Tell the employee, and their manager unless the manager approved it."""
    employee = thank_you.employee
    counts = f" It counts for {thank_you.cycle}." if thank_you.cycle else ""
    letters = [
        (
            employee,
            f"{thank_you.customer_name} thanked you",
            f"A customer took the time to thank you.{counts}",
            "See what customers said about you",
        )
    ]
    manager = employee.manager
    if manager is not None and manager.is_active and manager.pk != thank_you.moderated_by_id:
        letters.append(
            (
                manager,
                f"{thank_you.customer_name} thanked {employee.full_name}",
                f"A customer thanked {employee.full_name}, who reports to you.{counts}",
                f"Open {employee.display_name}'s profile",
            )
        )
    organisation = f" ({thank_you.organisation})" if thank_you.organisation else ""
    for person, subject, message, action in letters:
        notify.send_mail_on_commit(
            to=person.email,
            subject=subject,
            template="notice",
            context={
                "greeting": f"Hello {person.display_name},",
                "message": message,
                "quote": thank_you.message,
                "quote_by": thank_you.customer_name + organisation,
                "action_url": settings.SITE_URL + employee.get_absolute_url() + "#thanks",
                "action_label": action,
            },
        )
