"""Forms of the nomination pages. They turn text into typed values and check its shape; the
services decide the rules. EvidenceForm parses the API's evidence too (nominations/api.py)."""

import datetime as dt
import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.picker import PICKER_QUERY_LENGTH
from core.metrics import FRONT_LINE_HOURS_RANGE, check_front_line_day
from nominations.models import TOO_LARGE, Category, Evidence, base_points_for

Kind = Evidence.Kind


def picker_search(
    *, field: str, label: str | Promise, nomination_id: int | None = None
) -> forms.CharField:
    """The search box of a colleague picker: htmx autocomplete into `#<field>-options`, and a
    plain form field when JavaScript is off (the view then lists the matches itself)."""
    params: dict[str, str | int] = {"field": field}
    if nomination_id is not None:
        params["nomination"] = nomination_id
    return forms.CharField(
        required=False,
        max_length=PICKER_QUERY_LENGTH,
        label=label,
        help_text=_("Type a name, a team or a job title, then pick the person from the list."),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-get": reverse("nominations:nominee_search"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": f"#{field}-options",
                # Explicit: a picker inside an htmx form would inherit the form's outerHTML
                # swap, replace the list's container, and have no target the second time.
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-vals": json.dumps(params),
                # Keep whoever is already picked when the list of matches is replaced: htmx
                # sends the ticked boxes of the list (a selector for ticked boxes alone
                # matches nothing before the first search, and htmx reports that).
                "hx-include": f"#{field}-options",
                "data-picker-search": field,
            }
        ),
    )


def link_errors_to_the_search(form: forms.Form, field: str) -> None:
    """The error summary's link for the picker's `field` goes to its search box (the form's
    `q`): the picker lists its people itself, with ids of its own, and none before a search."""
    form.fields[field].widget.attrs["data-error-anchor"] = form["q"].auto_id


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


def _category_field() -> CategoryChoiceField:
    return CategoryChoiceField(
        queryset=Category.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        label="What kind of difference did they make?",
        error_messages={
            "required": "Choose what kind of difference they made.",
            "invalid_choice": "Choose one of the categories listed.",
        },
    )


class NominationFields(forms.Form):
    """The fields a nominator writes and may edit later."""

    headline = forms.CharField(
        max_length=120,
        help_text="One line the whole company will understand (at most 120 characters).",
        error_messages={"required": "Give your nomination a headline."},
    )
    story = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What did they do? Markdown is fine: **bold**, lists, links.",
        error_messages={"required": "Tell the story of what they did."},
    )
    customer_impact = forms.CharField(
        max_length=2000,
        label="Customer impact",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who was the customer, and what changed for them?",
        error_messages={"required": "Say what changed for the customer: that is what counts."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"category": _category_field(), **self.fields}


class NominationForm(NominationFields):
    """A new nomination. The nominee comes from the picker (radio buttons named `nominee`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "q": picker_search(field="nominee", label=_("Find a colleague")),
            # Every user: the service explains why someone cannot be nominated.
            "nominee": forms.ModelChoiceField(
                queryset=User.objects.all(),
                widget=forms.RadioSelect,
                label="Colleague",
                error_messages={
                    "required": "Choose the colleague you are nominating.",
                    "invalid_choice": "Choose a colleague from the list.",
                },
            ),
            **self.fields,
        }
        link_errors_to_the_search(self, "nominee")

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "q"}


class NominationEditForm(NominationFields):
    pass


REQUIRED_MESSAGES = {
    "quote": "Write the customer's words, as they said them.",
    "quote_source": "Say where the words come from (a survey, a call, an e-mail…).",
    "metric": "Name what you measured.",
    "before": "Give the value before the change.",
    "after": "Give the value after the change.",
    "unit": "Give the unit (minutes, %, complaints a week…).",
    "higher_is_better": "Say whether a higher value is better.",
    "period": "Say over which period you measured (e.g. four weeks before and after).",
    "date": "Give the date you spent on the front line.",
    "hours": "Give the hours you spent there.",
    "heard": "Write what you heard from customers.",
    "image": "Choose an image.",
    "caption": "Write a caption that says what the image shows.",
}


def whole_characters(value: str) -> None:
    """JSON can carry half of a surrogate pair (a browser's form never does), and no database
    can store it."""
    if any("\ud800" <= character <= "\udfff" for character in value):
        raise ValidationError(_("Remove the broken character from this text."), code="surrogate")


class HigherIsBetterField(forms.NullBooleanField):
    """Which way a measure is better: "true" or "false" from the page, true or false in JSON.
    Anything else is no answer, refused like a missing one."""

    widget = forms.Select(
        choices=[("", "Choose…"), ("true", "Higher is better"), ("false", "Lower is better")]
    )

    def validate(self, value: bool | None) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


def _number() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal"})


class EvidenceForm(forms.ModelForm):
    """One kind of evidence, on the page and over the API: only that kind's fields, each
    required. Types, lengths and the ranges of numbers come from the model (its validators run
    here, so that every problem shows at once); the service checks the rest."""

    higher_is_better = HigherIsBetterField(label="Which way is better?")
    # A plain file: core/images.py checks, strips and re-encodes it when the service saves.
    image = forms.FileField(
        label="Image",
        help_text="JPEG, PNG or WebP, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Evidence
        fields = [
            name for names in Evidence.KIND_FIELDS.values() for name in names if name != "image"
        ]
        labels = {
            "quote": "The customer's words",
            "quote_source": "Where they come from",
            "metric": "What you measured",
            "before": "Before",
            "after": "After",
            "unit": "Unit",
            "period": "Period",
            "date": "Date",
            "hours": "Hours",
            "heard": "What you heard",
            "caption": "Caption",
        }
        help_texts = {
            "quote": "As they said or wrote them.",
            "quote_source": "A survey comment, a call, an e-mail, a review…",
            "metric": "e.g. calls about refunds",
            "unit": "minutes, %, calls a week…",
            "period": "e.g. four weeks before and after",
            "hours": "More than 0, at most 12.",
            "heard": "",
            "caption": "What the image shows.",
        }
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 3}),
            "before": _number(),
            "after": _number(),
            "date": forms.DateInput(attrs={"type": "date"}),
            "hours": _number(),
            "heard": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "before": {"max_digits": TOO_LARGE, "max_whole_digits": TOO_LARGE},
            "after": {"max_digits": TOO_LARGE, "max_whole_digits": TOO_LARGE},
            "date": {"invalid": "Enter a date like 2026-03-14."},
            "hours": {
                "max_decimal_places": "Use at most two decimals (e.g. 1.5).",
                "max_digits": FRONT_LINE_HOURS_RANGE,
                "max_whole_digits": FRONT_LINE_HOURS_RANGE,
            },
        }

    def __init__(self, *args, kind: str, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields = {name: self.fields[name] for name in Evidence.KIND_FIELDS[kind]}
        for name, field in self.fields.items():
            field.required = True
            field.error_messages["required"] = REQUIRED_MESSAGES[name]
            if isinstance(field, forms.CharField):
                field.validators.append(whole_characters)

    def clean_date(self) -> dt.date | None:
        """Checked with the other fields, so that every problem shows at once; the service
        checks it again when it saves."""
        day = self.cleaned_data.get("date")
        if day is not None:
            check_front_line_day(day)
        return day

    @property
    def label(self) -> str:
        return Kind(self.kind).label

    @property
    def base_points(self) -> Decimal:
        return base_points_for(self.kind)


class VerifyForm(forms.Form):
    status = forms.ChoiceField(
        choices=Evidence.Verification.choices,
        error_messages={"required": "Choose verify or dispute."},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note for the nominator",
        # The label says when it is required (templates/nominations/detail.html).
        help_text=_("Say what does not match, so the nominator can respond."),
    )


class EndorseForm(forms.Form):
    comment = forms.CharField(
        max_length=500,
        label="Why do you second this?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say in a sentence why you second this nomination."},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_endorse_%s")
        super().__init__(*args, **kwargs)


class ColleaguesField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # A tampered id too large for the database must be an error, not an overflow.
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) < 12):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class InviteForm(forms.Form):
    people = ColleaguesField(
        queryset=User.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Colleagues",
        error_messages={
            "required": "Choose at least one colleague.",
            "invalid_choice": "Choose colleagues from the list.",
            "invalid_pk_value": "Choose colleagues from the list.",
        },
    )

    def __init__(self, *args, nomination_id: int, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_invite_%s")
        super().__init__(*args, **kwargs)
        self.fields = {
            "q": picker_search(
                field="people", label=_("Find colleagues to invite"), nomination_id=nomination_id
            ),
            **self.fields,
        }
        link_errors_to_the_search(self, "people")
