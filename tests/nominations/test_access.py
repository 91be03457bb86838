"""The visibility matrix of DESIGN §7, phase by phase, at the access-helper level."""

import pytest

from awards.models import AwardCycle, JudgeAssignment
from nominations import access, services
from tests.nominations.conftest import make_nomination, move

Status = AwardCycle.Status
ROLES = ["nominator", "nominee", "manager", "colleague", "judge", "hr", "stranger"]

# Who may read the nomination in each phase (the colleague is not invited here).
CAN_VIEW = {
    Status.OPEN: {"nominator", "manager", "hr"},
    Status.JUDGING: {"nominator", "manager", "hr", "judge"},
    Status.DECIDED: {"nominator", "manager", "hr", "judge"},
    Status.ANNOUNCED: set(ROLES),
}


@pytest.mark.parametrize("phase", list(CAN_VIEW))
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_nomination_in_each_phase(nomination, people, phase, role):
    move(nomination.cycle, phase)
    nomination.refresh_from_db()
    user = getattr(people, role)
    assert access.can_view(user, nomination) == (role in CAN_VIEW[phase])


def test_an_invited_colleague_sees_it_and_may_endorse(nomination, people):
    assert not access.can_view(people.colleague, nomination)
    services.invite_endorsers(nomination=nomination, by=people.nominator, people=[people.colleague])
    assert access.can_view(people.colleague, nomination)
    assert access.can_endorse(people.colleague, nomination)


def test_blind_judges_do_not_see_the_nominator(nomination, people):
    move(nomination.cycle, Status.JUDGING)
    nomination.refresh_from_db()
    assert not access.can_see_nominator(people.judge, nomination)
    assert access.can_see_nominator(people.hr, nomination)
    assert access.can_see_nominator(people.manager, nomination)


@pytest.mark.parametrize("phase", [Status.JUDGING, Status.DECIDED])
def test_a_judge_does_not_see_a_nomination_of_themself_before_the_announcement(
    people, cycle, phase
):
    JudgeAssignment.objects.create(cycle=cycle, judge=people.judge)
    about_the_judge = make_nomination(nominator=people.nominator, nominee=people.judge)
    cycle = move(cycle, phase)
    assert not access.can_view(people.judge, about_the_judge)
    move(cycle, Status.ANNOUNCED)
    assert access.can_view(people.judge, about_the_judge)


def test_judges_see_the_nominator_when_judging_is_not_blind(nomination, people):
    cycle = nomination.cycle
    cycle.blind_judging = False
    cycle.save()
    move(cycle, Status.JUDGING)
    nomination.refresh_from_db()
    assert access.can_see_nominator(people.judge, nomination)


def test_a_withdrawn_nomination_stays_private_after_the_announcement(nomination, people):
    services.withdraw(nomination=nomination, by=people.nominator)
    move(nomination.cycle, Status.ANNOUNCED)
    nomination.refresh_from_db()
    assert not access.can_view(people.stranger, nomination)
    assert access.can_view(people.nominator, nomination)


def test_the_nominee_never_sees_points(nomination, people):
    move(nomination.cycle, Status.ANNOUNCED)
    nomination.refresh_from_db()
    assert not access.can_see_evidence_points(people.nominee, nomination)
    assert not access.can_see_evidence_points(people.judge, nomination)
    assert access.can_see_evidence_points(people.hr, nomination)
