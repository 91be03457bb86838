import datetime as dt

import pytest
from django.utils import timezone

from awards.models import AwardCycle
from cycles import services


def make_cycle(*, month: dt.date | None = None, status: str = AwardCycle.Status.DRAFT, **kw):
    """A cycle in the given phase, walked there through the real transitions."""
    month = month or dt.date(2030, 1, 1)
    cycle = services.create_cycle(month=month, by=None, **kw)
    order = list(AwardCycle.Status.values)
    for step in order[1 : order.index(status) + 1]:
        cycle = services.transition(cycle=cycle, to=step, by=None)
    return cycle


@pytest.fixture
def draft_cycle(db) -> AwardCycle:
    return make_cycle()


@pytest.fixture
def open_cycle(db) -> AwardCycle:
    return make_cycle(status=AwardCycle.Status.OPEN)


@pytest.fixture
def now():
    return timezone.now()
