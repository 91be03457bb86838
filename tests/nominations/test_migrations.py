"""The migration that stores each item of evidence's points counts them for the evidence that
was there before it, and each nomination's sum of them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("nominations", "0006_withdrawn_endorsements")
AFTER = ("nominations", "0007_evidence_points")
T0 = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)


def migrate(nominations_at: tuple[str, str]):
    """Every app at its latest migration but nominations, at `nominations_at`; the models as
    they were then."""
    executor = MigrationExecutor(connection)
    targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "nominations"]
    targets.append(nominations_at)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrator(transactional_db):
    yield migrate
    latest()


def test_the_points_of_existing_evidence_are_counted(migrator):
    apps = migrator(BEFORE)
    User = apps.get_model("accounts", "User")
    AwardCycle = apps.get_model("awards", "AwardCycle")
    Category = apps.get_model("nominations", "Category")
    Nomination = apps.get_model("nominations", "Nomination")
    Evidence = apps.get_model("nominations", "Evidence")
    nominator = User.objects.create(email="omar@example.com", full_name="Omar", password="!")
    nominee = User.objects.create(email="nina@example.com", full_name="Nina", password="!")
    cycle = AwardCycle.objects.create(
        title="March 2030",
        month=dt.date(2030, 3, 1),
        opens_at=T0,
        nominations_close_at=T0 + dt.timedelta(days=20),
        judging_close_at=T0 + dt.timedelta(days=27),
        status="open",
    )
    nomination = Nomination.objects.create(
        cycle=cycle,
        nominee=nominee,
        nominator=nominator,
        category=Category.objects.create(name="Heard them", slug="heard-them"),
        headline="Rewrote the refund letter",
        story="With customers.",
        customer_impact="Fewer calls.",
    )
    rows = [
        ({"kind": "customer_words", "verification": "verified"}, "3"),
        ({"kind": "customer_words", "verification": "unverified"}, "1.5"),
        ({"kind": "measured_improvement", "before": 10, "after": 4}, "2"),  # lower is better
        ({"kind": "measured_improvement", "before": 4, "after": 10}, "0.5"),  # no improvement
        (
            {"kind": "measured_improvement", "before": 4, "after": 10, "higher_is_better": True},
            "2",
        ),
        ({"kind": "artifact", "verification": "disputed", "verification_note": "Not ours."}, "0"),
    ]
    items = [Evidence.objects.create(nomination=nomination, **fields) for fields, _ in rows]

    apps = migrator(AFTER)

    Evidence = apps.get_model("nominations", "Evidence")
    Nomination = apps.get_model("nominations", "Nomination")
    assert [Evidence.objects.get(pk=item.pk).points for item in items] == [
        Decimal(points) for _, points in rows
    ]
    assert Nomination.objects.get(pk=nomination.pk).evidence_points == Decimal(9)
