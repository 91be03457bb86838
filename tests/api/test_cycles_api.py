"""/api/v1/cycles…: HR runs award cycles and their rubric; everyone reads what is not a draft."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from awards.models import AwardCycle, Criterion
from core.audit import AuditEvent
from tests.awards.conftest import make_cycle
from tests.conftest import make_department, make_user

Status = AwardCycle.Status
CYCLES = reverse("api-cycles")


def cycle_url(cycle: AwardCycle | int) -> str:
    return reverse("api-cycle", args=[getattr(cycle, "pk", cycle)])


def transition_url(cycle: AwardCycle) -> str:
    return reverse("api-cycle-transition", args=[cycle.pk])


def criteria_url(cycle: AwardCycle) -> str:
    return reverse("api-cycle-criteria", args=[cycle.pk])


def rubric(*weights: int, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """A rubric of the given weights; the first two are the customer-focused computed kinds."""
    kinds = kinds or ("customer_evidence", "customer_thanks", "peer_support", "panel", "panel")
    return [
        {"name": f"Criterion {i}", "kind": kind, "weight": weight, "half_point": 2}
        for i, (weight, kind) in enumerate(zip(weights, kinds, strict=False))
    ]


@pytest.fixture
def hr(db):
    return make_user(full_name="Hana HR", hr=True)


# --- Create -----------------------------------------------------------------------------------


def test_hr_creates_a_cycle_with_the_defaults(api, hr):
    response = api(hr).post(CYCLES, {"month": "2031-03-15"})

    assert response.status_code == 201
    body = response.json()
    assert body["month"] == "2031-03-01"
    assert body["status"] == "draft"
    assert body["title"] == "Employee of the Month · March 2031"
    assert (body["winner_count"], body["cooldown_cycles"]) == (1, 3)
    assert (body["blind_judging"], body["customer_share_floor"]) == (True, 50)
    assert body["eligible_departments"] == []
    assert body["allowed_next"] == ["open"]
    assert body["opens_at"].startswith("2031-03-01")
    cycle = AwardCycle.objects.get(pk=body["id"])
    assert cycle.criteria.count() == 5
    assert AuditEvent.objects.filter(verb="cycle.created", actor=hr).exists()


def test_hr_creates_a_cycle_with_every_setting(api, hr):
    support = make_department("Support")
    response = api(hr).post(
        CYCLES,
        {
            "month": "2031-04-01",
            "title": "April stars",
            "opens_at": "2031-04-02T09:00:00Z",
            "nominations_close_at": "2031-04-25T17:00:00Z",
            "judging_close_at": "2031-04-30T17:00:00Z",
            "winner_count": 2,
            "cooldown_cycles": 0,
            "blind_judging": False,
            "customer_share_floor": 60,
            "eligible_departments": [support.pk],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "April stars"
    assert body["opens_at"].startswith("2031-04-02T09:00:00")
    assert (body["winner_count"], body["cooldown_cycles"], body["blind_judging"]) == (2, 0, False)
    assert body["customer_share_floor"] == 60
    assert body["eligible_departments"] == [support.pk]


def test_a_second_cycle_for_the_same_month_is_a_409_pointing_at_the_first(api, hr):
    first = make_cycle(month=dt.date(2031, 5, 1))

    response = api(hr).post(CYCLES, {"month": "2031-05-20"})

    assert response.status_code == 409
    body = response.json()
    assert body["existing"] == first.pk
    assert "already a cycle for May 2031" in body["detail"]


def test_dates_out_of_order_are_a_field_error(api, hr):
    response = api(hr).post(
        CYCLES,
        {
            "month": "2031-06-01",
            "opens_at": "2031-06-10T00:00:00Z",
            "nominations_close_at": "2031-06-05T00:00:00Z",
        },
    )

    assert response.status_code == 400
    assert response.json() == {"nominations_close_at": ["Nominations must close after they open."]}


def test_a_floor_above_the_rubrics_customer_share_is_refused(api, hr):
    # The default rubric is 70% customer-focused.
    response = api(hr).post(CYCLES, {"month": "2031-07-01", "customer_share_floor": 80})

    assert response.status_code == 400
    assert list(response.json()) == ["customer_share_floor"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "month"),
        ({"month": "next month"}, "month"),
        ({"month": "9999-12-01"}, "month"),
        ({"month": "0001-01-01"}, "month"),
        ({"month": 20310801}, "month"),
        ({"month": "2031-08-01", "winner_count": 0}, "winner_count"),
        ({"month": "2031-08-01", "winner_count": 11}, "winner_count"),
        ({"month": "2031-08-01", "winner_count": "many"}, "winner_count"),
        ({"month": "2031-08-01", "winner_count": 10**30}, "winner_count"),
        ({"month": "2031-08-01", "cooldown_cycles": -1}, "cooldown_cycles"),
        ({"month": "2031-08-01", "customer_share_floor": 101}, "customer_share_floor"),
        ({"month": "2031-08-01", "opens_at": "yesterday"}, "opens_at"),
        ({"month": "2031-08-01", "opens_at": "9999-12-31T23:59:59-23:00"}, "opens_at"),
        ({"month": "2031-08-01", "eligible_departments": [10**12]}, "eligible_departments"),
        ({"month": "2031-08-01", "eligible_departments": ["x"]}, "eligible_departments"),
        ({"month": "2031-08-01", "title": "x" * 121}, "title"),
        ({"month": "2031-08-01", "title": "nul\x00"}, "title"),
    ],
)
def test_bad_cycle_input_is_a_400_naming_the_field(api, hr, payload, field):
    response = api(hr).post(CYCLES, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_body_that_is_not_json_is_a_400(api, hr):
    response = api(hr).post(CYCLES, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_form_encoded_body_is_refused_as_unsupported(api, hr):
    response = api(hr).post(CYCLES, {"month": "2031-08-01"}, format="multipart")

    assert response.status_code == 415


# --- Read -------------------------------------------------------------------------------------


def test_employees_see_every_cycle_but_drafts(api, employee):
    draft = make_cycle(month=dt.date(2031, 1, 1))
    opened = make_cycle(month=dt.date(2031, 2, 1), status=Status.OPEN)
    announced = make_cycle(month=dt.date(2030, 12, 1), status=Status.ANNOUNCED)

    body = api(employee).get(CYCLES).json()

    assert [c["id"] for c in body["results"]] == [opened.pk, announced.pk]
    assert draft.pk not in [c["id"] for c in body["results"]]


def test_hr_sees_drafts_in_the_list(api, hr):
    draft = make_cycle(month=dt.date(2031, 1, 1))

    body = api(hr).get(CYCLES).json()

    assert [c["id"] for c in body["results"]] == [draft.pk]
    assert body["count"] == 1


def test_a_draft_is_a_404_for_employees_and_visible_to_hr(api, employee, hr):
    draft = make_cycle(month=dt.date(2031, 1, 1))

    assert api(employee).get(cycle_url(draft)).status_code == 404
    assert api(employee).get(criteria_url(draft)).status_code == 404
    assert api(hr).get(cycle_url(draft)).json()["status"] == "draft"


def test_an_open_cycle_is_readable_by_everyone_signed_in(api, employee):
    cycle = make_cycle(status=Status.OPEN)

    body = api(employee).get(cycle_url(cycle)).json()

    assert body["id"] == cycle.pk
    assert body["allowed_next"] == ["judging"]
    assert body["rubric_editable"] is True


def test_anonymous_callers_get_401(api, db):
    cycle = make_cycle(status=Status.OPEN)

    assert api().get(CYCLES).status_code == 401
    assert api().get(cycle_url(cycle)).status_code == 401


@pytest.mark.parametrize("pk", [0, 999_999, 10**30])
def test_unknown_cycles_are_a_404(api, hr, pk):
    assert api(hr).get(cycle_url(pk)).status_code == 404


def test_the_list_costs_the_same_queries_for_two_and_for_twelve_cycles(
    api, employee, django_assert_num_queries
):
    support = make_department("Support")
    client = api(employee)

    def add_cycles(months: range) -> None:
        for m in months:
            make_cycle(
                month=dt.date(2031, m, 1), status=Status.OPEN, eligible_departments=[support]
            )
            make_cycle(month=dt.date(2032, m, 1), status=Status.DRAFT)

    add_cycles(range(1, 3))
    client.get(CYCLES)  # warm the caller's cached roles
    with django_assert_num_queries(3) as small:  # count, page, departments
        assert client.get(CYCLES).json()["count"] == 2
    AwardCycle.objects.filter(status=Status.OPEN).update(status=Status.ANNOUNCED)
    add_cycles(range(3, 13))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(CYCLES).json()["count"] == 12


# --- Edit -------------------------------------------------------------------------------------


def test_hr_edits_the_settings_of_a_draft(api, hr):
    cycle = make_cycle()
    support = make_department("Support")

    response = api(hr).patch(
        cycle_url(cycle),
        {"title": "January heroes", "winner_count": 3, "eligible_departments": [support.pk]},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["winner_count"]) == ("January heroes", 3)
    assert body["eligible_departments"] == [support.pk]
    assert AuditEvent.objects.filter(verb="cycle.edited", actor=hr).exists()


def test_during_judging_the_title_may_change_but_not_the_winner_count(api, hr):
    cycle = make_cycle(status=Status.JUDGING)

    assert api(hr).patch(cycle_url(cycle), {"title": "Renamed"}).status_code == 200
    response = api(hr).patch(cycle_url(cycle), {"winner_count": 2})

    assert response.status_code == 409
    assert "title and dates" in response.json()["detail"]


def test_a_decided_cycle_cannot_be_edited(api, hr):
    cycle = make_cycle(status=Status.DECIDED)

    assert api(hr).patch(cycle_url(cycle), {"title": "Late"}).status_code == 409


def test_patch_checks_the_shape_of_each_setting(api, hr):
    cycle = make_cycle()

    response = api(hr).patch(cycle_url(cycle), {"title": "", "customer_share_floor": -5})

    assert response.status_code == 400
    assert set(response.json()) == {"title", "customer_share_floor"}


# --- Transitions ------------------------------------------------------------------------------


def test_hr_moves_a_cycle_to_its_next_phase(api, hr):
    cycle = make_cycle()

    response = api(hr).post(transition_url(cycle), {"to": "open"})

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert response.json()["allowed_next"] == ["judging"]
    event = AuditEvent.objects.get(verb="cycle.transitioned")
    assert (event.actor, event.data["to"]) == (hr, "open")


def test_an_illegal_transition_is_a_409_with_the_allowed_next_states(api, hr):
    cycle = make_cycle()

    response = api(hr).post(transition_url(cycle), {"to": "judging"})

    assert response.status_code == 409
    body = response.json()
    assert body["allowed"] == ["open"]
    assert body["status"] == "draft"
    assert "cannot move" in body["detail"]
    assert AwardCycle.objects.get(pk=cycle.pk).status == Status.DRAFT


def test_an_announced_cycle_allows_no_transition(api, hr):
    cycle = make_cycle(status=Status.ANNOUNCED)

    response = api(hr).post(transition_url(cycle), {"to": "open"})

    assert response.status_code == 409
    assert response.json()["allowed"] == []


@pytest.mark.parametrize(
    "payload", [{"to": "later"}, {"to": ""}, {"to": 3}, {}, {"to": None}, {"to": "\ud800"}]
)
def test_an_unknown_phase_is_a_400(api, hr, payload):
    cycle = make_cycle()

    # Raw JSON: the test client's encoder refuses lone surrogates, real clients send them.
    body = json.dumps(payload)
    response = api(hr).post(transition_url(cycle), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["to"] in (
        ["Choose one of: draft, open, judging, decided, announced."],
        ["This field is required."],
        ["This field may not be null."],
    )


def test_opening_a_cycle_whose_rubric_broke_is_a_400(api, hr):
    cycle = make_cycle()
    Criterion.objects.filter(cycle=cycle, weight=40).update(weight=39)

    response = api(hr).post(transition_url(cycle), {"to": "open"})

    assert response.status_code == 400
    assert "The rubric must be valid before the cycle opens." in response.json()["detail"]


# --- Rubric -----------------------------------------------------------------------------------


def test_everyone_reads_the_rubric_of_an_open_cycle_in_order(api, employee):
    cycle = make_cycle(status=Status.OPEN)

    body = api(employee).get(criteria_url(cycle)).json()

    assert [c["weight"] for c in body] == [40, 15, 15, 15, 15]
    assert body[0] == {
        "id": body[0]["id"],
        "name": "Customer-awareness evidence",
        "kind": "customer_evidence",
        "weight": 40,
        "half_point": 6.0,
        "customer_focused": True,
        "position": 0,
    }
    assert body[2]["half_point"] is None  # a panel criterion


def test_hr_replaces_the_rubric(api, hr):
    cycle = make_cycle(status=Status.OPEN)
    new = rubric(50, 20, 20, 10)
    new[3]["customer_focused"] = True

    response = api(hr).put(criteria_url(cycle), new)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(c["name"], c["weight"], c["customer_focused"]) for c in body] == [
        ("Criterion 0", 50, True),
        ("Criterion 1", 20, True),
        ("Criterion 2", 20, False),
        ("Criterion 3", 10, True),
    ]
    assert body[3]["half_point"] is None  # panel criteria have none
    assert cycle.criteria.count() == 4
    assert AuditEvent.objects.filter(verb="cycle.rubric_changed", actor=hr).exists()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            (40, 15, 15, 15, 14),
            "The weights add up to 99%; they must add up to exactly 100% (1 short).",
        ),
        (
            (40, 15, 15, 15, 16),
            "The weights add up to 101%; they must add up to exactly 100% (1 too many).",
        ),
    ],
)
def test_weights_that_do_not_add_up_to_100_are_a_400_saying_by_how_much(api, hr, weights, message):
    cycle = make_cycle(status=Status.OPEN)

    response = api(hr).put(criteria_url(cycle), rubric(*weights))

    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert [c.weight for c in cycle.criteria.all()] == [40, 15, 15, 15, 15]


def test_a_rubric_below_the_customer_floor_is_a_400_saying_by_how_much(api, hr):
    cycle = make_cycle()  # floor 50%
    below = rubric(30, 10, 30, 30)  # 40% customer-focused

    response = api(hr).put(criteria_url(cycle), below)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Customer-focused criteria carry 40%, below this cycle's floor of 50% (10 short)."
    }


def test_every_broken_rule_is_reported_at_once(api, hr):
    cycle = make_cycle()

    response = api(hr).put(criteria_url(cycle), rubric(10, 10, 30, 30))

    detail = response.json()["detail"]
    assert "add up to 80%" in detail
    assert "carry 20%" in detail


def test_an_empty_rubric_is_a_400(api, hr):
    cycle = make_cycle()

    response = api(hr).put(criteria_url(cycle), [], format="json")

    assert response.status_code == 400
    assert "at least one criterion" in response.json()["detail"]


@pytest.mark.parametrize("phase", [Status.JUDGING, Status.DECIDED, Status.ANNOUNCED])
def test_the_rubric_cannot_change_after_nominations_close(api, hr, phase):
    cycle = make_cycle(status=phase)

    response = api(hr).put(criteria_url(cycle), rubric(40, 15, 15, 15, 15))

    assert response.status_code == 409
    assert "only while the cycle is a draft or open" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            [{"name": "A", "kind": "customer_evidence", "weight": 101, "half_point": 2}],
            "Criterion 1: weight: Ensure this value is less than or equal to 100.",
        ),
        (
            [{"name": "A", "kind": "luck", "weight": 100}],
            "Criterion 1: kind: Choose one of: customer_evidence, customer_thanks, peer_support, "
            "panel.",
        ),
        (
            [{"name": "A", "kind": "panel", "weight": "lots"}],
            "Criterion 1: weight: A valid integer is required.",
        ),
        ({"name": "A"}, 'Expected a list of items but got type "dict".'),
        ("a rubric", 'Expected a list of items but got type "str".'),
    ],
)
def test_a_malformed_rubric_is_a_400_with_one_line_per_problem(api, hr, payload, message):
    cycle = make_cycle()

    response = api(hr).put(criteria_url(cycle), payload, format="json")

    assert response.status_code == 400
    assert message in response.json()["criteria"]


def test_a_half_point_with_too_many_decimals_is_refused(api, hr):
    cycle = make_cycle()
    payload = rubric(40, 15, 15, 15, 15)
    payload[0]["half_point"] = 0.001

    response = api(hr).put(criteria_url(cycle), payload, format="json")

    assert response.status_code == 400
    assert response.json()["criteria"][0].startswith("Criterion 1: half_point:")


def test_a_rubric_with_too_many_criteria_is_refused(api, hr):
    cycle = make_cycle()

    response = api(hr).put(criteria_url(cycle), rubric(*[1] * 21, kinds=("panel",) * 21))

    assert response.status_code == 400
    assert "criteria" in response.json()


# --- Only HR changes cycles -------------------------------------------------------------------


def hr_operations(cycle: AwardCycle) -> list[tuple[str, str, object]]:
    return [
        ("post", CYCLES, {"month": "2033-01-01"}),
        ("patch", cycle_url(cycle), {"title": "Mine now"}),
        ("post", transition_url(cycle), {"to": "judging"}),
        ("put", criteria_url(cycle), rubric(40, 15, 15, 15, 15)),
    ]


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("phase", [Status.DRAFT, Status.OPEN])
def test_non_hr_get_403_on_every_hr_operation(api, db, index, phase):
    manager = make_user()
    make_user(manager=manager)
    cycle = make_cycle(status=phase)
    title = cycle.title
    method, url, payload = hr_operations(cycle)[index]

    for person in (make_user(), manager):
        response = getattr(api(person), method)(url, payload, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Only HR may do this."}
    cycle.refresh_from_db()
    assert (cycle.title, cycle.status) == (title, phase)
    assert [c.weight for c in cycle.criteria.all()] == [40, 15, 15, 15, 15]
    assert AwardCycle.objects.count() == 1


@pytest.mark.parametrize("index", range(4))
def test_anonymous_callers_get_401_on_every_hr_operation(api, db, index):
    method, url, payload = hr_operations(make_cycle())[index]

    assert getattr(api(), method)(url, payload, format="json").status_code == 401
