import threading

import pytest

from core.errors import ConflictError
from nominations import services
from nominations.models import Endorsement, Nomination
from tests.awards.conftest import make_cycle
from tests.concurrency import race, requires_postgres
from tests.conftest import make_user
from tests.nominations.conftest import category, make_nomination

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_two_identical_nominations_at_the_same_instant_make_one_row():
    make_cycle(status="open")
    nominator, nominee = make_user(), make_user()

    def nominate():
        return services.nominate(
            nominator=nominator,
            nominee=nominee,
            category=category(),
            headline="Same",
            story="Same story",
            customer_impact="Same impact",
        )

    results = race(nominate, threads=3)
    assert Nomination.objects.count() == 1
    assert sum(isinstance(r, Nomination) for r in results) == 1
    assert all(isinstance(r, ConflictError) for r in results if not isinstance(r, Nomination))


def test_two_endorsements_by_one_person_at_once_make_one_row():
    make_cycle(status="open")
    nomination = make_nomination(nominator=make_user(), nominee=make_user())
    colleague = make_user()
    results = race(
        lambda: services.endorse(nomination=nomination, by=colleague, comment="Yes!"), threads=3
    )
    assert Endorsement.objects.count() == 1
    assert sum(isinstance(r, ConflictError) for r in results) == 2


def test_evidence_added_concurrently_stops_at_ten():
    make_cycle(status="open")
    nominator = make_user()
    nomination = make_nomination(nominator=nominator, nominee=make_user())
    lock = threading.Lock()
    added = []

    def add():
        item = services.add_evidence(
            nomination=nomination,
            by=nominator,
            kind="customer_words",
            quote="Thanks!",
            quote_source="Call",
        )
        with lock:
            added.append(item)
        return item

    race(add, threads=12)
    assert nomination.evidence.count() == 10
