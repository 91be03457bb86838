"""Employee-of-the-Month scoring (DESIGN §4, docs/scoring.md): pure maths fed by a handful of
aggregate queries for the whole cycle, never a query per candidate.

    score(criteria, inputs)   pure: subscores, points, composite, ranking
    gather(cycle)             the rubric and every candidate's raw inputs, in 7 queries
    scoreboard(cycle)         gather + score
    snapshot(...)             the JSON a decision stores, with FORMULA_VERSION

Precision: subscores are rounded to 4 decimals (ROUND_HALF_UP) and a line's points are
weight × that rounded subscore, so every number on the scoreboard can be recomputed by hand
from the numbers shown next to it; the composite is the sum of the points rounded to 2
decimals, and the ranking compares composites as shown.
"""

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Lower

from accounts.models import User
from awards.models import Award, AwardCycle, Criterion, PanelScore
from nominations.models import Endorsement, Evidence, Nomination, ThankYou

FORMULA_VERSION = "1"

SUBSCORE_PLACES = Decimal("0.0001")
MEAN_PLACES = Decimal("0.0001")
COMPOSITE_PLACES = Decimal("0.01")
ZERO = Decimal(0)
NO_SUBSCORE = Decimal("0.0000")
HALF = Decimal("0.5")
ONE = Decimal(1)

Kind = Criterion.Kind


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    name: str
    kind: str
    weight: int
    half_point: Decimal | None
    customer_focused: bool


@dataclass(frozen=True)
class Inputs:
    """One candidate's raw inputs."""

    candidate_id: int
    evidence: Decimal  # E = Σ over active nominations of evidence points × verification factor
    thanks: int  # T = distinct customers among approved thank-yous counted in the cycle
    peer: Decimal  # P = distinct nominators + 0.5 × distinct endorsers, reciprocity rule
    panel: dict[int, Decimal | None]  # panel criterion id → mean judge score 1–5, or None
    first_nominated_at: dt.datetime | None


@dataclass(frozen=True)
class Line:
    """One criterion of one candidate, as the scoreboard shows it."""

    criterion_id: int
    name: str
    kind: str
    input: Decimal | None
    subscore: Decimal
    weight: int
    points: Decimal


@dataclass(frozen=True)
class Standing:
    candidate_id: int
    rank: int
    composite: Decimal
    lines: tuple[Line, ...]
    customer_evidence_subscore: Decimal
    thanks: int
    first_nominated_at: dt.datetime | None


# --- The maths (pure) -------------------------------------------------------------------------


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# Pure functions of a few distinct values (inputs are counts and half points): memoised, they
# are a third of the time it takes to score a 10,000-nomination cycle (docs/benchmarks.md).
@functools.lru_cache(maxsize=4096)
def saturating_subscore(x: Decimal, half_point: Decimal) -> Decimal:
    """x / (x + half_point), 4 decimals: 0 at 0, ½ at the half point, approaching 1 — every
    extra unit is worth less than the one before (diminishing returns)."""
    if half_point is None or half_point <= 0:
        raise ValueError("A computed criterion needs a half point greater than 0.")
    if x < 0:
        raise ValueError(f"An input cannot be negative (got {x}).")
    return _round(Decimal(x) / (Decimal(x) + Decimal(half_point)), SUBSCORE_PLACES)


@functools.lru_cache(maxsize=1024)
def panel_subscore(mean: Decimal | None) -> Decimal:
    """(mean − 1) / 4 on the judges' 1–5 scale, 4 decimals; 0 when nobody scored."""
    if mean is None:
        return NO_SUBSCORE
    if not 1 <= mean <= 5:
        raise ValueError(f"A mean judge score is between 1 and 5 (got {mean}).")
    return _round((Decimal(mean) - ONE) / 4, SUBSCORE_PLACES)


def evidence_points(*, kind: str, verification: str, no_improvement: bool = False) -> Decimal:
    """The points of one item of evidence: base points × verification factor; a measured
    improvement whose numbers show no improvement earns 1 base point instead of 4. The same
    rule as Evidence.points, for rows counted in SQL rather than loaded as models."""
    if kind == Evidence.Kind.MEASURED_IMPROVEMENT and no_improvement:
        base = Evidence.NO_IMPROVEMENT_POINTS
    else:
        base = Evidence.BASE_POINTS[kind]
    return base * Evidence.FACTORS[verification]


def peer_support(
    *,
    candidate_id: int,
    nominators: Iterable[int],
    endorsers: Iterable[int],
    pairs: set[tuple[int, int]],
) -> Decimal:
    """P for one candidate. Each colleague counts once, as their strongest support: a
    nominator 1 (0.5 when the candidate nominated them too, in the same cycle: `pairs` holds
    (nominator, nominee) of the cycle's active nominations), an endorser 0.5."""
    nominators = set(nominators) - {candidate_id}
    endorsers = set(endorsers) - nominators - {candidate_id}
    total = sum(
        (HALF if (candidate_id, n) in pairs else ONE for n in nominators),
        start=ZERO,
    )
    return total + HALF * len(endorsers)


def _input(criterion: CriterionSpec, inputs: Inputs):
    """The candidate's raw input for this criterion (a panel mean may be None)."""
    if criterion.kind == Kind.PANEL:
        return inputs.panel.get(criterion.id)
    if criterion.kind == Kind.CUSTOMER_EVIDENCE:
        return inputs.evidence
    if criterion.kind == Kind.CUSTOMER_THANKS:
        return inputs.thanks
    if criterion.kind == Kind.PEER_SUPPORT:
        return inputs.peer
    raise KeyError(criterion.kind)


def _memo_line(memo: dict, criterion: CriterionSpec, inputs: Inputs) -> Line:
    """A Line depends only on the criterion and the input, and most candidates share inputs
    (no thank-you, one nomination…): each distinct pair is computed once per scoring."""
    raw = _input(criterion, inputs)
    # str(): Decimal("2") and Decimal("2.0") are equal but shown differently.
    key = (criterion.id, None if raw is None else str(raw))
    line = memo.get(key)
    if line is None:
        line = memo[key] = _line(criterion, inputs)
    return line


def _line(criterion: CriterionSpec, inputs: Inputs) -> Line:
    value: Decimal | None
    if criterion.kind == Kind.PANEL:
        value = inputs.panel.get(criterion.id)
        subscore = panel_subscore(value)
    else:
        value = Decimal(_input(criterion, inputs))
        subscore = saturating_subscore(value, criterion.half_point)
    return Line(
        criterion_id=criterion.id,
        name=criterion.name,
        kind=criterion.kind,
        input=value,
        subscore=subscore,
        weight=criterion.weight,
        points=criterion.weight * subscore,
    )


_NEVER = dt.datetime.min


def ranking_key(standing: Standing) -> tuple:
    """Higher composite, then higher customer-evidence subscore, then more distinct customers
    (T), then the earliest first nomination (none last), then the lowest user id."""
    first = standing.first_nominated_at
    return (
        -standing.composite,
        -standing.customer_evidence_subscore,
        -standing.thanks,
        first is None,
        first or _NEVER,
        standing.candidate_id,
    )


def score(criteria: Sequence[CriterionSpec], inputs: Iterable[Inputs]) -> list[Standing]:
    """Every candidate's lines and composite, ranked 1..n by `ranking_key` (a strict total
    order: the last tie-break is the unique user id)."""
    criteria = list(criteria)
    unranked = []
    seen: set[int] = set()
    memo: dict[tuple, Line] = {}
    for row in inputs:
        if row.candidate_id in seen:
            raise ValueError(f"Candidate {row.candidate_id} appears twice.")
        seen.add(row.candidate_id)
        lines = tuple(_memo_line(memo, criterion, row) for criterion in criteria)
        evidence = [line.subscore for line in lines if line.kind == Kind.CUSTOMER_EVIDENCE]
        unranked.append(
            Standing(
                candidate_id=row.candidate_id,
                rank=0,
                composite=_round(sum((line.points for line in lines), ZERO), COMPOSITE_PLACES),
                lines=lines,
                customer_evidence_subscore=evidence[0] if evidence else NO_SUBSCORE,
                thanks=row.thanks,
                first_nominated_at=row.first_nominated_at,
            )
        )
    unranked.sort(key=ranking_key)
    return [_with_rank(standing, rank) for rank, standing in enumerate(unranked, start=1)]


def _with_rank(standing: Standing, rank: int) -> Standing:
    return Standing(
        candidate_id=standing.candidate_id,
        rank=rank,
        composite=standing.composite,
        lines=standing.lines,
        customer_evidence_subscore=standing.customer_evidence_subscore,
        thanks=standing.thanks,
        first_nominated_at=standing.first_nominated_at,
    )


# --- Eligibility: cool-down after a win -------------------------------------------------------


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def recent_awards(cycle: AwardCycle):
    """Awards of the `cooldown_cycles` months before this cycle's month."""
    if not cycle.cooldown_cycles:
        return Award.objects.none()
    start = _add_months(cycle.month, -cycle.cooldown_cycles)
    return Award.objects.filter(cycle__month__gte=start, cycle__month__lt=cycle.month)


def recent_winner_ids(cycle: AwardCycle) -> set[int]:
    """Who won in the cool-down window before this cycle: they are not candidates in it."""
    return set(recent_awards(cycle).values_list("recipient_id", flat=True))


def eligible_again_from(*, cycle: AwardCycle, user: User) -> dt.date | None:
    """The first month `user` can compete again, when a recent win keeps them out of this
    cycle; None when they are not cooling down. A win in January with a cool-down of 3
    keeps them out of February, March and April: they are back from May."""
    months = recent_awards(cycle).filter(recipient=user).values_list("cycle__month", flat=True)
    last = max(months, default=None)
    return None if last is None else _add_months(last, cycle.cooldown_cycles + 1)


# --- Gathering the inputs: a constant number of queries ---------------------------------------


def _eligible_candidate_ids(cycle: AwardCycle) -> set[int]:
    """Nominees with an active nomination and employees with an approved thank-you counted in
    the cycle, who are active, in an eligible department (when the cycle names any) and not
    cooling down after a recent win. One query."""
    departments = AwardCycle.eligible_departments.through.objects.filter(awardcycle_id=cycle.pk)
    nominated = Nomination.objects.filter(
        cycle=cycle, status=Nomination.Status.ACTIVE, nominee=OuterRef("pk")
    )
    thanked = ThankYou.objects.filter(
        cycle=cycle, status=ThankYou.Status.APPROVED, employee=OuterRef("pk")
    )
    users = (
        User.objects.filter(Exists(nominated) | Exists(thanked), is_active=True)
        .filter(~Exists(departments) | Q(department_id__in=departments.values("department_id")))
        .exclude(pk__in=recent_awards(cycle).values("recipient_id"))
        .order_by()
    )
    return set(users.values_list("pk", flat=True))


def _evidence_totals(cycle: AwardCycle) -> dict[int, Decimal]:
    """E per nominee. SQL counts the items per (nominee, kind, verification, shows no
    improvement); Python weighs them with evidence_points: one query, few rows."""
    measured = Evidence.Kind.MEASURED_IMPROVEMENT
    shows_none = Q(kind=measured, before__isnull=False, after__isnull=False) & (
        Q(higher_is_better=True, after__lte=F("before"))
        | (
            (Q(higher_is_better=False) | Q(higher_is_better__isnull=True))
            & Q(after__gte=F("before"))
        )
    )
    rows = (
        Evidence.objects.filter(
            nomination__cycle=cycle, nomination__status=Nomination.Status.ACTIVE
        )
        .annotate(
            no_improvement=Case(
                When(shows_none, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("nomination__nominee_id", "kind", "verification", "no_improvement")
        .annotate(items=Count("id"))
        .order_by()
    )
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        points = evidence_points(
            kind=row["kind"], verification=row["verification"], no_improvement=row["no_improvement"]
        )
        totals[row["nomination__nominee_id"]] += points * row["items"]
    return totals


def _thanks_totals(cycle: AwardCycle) -> dict[int, int]:
    """T per employee: distinct e-mail addresses, case-insensitively; a thank-you without an
    address (some helpdesk feedback) counts as its own customer. One query."""
    rows = (
        ThankYou.objects.filter(
            cycle=cycle, status=ThankYou.Status.APPROVED, employee__isnull=False
        )
        .values("employee_id")
        .annotate(
            addresses=Count(Lower("customer_email"), distinct=True, filter=~Q(customer_email="")),
            anonymous=Count("id", filter=Q(customer_email="")),
        )
        .order_by()
    )
    return {row["employee_id"]: row["addresses"] + row["anonymous"] for row in rows}


def _panel_means(cycle: AwardCycle) -> dict[int, dict[int, Decimal]]:
    """candidate → panel criterion → mean judge score (4 decimals). One query."""
    rows = (
        PanelScore.objects.filter(cycle=cycle, criterion__kind=Kind.PANEL)
        .values("candidate_id", "criterion_id")
        .annotate(total=Sum("score"), judges=Count("id"))
        .order_by()
    )
    means: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        mean = _round(Decimal(row["total"]) / row["judges"], MEAN_PLACES)
        means[row["candidate_id"]][row["criterion_id"]] = mean
    return means


def gather(cycle: AwardCycle) -> tuple[list[CriterionSpec], list[Inputs]]:
    """The cycle's rubric and its eligible candidates' raw inputs (sorted by user id), in
    seven queries whatever the size of the cycle."""
    criteria = [
        CriterionSpec(
            id=c.pk,
            name=c.name,
            kind=c.kind,
            weight=c.weight,
            half_point=c.half_point,
            customer_focused=c.customer_focused,
        )
        for c in Criterion.objects.filter(cycle=cycle).order_by("position", "id")
    ]
    panel_ids = [c.id for c in criteria if c.kind == Kind.PANEL]
    candidates = _eligible_candidate_ids(cycle)

    nominations = Nomination.objects.filter(
        cycle=cycle, status=Nomination.Status.ACTIVE
    ).values_list("nominee_id", "nominator_id", "created_at")
    first: dict[int, dt.datetime] = {}
    nominators: dict[int, set[int]] = defaultdict(set)
    pairs: set[tuple[int, int]] = set()
    for nominee_id, nominator_id, created_at in nominations.order_by():
        if nominee_id not in first or created_at < first[nominee_id]:
            first[nominee_id] = created_at
        if nominator_id is not None:  # a customer or a helpdesk: evidence, no peer support
            nominators[nominee_id].add(nominator_id)
            pairs.add((nominator_id, nominee_id))

    endorsers: dict[int, set[int]] = defaultdict(set)
    endorsements = (
        Endorsement.objects.filter(
            nomination__cycle=cycle, nomination__status=Nomination.Status.ACTIVE
        )
        .values_list("nomination__nominee_id", "author_id")
        .distinct()
        .order_by()
    )
    for nominee_id, author_id in endorsements:
        endorsers[nominee_id].add(author_id)

    evidence = _evidence_totals(cycle)
    thanks = _thanks_totals(cycle)
    panel = _panel_means(cycle)
    inputs = [
        Inputs(
            candidate_id=candidate,
            evidence=evidence.get(candidate, ZERO),
            thanks=thanks.get(candidate, 0),
            peer=peer_support(
                candidate_id=candidate,
                nominators=nominators.get(candidate, ()),
                endorsers=endorsers.get(candidate, ()),
                pairs=pairs,
            ),
            panel={pk: panel.get(candidate, {}).get(pk) for pk in panel_ids},
            first_nominated_at=first.get(candidate),
        )
        for candidate in sorted(candidates)
    ]
    return criteria, inputs


def scoreboard(cycle: AwardCycle) -> list[Standing]:
    """The cycle's candidates, scored and ranked from the data as it is now."""
    return score(*gather(cycle))


# --- The snapshot a decision stores -----------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot(
    criteria: Sequence[CriterionSpec], inputs: Iterable[Inputs], standings: Sequence[Standing]
) -> dict:
    """Everything needed to show and re-check a decision later, as plain JSON: the rubric,
    each candidate's inputs, lines and composite in rank order, and the ranking. Decimals are
    strings (exact), datetimes ISO 8601."""
    by_id = {row.candidate_id: row for row in inputs}
    candidates = []
    for standing in sorted(standings, key=lambda s: s.rank):
        row = by_id[standing.candidate_id]
        candidates.append(
            {
                "candidate_id": standing.candidate_id,
                "rank": standing.rank,
                "composite": str(standing.composite),
                "customer_evidence_subscore": str(standing.customer_evidence_subscore),
                "inputs": {
                    "evidence": str(row.evidence),
                    "thanks": row.thanks,
                    "peer": str(row.peer),
                    "panel": {str(pk): _text(mean) for pk, mean in row.panel.items()},
                    "first_nominated_at": (
                        row.first_nominated_at.isoformat() if row.first_nominated_at else None
                    ),
                },
                "lines": [
                    {
                        "criterion_id": line.criterion_id,
                        "name": line.name,
                        "kind": line.kind,
                        "input": _text(line.input),
                        "subscore": str(line.subscore),
                        "weight": line.weight,
                        "points": str(line.points),
                    }
                    for line in standing.lines
                ],
            }
        )
    return {
        "formula_version": FORMULA_VERSION,
        "precision": {"subscore": 4, "panel_mean": 4, "composite": 2},
        "rubric": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "weight": c.weight,
                "half_point": _text(c.half_point),
                "customer_focused": c.customer_focused,
            }
            for c in criteria
        ],
        "candidates": candidates,
        "ranking": [c["candidate_id"] for c in candidates],
    }
