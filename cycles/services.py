"""Every state change of award cycles and their rubric: typed, keyword-only, atomic, audited."""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Department, User
from awards.models import AwardCycle, Criterion, standings_changed
from awards.months import add_months, first_of_month
from core import audit
from core.errors import ConflictError
from cycles import deciding, notices, scoreboard_cache

Kind = Criterion.Kind

DEFAULT_RUBRIC: tuple[dict, ...] = (
    {
        "name": "Customer-awareness evidence",
        "kind": Kind.CUSTOMER_EVIDENCE,
        "weight": 40,
        "half_point": Decimal(6),
        "customer_focused": True,
    },
    {
        "name": "Customer thank-yous",
        "kind": Kind.CUSTOMER_THANKS,
        "weight": 15,
        "half_point": Decimal(2),
        "customer_focused": True,
    },
    {
        "name": "Customer impact",
        "kind": Kind.PANEL,
        "weight": 15,
        "half_point": None,
        "customer_focused": True,
    },
    {
        "name": "Peer support",
        "kind": Kind.PEER_SUPPORT,
        "weight": 15,
        "half_point": Decimal(3),
        "customer_focused": False,
    },
    {
        "name": "Innovation and attention to detail",
        "kind": Kind.PANEL,
        "weight": 15,
        "half_point": None,
        "customer_focused": False,
    },
)


# --- Dates ------------------------------------------------------------------------------------

# Settings that decide who competes and how they are scored: frozen once judging starts.
FROZEN_IN_JUDGING = (
    "winner_count",
    "cooldown_cycles",
    "blind_judging",
    "customer_share_floor",
    "eligible_departments",
)


def default_dates(month: dt.date) -> dict[str, dt.datetime]:
    """Nominations run through the month; judges have the first week of the next one."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    next_month = dt.datetime.combine(add_months(month, 1), dt.time.min, tzinfo=tz)
    return {
        "opens_at": start,
        "nominations_close_at": next_month,
        "judging_close_at": next_month + dt.timedelta(days=7),
    }


def default_title(month: dt.date) -> str:
    return f"Employee of the Month · {calendar.month_name[month.month]} {month.year}"


# --- Rubric -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricSummary:
    total: int
    customer_share: int
    floor: int
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def summarise_rubric(items: list[dict], *, floor: int) -> RubricSummary:
    """Check a proposed rubric against the rules; the messages say which rule and by how much.

    Pure: used by the service before saving and by the editor to show the running totals.
    """
    errors: list[str] = []
    total = sum(int(item.get("weight") or 0) for item in items)
    share = sum(int(item.get("weight") or 0) for item in items if _is_customer(item))
    if not items:
        errors.append("A rubric needs at least one criterion.")
    if total != 100:
        gap = abs(100 - total)
        errors.append(
            f"The weights add up to {total}%; they must add up to exactly 100% "
            f"({gap} {'short' if total < 100 else 'too many'})."
        )
    if share < floor:
        errors.append(
            f"Customer-focused criteria carry {share}%, below this cycle's floor of {floor}% "
            f"({floor - share} short)."
        )
    names = [str(item.get("name", "")).strip().lower() for item in items]
    if len(set(names)) != len(names):
        errors.append("Two criteria have the same name; give each its own.")
    for kind in Criterion.COMPUTED_KINDS:
        if sum(1 for item in items if item.get("kind") == kind) > 1:
            errors.append(f"“{Kind(kind).label}” can appear only once: it is computed from data.")
    for item in items:
        if item.get("kind") in Criterion.COMPUTED_KINDS and not item.get("half_point"):
            errors.append(f"“{item.get('name')}” needs a half point greater than 0.")
    return RubricSummary(total=total, customer_share=share, floor=floor, errors=tuple(errors))


def _is_customer(item: dict) -> bool:
    if item.get("kind") in Criterion.CUSTOMER_KINDS:
        return True
    if item.get("kind") == Kind.PANEL:
        return bool(item.get("customer_focused"))
    return False


def _normalise(item: dict, position: int) -> dict:
    kind = item["kind"]
    return {
        "name": str(item["name"]).strip(),
        "kind": kind,
        "weight": int(item["weight"]),
        "half_point": None if kind == Kind.PANEL else item.get("half_point"),
        "customer_focused": _is_customer(item),
        "position": position,
    }


def _lock(cycle: AwardCycle) -> AwardCycle:
    return AwardCycle.objects.select_for_update().get(pk=cycle.pk)


def move_refusal(cycle: AwardCycle, to: str) -> ConflictError | None:
    """Why `cycle` cannot move to `to` as it stands, or None: the rule `transition` applies
    under its lock, for a page to say before asking."""
    if to in cycle.allowed_next:
        return None
    return ConflictError(
        gettext("A cycle that is %(status)s cannot move to “%(to)s”.")
        % {"status": cycle.get_status_display().lower(), "to": to},
        allowed=list(cycle.allowed_next),
        status=cycle.status,
    )


def rubric_problems(cycle: AwardCycle) -> list[str]:
    """Why the cycle's rubric does not let it open (nothing when it does)."""
    summary = summarise_rubric(
        list(cycle.criteria.values("name", "kind", "weight", "half_point", "customer_focused")),
        floor=cycle.customer_share_floor,
    )
    if summary.valid:
        return []
    return [gettext("The rubric must be valid before the cycle opens."), *summary.errors]


def winners_named(cycle: AwardCycle, to: str) -> list[int]:
    """Who a move to `to` makes winners, as a confirmation names them (user ids in rank order):
    deciding, the leaders of the standings as they are; announcing, the awards; else nobody."""
    if to == AwardCycle.Status.DECIDED:
        standings = scoreboard_cache.standings(cycle)
        order, _sort = standings.order("rank")
        return [standings.candidate_id(i) for i in order[: cycle.winner_count]]
    if to == AwardCycle.Status.ANNOUNCED:
        return list(cycle.awards.order_by("rank").values_list("recipient_id", flat=True))
    return []


@transaction.atomic
def replace_rubric(*, cycle: AwardCycle, criteria: list[dict], by: User | None) -> list[Criterion]:
    """Replace the whole rubric of a draft or open cycle (raises ValidationError/ConflictError)."""
    cycle = _lock(cycle)
    if not cycle.rubric_editable:
        raise ConflictError(
            f"The rubric can be changed only while the cycle is a draft or open; "
            f"this one is {cycle.get_status_display().lower()}."
        )
    summary = summarise_rubric(criteria, floor=cycle.customer_share_floor)
    if not summary.valid:
        raise ValidationError(list(summary.errors))
    before = list(cycle.criteria.values("name", "kind", "weight"))
    cycle.criteria.all().delete()
    created = Criterion.objects.bulk_create(
        Criterion(cycle=cycle, **_normalise(item, i)) for i, item in enumerate(criteria)
    )
    standings_changed(cycle.pk)
    audit.record(
        "cycle.rubric_changed",
        actor=by,
        target=cycle,
        before=before,
        after=[{"name": c.name, "kind": c.kind, "weight": c.weight} for c in created],
    )
    return created


def _copy_rubric(source: AwardCycle | None) -> list[dict]:
    if source is None:
        return [dict(item) for item in DEFAULT_RUBRIC]
    rows = list(source.criteria.values("name", "kind", "weight", "half_point", "customer_focused"))
    return rows or [dict(item) for item in DEFAULT_RUBRIC]


# --- Cycles -----------------------------------------------------------------------------------


def _validate_dates(opens_at, nominations_close_at, judging_close_at) -> None:
    errors = {}
    if nominations_close_at <= opens_at:
        errors["nominations_close_at"] = "Nominations must close after they open."
    if judging_close_at < nominations_close_at:
        errors["judging_close_at"] = "Judging must close after nominations close."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_cycle(
    *,
    month: dt.date,
    by: User | None,
    title: str = "",
    opens_at: dt.datetime | None = None,
    nominations_close_at: dt.datetime | None = None,
    judging_close_at: dt.datetime | None = None,
    winner_count: int = 1,
    cooldown_cycles: int = 3,
    blind_judging: bool = True,
    customer_share_floor: int = 50,
    eligible_departments: list[Department] | None = None,
    rubric_from: AwardCycle | None = None,
) -> AwardCycle:
    """A new cycle in draft, with the default rubric (or a copy of `rubric_from`'s)."""
    month = first_of_month(month)
    if AwardCycle.objects.filter(month=month).exists():
        existing = AwardCycle.objects.get(month=month)
        raise ConflictError(
            f"There is already a cycle for {calendar.month_name[month.month]} {month.year}.",
            existing=existing.pk,
        )
    dates = default_dates(month)
    opens_at = opens_at or dates["opens_at"]
    nominations_close_at = nominations_close_at or dates["nominations_close_at"]
    judging_close_at = judging_close_at or dates["judging_close_at"]
    _validate_dates(opens_at, nominations_close_at, judging_close_at)
    rubric = _copy_rubric(rubric_from)
    if customer_share_floor > summarise_rubric(rubric, floor=0).customer_share:
        raise ValidationError(
            {"customer_share_floor": "The floor is above the customer share of the rubric."}
        )
    try:
        with transaction.atomic():
            cycle = AwardCycle.objects.create(
                title=title.strip() or default_title(month),
                month=month,
                opens_at=opens_at,
                nominations_close_at=nominations_close_at,
                judging_close_at=judging_close_at,
                winner_count=winner_count,
                cooldown_cycles=cooldown_cycles,
                blind_judging=blind_judging,
                customer_share_floor=customer_share_floor,
            )
    except IntegrityError:
        raise ConflictError("A cycle for this month was created at the same moment.") from None
    if eligible_departments:
        cycle.eligible_departments.set(eligible_departments)
    Criterion.objects.bulk_create(
        Criterion(cycle=cycle, **_normalise(item, i)) for i, item in enumerate(rubric)
    )
    audit.record("cycle.created", actor=by, target=cycle, month=month.isoformat())
    return cycle


# The settings of a cycle HR may edit (update_cycle). The HR console's form, the API's input
# serializer and the admin take their fields from this list.
EDITABLE_FIELDS = (
    "title",
    "opens_at",
    "nominations_close_at",
    "judging_close_at",
    "winner_count",
    "cooldown_cycles",
    "blind_judging",
    "customer_share_floor",
    "eligible_departments",
)


@transaction.atomic
def update_cycle(
    *,
    cycle: AwardCycle,
    by: User | None,
    eligible_departments: list[Department] | None = None,
    **changes: Any,
) -> AwardCycle:
    """Edit a cycle's settings (`EDITABLE_FIELDS`; None departments: unchanged). Settings that
    change who competes or how they are scored are frozen once judging starts; dates may still
    be corrected until the cycle is decided."""
    cycle = _lock(cycle)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    Status = AwardCycle.Status
    if cycle.status in (Status.DECIDED, Status.ANNOUNCED):
        raise ConflictError("A decided cycle cannot be edited.")
    if cycle.status == Status.JUDGING and (
        set(FROZEN_IN_JUDGING) & {k for k, v in changes.items() if getattr(cycle, k) != v}
        or eligible_departments is not None
    ):
        raise ConflictError("Only the title and dates can change once judging has started.")
    before = {k: getattr(cycle, k) for k in changes}
    for key, value in changes.items():
        setattr(cycle, key, value)
    _validate_dates(cycle.opens_at, cycle.nominations_close_at, cycle.judging_close_at)
    if "customer_share_floor" in changes:
        rubric = list(cycle.criteria.values("kind", "weight", "customer_focused", "name"))
        share = summarise_rubric(rubric, floor=0).customer_share
        if cycle.customer_share_floor > share:
            raise ValidationError(
                {
                    "customer_share_floor": (
                        f"The rubric's customer-focused share is {share}%; raise it before "
                        f"setting a floor of {cycle.customer_share_floor}%."
                    )
                }
            )
    cycle.save()
    if eligible_departments is not None:
        cycle.eligible_departments.set(eligible_departments)
    standings_changed(cycle.pk)  # who competes may have changed
    audit.record(
        "cycle.edited",
        actor=by,
        target=cycle,
        before={k: str(v) for k, v in before.items()},
        after={k: str(getattr(cycle, k)) for k in changes},
    )
    return cycle


@transaction.atomic
def transition(
    *,
    cycle: AwardCycle,
    to: str,
    by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
    expected_winners: list[int] | None = None,
) -> AwardCycle:
    """Move a cycle to its next phase. Takes a row lock, so two HR users pressing the same
    button at the same instant make one transition and one audit event; the loser gets a
    ConflictError listing the moves allowed from the state it actually found. `now` is the
    moment of the move (the clock by default; advance_cycles passes the moment it runs for).
    `expected_winners` (a confirmation's `winners_named`) refuses the move, with the conflict
    code "winners_changed", when the winners it would decide or announce are no longer those."""
    cycle = _lock(cycle)
    if refusal := move_refusal(cycle, to):
        raise refusal
    if to == AwardCycle.Status.OPEN and (problems := rubric_problems(cycle)):
        raise ValidationError(problems)
    if expected_winners is not None and winners_named(cycle, to) != expected_winners:
        raise ConflictError(
            gettext("The winners changed since you looked."), code="winners_changed"
        )
    previous = cycle.status
    cycle.status = to
    cycle.status_changed_at = now or timezone.now()
    fields = ["status", "status_changed_at", "updated_at"]
    early: dict = {}
    if to == AwardCycle.Status.OPEN and cycle.status_changed_at < cycle.opens_at:
        # HR opened it before the planned date: the date records when nominations really
        # opened, so no page says "Opens: 1 January" of a cycle open since December.
        early = {"planned_opens_at": cycle.opens_at.isoformat()}
        cycle.opens_at = cycle.status_changed_at
        fields.append("opens_at")
    cycle.save(update_fields=fields)
    if to == AwardCycle.Status.JUDGING:
        notices.judging_started(cycle)
    outcome: dict = {}
    if to in (AwardCycle.Status.DECIDED, AwardCycle.Status.ANNOUNCED):
        if to == AwardCycle.Status.DECIDED:
            outcome = deciding.decision_summary(deciding.decide(cycle=cycle, by=by))
        else:
            deciding.announce(cycle=cycle, by=by)
    audit.record(
        "cycle.transitioned",
        actor=by,
        target=cycle,
        frm=previous,
        to=to,
        reason=reason,
        **early,
        **outcome,
    )
    return cycle


def advance_cycles(*, now: dt.datetime | None = None) -> list[str]:
    """Move every cycle whose dates have passed, and make sure next month's cycle exists in
    draft (copying the latest rubric). Idempotent: a second run at the same moment does nothing.
    Returns a line per change, for the command's output."""
    now = now or timezone.now()
    changes: list[str] = []
    due = AwardCycle.objects.filter(
        status__in=[AwardCycle.Status.DRAFT, AwardCycle.Status.OPEN]
    ).order_by("month")
    for cycle in due:
        # A cycle may be two phases behind (the command did not run for a while): catch up.
        while (target := cycle.due_transition(now)) is not None:
            try:
                cycle = transition(cycle=cycle, to=target, by=None, reason="dates passed", now=now)
            except ConflictError:
                cycle.refresh_from_db()  # someone else moved it; look again
                continue
            except ValidationError as error:
                changes.append(f"{cycle}: not opened: {' '.join(error.messages)}")
                break
            changes.append(f"{cycle}: {target}")
    # Keep next month's cycle ready in draft, so that HR can adjust it before it opens by date.
    latest = AwardCycle.objects.order_by("-month").first()
    next_month = add_months(first_of_month(timezone.localdate(now)), 1)
    if latest is None or latest.month < next_month:
        try:
            cycle = create_cycle(month=next_month, by=None, rubric_from=latest)
        except ConflictError:
            pass  # created by a concurrent run
        else:
            changes.append(f"{cycle}: created in draft")
    return changes
