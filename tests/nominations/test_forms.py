"""EvidenceForm: text in, typed values out, for the page and the API alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from nominations.forms import EvidenceForm
from nominations.models import Evidence

Kind = Evidence.Kind
MEASURED = {
    "metric": "Calls about refunds",
    "before": "120",
    "after": "45.5",
    "unit": "calls a week",
    "higher_is_better": "false",
    "period": "four weeks before and after",
}
FRONT_LINE = {
    "date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
    "hours": "3.5",
    "heard": "Long waits on the phone.",
}

pytestmark = pytest.mark.django_db  # the model's constraints are checked against the database


def errors_of(kind: str, data: dict) -> dict:
    form = EvidenceForm(data, kind=kind)
    assert not form.is_valid()
    return form.errors


def test_a_measurement_comes_out_typed():
    form = EvidenceForm(MEASURED, kind=Kind.MEASURED_IMPROVEMENT)

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "metric": "Calls about refunds",
        "before": Decimal(120),
        "after": Decimal("45.5"),
        "unit": "calls a week",
        "higher_is_better": False,
        "period": "four weeks before and after",
    }


def test_time_on_the_front_line_comes_out_typed():
    form = EvidenceForm(FRONT_LINE, kind=Kind.FRONT_LINE_TIME)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == timezone.localdate() - dt.timedelta(days=3)
    assert form.cleaned_data["hours"] == Decimal("3.5")


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("false", False), (True, True), (False, False)]
)
def test_which_way_is_better_is_true_or_false_from_the_page_or_json(value, expected):
    form = EvidenceForm(MEASURED | {"higher_is_better": value}, kind=Kind.MEASURED_IMPROVEMENT)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["higher_is_better"] is expected


@pytest.mark.parametrize("value", ["", "higher", "lower", "maybe", "yes", None])
def test_which_way_is_better_refuses_anything_else_as_no_answer(value):
    errors = errors_of(Kind.MEASURED_IMPROVEMENT, MEASURED | {"higher_is_better": value})

    assert errors == {"higher_is_better": ["Say whether a higher value is better."]}


def test_a_measured_improvement_needs_every_field():
    errors = errors_of(Kind.MEASURED_IMPROVEMENT, {"metric": "Calls"})

    assert set(errors) == {"before", "after", "unit", "higher_is_better", "period"}
    assert errors["before"] == ["Give the value before the change."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("1e12", "This number is too large to be a real measurement."),
        ("-1000000000", "This number is too large to be a real measurement."),
        ("1e999999", "This number is too large to be a real measurement."),
    ],
)
def test_absurd_measurements_are_refused_next_to_the_field(value, message):
    errors = errors_of(Kind.MEASURED_IMPROVEMENT, MEASURED | {"before": value})

    assert errors == {"before": [message]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"hours": "lots"}, "hours", "Enter a number."),
        ({"hours": "0"}, "hours", "Hours must be more than 0 and at most 12 for one day."),
        ({"hours": "12.5"}, "hours", "Hours must be more than 0 and at most 12 for one day."),
        ({"hours": "100"}, "hours", "Hours must be more than 0 and at most 12 for one day."),
        ({"hours": "1.234"}, "hours", "Use at most two decimals (e.g. 1.5)."),
        ({"date": "yesterday"}, "date", "Enter a date like 2026-03-14."),
        ({"heard": "x" * 2001}, "heard", "at most 2000 characters"),
    ],
)
def test_front_line_problems_are_refused_next_to_the_field(data, field, message):
    errors = errors_of(Kind.FRONT_LINE_TIME, FRONT_LINE | data)

    assert list(errors) == [field]
    assert message in errors[field][0]


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [(-1, "The date cannot be in the future."), (400, "The date is more than a year ago.")],
)
def test_a_date_out_of_range_shows_with_the_other_problems(days_ago, message):
    day = (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()
    errors = errors_of(Kind.FRONT_LINE_TIME, FRONT_LINE | {"date": day, "hours": "13"})

    assert errors == {
        "date": [message],
        "hours": ["Hours must be more than 0 and at most 12 for one day."],
    }


def test_every_problem_shows_at_once():
    errors = errors_of(Kind.FRONT_LINE_TIME, {"hours": "-1"})

    assert errors == {
        "date": ["Give the date you spent on the front line."],
        "hours": ["Hours must be more than 0 and at most 12 for one day."],
        "heard": ["Write what you heard from customers."],
    }


def test_only_the_kinds_own_fields_are_kept():
    form = EvidenceForm(
        {"quote": "Thanks!", "quote_source": "A call", "hours": "3", "metric": "x"},
        kind=Kind.CUSTOMER_WORDS,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"quote": "Thanks!", "quote_source": "A call"}


def test_half_a_surrogate_pair_is_refused():
    errors = errors_of(Kind.CUSTOMER_WORDS, {"quote": "Thanks \ud800", "quote_source": "A call"})

    assert list(errors) == ["quote"]
