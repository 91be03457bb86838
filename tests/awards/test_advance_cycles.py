import datetime as dt

from django.core.management import call_command

from awards.models import AwardCycle
from core.audit import AuditEvent
from cycles import services
from tests.awards.conftest import make_cycle

Status = AwardCycle.Status
UTC = dt.UTC


def at(y, m, d, h=0):
    return dt.datetime(y, m, d, h, tzinfo=UTC)


def test_it_opens_a_draft_whose_date_has_come(db):
    cycle = make_cycle(month=dt.date(2030, 1, 1))
    planned = cycle.opens_at
    services.advance_cycles(now=at(2030, 1, 1, 1))
    cycle.refresh_from_db()
    assert cycle.status == Status.OPEN
    # Opened on its date (as the run sees it, whatever the clock says): the date stays.
    assert cycle.opens_at == planned
    assert cycle.status_changed_at == at(2030, 1, 1, 1)


def test_it_closes_nominations_when_their_date_passes(db):
    cycle = make_cycle(month=dt.date(2030, 1, 1), status=Status.OPEN)
    services.advance_cycles(now=at(2030, 2, 1, 1))
    cycle.refresh_from_db()
    assert cycle.status == Status.JUDGING


def test_it_catches_up_two_phases_after_a_long_pause(db):
    cycle = make_cycle(month=dt.date(2030, 1, 1))
    services.advance_cycles(now=at(2030, 2, 3))
    cycle.refresh_from_db()
    assert cycle.status == Status.JUDGING


def test_it_never_decides_a_cycle_by_itself(db):
    cycle = make_cycle(month=dt.date(2030, 1, 1), status=Status.JUDGING)
    services.advance_cycles(now=at(2030, 3, 1))
    cycle.refresh_from_db()
    assert cycle.status == Status.JUDGING


def test_it_creates_next_months_draft_from_the_latest_rubric(db):
    cycle = make_cycle(month=dt.date(2030, 1, 1), status=Status.OPEN)
    items = [
        {"name": "Evidence", "kind": "customer_evidence", "weight": 70, "half_point": 5},
        {"name": "Panel", "kind": "panel", "weight": 30},
    ]
    services.replace_rubric(cycle=cycle, criteria=items, by=None)
    services.advance_cycles(now=at(2030, 1, 10))
    created = AwardCycle.objects.get(month=dt.date(2030, 2, 1))
    assert created.status == Status.DRAFT
    assert list(created.criteria.values_list("name", "weight")) == [
        ("Evidence", 70),
        ("Panel", 30),
    ]


def test_running_twice_changes_nothing_more(db):
    make_cycle(month=dt.date(2030, 1, 1))
    first = services.advance_cycles(now=at(2030, 1, 2))
    events = AuditEvent.objects.count()
    second = services.advance_cycles(now=at(2030, 1, 2))
    assert first
    assert second == []
    assert AuditEvent.objects.count() == events
    assert AwardCycle.objects.count() == 2


def test_the_command_says_what_it_did(db, capsys):
    call_command("advance_cycles")
    assert "created in draft" in capsys.readouterr().out
    call_command("advance_cycles")
    assert "Nothing to do." in capsys.readouterr().out
