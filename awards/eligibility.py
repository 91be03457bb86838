"""Who may compete in a cycle, whatever they did in it: active, in one of the cycle's
departments when it names some, and not cooling down after a recent win. The candidates of a
cycle are the people competing in it (cycles/scoring.py) who are not ineligible here."""

import datetime as dt

from django.db.models import Exists, Q

from accounts.models import User
from awards.models import Award, AwardCycle
from awards.months import add_months


def recent_awards(cycle: AwardCycle):
    """Awards of the `cooldown_cycles` months before this cycle's month."""
    if not cycle.cooldown_cycles:
        return Award.objects.none()
    start = add_months(cycle.month, -cycle.cooldown_cycles)
    return Award.objects.filter(cycle__month__gte=start, cycle__month__lt=cycle.month)


def recent_winner_ids(cycle: AwardCycle) -> set[int]:
    """Who won in the cool-down window before this cycle: they are not candidates in it."""
    return set(recent_awards(cycle).values_list("recipient_id", flat=True))


def eligible_again_from(*, cycle: AwardCycle, user: User) -> dt.date | None:
    """The first month `user` can compete again, when a recent win keeps them out of this
    cycle; None when they are not cooling down. A win in January with a cool-down of 3
    keeps them out of February, March and April: they are back from May."""
    months = recent_awards(cycle).filter(recipient=user).values_list("cycle__month", flat=True)
    last = max(months, default=None)
    return None if last is None else add_months(last, cycle.cooldown_cycles + 1)


def ineligible(cycle: AwardCycle) -> Q:
    """A filter of the people who may not compete in the cycle now: no longer active, outside
    the cycle's eligible departments (when it names any), or cooling down after a recent win.
    The candidates of a cycle are those `competing` in it and not in this."""
    departments = AwardCycle.eligible_departments.through.objects.filter(awardcycle_id=cycle.pk)
    out = Q(is_active=False) | Q(pk__in=recent_awards(cycle).values("recipient_id"))
    return out | (Exists(departments) & ~Q(department_id__in=departments.values("department_id")))


def ineligible_ids(cycle: AwardCycle) -> set[int]:
    """`ineligible`, as ids. Whatever wrote the change (a service, a bulk import, the admin):
    one query, asked of the people rather than of the cycle's nominations, so it reads a few
    rows of a small company-wide set (of everyone outside the departments, when the cycle
    names some); callers keep the candidates they have that are not in it."""
    return set(User.objects.filter(ineligible(cycle)).order_by().values_list("pk", flat=True))
