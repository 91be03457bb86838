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
