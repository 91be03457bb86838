import io

from django.core.management import call_command

from awards.models import AwardCycle
from nominations.models import Endorsement, Evidence, Nomination


def test_the_demo_has_a_cycle_in_every_phase_with_evidence_of_every_kind_and_state(db):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert set(AwardCycle.objects.values_list("status", flat=True)) == set(AwardCycle.Status.values)
    assert set(Evidence.objects.values_list("kind", flat=True)) == set(Evidence.Kind.values)
    assert set(Evidence.objects.values_list("verification", flat=True)) == set(
        Evidence.Verification.values
    )
    assert Endorsement.objects.exists()
    counts = (AwardCycle.objects.count(), Nomination.objects.count(), Evidence.objects.count())

    call_command("seed_demo", "--force", stdout=io.StringIO())

    again = (AwardCycle.objects.count(), Nomination.objects.count(), Evidence.objects.count())
    assert again == counts


def test_the_demo_has_an_announced_winner_with_a_story_and_a_cycle_in_judging(db):
    from awards.models import Award, JudgeAssignment
    from stories.models import Story

    call_command("seed_demo", "--force", stdout=io.StringIO())
    announced = AwardCycle.objects.get(status=AwardCycle.Status.ANNOUNCED)
    assert announced.decision.announced_at is not None
    assert Award.objects.filter(cycle=announced, rank=1).exists()
    assert Story.objects.filter(kind=Story.Kind.AWARD, award_cycle=announced).count() == 1
    judging = AwardCycle.objects.get(status=AwardCycle.Status.JUDGING)
    assert JudgeAssignment.objects.filter(cycle=judging).count() >= 2
