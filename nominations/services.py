"""Every change to nominations, evidence and endorsements: typed, keyword-only, atomic.

The service gives the friendly message; database constraints make the rule true under
concurrency (an IntegrityError is turned into the same ConflictError).
"""

import calendar
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from awards import eligibility
from awards.models import AwardCycle, standings_changed
from core import audit
from core.errors import ConflictError
from core.images import process_upload
from core.metrics import check_front_line_day
from nominations import access, notices
from nominations.models import (
    MAX_EVIDENCE,
    Category,
    Endorsement,
    Evidence,
    Nomination,
    WithdrawnEndorsement,
)

Verification = Evidence.Verification


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
    rule the scoring applies too: awards/eligibility.py)."""
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
                headline=headline,
                story=story,
                customer_impact=customer_impact,
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


def closed_reason(nomination: Nomination, action: str) -> str:
    """Why `nomination` takes no more changes, worded for `action` ("edit it"); "" while it is
    open (access.is_open)."""
    if nomination.cycle.status != AwardCycle.Status.OPEN:
        return gettext("The cycle is closed: you can no longer %(action)s.") % {"action": action}
    if not nomination.is_active:
        return gettext("This nomination is %(status)s.") % {
            "status": nomination.get_status_display().lower()
        }
    return ""


def _require_open(nomination: Nomination, action: str) -> None:
    if reason := closed_reason(nomination, action):
        raise ConflictError(reason)


@transaction.atomic
def update_nomination(
    *,
    nomination: Nomination,
    by: User,
    category: Category | None = None,
    headline: str | None = None,
    story: str | None = None,
    customer_impact: str | None = None,
) -> Nomination:
    """The nominator changes what they wrote; a field left at None stays as it is."""
    nomination = _lock_nomination(nomination)
    if not access.may_edit(by, nomination):
        raise PermissionDenied("Only the nominator can edit a nomination.")
    _require_open(nomination, gettext("edit it"))
    if category is not None and not category.is_active:
        raise ValidationError({"category": "This category is no longer offered."})
    changes = {
        "category": category,
        "headline": headline,
        "story": story,
        "customer_impact": customer_impact,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(nomination, field, value)
    nomination.save()
    return nomination


@transaction.atomic
def withdraw(*, nomination: Nomination, by: User) -> Nomination:
    """The nominator, or HR, withdraws a nomination while its cycle is open: it stays, marked,
    and no longer counts. HR's withdrawals are in the audit log, with who did it."""
    nomination = _lock_nomination(nomination)
    if not access.can_withdraw(by, nomination):
        raise PermissionDenied(gettext("Only the nominator or HR can withdraw a nomination."))
    _require_open(nomination, gettext("withdraw it"))
    nomination.status = Nomination.Status.WITHDRAWN
    nomination.save(update_fields=["status", "updated_at"])
    standings_changed(nomination.cycle_id)
    if by.pk != nomination.nominator_id:
        audit.record(
            "nomination.withdrawn",
            actor=by,
            target=nomination,
            nominator=nomination.nominator_id,
        )
    return nomination


@transaction.atomic
def invite_endorsers(*, nomination: Nomination, by: User, people: list[User]) -> list[User]:
    """The nominator asks colleagues to second the nomination; they can then read and endorse
    it. Never the nominee (it is a surprise until the announcement) nor the nominator."""
    nomination = _lock_nomination(nomination)
    if nomination.nominator_id != by.pk:
        raise PermissionDenied("Only the nominator can invite endorsers.")
    _require_open(nomination, gettext("invite endorsers"))
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
        notices.invited_to_endorse(
            nomination, by=by, person=person, subject=subject, message=context["message"]
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


def check_may_add_evidence(*, nomination: Nomination, by: User) -> None:
    """PermissionDenied for someone who may not add evidence, ConflictError once the nomination
    no longer takes it. The API asks before it reads the input (a refusal is a refusal, whatever
    was sent); add_evidence asks again under the lock."""
    if not access.may_add_evidence(by, nomination):
        raise PermissionDenied(gettext("Only the nominator or HR can add evidence."))
    _require_open(nomination, gettext("add evidence"))


@transaction.atomic
def add_evidence(
    *,
    nomination: Nomination,
    by: User,
    kind: str,
    quote: str = "",
    quote_source: str = "",
    metric: str = "",
    before: Decimal | None = None,
    after: Decimal | None = None,
    unit: str = "",
    higher_is_better: bool | None = None,
    period: str = "",
    date: dt.date | None = None,
    hours: Decimal | None = None,
    heard: str = "",
    image: File | None = None,
    caption: str = "",
) -> Evidence:
    """Add one item of evidence (at most ten per nomination; artifacts through core/images).
    The form (nominations/forms.py EvidenceForm) says which fields a kind needs; the ranges of
    numbers are the model's validators, checked here again for any caller."""
    nomination = _lock_nomination(nomination)  # the lock serialises the count below
    check_may_add_evidence(nomination=nomination, by=by)
    if nomination.evidence.count() >= MAX_EVIDENCE:
        raise ConflictError(f"A nomination can carry at most {MAX_EVIDENCE} items of evidence.")
    evidence = Evidence(
        nomination=nomination,
        kind=kind,
        added_by=by,
        quote=quote,
        quote_source=quote_source,
        metric=metric,
        before=before,
        after=after,
        unit=unit,
        higher_is_better=higher_is_better,
        period=period,
        date=date,
        hours=hours,
        heard=heard,
        caption=caption,
    )
    evidence.clean_fields(exclude={"nomination", "added_by", "verified_by"})
    if evidence.date is not None:
        try:
            check_front_line_day(evidence.date)
        except ValidationError as error:
            raise ValidationError({"date": error.messages}) from None
    if image is not None:
        try:
            processed = process_upload(image)
        except ValidationError as error:
            raise ValidationError({"image": error.messages}) from None
        evidence.image = processed.display
        evidence.image_thumbnail = processed.thumbnail
    evidence.save()
    _evidence_changed(nomination)
    notices.evidence_added(evidence, by=by)
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
    if status == Verification.DISPUTED and not note.strip():
        raise ValidationError({"note": "Say why you dispute it, so the nominator can respond."})
    before = evidence.verification
    evidence.verification = status
    evidence.verification_note = note
    evidence.verified_by = by if status != Verification.UNVERIFIED else None
    evidence.verified_at = timezone.now() if status != Verification.UNVERIFIED else None
    evidence.save()
    _evidence_changed(evidence.nomination)
    notices.evidence_verified(evidence, before=before)
    audit.record(
        f"evidence.{status}",  # verified, disputed, or unverified (back to not verified)
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
    _require_open(nomination, gettext("endorse it"))
    if not comment.strip():
        raise ValidationError({"comment": "Say in a sentence why you second this nomination."})
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
