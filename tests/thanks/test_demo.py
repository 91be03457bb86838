import io

from django.core.management import call_command

from nominations.models import Integration, ThankYou


def test_the_demo_has_thank_yous_in_every_state_and_a_helpdesk(db):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert set(ThankYou.objects.values_list("status", flat=True)) == set(ThankYou.Status.values)
    assert set(ThankYou.objects.values_list("source", flat=True)) == set(ThankYou.Source.values)
    assert ThankYou.objects.filter(employee__isnull=True, status="confirmed").exists()
    assert ThankYou.objects.filter(status="approved", cycle__isnull=False).exists()
    assert Integration.objects.count() == 1
    count = ThankYou.objects.count()

    call_command("seed_demo", "--force", stdout=io.StringIO())

    assert ThankYou.objects.count() == count
