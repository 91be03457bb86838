"""Who may see award cycles. The web views and the API both use these."""

from django.db.models import QuerySet

from accounts.models import User
from awards.models import AwardCycle


def visible_cycles(user: User) -> QuerySet[AwardCycle]:
    """Drafts are HR's work in progress; everyone signed in sees the rest."""
    cycles = AwardCycle.objects.all()
    return cycles if user.is_hr else cycles.exclude(status=AwardCycle.Status.DRAFT)
