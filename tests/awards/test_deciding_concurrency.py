import threading

import pytest

from awards.models import Award, AwardCycle, Criterion, Decision, PanelScore
from core.audit import AuditEvent
from core.errors import ConflictError
from cycles import deciding, judging, services
from tests.awards.test_deciding import Contest
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user

Status = AwardCycle.Status


def one_after_another(*people):
    """A thread-safe supply of the next person, so each racing thread acts as someone else."""
    queue = iter(people)
    lock = threading.Lock()

    def take():
        with lock:
            return next(queue)

    return take


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_hr_users_deciding_at_the_same_instant_make_one_snapshot():
    contest = Contest()
    take = one_after_another(contest.hr, make_user(hr=True))

    def decide():
        return services.transition(cycle=contest.cycle, to=Status.DECIDED, by=take())

    results = race(decide)
    assert sum(isinstance(r, AwardCycle) for r in results) == 1
    conflict = next(r for r in results if isinstance(r, ConflictError))
    assert conflict.extra["allowed"] == [Status.ANNOUNCED]
    assert Decision.objects.count() == 1
    assert list(Award.objects.values_list("recipient_id", flat=True)) == [contest.alice.pk]
    assert AuditEvent.objects.filter(verb="cycle.transitioned", data__to="decided").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_decide_calls_outside_a_transition_still_make_one_decision():
    contest = Contest()

    def decide():
        return deciding.decide(cycle=contest.cycle, by=contest.hr)

    results = race(decide)
    assert sum(isinstance(r, Decision) for r in results) == 1
    assert sum(isinstance(r, ConflictError) for r in results) == 1
    assert Decision.objects.count() == 1
    assert Award.objects.count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_judge_saving_the_same_score_twice_at_once_keeps_one_score():
    contest = Contest()
    judge = contest.judges[0]
    criterion = contest.cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()
    PanelScore.objects.filter(judge=judge).delete()
    scores = iter([3, 4])
    lock = threading.Lock()

    def score():
        with lock:
            value = next(scores)
        return judging.score_candidate(
            cycle=contest.cycle,
            judge=judge,
            candidate=contest.alice,
            criterion=criterion,
            score=value,
        )

    results = race(score)
    assert all(isinstance(r, PanelScore) for r in results), results
    assert PanelScore.objects.filter(judge=judge, criterion=criterion).count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_score_racing_the_decision_never_lands_after_the_snapshot():
    contest = Contest()
    judge = contest.judges[0]
    criterion = contest.cycle.criteria.filter(kind=Criterion.Kind.PANEL).first()
    steps = iter(["decide", "score"])
    lock = threading.Lock()

    def act():
        with lock:
            step = next(steps)
        if step == "decide":
            return services.transition(cycle=contest.cycle, to=Status.DECIDED, by=contest.hr)
        return judging.score_candidate(
            cycle=contest.cycle, judge=judge, candidate=contest.bob, criterion=criterion, score=5
        )

    results = race(act)
    assert any(isinstance(r, AwardCycle) for r in results)
    saved = PanelScore.objects.get(judge=judge, candidate=contest.bob, criterion=criterion)
    decision = Decision.objects.get()
    bob = next(c for c in decision.snapshot["candidates"] if c["candidate_id"] == contest.bob.pk)
    mean = bob["inputs"]["panel"][str(criterion.pk)]
    if any(isinstance(r, ConflictError) for r in results):
        assert saved.score == 2 and mean == "2.0000"  # judging had closed
    else:
        assert saved.score == 5 and mean == "3.5000"  # scored before the snapshot
