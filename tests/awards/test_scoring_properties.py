"""Properties of the pure scoring formula over generated rubrics and candidates (hypothesis)."""

import datetime as dt
import random
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from awards.models import Criterion
from cycles import scoring
from cycles.scoring import CriterionSpec, Inputs
from nominations.models import Evidence, evidence_points

Kind = Criterion.Kind
PROFILE = settings(max_examples=100, deadline=None)

halves = st.decimals(min_value="0.5", max_value="20", places=2)
points = st.integers(min_value=0, max_value=80).map(lambda n: Decimal(n) / 2)  # 0, 0.5, … 40
means = st.one_of(
    st.none(), st.integers(min_value=4, max_value=20).map(lambda n: Decimal(n) / 4)
)  # 1, 1.25, … 5
moments = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=30 * 24).map(
        lambda h: dt.datetime(2030, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h)
    ),
)


@st.composite
def rubrics(draw) -> list[CriterionSpec]:
    """A valid rubric: each computed kind at most once, some panel criteria, weights that add
    up to exactly 100."""
    kinds = [k for k in Criterion.COMPUTED_KINDS if draw(st.booleans())]
    kinds += [Kind.PANEL] * draw(st.integers(min_value=0 if kinds else 1, max_value=3))
    cuts = sorted(
        draw(st.lists(st.integers(0, 100), min_size=len(kinds) - 1, max_size=len(kinds) - 1))
    )
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return [
        CriterionSpec(
            id=pk,
            name=f"criterion {pk}",
            kind=kind,
            weight=weight,
            half_point=None if kind == Kind.PANEL else draw(halves),
            customer_focused=kind in Criterion.CUSTOMER_KINDS,
        )
        for pk, (kind, weight) in enumerate(zip(kinds, weights, strict=True), start=1)
    ]


def candidate(pk: int, rubric: list[CriterionSpec]):
    panel_ids = [c.id for c in rubric if c.kind == Kind.PANEL]
    return st.builds(
        Inputs,
        candidate_id=st.just(pk),
        evidence=points,
        thanks=st.integers(min_value=0, max_value=12),
        peer=points,
        panel=st.fixed_dictionaries(dict.fromkeys(panel_ids, means)),
        first_nominated_at=moments,
    )


@st.composite
def boards(draw, max_size: int = 8):
    rubric = draw(rubrics())
    ids = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=max_size, unique=True))
    rows = [draw(candidate(pk, rubric)) for pk in ids]
    return rubric, rows


def with_evidence(row: Inputs, evidence: Decimal) -> Inputs:
    return Inputs(
        candidate_id=row.candidate_id,
        evidence=evidence,
        thanks=row.thanks,
        peer=row.peer,
        panel=row.panel,
        first_nominated_at=row.first_nominated_at,
    )


def composite_of(rubric, rows, pk) -> Decimal:
    return next(s.composite for s in scoring.score(rubric, rows) if s.candidate_id == pk)


@PROFILE
@given(board=boards(), extra=st.sampled_from(list(Evidence.BASE_POINTS)))
def test_adding_verified_evidence_never_lowers_a_composite(board, extra):
    rubric, rows = board
    row = rows[0]
    added = evidence_points(kind=extra, verification="verified")
    more = [with_evidence(row, row.evidence + added), *rows[1:]]
    assert composite_of(rubric, more, row.candidate_id) >= composite_of(
        rubric, rows, row.candidate_id
    )


@PROFILE
@given(
    board=boards(),
    kind=st.sampled_from(list(Evidence.BASE_POINTS)),
    items=st.integers(1, 5),
)
def test_verifying_evidence_never_lowers_a_composite(board, kind, items):
    rubric, rows = board
    row = rows[0]
    unverified = evidence_points(kind=kind, verification="unverified") * items
    verified = evidence_points(kind=kind, verification="verified") * items
    before = [with_evidence(row, row.evidence + unverified), *rows[1:]]
    after = [with_evidence(row, row.evidence + verified), *rows[1:]]
    assert composite_of(rubric, after, row.candidate_id) >= composite_of(
        rubric, before, row.candidate_id
    )


@PROFILE
@given(board=boards())
def test_composites_stay_between_0_and_100(board):
    for standing in scoring.score(*board):
        assert Decimal(0) <= standing.composite <= Decimal(100)
        assert standing.composite == standing.composite.quantize(Decimal("0.01"))
        assert all(Decimal(0) <= line.subscore <= Decimal(1) for line in standing.lines)


@PROFILE
@given(board=boards())
def test_the_ranking_is_a_strict_total_order(board):
    rubric, rows = board
    standings = scoring.score(rubric, rows)
    assert [s.rank for s in standings] == list(range(1, len(rows) + 1))
    assert sorted(s.candidate_id for s in standings) == sorted(r.candidate_id for r in rows)
    keys = [scoring.ranking_key(s) for s in standings]
    assert all(a < b for a, b in pairwise(keys))  # strictly increasing


@PROFILE
@given(board=boards(), seed=st.integers(0, 2**32 - 1))
def test_shuffling_the_input_rows_does_not_change_the_result(board, seed):
    rubric, rows = board
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    assert scoring.score(rubric, shuffled) == scoring.score(rubric, rows)


@PROFILE
@given(rubric=rubrics())
def test_weights_adding_up_to_100_with_all_subscores_1_give_100(rubric):
    # Saturating subscores only approach 1: score the panel part, and check the identity on
    # the lines (points = weight × subscore) with every subscore forced to 1.
    assert sum(c.weight for c in rubric) == 100
    panel_only = [
        CriterionSpec(c.id, c.name, Kind.PANEL, c.weight, None, c.customer_focused) for c in rubric
    ]
    row = Inputs(
        candidate_id=1,
        evidence=Decimal(0),
        thanks=0,
        peer=Decimal(0),
        panel={c.id: Decimal(5) for c in rubric},
        first_nominated_at=None,
    )
    [standing] = scoring.score(panel_only, [row])
    assert standing.composite == Decimal("100.00")


@PROFILE
@given(x=points, y=points, half=halves)
def test_the_saturating_subscore_grows_with_its_input(x, y, half):
    low, high = sorted((x, y))
    assert scoring.saturating_subscore(low, half) <= scoring.saturating_subscore(high, half)
