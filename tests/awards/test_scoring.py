"""The scoring formula step by step, against hand-computed values, and the worked example of
docs/scoring.md rebuilt twice: with the pure score() and from real rows through gather().

The numbers of the worked example are written here by hand: keep them identical to the doc."""

import datetime as dt
import json
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from awards import eligibility
from awards.models import Award, AwardCycle, Criterion, PanelScore
from cycles import scoring
from cycles.scoring import CriterionSpec, Inputs
from cycles.snapshots import Snapshot
from nominations import services as nomination_services
from nominations.models import Endorsement, Evidence, Nomination, ThankYou, evidence_points
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user
from tests.nominations.conftest import category, make_nomination

D = Decimal
Kind = Criterion.Kind
EKind = Evidence.Kind
V = Evidence.Verification
Status = AwardCycle.Status
T0 = dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC)


# --- Small builders ---------------------------------------------------------------------------


def spec(pk, kind, weight, half_point=None, name=None) -> CriterionSpec:
    return CriterionSpec(
        id=pk,
        name=name or f"{kind} {pk}",
        kind=kind,
        weight=weight,
        half_point=None if half_point is None else D(half_point),
        customer_focused=kind in Criterion.CUSTOMER_KINDS,
    )


def inputs(candidate_id, *, e="0", t=0, p="0", panel=None, first=None) -> Inputs:
    return Inputs(
        candidate_id=candidate_id,
        evidence=D(e),
        thanks=t,
        peer=D(p),
        panel=panel or {},
        first_nominated_at=first,
    )


def nomination(cycle, nominee, nominator=None, **kw) -> Nomination:
    return Nomination.objects.create(
        cycle=cycle,
        nominee=nominee,
        nominator=nominator,
        source=Nomination.Source.PEER if nominator else Nomination.Source.CUSTOMER,
        category=category(),
        headline="Fixed the refund letter",
        story="She rewrote it with customers.",
        customer_impact="Fewer confused calls.",
        **kw,
    )


def evidence(nomination, kind, verification=V.VERIFIED, **fields) -> Evidence:
    if verification == V.DISPUTED:
        fields.setdefault("verification_note", "The photo is from another branch.")
    item = Evidence.objects.create(
        nomination=nomination, kind=kind, verification=verification, **fields
    )
    # Written directly, as a bulk load would: count the nomination's points as the evidence
    # services do, so that the scoring (which reads the count) sees them.
    Nomination.objects.filter(pk=nomination.pk).recount_evidence_points()
    return item


def thanks(employee, cycle, email="", status=ThankYou.Status.APPROVED) -> ThankYou:
    return ThankYou.objects.create(
        employee=employee,
        customer_name="A customer",
        customer_email=email,
        message="Thank you for your help with my order.",
        status=status,
        cycle=cycle,
        source=ThankYou.Source.INTEGRATION if not email else ThankYou.Source.PUBLIC_FORM,
        submitted_on=dt.date(2030, 3, 5),
    )


def panel(cycle, judge, candidate, criterion, value) -> PanelScore:
    return PanelScore.objects.create(
        cycle=cycle, judge=judge, candidate=candidate, criterion=criterion, score=value
    )


def award(cycle, recipient, rank=1) -> Award:
    return Award.objects.create(cycle=cycle, recipient=recipient, rank=rank, composite=D("50"))


# --- The worked example of docs/scoring.md ----------------------------------------------------

EVIDENCE, THANKS, IMPACT, PEER, INNOVATION = (
    "Customer-awareness evidence",
    "Customer thank-yous",
    "Customer impact",
    "Peer support",
    "Innovation and attention to detail",
)
RUBRIC = [
    spec(1, Kind.CUSTOMER_EVIDENCE, 40, 6, EVIDENCE),
    spec(2, Kind.CUSTOMER_THANKS, 15, 2, THANKS),
    spec(3, Kind.PANEL, 15, None, IMPACT),
    spec(4, Kind.PEER_SUPPORT, 15, 3, PEER),
    spec(5, Kind.PANEL, 15, None, INNOVATION),
]
# candidate → inputs (E, T, P, Customer impact mean, Innovation mean)
DOC_INPUTS = {
    "Ada": (D("8"), 3, D("2.5"), D("4.5"), D("3.5")),
    "Bruno": (D("2"), 2, D("1.5"), D("2.5"), D("2.5")),
    "Cleo": (D("0"), 2, D("0"), D("4.5"), D("4.5")),
}
# candidate → {criterion: (subscore, points)}, composite, rank
DOC_LINES = {
    "Ada": {
        EVIDENCE: ("0.5714", "22.8560"),
        THANKS: ("0.6000", "9.0000"),
        IMPACT: ("0.8750", "13.1250"),
        PEER: ("0.4545", "6.8175"),
        INNOVATION: ("0.6250", "9.3750"),
    },
    "Bruno": {
        EVIDENCE: ("0.2500", "10.0000"),
        THANKS: ("0.5000", "7.5000"),
        IMPACT: ("0.3750", "5.6250"),
        PEER: ("0.3333", "4.9995"),
        INNOVATION: ("0.3750", "5.6250"),
    },
    "Cleo": {
        EVIDENCE: ("0.0000", "0.0000"),
        THANKS: ("0.5000", "7.5000"),
        IMPACT: ("0.8750", "13.1250"),
        PEER: ("0.0000", "0.0000"),
        INNOVATION: ("0.8750", "13.1250"),
    },
}
DOC_COMPOSITES = {"Ada": D("61.17"), "Bruno": D("33.75"), "Cleo": D("33.75")}
DOC_RANKING = ["Ada", "Bruno", "Cleo"]


def check_against_doc(standings, names: dict[int, str]) -> None:
    assert [names[s.candidate_id] for s in standings] == DOC_RANKING
    assert [s.rank for s in standings] == [1, 2, 3]
    for standing in standings:
        name = names[standing.candidate_id]
        assert standing.composite == DOC_COMPOSITES[name]
        e, t, p, impact, innovation = DOC_INPUTS[name]
        lines = {line.name: line for line in standing.lines}
        assert [line.name for line in standing.lines] == [
            EVIDENCE,
            THANKS,
            IMPACT,
            PEER,
            INNOVATION,
        ]
        assert lines[EVIDENCE].input == e
        assert lines[THANKS].input == t
        assert lines[PEER].input == p
        assert lines[IMPACT].input == impact
        assert lines[INNOVATION].input == innovation
        for criterion, (subscore, points) in DOC_LINES[name].items():
            assert lines[criterion].subscore == D(subscore), (name, criterion)
            assert lines[criterion].points == D(points), (name, criterion)
            assert str(lines[criterion].subscore) == subscore
        assert standing.customer_evidence_subscore == D(DOC_LINES[name][EVIDENCE][0])
        assert standing.thanks == t


def test_the_worked_example_of_the_doc_with_the_pure_formula():
    ids = {"Ada": 11, "Bruno": 12, "Cleo": 13}
    rows = [
        inputs(
            ids[name],
            e=e,
            t=t,
            p=p,
            panel={3: impact, 5: innovation},
            first=None if name == "Cleo" else T0,
        )
        for name, (e, t, p, impact, innovation) in DOC_INPUTS.items()
    ]
    standings = scoring.score(RUBRIC, rows)
    check_against_doc(standings, {pk: name for name, pk in ids.items()})


@pytest.fixture
def doc_cycle(db):
    """The cycle of the worked example, built from real rows as the doc tells it."""
    january = make_cycle(month=dt.date(2030, 1, 1))
    february = make_cycle(month=dt.date(2030, 2, 1))
    march = make_cycle(month=dt.date(2030, 3, 1), status=Status.OPEN)
    cast = {
        name: make_user(full_name=name)
        for name in ("Ada", "Bruno", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Jo", "Kim")
    }
    ada, bruno, cleo, dan = cast["Ada"], cast["Bruno"], cast["Cleo"], cast["Dan"]
    award(january, dan)

    # Gus's nomination of Ada comes first, then is withdrawn: none of it counts.
    by_gus = make_nomination(nominator=cast["Gus"], nominee=ada)
    evidence(by_gus, EKind.CUSTOMER_WORDS, quote="Best help ever.", quote_source="E-mail")
    nomination_services.endorse(nomination=by_gus, by=cast["Hana"], comment="Yes!")
    nomination_services.withdraw(nomination=by_gus, by=cast["Gus"])

    n1 = make_nomination(nominator=dan, nominee=ada)
    evidence(n1, EKind.CUSTOMER_WORDS, quote="She listened.", quote_source="Survey")
    evidence(
        n1,
        EKind.MEASURED_IMPROVEMENT,
        metric="Callback wait",
        before=D(12),
        after=D(4),
        unit="minutes",
        higher_is_better=False,
    )
    n2 = make_nomination(nominator=bruno, nominee=ada)
    evidence(n2, EKind.FRONT_LINE_TIME, V.UNVERIFIED, hours=D(3), date=dt.date(2030, 3, 1))
    evidence(n2, EKind.ARTIFACT, V.DISPUTED, caption="The new counter sign")
    n3 = make_nomination(nominator=ada, nominee=bruno)
    evidence(
        n3,
        EKind.MEASURED_IMPROVEMENT,
        metric="Billing call time",
        before=D(20),
        after=D(22),
        unit="minutes",
        higher_is_better=False,
    )
    evidence(n3, EKind.FRONT_LINE_TIME, V.UNVERIFIED, hours=D(2), date=dt.date(2030, 3, 1))
    for nom, who in ((n1, "Eve"), (n2, "Eve"), (n2, "Finn"), (n3, "Eve"), (n3, "Gus")):
        nomination_services.endorse(nomination=nom, by=cast[who], comment="Seconded.")

    for email in ("ann@shop.example", "Ann@Shop.Example", "bob@bakery.example", ""):
        thanks(ada, march, email)
    thanks(ada, None, "cat@cafe.example", status=ThankYou.Status.PENDING_CONFIRMATION)
    thanks(ada, february, "zoe@zinc.example")
    for email in ("dee@dental.example", "eli@electric.example"):
        thanks(bruno, march, email)
    for email in ("fay@farm.example", "gil@garage.example"):
        thanks(cleo, march, email)
    thanks(dan, march, "hal@hotel.example")

    criteria = {c.name: c for c in march.criteria.all()}
    scores = {
        "Ada": ((5, 4), (4, 3)),
        "Bruno": ((2, 3), (3, 2)),
        "Cleo": ((5, 4), (4, 5)),
    }
    for name, (impact, innovation) in scores.items():
        for judge, value in zip(("Jo", "Kim"), impact, strict=True):
            panel(march, cast[judge], cast[name], criteria[IMPACT], value)
        for judge, value in zip(("Jo", "Kim"), innovation, strict=True):
            panel(march, cast[judge], cast[name], criteria[INNOVATION], value)
    return march, cast, n1, n3


def test_the_worked_example_of_the_doc_from_the_database(doc_cycle):
    march, cast, n1, n3 = doc_cycle
    criteria, rows = scoring.gather(march)

    assert [(c.name, c.weight, c.half_point) for c in criteria] == [
        (EVIDENCE, 40, D(6)),
        (THANKS, 15, D(2)),
        (IMPACT, 15, None),
        (PEER, 15, D(3)),
        (INNOVATION, 15, None),
    ]
    names = {user.pk: name for name, user in cast.items()}
    by_name = {names[row.candidate_id]: row for row in rows}
    assert set(by_name) == {"Ada", "Bruno", "Cleo"}  # Dan is cooling down
    ids = {c.name: c.id for c in criteria}
    for name, (e, t, p, impact, innovation) in DOC_INPUTS.items():
        row = by_name[name]
        assert (row.evidence, row.thanks, row.peer) == (e, t, p), name
        assert row.panel == {ids[IMPACT]: impact, ids[INNOVATION]: innovation}, name
    assert by_name["Ada"].first_nominated_at == n1.created_at
    assert by_name["Bruno"].first_nominated_at == n3.created_at
    assert by_name["Cleo"].first_nominated_at is None

    check_against_doc(scoring.scoreboard(march), names)
    assert eligibility.eligible_again_from(cycle=march, user=cast["Dan"]) == dt.date(2030, 5, 1)


def test_the_snapshot_of_the_worked_example_is_plain_json(doc_cycle):
    march, cast, _, _ = doc_cycle
    criteria, rows = scoring.gather(march)
    standings = scoring.score(criteria, rows)

    data = json.loads(json.dumps(Snapshot.of(criteria, rows, standings).to_json()))

    assert data["formula_version"] == scoring.FORMULA_VERSION == "1"
    assert [c["name"] for c in data["rubric"]] == [EVIDENCE, THANKS, IMPACT, PEER, INNOVATION]
    assert data["rubric"][0]["half_point"] == "6.00"
    ada, bruno, cleo = (cast[n].pk for n in DOC_RANKING)
    assert data["ranking"] == [ada, bruno, cleo]
    first = data["candidates"][0]
    assert first["candidate_id"] == ada
    assert (first["rank"], first["composite"]) == (1, "61.17")
    assert D(first["inputs"]["evidence"]) == 8
    assert first["inputs"]["thanks"] == 3
    assert D(first["inputs"]["peer"]) == D("2.5")
    assert first["inputs"]["first_nominated_at"] is not None
    assert [line["points"] for line in first["lines"]] == [
        "22.8560",
        "9.0000",
        "13.1250",
        "6.8175",
        "9.3750",
    ]
    assert data["candidates"][2]["inputs"]["first_nominated_at"] is None


# --- Saturation and panel subscores -----------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "half_point", "expected"),
    [
        ("0", "6", "0.0000"),
        ("6", "6", "0.5000"),
        ("8", "6", "0.5714"),  # 0.571428…
        ("12", "6", "0.6667"),  # 0.666666…
        ("18", "6", "0.7500"),
        ("60", "6", "0.9091"),  # 0.909090…
        ("1", "31", "0.0313"),  # 0.03125: half up, not half even
        ("2.5", "3", "0.4545"),
        ("1", "0.01", "0.9901"),
    ],
)
def test_the_saturating_subscore_is_x_over_x_plus_the_half_point(x, half_point, expected):
    assert str(scoring.saturating_subscore(D(x), D(half_point))) == expected


def test_each_extra_unit_of_input_is_worth_less_than_the_one_before():
    s = [scoring.saturating_subscore(D(x), D(6)) for x in range(12)]
    gains = [b - a for a, b in pairwise(s)]
    assert all(later < earlier for earlier, later in pairwise(gains))
    assert all(value < 1 for value in s)


def test_a_computed_criterion_without_a_half_point_is_refused():
    with pytest.raises(ValueError, match="half point"):
        scoring.score([spec(1, Kind.CUSTOMER_THANKS, 100, None)], [inputs(1, t=2)])
    with pytest.raises(ValueError, match="negative"):
        scoring.saturating_subscore(D(-1), D(2))


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (None, "0.0000"),
        ("1", "0.0000"),
        ("2", "0.2500"),
        ("3", "0.5000"),
        ("4.5", "0.8750"),
        ("5", "1.0000"),
        ("3.6667", "0.6667"),  # 0.666675
        ("1.0002", "0.0001"),  # 0.00005: half up
    ],
)
def test_the_panel_subscore_maps_the_mean_of_1_to_5_onto_0_to_1(mean, expected):
    assert str(scoring.panel_subscore(None if mean is None else D(mean))) == expected


def test_a_panel_criterion_nobody_scored_earns_nothing():
    rubric = [spec(1, Kind.PANEL, 50), spec(2, Kind.PANEL, 50)]
    [standing] = scoring.score(rubric, [inputs(7, panel={1: D(5)})])  # 2 missing: nobody
    assert [(line.input, line.subscore, line.points) for line in standing.lines] == [
        (D(5), D(1), D(50)),
        (None, D(0), D(0)),
    ]
    assert standing.composite == D("50.00")


def test_a_mean_outside_1_to_5_is_refused():
    with pytest.raises(ValueError, match="between 1 and 5"):
        scoring.panel_subscore(D("5.5"))


# --- Evidence points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "verification", "no_improvement", "expected"),
    [
        (EKind.CUSTOMER_WORDS, V.VERIFIED, False, "3"),
        (EKind.CUSTOMER_WORDS, V.UNVERIFIED, False, "1.5"),
        (EKind.CUSTOMER_WORDS, V.DISPUTED, False, "0"),
        (EKind.MEASURED_IMPROVEMENT, V.VERIFIED, False, "4"),
        (EKind.MEASURED_IMPROVEMENT, V.UNVERIFIED, False, "2"),
        (EKind.MEASURED_IMPROVEMENT, V.VERIFIED, True, "1"),
        (EKind.MEASURED_IMPROVEMENT, V.UNVERIFIED, True, "0.5"),
        (EKind.MEASURED_IMPROVEMENT, V.DISPUTED, True, "0"),
        (EKind.FRONT_LINE_TIME, V.VERIFIED, False, "2"),
        (EKind.FRONT_LINE_TIME, V.UNVERIFIED, False, "1"),
        (EKind.ARTIFACT, V.VERIFIED, False, "1"),
        (EKind.ARTIFACT, V.UNVERIFIED, False, "0.5"),
        (EKind.ARTIFACT, V.DISPUTED, False, "0"),
        (EKind.CUSTOMER_WORDS, V.VERIFIED, True, "3"),  # only measurements can show none
    ],
)
def test_evidence_points_are_base_points_times_the_verification_factor(
    kind, verification, no_improvement, expected
):
    points = evidence_points(kind=kind, verification=verification, no_improvement=no_improvement)
    assert points == D(expected)


MEASUREMENTS = [
    # (before, after, higher_is_better) → shows improvement?
    (D(10), D(12), True),  # better
    (D(12), D(10), True),  # worse: 1 point
    (D(10), D(10), True),  # no change: 1 point
    (D(12), D(10), False),  # better
    (D(10), D(12), False),  # worse
    (D(10), D(10), False),  # no change
    (D(12), D(10), None),  # no direction given: lower is better, as Evidence.points
    (D(10), D(12), None),
    (D("0.5000"), D("0.4999"), True),
    (None, D(5), True),  # incomplete numbers: full points, as Evidence.points
]


@pytest.mark.django_db
def test_gathered_evidence_points_agree_with_evidence_points_for_every_case():
    cycle = make_cycle(status=Status.OPEN)
    nominator = make_user()
    expected = {}
    cases = [(EKind.MEASURED_IMPROVEMENT, m) for m in MEASUREMENTS] + [
        (kind, (None, None, None))
        for kind in (EKind.CUSTOMER_WORDS, EKind.FRONT_LINE_TIME, EKind.ARTIFACT)
    ]
    for kind, (before, after, higher) in cases:
        nominee = make_user()
        nom = nomination(cycle, nominee, nominator)
        items = [
            evidence(nom, kind, verification, before=before, after=after, higher_is_better=higher)
            for verification in (V.VERIFIED, V.UNVERIFIED, V.DISPUTED, V.VERIFIED)
        ]
        expected[nominee.pk] = sum(item.points for item in items)

    _, rows = scoring.gather(cycle)

    assert {row.candidate_id: row.evidence for row in rows} == expected
    assert sorted(expected.values())[:3] == [D("2.5"), D("2.5"), D("2.5")]  # 1+0.5+0+1


@pytest.mark.django_db
def test_evidence_of_withdrawn_and_rejected_nominations_does_not_count():
    cycle = make_cycle(status=Status.OPEN)
    nominee = make_user()
    active = nomination(cycle, nominee, make_user())
    evidence(active, EKind.CUSTOMER_WORDS)
    for status in (Nomination.Status.WITHDRAWN, Nomination.Status.REJECTED):
        evidence(nomination(cycle, nominee, make_user(), status=status), EKind.CUSTOMER_WORDS)

    [row] = scoring.gather(cycle)[1]

    assert (row.evidence, row.peer) == (D(3), D(1))


# --- Peer support -----------------------------------------------------------------------------


def test_peer_support_counts_nominators_once_and_endorsers_half():
    p = scoring.peer_support(candidate_id=1, nominators=[2, 3, 3], endorsers=[4, 5], pairs=set())
    assert p == D(3)  # 2 + 1 nominators, 0.5 × 2 endorsers


def test_a_reciprocal_pair_counts_half_for_each():
    pairs = {(2, 1), (1, 2), (3, 1)}  # 1 and 2 nominated each other; 3 nominated 1
    assert scoring.peer_support(candidate_id=1, nominators=[2, 3], endorsers=[], pairs=pairs) == D(
        "1.5"
    )
    assert scoring.peer_support(candidate_id=2, nominators=[1], endorsers=[], pairs=pairs) == D(
        "0.5"
    )


def test_a_nominator_who_also_endorses_counts_once_as_a_nominator():
    p = scoring.peer_support(candidate_id=1, nominators=[2], endorsers=[2, 4], pairs=set())
    assert p == D("1.5")


@pytest.mark.django_db
def test_reciprocity_needs_both_nominations_to_be_active():
    cycle = make_cycle(status=Status.OPEN)
    ann, ben = make_user(), make_user()
    nomination(cycle, ben, ann)
    nomination(cycle, ann, ben, status=Nomination.Status.WITHDRAWN)

    rows = {row.candidate_id: row for row in scoring.gather(cycle)[1]}

    assert set(rows) == {ben.pk}
    assert rows[ben.pk].peer == D(1)


@pytest.mark.django_db
def test_reciprocity_is_per_cycle():
    earlier = make_cycle(month=dt.date(2029, 12, 1))
    cycle = make_cycle(status=Status.OPEN)
    ann, ben = make_user(), make_user()
    nomination(cycle, ben, ann)
    nomination(earlier, ann, ben)

    [row] = scoring.gather(cycle)[1]

    assert (row.candidate_id, row.peer) == (ben.pk, D(1))


@pytest.mark.django_db
def test_endorsers_count_once_per_candidate_and_only_on_active_nominations():
    cycle = make_cycle(status=Status.OPEN)
    nominee, eve, finn = make_user(), make_user(), make_user()
    first, second = nomination(cycle, nominee, make_user()), nomination(cycle, nominee, make_user())
    gone = nomination(cycle, nominee, make_user(), status=Nomination.Status.WITHDRAWN)
    for nom, who in ((first, eve), (second, eve), (gone, finn)):
        Endorsement.objects.create(nomination=nom, author=who, comment="Yes.")

    [row] = scoring.gather(cycle)[1]

    assert row.peer == D("2.5")  # two nominators + Eve once


@pytest.mark.django_db
def test_a_customer_sourced_nomination_makes_a_candidate_without_peer_support():
    cycle = make_cycle(status=Status.OPEN)
    nominee = make_user()
    nom = nomination(cycle, nominee, None)
    evidence(nom, EKind.CUSTOMER_WORDS)

    [row] = scoring.gather(cycle)[1]

    assert (row.candidate_id, row.evidence, row.peer) == (nominee.pk, D(3), D(0))
    assert row.first_nominated_at == nom.created_at


# --- Thank-yous -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_thanks_count_distinct_customers_case_insensitively_and_each_without_address():
    cycle = make_cycle(status=Status.OPEN)
    other = make_cycle(month=dt.date(2029, 11, 1))
    employee = make_user()
    for email in ("ann@shop.example", "ANN@shop.example", "Ann@Shop.Example", "bob@x.example"):
        thanks(employee, cycle, email)
    thanks(employee, cycle, "")
    thanks(employee, cycle, "")
    thanks(employee, cycle, "cat@x.example", status=ThankYou.Status.CONFIRMED)
    thanks(employee, cycle, "dan@x.example", status=ThankYou.Status.REJECTED)
    thanks(employee, other, "eve@x.example")

    [row] = scoring.gather(cycle)[1]

    assert row.thanks == 4  # ann, bob, two without an address
    assert row.first_nominated_at is None


# --- Composite and ranking --------------------------------------------------------------------


def test_points_are_the_weight_times_the_rounded_subscore():
    [standing] = scoring.score([spec(1, Kind.CUSTOMER_THANKS, 15, 2)], [inputs(1, t=1)])
    [line] = standing.lines
    assert (line.subscore, line.points) == (D("0.3333"), D("4.9995"))
    assert standing.composite == D("5.00")


def test_the_composite_is_rounded_half_up_to_two_decimals():
    rubric = [spec(1, Kind.PANEL, 10), spec(2, Kind.PANEL, 90)]
    # 10 × (1.49 − 1) / 4 = 10 × 0.1225 = 1.2250 → 1.23 (half even would give 1.22)
    [standing] = scoring.score(rubric, [inputs(1, panel={1: D("1.49"), 2: D(1)})])
    assert standing.composite == D("1.23")
    assert str(standing.composite) == "1.23"


def test_weights_adding_up_to_100_with_perfect_subscores_give_100():
    rubric = [spec(1, Kind.PANEL, 60), spec(2, Kind.PANEL, 40)]
    [standing] = scoring.score(rubric, [inputs(1, panel={1: D(5), 2: D(5)})])
    assert standing.composite == D("100.00")


# Weight 0 on the computed criteria lets two candidates tie on the composite while their
# tie-break inputs differ: each test below isolates one rule of the order.
TIE_RUBRIC = [
    spec(1, Kind.CUSTOMER_EVIDENCE, 0, 6),
    spec(2, Kind.CUSTOMER_THANKS, 0, 2),
    spec(3, Kind.PANEL, 100),
]


def ranked(*rows) -> list[int]:
    return [s.candidate_id for s in scoring.score(TIE_RUBRIC, rows)]


def test_the_higher_composite_ranks_first_whatever_the_tie_breaks():
    assert ranked(
        inputs(1, e="20", t=9, panel={3: D(3)}, first=T0),
        inputs(2, panel={3: D("3.5")}),
    ) == [2, 1]


def test_a_tie_goes_first_to_the_higher_customer_evidence_subscore():
    assert ranked(
        inputs(1, e="1", t=9, panel={3: D(3)}, first=T0),
        inputs(2, e="2", t=0, panel={3: D(3)}, first=T0 + dt.timedelta(days=1)),
    ) == [2, 1]


def test_then_to_more_distinct_customers():
    assert ranked(
        inputs(1, e="2", t=1, panel={3: D(3)}, first=T0),
        inputs(2, e="2", t=2, panel={3: D(3)}, first=T0 + dt.timedelta(days=1)),
    ) == [2, 1]


def test_then_to_the_earliest_first_nomination_with_none_last():
    later = T0 + dt.timedelta(hours=1)
    assert ranked(
        inputs(1, e="2", t=2, panel={3: D(3)}, first=None),
        inputs(2, e="2", t=2, panel={3: D(3)}, first=later),
        inputs(3, e="2", t=2, panel={3: D(3)}, first=T0),
    ) == [3, 2, 1]


def test_then_to_the_lowest_user_id():
    assert ranked(inputs(9, t=2), inputs(4, t=2), inputs(6, t=2)) == [4, 6, 9]


def test_the_subscore_tie_break_compares_the_rounded_subscore():
    # 1000 and 1001 both saturate to 0.9940 with a half point of 6: equal, so T decides.
    assert ranked(inputs(1, e="1001", t=1), inputs(2, e="1000", t=2)) == [2, 1]


def test_ranks_run_from_one_to_n_and_no_candidate_is_scored_twice():
    standings = scoring.score(TIE_RUBRIC, [inputs(i, t=i % 3) for i in range(1, 6)])
    assert [s.rank for s in standings] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="twice"):
        scoring.score(TIE_RUBRIC, [inputs(1), inputs(1)])


def test_no_candidates_score_to_an_empty_board():
    assert scoring.score(TIE_RUBRIC, []) == []
    assert Snapshot.of(TIE_RUBRIC, [], []).to_json()["ranking"] == []


# --- Candidates and eligibility ---------------------------------------------------------------


@pytest.mark.django_db
def test_candidates_are_active_nominees_and_thanked_employees_who_are_eligible():
    cycle = make_cycle(status=Status.OPEN)
    nominated, thanked, both = make_user(), make_user(), make_user()
    withdrawn_only, pending_thanks_only, left = make_user(), make_user(), make_user()
    nomination(cycle, nominated, make_user())
    thanks(thanked, cycle, "a@x.example")
    nomination(cycle, both, make_user())
    thanks(both, cycle, "b@x.example")
    nomination(cycle, withdrawn_only, make_user(), status=Nomination.Status.WITHDRAWN)
    thanks(pending_thanks_only, cycle, "c@x.example", status=ThankYou.Status.CONFIRMED)
    nomination(cycle, left, make_user())
    left.is_active = False
    left.save()

    ids = [row.candidate_id for row in scoring.gather(cycle)[1]]

    assert ids == sorted([nominated.pk, thanked.pk, both.pk])


@pytest.mark.django_db
def test_only_the_eligible_departments_compete_when_the_cycle_names_any():
    support, warehouse = make_department("Support"), make_department("Warehouse")
    inside = make_user(department=support)
    outside, nowhere = make_user(department=warehouse), make_user()
    cycle = make_cycle(status=Status.OPEN, eligible_departments=[support])
    for person in (inside, outside, nowhere):
        thanks(person, cycle, "a@x.example")

    assert [row.candidate_id for row in scoring.gather(cycle)[1]] == [inside.pk]

    cycle.eligible_departments.clear()
    assert len(scoring.gather(cycle)[1]) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("won_in", "cooldown", "competes"),
    [
        (dt.date(2030, 2, 1), 3, False),  # last month
        (dt.date(2029, 12, 1), 3, False),  # three months before
        (dt.date(2029, 11, 1), 3, True),  # four months before: cooled down
        (dt.date(2030, 2, 1), 0, True),  # no cool-down
        (dt.date(2029, 12, 1), 2, True),
        (dt.date(2030, 4, 1), 3, True),  # a later cycle's award is not "recent"
    ],
)
def test_recent_winners_cool_down_for_cooldown_cycles_months(won_in, cooldown, competes):
    cycle = make_cycle(month=dt.date(2030, 3, 1), status=Status.OPEN, cooldown_cycles=cooldown)
    winner, runner_up = make_user(), make_user()
    won = make_cycle(month=won_in)
    award(won, winner)
    award(won, runner_up, rank=2)  # every award counts, not only rank 1
    for person in (winner, runner_up):
        thanks(person, cycle, "a@x.example")

    ids = {row.candidate_id for row in scoring.gather(cycle)[1]}

    assert ids == ({winner.pk, runner_up.pk} if competes else set())
    assert eligibility.recent_winner_ids(cycle) == (
        set() if competes else {winner.pk, runner_up.pk}
    )


# --- The cool-down when nominating (check_nominee) --------------------------------------------


@pytest.mark.django_db
def test_a_recent_winner_cannot_be_nominated_until_the_cool_down_ends():
    cycle = make_cycle(month=dt.date(2030, 3, 1), status=Status.OPEN)
    winner = make_user(full_name="Wanda Winner")
    award(make_cycle(month=dt.date(2030, 1, 1)), winner)

    with pytest.raises(ValidationError) as error:
        make_nomination(nominator=make_user(), nominee=winner, cycle=cycle)

    assert error.value.message_dict["nominee"] == [
        "Wanda Winner won Employee of the Month recently: "
        "they can be nominated again from May 2030."
    ]
    assert not Nomination.objects.filter(nominee=winner).exists()


@pytest.mark.django_db
def test_the_cool_down_message_counts_from_the_latest_win():
    cycle = make_cycle(month=dt.date(2030, 3, 1), status=Status.OPEN, cooldown_cycles=6)
    winner = make_user()
    award(make_cycle(month=dt.date(2029, 10, 1)), winner)
    award(make_cycle(month=dt.date(2030, 2, 1)), winner)

    assert eligibility.eligible_again_from(cycle=cycle, user=winner) == dt.date(2030, 9, 1)


@pytest.mark.django_db
def test_a_winner_whose_cool_down_is_over_can_be_nominated_again():
    cycle = make_cycle(month=dt.date(2030, 3, 1), status=Status.OPEN)
    winner = make_user()
    award(make_cycle(month=dt.date(2029, 11, 1)), winner)

    nom = make_nomination(nominator=make_user(), nominee=winner)

    assert nom.cycle == cycle
    assert eligibility.eligible_again_from(cycle=cycle, user=winner) is None


@pytest.mark.django_db
def test_first_nominated_at_is_the_earliest_active_nomination():
    cycle = make_cycle(status=Status.OPEN)
    nominee = make_user()
    withdrawn = nomination(cycle, nominee, make_user(), status=Nomination.Status.WITHDRAWN)
    first = nomination(cycle, nominee, make_user())
    nomination(cycle, nominee, make_user())
    Nomination.objects.filter(pk=withdrawn.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )

    [row] = scoring.gather(cycle)[1]

    assert row.first_nominated_at == first.created_at
