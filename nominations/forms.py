"""HTML forms of the nomination pages. They check shape only; the services decide the rules."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.picker import PICKER_QUERY_LENGTH
from nominations.models import Category, Evidence
from nominations.services import EVIDENCE_FIELDS, REQUIRED_MESSAGES, clean_evidence

Kind = Evidence.Kind


def picker_search(*, field: str, label: str, nomination_id: int | None = None) -> forms.CharField:
    """The search box of a colleague picker: htmx autocomplete into `#<field>-options`, and a
    plain form field when JavaScript is off (the view then lists the matches itself)."""
    params: dict[str, str | int] = {"field": field}
    if nomination_id is not None:
        params["nomination"] = nomination_id
    return forms.CharField(
        required=False,
        max_length=PICKER_QUERY_LENGTH,
        label=label,
        help_text="Type a name, a team or a job title, then pick the person from the list.",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-get": reverse("nominations:nominee_search"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": f"#{field}-options",
                "hx-sync": "this:replace",
                "hx-vals": json.dumps(params),
                # Keep whoever is already picked when the list of matches is replaced.
                "hx-include": f"[name='{field}']:checked",
            }
        ),
    )


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
            "q": picker_search(field="nominee", label="Find a colleague"),
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

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "q"}


class NominationEditForm(NominationFields):
    pass


class EvidenceForm(forms.Form):
    """One kind of evidence; only that kind's fields are kept. The service validates them."""

    quote = forms.CharField(
        label="The customer's words",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="As they said or wrote them.",
    )
    quote_source = forms.CharField(
        label="Where they come from",
        max_length=200,
        help_text="A survey comment, a call, an e-mail, a review…",
    )
    metric = forms.CharField(
        label="What you measured", max_length=120, help_text="e.g. calls about refunds"
    )
    before = forms.CharField(label="Before", max_length=30)
    after = forms.CharField(label="After", max_length=30)
    unit = forms.CharField(label="Unit", max_length=30, help_text="minutes, %, calls a week…")
    higher_is_better = forms.CharField(
        label="Which way is better?",
        widget=forms.Select(
            choices=[("", "Choose…"), ("true", "Higher is better"), ("false", "Lower is better")]
        ),
    )
    period = forms.CharField(
        label="Period", max_length=120, help_text="e.g. four weeks before and after"
    )
    # Text, not DateField: the service parses it and words the error.
    date = forms.CharField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.CharField(label="Hours", max_length=8, help_text="More than 0, at most 12.")
    heard = forms.CharField(
        label="What you heard",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    image = forms.FileField(
        label="Image",
        help_text="JPEG, PNG or WebP, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label="Caption", max_length=200, help_text="What the image shows.")

    def __init__(self, *args, kind: str, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields = {k: v for k, v in self.fields.items() if k in EVIDENCE_FIELDS[kind]}
        for name, field in self.fields.items():
            field.error_messages["required"] = REQUIRED_MESSAGES[name]

    def clean(self) -> dict:
        # The service's rules, so that every problem shows at once next to its field; the
        # service checks again when it saves.
        raw = {name: self.files.get(name) or self.data.get(name) for name in self.fields}
        try:
            clean_evidence(kind=self.kind, data=raw | self.cleaned_data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self._errors:
                    self.add_error(field if field in self.fields else None, messages)
        return self.cleaned_data

    @property
    def label(self) -> str:
        return Kind(self.kind).label

    @property
    def base_points(self):
        return Evidence.BASE_POINTS[self.kind]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class VerifyForm(forms.Form):
    status = forms.ChoiceField(
        choices=Evidence.Verification.choices,
        error_messages={"required": "Choose verify or dispute."},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note for the nominator",
        help_text="Required to dispute: say what does not match.",
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
                field="people", label="Find colleagues to invite", nomination_id=nomination_id
            ),
            **self.fields,
        }
