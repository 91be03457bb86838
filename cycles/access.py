"""Who may see award cycles. The web views and the API both use these."""

from collections.abc import Iterable

from accounts.models import User
from awards.models import AwardCycle, JudgeAssignment
from nominations.models import Endorsement, Nomination, WithdrawnEndorsement

# --- Judges -----------------------------------------------------------------------------------

DECIDED_PHASES = (AwardCycle.Status.DECIDED, AwardCycle.Status.ANNOUNCED)


def is_judge(user: User, cycle: AwardCycle) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return JudgeAssignment.objects.filter(cycle=cycle, judge=user).exists()


def can_see_scoreboard(user: User, cycle: AwardCycle) -> bool:
    """Scores are HR's; a cycle's judges see them once the cycle is decided (DESIGN §7)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_hr:
        return True
    return cycle.status in DECIDED_PHASES and is_judge(user, cycle)


def conflicts_by_judge(cycle: AwardCycle, judge_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each judge, the people they may not score in this cycle: themselves; anyone whose
    nomination in it they wrote, were invited to endorse, or endorsed, whatever became of the
    nomination or of the endorsement (a withdrawn one still counts: they read it and took
    sides); and their direct reports. One query, whatever the number of judges."""
    conflicts: dict[int, set[int]] = {pk: {pk} for pk in judge_ids}
    if not conflicts:
        return conflicts
    judges = list(conflicts)
    in_cycle = {"nomination__cycle": cycle}
    pairs = [
        Nomination.objects.filter(cycle=cycle, nominator_id__in=judges).values_list(
            "nominator_id", "nominee_id"
        ),
        Nomination.invited_endorsers.through.objects.filter(
            **in_cycle, user_id__in=judges
        ).values_list("user_id", "nomination__nominee_id"),
        Endorsement.objects.filter(**in_cycle, author_id__in=judges).values_list(
            "author_id", "nomination__nominee_id"
        ),
        WithdrawnEndorsement.objects.filter(**in_cycle, author_id__in=judges).values_list(
            "author_id", "nomination__nominee_id"
        ),
        User.objects.filter(manager_id__in=judges).values_list("manager_id", "pk"),
    ]
    first, *rest = (query.order_by() for query in pairs)
    for judge_id, candidate_id in first.union(*rest, all=True).order_by():
        conflicts[judge_id].add(candidate_id)
    return conflicts


def conflicted_candidate_ids(judge: User, cycle: AwardCycle) -> set[int]:
    """The people `judge` may not score in `cycle` (a conflict of interest, DESIGN §4)."""
    return conflicts_by_judge(cycle, [judge.pk])[judge.pk]
