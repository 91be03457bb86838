"""Who may see or change a nomination (DESIGN §7). The web views and the API both use these.

- HR and the nominator always see it;
- the nominee's manager sees it (to verify evidence);
- colleagues the nominator invited to endorse it, and those who endorsed it, see it;
- judges of the cycle see it during judging (without the nominator's name when judging is
  blind), and after the decision, unless it is about them;
- the nominee and everyone else only once the cycle is announced (and then without scores).
A nomination you may not see answers 404, never 403, so its existence is not revealed.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from awards.models import AwardCycle, JudgeAssignment
from nominations.models import Endorsement, Evidence, Nomination

Status = AwardCycle.Status
JUDGE_PHASES = (Status.JUDGING, Status.DECIDED, Status.ANNOUNCED)


def visible_nominations(user: User) -> QuerySet[Nomination]:
    nominations = Nomination.objects.all()
    if user.is_hr:
        return nominations
    judges = JudgeAssignment.objects.filter(cycle=OuterRef("cycle"), judge=user)
    endorsed = Endorsement.objects.filter(nomination=OuterRef("pk"), author=user)
    invited = Nomination.invited_endorsers.through.objects.filter(
        nomination=OuterRef("pk"), user=user
    )
    active = Q(status=Nomination.Status.ACTIVE)
    # A judge who is also a nominee learns it at the announcement, like every nominee.
    judged = active & Q(cycle__status__in=JUDGE_PHASES) & Q(Exists(judges)) & ~Q(nominee=user)
    return nominations.filter(
        Q(nominator=user)
        | Q(nominee__manager=user)
        | Q(Exists(invited))
        | Q(Exists(endorsed))
        | judged
        | (active & Q(cycle__status=Status.ANNOUNCED))
    )


def can_view(user: User, nomination: Nomination) -> bool:
    return visible_nominations(user).filter(pk=nomination.pk).exists()


def nominators_shown(user: User, nominations: list[Nomination]) -> set[int]:
    """The ids among `nominations` whose nominator `user` may see, in one query for a page.

    Blind judging hides who nominated from the cycle's judges until the announcement; everyone
    else who may read a nomination may know who wrote it. The nominations need their cycle."""
    if user.is_hr:
        return {n.pk for n in nominations}
    judged = set(
        JudgeAssignment.objects.filter(
            judge=user, cycle_id__in={n.cycle_id for n in nominations}
        ).values_list("cycle_id", flat=True)
    )
    return {
        n.pk
        for n in nominations
        if n.nominator_id == user.pk
        or n.cycle.status == Status.ANNOUNCED
        or not (n.cycle_id in judged and n.cycle.blind_judging)
    }


def can_see_nominator(user: User, nomination: Nomination) -> bool:
    return nomination.pk in nominators_shown(user, [nomination])


def is_open(nomination: Nomination) -> bool:
    """Still open to changes: active, in a cycle that takes nominations. Once it is not, a
    change is a conflict (409) for whoever may otherwise make it."""
    return nomination.is_active and nomination.cycle.status == Status.OPEN


def may_edit(user: User, nomination: Nomination) -> bool:
    """The nominator. Whether it can still be edited is `is_open`: a conflict, not a refusal."""
    return nomination.nominator_id == user.pk


def can_edit(user: User, nomination: Nomination) -> bool:
    return may_edit(user, nomination) and is_open(nomination)


def can_withdraw(user: User, nomination: Nomination) -> bool:
    """The nominator; or HR (audited by the service), unless they are nominated in the same
    cycle themselves: taking a rival's nomination away, or their own, is a conflict of
    interest, left to another HR member. Whether it can still be withdrawn is `is_open`: a
    conflict, not a refusal."""
    if nomination.nominator_id == user.pk:
        return True
    return user.is_hr and not _competes_in(user, nomination.cycle_id)


def _competes_in(user: User, cycle_id: int) -> bool:
    """Whether `user` is nominated in the cycle: HR's powers over rivals stop there."""
    return Nomination.objects.filter(
        cycle_id=cycle_id, nominee=user, status=Nomination.Status.ACTIVE
    ).exists()


def may_add_evidence(user: User, nomination: Nomination) -> bool:
    """The nominator, or HR. Whether it can still take evidence is `is_open`: a conflict, not
    a refusal."""
    return nomination.nominator_id == user.pk or user.is_hr


def can_add_evidence(user: User, nomination: Nomination) -> bool:
    return may_add_evidence(user, nomination) and is_open(nomination)


def can_verify(user: User, nomination: Nomination) -> bool:
    """The nominee's manager or HR, while the evidence can still count; never the nominator
    (nobody verifies their own evidence) and never the nominee. HR nominated in the same cycle
    does not verify a rival's evidence (a conflict of interest, as for withdrawing), unless
    they are that rival's manager."""
    if user.pk in (nomination.nominator_id, nomination.nominee_id):
        return False
    if nomination.cycle.status not in (Status.OPEN, Status.JUDGING):
        return False
    if nomination.nominee.manager_id == user.pk:
        return True
    return user.is_hr and not _competes_in(user, nomination.cycle_id)


def can_endorse(user: User, nomination: Nomination) -> bool:
    return (
        user.pk not in (nomination.nominator_id, nomination.nominee_id)
        and is_open(nomination)
        and can_view(user, nomination)
    )


def can_see_evidence_points(user: User, nomination: Nomination) -> bool:
    """Points are part of the scoring: not for the nominee or the public after announcement."""
    return (
        user.is_hr
        or nomination.nominator_id == user.pk
        or nomination.nominee.manager_id == user.pk
        or (
            nomination.cycle.status != Status.ANNOUNCED
            and JudgeAssignment.objects.filter(cycle=nomination.cycle, judge=user).exists()
        )
    )


def evidence_for(nomination: Nomination) -> QuerySet[Evidence]:
    return nomination.evidence.select_related("verified_by", "added_by")
