"""The web forms and the API parse a story, a comment and a photo description alike: the same
fields, built from the model, with the same messages (stories/inputs.py). Every case goes
through both, and both hand the services the same typed values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from stories.api import CommentInputSerializer, ImageUploadSerializer, StoryCreateSerializer
from stories.forms import CommentForm, StoryForm
from stories.models import Tag
from tests.stories.conftest import png

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def front_line(**changes) -> dict:
    return {
        "kind": "front_line",
        "title": "A morning at the Lyon counter",
        "shift_date": YESTERDAY.isoformat(),
        "shift_hours": "3.5",
        "heard": "Three people could not find the invoice page.",
    } | changes


def improvement(**changes) -> dict:
    return {
        "kind": "improvement",
        "title": "Call-backs instead of queues",
        "plan": "“I wait twenty minutes every time I call.”",
        "do": "A call-back button.",
        "check_metric": "Average wait",
        "check_before": "20",
        "check_after": "4.5",
        "check_unit": "minutes",
        "check_higher_is_better": "false",
    } | changes


def web_errors(form_class, data: dict, files: dict | None = None) -> dict[str, list[str]]:
    form = form_class(data=data, files=files)
    form.is_valid()
    return {field: list(messages) for field, messages in form.errors.items()}


def api_errors(serializer_class, data: dict) -> dict[str, list[str]]:
    serializer = serializer_class(data=data)
    serializer.is_valid()
    return {field: [str(m) for m in messages] for field, messages in serializer.errors.items()}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (front_line(title=""), "title", "Give the story a title."),
        (front_line(title="x" * 141), "title", "Keep the title under 140 characters."),
        (front_line(body="y" * 10001), "body", "Keep the story under 10000 characters."),
        (improvement(plan="p" * 2001), "plan", "Keep this under 2000 characters."),
        (improvement(check_unit="u" * 31), "check_unit", "Keep this under 30 characters."),
        (improvement(check_before="twenty"), "check_before", "Enter a number."),
        (improvement(check_before="NaN"), "check_before", "Enter a number."),
        (improvement(check_before="Infinity"), "check_before", "Enter a number."),
        (improvement(check_after="4,5 min"), "check_after", "Enter a number."),
        (
            improvement(check_after="1e12"),
            "check_after",
            "This number is too large to be a real measurement.",
        ),
        (improvement(check_after="4.56789"), "check_after", "Use at most four decimals."),
        (
            improvement(check_higher_is_better="sideways"),
            "check_higher_is_better",
            "Say whether a higher or a lower value is better.",
        ),
        (front_line(shift_hours="lots"), "shift_hours", "Enter a number."),
        (front_line(shift_hours="1.555"), "shift_hours", "Use at most two decimals (e.g. 1.5)."),
        (
            front_line(shift_hours="100"),
            "shift_hours",
            "Hours must be more than 0 and at most 12 for one day.",
        ),
        (front_line(shift_date="yesterday"), "shift_date", "Enter a date like 2026-03-14."),
    ],
)
@pytest.mark.parametrize(
    "errors_of",
    [
        lambda data: web_errors(StoryForm, data),
        lambda data: api_errors(StoryCreateSerializer, data),
    ],
    ids=["web", "api"],
)
def test_a_story_is_parsed_alike_on_the_web_and_over_the_api(errors_of, data, field, message):
    assert errors_of(data) == {field: [message]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a comment first."),
        ("   \n ", "Write a comment first."),
        ("x" * 2001, "Keep the comment under 2000 characters."),
    ],
)
def test_a_comment_is_parsed_alike_on_the_web_and_over_the_api(body, message):
    assert web_errors(CommentForm, {"body": body}) == {"body": [message]}
    assert api_errors(CommentInputSerializer, {"body": body}) == {"body": [message]}


def test_a_photo_description_is_parsed_alike_on_the_web_and_over_the_api():
    message = "Keep the description under 200 characters."
    web = web_errors(StoryForm, front_line(alt_1="d" * 201), files={"photo_1": png()})
    assert web == {"alt_1": [message]}
    api = api_errors(ImageUploadSerializer, {"image": png(), "alt_text": "d" * 201})
    assert api == {"alt_text": [message]}


@pytest.mark.parametrize("data", [improvement(), front_line()], ids=["improvement", "front_line"])
def test_both_hand_the_service_the_same_typed_values(data):
    form = StoryForm(data=data | {"tags": "Phone, call-backs"})
    assert form.is_valid(), form.errors
    serializer = StoryCreateSerializer(data=data | {"tags": ["Phone", "call-backs"]})
    assert serializer.is_valid(), serializer.errors

    web = form.story_data()
    api = serializer.validated_data
    for field in set(data) - {"kind"}:
        assert web[field] == api[field], field
        assert type(web[field]) is type(api[field]), field
    assert [(t.name, t.slug) for t in web["tags"]] == [(t.name, t.slug) for t in api["tags"]]
    assert all(isinstance(tag, Tag) and tag.pk is None for tag in web["tags"])


def test_the_form_reads_typed_values():
    form = StoryForm(data=improvement())
    assert form.is_valid(), form.errors
    data = form.story_data()
    assert (data["check_before"], data["check_after"]) == (Decimal(20), Decimal("4.5"))
    assert data["check_higher_is_better"] is False
    form = StoryForm(data=front_line())
    assert form.is_valid(), form.errors
    assert (form.story_data()["shift_date"], form.story_data()["shift_hours"]) == (
        YESTERDAY,
        Decimal("3.5"),
    )


def test_a_tag_needs_a_letter_or_a_number():
    assert web_errors(StoryForm, front_line(tags="lyon, !!!")) == {
        "tags": ["Use letters or numbers in tags."]
    }
    serializer = StoryCreateSerializer(data=front_line(tags=["lyon", "!!!"]))
    assert not serializer.is_valid()
    assert serializer.errors == {"tags": {1: ["Use letters or numbers in tags."]}}
