import pytest

from awards.models import AwardCycle, JudgeAssignment
from nominations import services
from nominations.models import Category, Nomination
from tests.awards.conftest import make_cycle
from tests.conftest import make_user

Status = AwardCycle.Status


def category() -> Category:
    # get_or_create: transactional tests flush the categories the data migration seeded.
    return Category.objects.get_or_create(
        slug="heard-the-customer", defaults={"name": "Heard the customer"}
    )[0]


def make_nomination(*, nominator, nominee, cycle=None, **kw) -> Nomination:
    fields = {
        "headline": "Rewrote the refund letter with customers",
        "story": "She sat with support for a week and **rewrote** the letter.",
        "customer_impact": "Customers stopped calling to ask what the letter meant.",
        "category": category(),
    } | kw
    return services.nominate(nominator=nominator, nominee=nominee, cycle=cycle, **fields)


class People:
    """The cast of a nomination: who nominates whom, who manages, judges and endorses."""

    def __init__(self) -> None:
        self.manager = make_user(full_name="Mona Manager")
        self.nominee = make_user(full_name="Nina Nominee", manager=self.manager)
        self.nominator = make_user(full_name="Omar Nominator")
        self.colleague = make_user(full_name="Carl Colleague")
        self.judge = make_user(full_name="Jude Judge")
        self.hr = make_user(full_name="Hana HR", hr=True)
        self.stranger = make_user(full_name="Sam Stranger")


@pytest.fixture
def people(db) -> People:
    return People()


@pytest.fixture
def cycle(db) -> AwardCycle:
    return make_cycle(status=Status.OPEN)


@pytest.fixture
def nomination(people, cycle) -> Nomination:
    JudgeAssignment.objects.create(cycle=cycle, judge=people.judge)
    return make_nomination(nominator=people.nominator, nominee=people.nominee)


def move(cycle: AwardCycle, to: str) -> AwardCycle:
    """Walk an open cycle forward to `to` through the real transitions."""
    from cycles import services as award_services

    order = list(Status.values)
    for step in order[order.index(cycle.status) + 1 : order.index(to) + 1]:
        cycle = award_services.transition(cycle=cycle, to=step, by=None)
    return cycle
