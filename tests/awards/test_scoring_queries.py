"""Scoring a cycle takes the same number of queries whatever its size (DESIGN §4: never a
query per candidate). The data is bulk-created so that even 2,000 nominations build fast."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from awards.models import Award, AwardCycle, Criterion, PanelScore
from cycles import scoring
from nominations.models import Endorsement, Evidence, Nomination, ThankYou
from tests.awards.conftest import make_cycle
from tests.nominations.conftest import category

# rubric, nominees (first nomination, evidence points), nominators, endorsers, thank-yous,
# panel, and who of them may not compete
GATHER_QUERIES = 7

Kind = Evidence.Kind
V = Evidence.Verification
EVIDENCE_MIX = [
    {"kind": Kind.CUSTOMER_WORDS, "verification": V.VERIFIED},
    {"kind": Kind.MEASURED_IMPROVEMENT, "verification": V.UNVERIFIED, "before": 10, "after": 4},
    {
        "kind": Kind.MEASURED_IMPROVEMENT,
        "verification": V.VERIFIED,
        "before": 4,
        "after": 10,
        "higher_is_better": False,
    },
    {"kind": Kind.FRONT_LINE_TIME, "verification": V.UNVERIFIED, "hours": Decimal(2)},
    {"kind": Kind.ARTIFACT, "verification": V.DISPUTED, "verification_note": "Not ours."},
]


def people(count: int, prefix: str) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.com", full_name=f"{prefix} {i}", password="!")
        for i in range(count)
    )


def build_cycle(nominations: int) -> AwardCycle:
    """A cycle with `nominations` active nominations among n/10 colleagues (at least 10), each
    nominating the next few, so reciprocal pairs abound; two items of evidence and an
    endorsement per nomination; thank-yous (with and without e-mail addresses), some for
    employees nobody nominated; two judges' panel scores for everyone; one recent winner."""
    cycle = make_cycle(month=dt.date(2030, 3, 1), status=AwardCycle.Status.OPEN)
    size = max(10, nominations // 10)
    per_person = nominations // size
    staff = people(size, "staff")
    thanked_only = people(5, "thanked")
    judges = people(2, "judge")
    topic = category()
    noms = Nomination.objects.bulk_create(
        Nomination(
            cycle=cycle,
            nominator=staff[i],
            nominee=staff[(i + j) % size],
            category=topic,
            headline="Listened to customers",
            story="A story.",
            customer_impact="An impact.",
        )
        for i in range(size)
        for j in range(1, per_person + 1)
    )
    assert len(noms) == nominations
    Evidence.objects.bulk_create(
        Evidence(nomination=nom, **EVIDENCE_MIX[(n + k) % len(EVIDENCE_MIX)])
        for n, nom in enumerate(noms)
        for k in range(2)
    )
    Nomination.objects.filter(cycle=cycle).recount_evidence_points()  # as a bulk load must
    Endorsement.objects.bulk_create(
        Endorsement(nomination=nom, author=staff[(staff.index(nom.nominator) - 1) % size])
        for nom in noms
    )
    ThankYou.objects.bulk_create(
        ThankYou(
            employee=person,
            customer_name="A customer",
            customer_email=email,
            message="Thank you very much.",
            status=ThankYou.Status.APPROVED,
            cycle=cycle,
            source=ThankYou.Source.PUBLIC_FORM,
            submitted_on=dt.date(2030, 3, 5),
        )
        for n, person in enumerate(staff + thanked_only)
        for email in (f"c{n}@x.example", f"C{n}@X.example", "")
    )
    panel = list(cycle.criteria.filter(kind=Criterion.Kind.PANEL))
    PanelScore.objects.bulk_create(
        PanelScore(cycle=cycle, judge=judge, candidate=person, criterion=criterion, score=1 + n % 5)
        for n, person in enumerate(staff + thanked_only)
        for judge in judges
        for criterion in panel
    )
    january = make_cycle(month=dt.date(2030, 1, 1))
    Award.objects.create(cycle=january, recipient=staff[0], rank=1, composite=Decimal(50))
    return AwardCycle.objects.get(pk=cycle.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("nominations", [20, 200])
def test_gathering_a_cycle_takes_the_same_queries_at_any_size(
    nominations, django_assert_num_queries
):
    cycle = build_cycle(nominations)
    size = max(10, nominations // 10)

    with django_assert_num_queries(GATHER_QUERIES):
        criteria, rows = scoring.gather(cycle)

    assert len(criteria) == 5
    assert len(rows) == size - 1 + 5  # everyone but the recent winner, plus the thanked
    assert all(row.thanks == 2 for row in rows)
    nominated = [row for row in rows if row.first_nominated_at is not None]
    assert len(nominated) == size - 1
    assert all(row.evidence > 0 and row.peer > 0 for row in nominated)


@pytest.mark.django_db
@pytest.mark.parametrize("nominations", [20, 200])
def test_the_scoreboard_takes_the_same_queries_at_any_size(nominations, django_assert_num_queries):
    cycle = build_cycle(nominations)

    with django_assert_num_queries(GATHER_QUERIES):
        standings = scoring.scoreboard(cycle)

    assert [s.rank for s in standings] == list(range(1, len(standings) + 1))


@pytest.mark.django_db
def test_scoring_a_cycle_of_2000_nominations_takes_a_constant_number_of_queries(
    django_assert_num_queries,
):
    cycle = build_cycle(2000)
    assert Nomination.objects.filter(cycle=cycle).count() == 2000

    with django_assert_num_queries(GATHER_QUERIES):
        standings = scoring.scoreboard(cycle)

    assert len(standings) == 199 + 5  # everyone but the recent winner, plus the thanked
    assert [s.rank for s in standings] == list(range(1, 205))
