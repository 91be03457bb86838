"""What a person types into a story, a comment or a photo description, parsed alike on the web
(stories/forms.py) and over the API (stories/api.py).

Each field's type and limits are the model's: the web's Django form fields come from
`Model._meta.get_field(name).formfield()` and the API's DRF fields from a ModelSerializer,
both built from the same model field. The words of their errors are here, once, under the
keys both Django and DRF use. What a value must be beyond its shape (ranges, dates, what each
kind of story needs) is decided by stories.services.
"""

from typing import Any

from django.db import models
from django.forms import Field as FormField
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core import metrics
from stories import services
from stories.models import Comment, Story, StoryImage

TOO_LONG = _("Keep this under {limit} characters.")
NOT_A_NUMBER = _("Enter a number.")
NOT_A_DATE = _("Enter a date like 2026-03-14.")


def _limit(model: type[models.Model], name: str, message: Promise = TOO_LONG) -> Promise:
    return format_lazy(message, limit=model._meta.get_field(name).max_length)


def _required(message: Promise) -> dict[str, Promise]:
    # Django says "required" for an empty value; DRF says "blank" (and "required" when absent).
    return {"required": message, "blank": message}


def _measurement() -> dict[str, Promise]:
    return {
        "invalid": NOT_A_NUMBER,
        "max_whole_digits": _("This number is too large to be a real measurement."),
        "max_decimal_places": _("Use at most four decimals."),
    }


DIRECTION = services.CHECK_MESSAGES["check_higher_is_better"]

MESSAGES: dict[type[models.Model], dict[str, dict[str, Any]]] = {
    Story: {
        "title": {
            **_required(_("Give the story a title.")),
            "max_length": _limit(Story, "title", _("Keep the title under {limit} characters.")),
        },
        "body": {
            "max_length": _limit(Story, "body", _("Keep the story under {limit} characters."))
        },
        **{
            name: {"max_length": _limit(Story, name)}
            for name in ("plan", "do", "act", "check_metric", "check_unit", "heard")
        },
        "check_before": _measurement(),
        "check_after": _measurement(),
        "check_higher_is_better": {"invalid": DIRECTION, "invalid_choice": DIRECTION},
        "shift_date": {"invalid": NOT_A_DATE, "datetime": NOT_A_DATE},
        "shift_hours": {
            "invalid": NOT_A_NUMBER,
            "max_whole_digits": metrics.FRONT_LINE_HOURS_RANGE,
            "max_decimal_places": _("Use at most two decimals (e.g. 1.5)."),
        },
    },
    Comment: {
        "body": {
            **_required(_("Write a comment first.")),
            "max_length": _limit(Comment, "body", _("Keep the comment under {limit} characters.")),
        },
    },
    StoryImage: {
        "alt_text": {
            "max_length": _limit(
                StoryImage, "alt_text", _("Keep the description under {limit} characters.")
            ),
        },
    },
}


def form_field(model: type[models.Model], name: str, **kwargs: Any) -> FormField:
    """The Django form field of a model field, with the messages above (and any in `kwargs`)."""
    messages = {**MESSAGES[model].get(name, {}), **kwargs.pop("error_messages", {})}
    return model._meta.get_field(name).formfield(error_messages=messages, **kwargs)


def serializer_kwargs(
    model: type[models.Model], names: tuple[str, ...] | list[str], **extra: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """A ModelSerializer's `extra_kwargs` for these fields: the messages above, and `extra`
    (help texts, …) by field name."""
    return {
        name: {"error_messages": MESSAGES[model].get(name, {}), **extra.get(name, {})}
        for name in names
    }
