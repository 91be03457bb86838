"""What judges and nominators hear about a cycle (notifications.services.notify), called by
cycles/judging.py, cycles/services.py and cycles/deciding.py right after the change, in its
transaction. A judge's notice says nothing about who nominated whom."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import User
from awards.models import Award, AwardCycle
from nominations.models import Nomination
from notifications.models import Kind
from notifications.services import notify


def _judge_page(cycle: AwardCycle) -> str:
    return reverse("awards:judge_cycle", args=[cycle.pk])


def judges_assigned(cycle: AwardCycle, judge_ids: Iterable[int]) -> None:
    """Each judge newly on the panel."""
    if cycle.status == AwardCycle.Status.JUDGING:
        text = gettext("You are on the judging panel of %(cycle)s: judging is open, score now.")
    else:
        text = gettext(
            "You are on the judging panel of %(cycle)s. We will tell you when judging starts."
        )
    for judge in User.objects.filter(pk__in=list(judge_ids)):
        notify(
            recipient=judge,
            kind=Kind.JUDGE_ASSIGNED,
            event_key=f"cycle:{cycle.pk}:judge",
            text=text % {"cycle": cycle},
            link=_judge_page(cycle),
        )


def judging_started(cycle: AwardCycle) -> None:
    """Every judge of the cycle, when it moves to judging."""
    text = gettext("Judging of %(cycle)s has started: score the candidates.") % {"cycle": cycle}
    for judge in User.objects.filter(judge_assignments__cycle=cycle):
        notify(
            recipient=judge,
            kind=Kind.JUDGING_STARTED,
            event_key=f"cycle:{cycle.pk}:judging",
            text=text,
            link=_judge_page(cycle),
        )


def winners_announced(cycle: AwardCycle, awards: list[Award]) -> None:
    """The nominators of each winner's nominations in the cycle (everyone may read them now)."""
    link = reverse("awards:results", args=[cycle.pk])
    for award in awards:
        nominations = Nomination.objects.filter(
            cycle=cycle,
            nominee_id=award.recipient_id,
            status=Nomination.Status.ACTIVE,
            nominator__isnull=False,  # a customer's nomination has no nominator to tell
        ).select_related("nominator")
        for nomination in nominations:
            notify(
                recipient=nomination.nominator,
                kind=Kind.NOMINEE_WON,
                event_key=f"cycle:{cycle.pk}:won:{award.recipient_id}",
                text=gettext("%(nominee)s, whom you nominated, is a winner of %(cycle)s.")
                % {"nominee": award.recipient.full_name, "cycle": cycle},
                link=link,
            )
