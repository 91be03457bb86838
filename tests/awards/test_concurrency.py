import threading

import pytest

from awards.models import AwardCycle
from core.audit import AuditEvent
from core.errors import ConflictError
from cycles import services
from tests.awards.conftest import make_cycle
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_hr_users_moving_the_same_cycle_at_once_make_one_transition():
    cycle = make_cycle()
    hr_a, hr_b = make_user(hr=True), make_user(hr=True)
    users = iter([hr_a, hr_b])
    lock = threading.Lock()

    def move():
        with lock:
            by = next(users)
        return services.transition(cycle=cycle, to=AwardCycle.Status.OPEN, by=by)

    results = race(move)
    assert sum(isinstance(r, AwardCycle) for r in results) == 1
    conflict = next(r for r in results if isinstance(r, ConflictError))
    assert conflict.extra["allowed"] == ["judging"]
    assert AuditEvent.objects.filter(verb="cycle.transitioned").count() == 1
