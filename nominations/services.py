"""Every change to nominations, evidence and endorsements: typed, keyword-only, atomic.

The service gives the friendly message; database constraints make the rule true under
concurrency (an IntegrityError is turned into the same ConflictError).
"""

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from awards import eligibility
from awards.models import AwardCycle, standings_changed
from core import audit, notify
from core.errors import ConflictError
from core.images import process_upload
from nominations import access
from nominations.models import (
    MAX_EVIDENCE,
    Category,
    Endorsement,
    Evidence,
    Nomination,
    WithdrawnEndorsement,
)

Kind = Evidence.Kind
Verification = Evidence.Verification
MAX_METRIC = Decimal("1000000000")
MAX_EVIDENCE_AGE = dt.timedelta(days=366)


def open_cycle() -> AwardCycle | None:
    return AwardCycle.objects.filter(status=AwardCycle.Status.OPEN).order_by("-month").first()


def _lock_open_cycle(cycle: AwardCycle | None) -> AwardCycle:
    if cycle is None:
        raise ConflictError("No award cycle is open for nominations right now.")
    cycle = AwardCycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_open:
        raise ConflictError(f"Nominations for {cycle} are closed.")
    return cycle


def check_nominee(*, cycle: AwardCycle, nominee: User, nominator: User | None) -> None:
    """The eligibility rules, as field errors on `nominee` (the cool-down after a win is the
    rule the scoring applies too: cycles/scoring.py)."""
    if nominator is not None and nominee.pk == nominator.pk:
        raise ValidationError({"nominee": "You cannot nominate yourself. Nominate a colleague."})
    if not nominee.is_active:
        raise ValidationError({"nominee": f"{nominee} is no longer with the company."})
    departments = list(cycle.eligible_departments.all())
    if departments and nominee.department_id not in {d.pk for d in departments}:
        names = ", ".join(d.name for d in departments)
        raise ValidationError({"nominee": f"This cycle is open to {names} only."})
    if again := eligibility.eligible_again_from(cycle=cycle, user=nominee):
        raise ValidationError(
            {
                "nominee": (
                    f"{nominee} won Employee of the Month recently: they can be nominated "
                    f"again from {calendar.month_name[again.month]} {again.year}."
                )
            }
        )


def _existing(cycle: AwardCycle, nominator: User, nominee: User) -> Nomination | None:
    return Nomination.objects.filter(cycle=cycle, nominator=nominator, nominee=nominee).first()


def _duplicate(existing: Nomination) -> ConflictError:
    return ConflictError(
        f"You already nominated {existing.nominee} in this cycle.",
        existing=existing.pk,
        url=existing.get_absolute_url(),
    )


@transaction.atomic
def nominate(
    *,
    nominator: User,
    nominee: User,
    category: Category,
    headline: str,
    story: str,
    customer_impact: str,
    cycle: AwardCycle | None = None,
) -> Nomination:
    """A peer nomination in the open cycle (raises ValidationError or ConflictError)."""
    cycle = _lock_open_cycle(cycle or open_cycle())
    check_nominee(cycle=cycle, nominee=nominee, nominator=nominator)
    if not category.is_active:
        raise ValidationError({"category": "This category is no longer offered."})
    if existing := _existing(cycle, nominator, nominee):
        raise _duplicate(existing)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                cycle=cycle,
                nominee=nominee,
                nominator=nominator,
                source=Nomination.Source.PEER,
                category=category,
                headline=headline.strip(),
                story=story.strip(),
                customer_impact=customer_impact.strip(),
            )
    except IntegrityError:
        # A twin request won the race between our check and our insert.
        existing = _existing(cycle, nominator, nominee)
        if existing is None:
            raise
        raise _duplicate(existing) from None
    standings_changed(cycle.pk)
    return nomination


def _lock_nomination(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("cycle", "nominee")
        .get(pk=nomination.pk)
    )


def _require_open(nomination: Nomination, action: str) -> None:
    if nomination.cycle.status != AwardCycle.Status.OPEN:
        raise ConflictError(f"The cycle is closed: you can no longer {action}.")
    if not nomination.is_active:
        raise ConflictError(f"This nomination is {nomination.get_status_display().lower()}.")


@transaction.atomic
def update_nomination(*, nomination: Nomination, by: User, **changes) -> Nomination:
    nomination = _lock_nomination(nomination)
    if nomination.nominator_id != by.pk:
        raise PermissionDenied("Only the nominator can edit a nomination.")
    _require_open(nomination, "edit it")
    allowed = {"category", "headline", "story", "customer_impact"}
    for key, value in changes.items():
        if key not in allowed:
            raise ValidationError({key: "This field cannot be changed."})
        if key == "category" and not value.is_active:
            raise ValidationError({"category": "This category is no longer offered."})
        setattr(nomination, key, value.strip() if isinstance(value, str) else value)
    nomination.save()
    return nomination


@transaction.atomic
def withdraw(*, nomination: Nomination, by: User) -> Nomination:
    nomination = _lock_nomination(nomination)
    if nomination.nominator_id != by.pk and not by.is_hr:
        raise PermissionDenied("Only the nominator can withdraw a nomination.")
    _require_open(nomination, "withdraw it")
    nomination.status = Nomination.Status.WITHDRAWN
    nomination.save(update_fields=["status", "updated_at"])
    standings_changed(nomination.cycle_id)
    if by.pk != nomination.nominator_id:
        audit.record("nomination.withdrawn", actor=by, target=nomination)
    return nomination


@transaction.atomic
def invite_endorsers(*, nomination: Nomination, by: User, people: list[User]) -> list[User]:
    """The nominator asks colleagues to second the nomination; they can then read and endorse
    it. Never the nominee (it is a surprise until the announcement) nor the nominator."""
    nomination = _lock_nomination(nomination)
    if nomination.nominator_id != by.pk:
        raise PermissionDenied("Only the nominator can invite endorsers.")
    _require_open(nomination, "invite endorsers")
    wrong = [p for p in people if p.pk in (nomination.nominee_id, nomination.nominator_id)]
    if wrong:
        raise ValidationError({"people": "The nominee and the nominator cannot endorse."})
    inactive = [p for p in people if not p.is_active]
    if inactive:
        raise ValidationError({"people": f"{inactive[0]} is no longer with the company."})
    already = set(nomination.invited_endorsers.values_list("pk", flat=True))
    new = [p for p in people if p.pk not in already]
    nomination.invited_endorsers.add(*new)
    for person in new:
        subject, context = _invitation(nomination, by=by, to=person)
        notify.send_mail_on_commit(
            to=person.email, subject=subject, template="notice", context=context
        )
    return people


def _invitation(nomination: Nomination, *, by: User, to: User) -> tuple[str, dict]:
    """The subject and context of the e-mail asking a colleague to second a nomination. In a
    blind cycle it does not name the nominator: its reader may be, or become, one of the
    cycle's judges, and an e-mail cannot be taken back once they are."""
    names = {
        "nominator": by.full_name,
        "nominee": nomination.nominee.full_name,
        "headline": nomination.headline,
    }
    if nomination.cycle.blind_judging:
        subject = gettext("A colleague asks you to second a nomination")
        opening = gettext(
            "A colleague nominated %(nominee)s for “%(headline)s” and would like you to "
            "second it, if you saw what they did for customers. Judging is blind in this "
            "cycle, so this e-mail does not say who nominated them."
        )
    else:
        subject = gettext("%(nominator)s asks you to second a nomination") % {
            "nominator": by.display_name
        }
        opening = gettext(
            "%(nominator)s nominated %(nominee)s for “%(headline)s” and would like you to "
            "second it, if you saw what they did for customers."
        )
    secret = gettext("Keep it to yourself: the nominee hears about it when the award is announced.")
    return subject, {
        "greeting": gettext("Hello %(name)s,") % {"name": to.display_name},
        "message": f"{opening % names} {secret}",
        "action_url": settings.SITE_URL + nomination.get_absolute_url(),
        "action_label": gettext("Read and endorse the nomination"),
    }


# --- Evidence ---------------------------------------------------------------------------------

EVIDENCE_FIELDS = {
    Kind.CUSTOMER_WORDS: ("quote", "quote_source"),
    Kind.MEASURED_IMPROVEMENT: ("metric", "before", "after", "unit", "higher_is_better", "period"),
    Kind.FRONT_LINE_TIME: ("date", "hours", "heard"),
    Kind.ARTIFACT: ("image", "caption"),
}
REQUIRED_MESSAGES = {
    "quote": "Write the customer's words, as they said them.",
    "quote_source": "Say where the words come from (a survey, a call, an e-mail…).",
    "metric": "Name what you measured.",
    "before": "Give the value before the change.",
    "after": "Give the value after the change.",
    "unit": "Give the unit (minutes, %, complaints a week…).",
    "higher_is_better": "Say whether a higher value is better.",
    "period": "Say over which period you measured (e.g. four weeks before and after).",
    "date": "Give the date you spent on the front line.",
    "hours": "Give the hours you spent there.",
    "heard": "Write what you heard from customers.",
    "image": "Choose an image.",
    "caption": "Write a caption that says what the image shows.",
}


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = "Enter a number."
        return None
    if not number.is_finite():
        errors[field] = "Enter a number."
        return None
    return number


def clean_evidence(*, kind: str, data: dict, today: dt.date | None = None) -> dict:
    """Validate the fields of one kind of evidence; return only that kind's cleaned fields."""
    if kind not in EVIDENCE_FIELDS:
        raise ValidationError({"kind": "Choose a kind of evidence."})
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for field in EVIDENCE_FIELDS[kind]:
        value = data.get(field)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            errors[field] = REQUIRED_MESSAGES[field]
            continue
        cleaned[field] = value
    for field in ("before", "after"):
        if field in cleaned:
            number = _decimal(cleaned[field], field, errors)
            if number is not None and abs(number) >= MAX_METRIC:
                errors[field] = "This number is too large to be a real measurement."
            cleaned[field] = number
    if "hours" in cleaned:
        hours = _decimal(cleaned["hours"], "hours", errors)
        if hours is not None and not (0 < hours <= 12):
            errors["hours"] = "Hours must be more than 0 and at most 12 for one day."
        elif hours is not None and hours != hours.quantize(Decimal("0.01")):
            errors["hours"] = "Use at most two decimals (e.g. 1.5)."
        cleaned["hours"] = hours
    if "date" in cleaned:
        date = cleaned["date"]
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                errors["date"] = "Enter a date like 2026-03-14."
                date = None
        if date is not None and date > today:
            errors["date"] = "The date cannot be in the future."
        elif date is not None and today - date > MAX_EVIDENCE_AGE:
            errors["date"] = "The date is more than a year ago."
        cleaned["date"] = date
    if "higher_is_better" in cleaned and not isinstance(cleaned["higher_is_better"], bool):
        text = str(cleaned["higher_is_better"]).lower()
        if text in ("true", "1", "yes", "on", "higher"):
            cleaned["higher_is_better"] = True
        elif text in ("false", "0", "no", "off", "lower"):
            cleaned["higher_is_better"] = False
        else:
            errors["higher_is_better"] = REQUIRED_MESSAGES["higher_is_better"]
    for field, limit in (
        ("quote", 2000),
        ("heard", 2000),
        ("caption", 200),
        ("metric", 120),
        ("quote_source", 200),
        ("unit", 30),
        ("period", 120),
    ):
        if isinstance(cleaned.get(field), str) and len(cleaned[field]) > limit:
            errors[field] = f"Keep it under {limit} characters."
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def add_evidence(*, nomination: Nomination, by: User, kind: str, **data) -> Evidence:
    """Add one item of evidence (at most ten per nomination; artifacts through core/images)."""
    nomination = _lock_nomination(nomination)  # the lock serialises the count below
    if not access.can_add_evidence(by, nomination):
        if nomination.nominator_id != by.pk and not by.is_hr:
            raise PermissionDenied("Only the nominator can add evidence.")
        _require_open(nomination, "add evidence")
    if nomination.evidence.count() >= MAX_EVIDENCE:
        raise ConflictError(f"A nomination can carry at most {MAX_EVIDENCE} items of evidence.")
    cleaned = clean_evidence(kind=kind, data=data)
    if kind == Kind.ARTIFACT:
        try:
            processed = process_upload(cleaned.pop("image"))
        except ValidationError as error:
            raise ValidationError({"image": error.messages}) from None
        cleaned["image"] = processed.display
        cleaned["image_thumbnail"] = processed.thumbnail
    evidence = Evidence.objects.create(nomination=nomination, kind=kind, added_by=by, **cleaned)
    _evidence_changed(nomination)
    return evidence


def _evidence_changed(nomination: Nomination) -> None:
    """Keep the nomination's evidence points, and its cycle's standings, in step."""
    Nomination.objects.filter(pk=nomination.pk).recount_evidence_points()
    standings_changed(nomination.cycle_id)


@transaction.atomic
def delete_evidence(*, evidence: Evidence, by: User) -> None:
    nomination = _lock_nomination(evidence.nomination)
    if not access.can_add_evidence(by, nomination):
        raise PermissionDenied("Only the nominator can remove evidence.")
    evidence.delete()
    _evidence_changed(nomination)


@transaction.atomic
def verify_evidence(*, evidence: Evidence, by: User, status: str, note: str = "") -> Evidence:
    """The nominee's manager or HR marks an item verified or disputed (a dispute needs a note)."""
    evidence = (
        Evidence.objects.select_for_update()
        .select_related("nomination__cycle", "nomination__nominee")
        .get(pk=evidence.pk)
    )
    if not access.can_verify(by, evidence.nomination):
        raise PermissionDenied("Only the nominee's manager or HR can verify evidence.")
    if status not in Verification.values:
        raise ValidationError({"status": "Choose verified, disputed or unverified."})
    note = note.strip()
    if status == Verification.DISPUTED and not note:
        raise ValidationError({"note": "Say why you dispute it, so the nominator can respond."})
    if len(note) > 500:
        raise ValidationError({"note": "Keep the note under 500 characters."})
    before = evidence.verification
    evidence.verification = status
    evidence.verification_note = note
    evidence.verified_by = by if status != Verification.UNVERIFIED else None
    evidence.verified_at = timezone.now() if status != Verification.UNVERIFIED else None
    evidence.save()
    _evidence_changed(evidence.nomination)
    audit.record(
        "evidence.verified",
        actor=by,
        target=evidence.nomination,
        evidence=evidence.pk,
        frm=before,
        to=status,
        note=note,
    )
    return evidence


# --- Endorsements -----------------------------------------------------------------------------


@transaction.atomic
def endorse(*, nomination: Nomination, by: User, comment: str) -> Endorsement:
    nomination = _lock_nomination(nomination)
    if by.pk in (nomination.nominee_id, nomination.nominator_id):
        raise ValidationError("You cannot endorse a nomination you are part of.")
    _require_open(nomination, "endorse it")
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Say in a sentence why you second this nomination."})
    if len(comment) > 500:
        raise ValidationError({"comment": "Keep it under 500 characters."})
    if Endorsement.objects.filter(nomination=nomination, author=by).exists():
        raise ConflictError("You already endorsed this nomination.")
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                nomination=nomination, author=by, comment=comment
            )
    except IntegrityError:
        raise ConflictError("You already endorsed this nomination.") from None
    standings_changed(nomination.cycle_id)
    return endorsement


@transaction.atomic
def withdraw_endorsement(*, nomination: Nomination, by: User) -> None:
    nomination = _lock_nomination(nomination)
    if nomination.cycle.status != AwardCycle.Status.OPEN:
        raise ConflictError("The cycle is closed: endorsements can no longer be withdrawn.")
    deleted, _ = Endorsement.objects.filter(nomination=nomination, author=by).delete()
    if not deleted:
        raise ConflictError("You have not endorsed this nomination.")
    # It no longer counts, but it was given: a conflict of interest for judging the nominee.
    WithdrawnEndorsement.objects.update_or_create(
        nomination=nomination, author=by, defaults={"withdrawn_at": timezone.now()}
    )
    standings_changed(nomination.cycle_id)
