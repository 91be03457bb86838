"""Employee-of-the-Month scoring (DESIGN §4, docs/scoring.md): pure maths fed by a handful of
aggregate queries for the whole cycle, never a query per candidate.

    score(criteria, inputs)   pure: subscores, points, composite, ranking
    gather_all(cycle)         the rubric and the raw inputs of everyone competing, in 6 queries
    ineligible_ids(cycle)     who may not compete in it now, in 1 query (awards/eligibility.py)
    gather(cycle)             the two together: the eligible candidates' inputs, in 7 queries
    candidates(cycle)         the same people as a QuerySet of users: who is a candidate
    scoreboard(cycle)         gather + score

The JSON a decision stores (with FORMULA_VERSION) is written and read in cycles/snapshots.py.

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
from operator import itemgetter

from django.db.models import Count, DecimalField, Min, Q, QuerySet, Sum
from django.db.models.functions import Lower

from accounts.models import User
from awards.eligibility import ineligible, ineligible_ids
from awards.models import AwardCycle, Criterion, PanelScore
from nominations.models import Endorsement, Nomination, ThankYou

FORMULA_VERSION = "1"

SUBSCORE_PLACES = Decimal("0.0001")
MEAN_PLACES = Decimal("0.0001")
COMPOSITE_PLACES = Decimal("0.01")
ZERO = Decimal(0)
NO_SUBSCORE = Decimal("0.0000")
HALF = Decimal("0.5")
ONE_PLACE = Decimal("0.1")
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
    nominators = set(nominators)
    nominators.discard(candidate_id)
    endorsers = set(endorsers) - nominators
    endorsers.discard(candidate_id)
    reciprocal = sum(1 for n in nominators if (candidate_id, n) in pairs)
    # Counted in halves: HALF × an int always has one decimal place, as P is shown ("2.0").
    return HALF * (2 * len(nominators) - reciprocal + len(endorsers))


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


def _line(criterion: CriterionSpec, value: Decimal | int | None) -> Line:
    if criterion.kind == Kind.PANEL:
        subscore = panel_subscore(value)
    else:
        value = Decimal(value)
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
    return _key(
        standing.composite,
        standing.customer_evidence_subscore,
        standing.thanks,
        standing.first_nominated_at,
        standing.candidate_id,
    )


def _key(composite, evidence, thanks, first, candidate_id) -> tuple:
    return (-composite, -evidence, -thanks, first is None, first or _NEVER, candidate_id)


def score(criteria: Sequence[CriterionSpec], inputs: Iterable[Inputs]) -> list[Standing]:
    """Every candidate's lines and composite, ranked 1..n by `ranking_key` (a strict total
    order: the last tie-break is the unique user id)."""
    criteria = list(criteria)
    evidence_at = next(
        (i for i, c in enumerate(criteria) if c.kind == Kind.CUSTOMER_EVIDENCE), None
    )
    # A Line depends only on the criterion and the input, and most candidates share inputs
    # (no thank-you, one nomination…): each distinct pair is computed once per scoring.
    memos: list[dict] = [{} for _ in criteria]
    unranked = []
    seen: set[int] = set()
    for row in inputs:
        if row.candidate_id in seen:
            raise ValueError(f"Candidate {row.candidate_id} appears twice.")
        seen.add(row.candidate_id)
        lines = []
        for criterion, memo in zip(criteria, memos, strict=True):
            raw = _input(criterion, row)
            # str(): Decimal("2") and Decimal("2.0") are equal but shown differently.
            key = None if raw is None else str(raw)
            line = memo.get(key)
            if line is None:
                line = memo[key] = _line(criterion, raw)
            lines.append(line)
        composite = _round(sum([line.points for line in lines], ZERO), COMPOSITE_PLACES)
        evidence = NO_SUBSCORE if evidence_at is None else lines[evidence_at].subscore
        unranked.append(
            (
                _key(composite, evidence, row.thanks, row.first_nominated_at, row.candidate_id),
                row,
                tuple(lines),
                composite,
                evidence,
            )
        )
    unranked.sort(key=itemgetter(0))
    return [
        Standing(
            candidate_id=row.candidate_id,
            rank=rank,
            composite=composite,
            lines=lines,
            customer_evidence_subscore=evidence,
            thanks=row.thanks,
            first_nominated_at=row.first_nominated_at,
        )
        for rank, (_, row, lines, composite, evidence) in enumerate(unranked, start=1)
    ]


# --- Gathering the inputs: a constant number of queries ---------------------------------------


def counted_nominations(cycle: AwardCycle) -> QuerySet[Nomination]:
    """The nominations a cycle's standings count: its active ones."""
    return Nomination.objects.filter(cycle=cycle, status=Nomination.Status.ACTIVE)


def counted_thanks(cycle: AwardCycle) -> QuerySet[ThankYou]:
    """The thank-yous a cycle's standings count: those approved in it."""
    return ThankYou.objects.filter(cycle=cycle, status=ThankYou.Status.APPROVED)


def competing(cycle: AwardCycle) -> Q:
    """A filter of people: a nominee of a counted nomination, or an employee with a counted
    thank-you (eligible or not). They are the people whose inputs `gather_all` reads."""
    return Q(pk__in=counted_nominations(cycle).values("nominee_id")) | Q(
        pk__in=counted_thanks(cycle).values("employee_id")
    )


def candidates(cycle: AwardCycle) -> QuerySet[User]:
    """The candidates of a cycle (DESIGN §4), in one query: the people `competing` in it who
    are not `ineligible` (awards/eligibility.py). `gather` keeps the same people among
    everyone's inputs, and the scoreboard the same rows of its cached board, by leaving out
    `ineligible_ids`: the same filter, as ids."""
    return User.objects.filter(competing(cycle)).exclude(ineligible(cycle))


def _thanks_totals(cycle: AwardCycle) -> dict[int, int]:
    """T per employee: distinct e-mail addresses, case-insensitively; a thank-you without an
    address (some helpdesk feedback) counts as its own customer. One query, a row per
    thank-you of the cycle, counted here."""
    # An approved thank-you always has an employee (a constraint): saying so again here would
    # lead SQLite to the (status, employee) index, through every cycle's thank-yous.
    rows = counted_thanks(cycle).values_list("employee_id", Lower("customer_email")).order_by()
    addresses: dict[int, set[str]] = defaultdict(set)
    anonymous: dict[int, int] = defaultdict(int)
    for employee_id, email in rows:
        if email:
            addresses[employee_id].add(email)
        else:
            anonymous[employee_id] += 1
    return {pk: len(addresses[pk]) + anonymous[pk] for pk in addresses.keys() | anonymous.keys()}


def _panel_means(cycle: AwardCycle) -> dict[int, dict[int, Decimal]]:
    """candidate → panel criterion → mean judge score (4 decimals). One query."""
    rows = (
        PanelScore.objects.filter(cycle=cycle, criterion__kind=Kind.PANEL)
        .values_list("candidate_id", "criterion_id")
        .annotate(total=Sum("score"), judges=Count("id"))
        .order_by()
    )
    means: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for candidate_id, criterion_id, total, judges in rows:
        means[candidate_id][criterion_id] = _round(Decimal(total) / judges, MEAN_PLACES)
    return means


TOTAL = DecimalField(max_digits=12, decimal_places=1)  # room for a nominee's many nominations


def gather_all(cycle: AwardCycle) -> tuple[list[CriterionSpec], list[Inputs]]:
    """The cycle's rubric and the raw inputs of everyone `competing` in it, eligible or not
    (sorted by user id), in six queries whatever the size of the cycle. Nothing in a
    candidate's inputs depends on who else competes."""
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
    active = counted_nominations(cycle).order_by()

    # E (each nomination keeps its evidence points) and the first nomination, per nominee.
    first: dict[int, dt.datetime] = {}
    evidence: dict[int, Decimal] = {}
    for nominee_id, earliest, points in (
        active.values("nominee_id")
        .annotate(earliest=Min("created_at"), points=Sum("evidence_points", output_field=TOTAL))
        .values_list("nominee_id", "earliest", "points")
    ):
        first[nominee_id] = earliest
        if points:  # else no evidence, or only disputed: E is 0, shown as "0"
            # One decimal place, as every point value has (SQLite's SUM drops it).
            evidence[nominee_id] = points.quantize(ONE_PLACE)

    # P: a customer or a helpdesk nominates without a nominator (evidence, no peer support).
    nominators: dict[int, set[int]] = defaultdict(set)
    pairs = set(active.filter(nominator__isnull=False).values_list("nominator_id", "nominee_id"))
    for nominator_id, nominee_id in pairs:
        nominators[nominee_id].add(nominator_id)
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

    thanks = _thanks_totals(cycle)
    panel = _panel_means(cycle)
    no_panel: dict[int, Decimal] = {}
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
            panel={pk: panel.get(candidate, no_panel).get(pk) for pk in panel_ids},
            first_nominated_at=first.get(candidate),
        )
        for candidate in sorted(first.keys() | thanks.keys())
    ]
    return criteria, inputs


def gather(cycle: AwardCycle) -> tuple[list[CriterionSpec], list[Inputs]]:
    """The cycle's rubric and its eligible candidates' raw inputs (sorted by user id), in
    seven queries whatever the size of the cycle."""
    criteria, inputs = gather_all(cycle)
    ineligible = ineligible_ids(cycle)
    return criteria, [row for row in inputs if row.candidate_id not in ineligible]


def scoreboard(cycle: AwardCycle) -> list[Standing]:
    """The cycle's candidates, scored and ranked from the data as it is now."""
    return score(*gather(cycle))
