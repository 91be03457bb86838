import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from awards.models import AwardCycle, Criterion
from core.audit import AuditEvent
from core.errors import ConflictError
from cycles import services
from tests.awards.conftest import make_cycle
from tests.conftest import make_user

Status = AwardCycle.Status


def rubric(*weights_and_kinds):
    return [
        {
            "name": f"C{i}",
            "kind": kind,
            "weight": weight,
            "half_point": Decimal(2),
            "customer_focused": focused,
        }
        for i, (weight, kind, focused) in enumerate(weights_and_kinds)
    ]


def test_a_new_cycle_gets_the_default_rubric(draft_cycle):
    criteria = list(draft_cycle.criteria.all())
    assert [c.weight for c in criteria] == [40, 15, 15, 15, 15]
    assert sum(c.weight for c in criteria if c.customer_focused) == 70
    assert draft_cycle.status == Status.DRAFT
    assert draft_cycle.title == "Employee of the Month · January 2030"


def test_default_dates_cover_the_month_then_a_week_of_judging(draft_cycle):
    opens = draft_cycle.opens_at
    assert (opens.year, opens.month, opens.day) == (2030, 1, 1)
    closes = draft_cycle.nominations_close_at
    assert (closes.month, closes.day) == (2, 1)
    assert draft_cycle.judging_close_at - closes == dt.timedelta(days=7)


def test_a_second_cycle_for_the_same_month_is_a_conflict(draft_cycle):
    with pytest.raises(ConflictError) as error:
        services.create_cycle(month=dt.date(2030, 1, 15), by=None)
    assert error.value.extra["existing"] == draft_cycle.pk


def test_transitions_follow_the_phases_and_are_audited(draft_cycle):
    hr = make_user(hr=True)
    cycle = services.transition(cycle=draft_cycle, to=Status.OPEN, by=hr)
    assert cycle.status == Status.OPEN
    event = AuditEvent.objects.get(verb="cycle.transitioned")
    assert event.actor == hr
    assert event.data["frm"] == "draft"
    assert event.data["to"] == "open"


def test_opening_before_the_planned_date_records_the_day_it_really_opened(draft_cycle, now):
    planned = draft_cycle.opens_at  # 1 January 2030, years from now
    cycle = services.transition(cycle=draft_cycle, to=Status.OPEN, by=make_user(hr=True))
    cycle.refresh_from_db()
    assert now <= cycle.opens_at < planned
    assert cycle.opens_at == cycle.status_changed_at
    event = AuditEvent.objects.get(verb="cycle.transitioned")
    assert event.data["planned_opens_at"] == planned.isoformat()


def test_opening_on_or_after_the_planned_date_keeps_it(db):
    cycle = make_cycle(month=dt.date(2020, 1, 1))
    planned = cycle.opens_at
    cycle = services.transition(cycle=cycle, to=Status.OPEN, by=None)
    cycle.refresh_from_db()
    assert cycle.opens_at == planned
    assert "planned_opens_at" not in AuditEvent.objects.get(verb="cycle.transitioned").data


def test_an_illegal_transition_lists_the_allowed_next_states(draft_cycle):
    with pytest.raises(ConflictError) as error:
        services.transition(cycle=draft_cycle, to=Status.JUDGING, by=None)
    assert error.value.extra["allowed"] == ["open"]
    draft_cycle.refresh_from_db()
    assert draft_cycle.status == Status.DRAFT


def test_an_announced_cycle_allows_no_transition(db):
    cycle = make_cycle(status=Status.ANNOUNCED)
    with pytest.raises(ConflictError) as error:
        services.transition(cycle=cycle, to=Status.OPEN, by=None)
    assert error.value.extra["allowed"] == []


@pytest.mark.parametrize("total", [99, 101])
def test_a_rubric_whose_weights_are_not_100_is_refused(draft_cycle, total):
    items = rubric((60, "customer_evidence", True), (total - 60, "peer_support", False))
    with pytest.raises(ValidationError) as error:
        services.replace_rubric(cycle=draft_cycle, criteria=items, by=None)
    message = " ".join(error.value.messages)
    assert f"add up to {total}%" in message
    assert "(1 short)" in message or "(1 too many)" in message


def test_a_rubric_below_the_customer_floor_says_by_how_much(draft_cycle):
    items = rubric((45, "customer_evidence", True), (55, "panel", False))
    with pytest.raises(ValidationError) as error:
        services.replace_rubric(cycle=draft_cycle, criteria=items, by=None)
    assert "carry 45%, below this cycle's floor of 50% (5 short)" in " ".join(error.value.messages)


def test_a_panel_criterion_may_count_as_customer_focused(draft_cycle):
    items = rubric((30, "customer_evidence", True), (30, "panel", True), (40, "panel", False))
    created = services.replace_rubric(cycle=draft_cycle, criteria=items, by=None)
    assert [c.customer_focused for c in created] == [True, True, False]
    assert AuditEvent.objects.filter(verb="cycle.rubric_changed").count() == 1


def test_peer_support_is_never_customer_focused(draft_cycle):
    items = rubric((45, "customer_evidence", True), (55, "peer_support", True))
    with pytest.raises(ValidationError, match="carry 45%"):
        services.replace_rubric(cycle=draft_cycle, criteria=items, by=None)


def test_a_computed_kind_may_appear_only_once(draft_cycle):
    items = rubric((50, "customer_evidence", True), (50, "customer_evidence", True))
    with pytest.raises(ValidationError, match="only once"):
        services.replace_rubric(cycle=draft_cycle, criteria=items, by=None)


def test_the_rubric_is_frozen_once_judging_starts(db):
    cycle = make_cycle(status=Status.JUDGING)
    items = rubric((60, "customer_evidence", True), (40, "panel", False))
    with pytest.raises(ConflictError, match="draft or open"):
        services.replace_rubric(cycle=cycle, criteria=items, by=None)
    assert cycle.criteria.count() == 5


def test_the_rubric_may_still_change_while_open(open_cycle):
    items = rubric((60, "customer_evidence", True), (40, "panel", False))
    services.replace_rubric(cycle=open_cycle, criteria=items, by=None)
    assert open_cycle.criteria.count() == 2


def test_dates_out_of_order_are_refused_next_to_the_field(draft_cycle):
    with pytest.raises(ValidationError) as error:
        services.update_cycle(cycle=draft_cycle, by=None, nominations_close_at=draft_cycle.opens_at)
    assert "nominations_close_at" in error.value.message_dict


def test_raising_the_floor_above_the_rubric_is_refused(draft_cycle):
    with pytest.raises(ValidationError) as error:
        services.update_cycle(cycle=draft_cycle, by=None, customer_share_floor=80)
    assert "70%" in error.value.message_dict["customer_share_floor"][0]


def test_judging_freezes_the_rules_but_not_the_dates(db):
    cycle = make_cycle(status=Status.JUDGING)
    with pytest.raises(ConflictError):
        services.update_cycle(cycle=cycle, by=None, winner_count=2)
    later = cycle.judging_close_at + dt.timedelta(days=1)
    services.update_cycle(cycle=cycle, by=None, judging_close_at=later)
    cycle.refresh_from_db()
    assert cycle.judging_close_at == later


weights = st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6)


@given(weights)
def test_a_rubric_is_valid_only_when_weights_sum_to_100(ws):
    items = [
        {"name": f"C{i}", "kind": "panel", "weight": w, "customer_focused": True}
        for i, w in enumerate(ws)
    ]
    summary = services.summarise_rubric(items, floor=0)
    assert summary.valid == (sum(ws) == 100)
    assert summary.total == sum(ws)


def test_criterion_kinds_are_the_four_of_the_design():
    assert set(Criterion.Kind.values) == {
        "customer_evidence",
        "customer_thanks",
        "peer_support",
        "panel",
    }


def test_a_move_confirmed_for_other_winners_is_refused_and_moves_nothing(db):
    cycle = make_cycle(status=AwardCycle.Status.DECIDED)
    assert services.winners_named(cycle, AwardCycle.Status.ANNOUNCED) == []
    with pytest.raises(ConflictError) as refused:
        services.transition(
            cycle=cycle, to=AwardCycle.Status.ANNOUNCED, by=None, expected_winners=[999]
        )
    assert refused.value.extra["code"] == "winners_changed"
    cycle.refresh_from_db()
    assert cycle.status == AwardCycle.Status.DECIDED
    services.transition(cycle=cycle, to=AwardCycle.Status.ANNOUNCED, by=None, expected_winners=[])
    cycle.refresh_from_db()
    assert cycle.status == AwardCycle.Status.ANNOUNCED
