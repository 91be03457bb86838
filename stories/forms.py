"""HTML forms for stories: writing one, commenting, hiding. Their fields are the model's
(stories/inputs.py: the same types, limits and messages as the API), so they hand the
services typed values; stories.services decides the rules and words their errors (the form's
field names are the service's, so those errors land in place)."""

import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from nominations.forms import ColleaguesField, picker_search
from stories import services
from stories.inputs import form_field
from stories.models import KIND_FIELDS, MAX_PHOTOS, Comment, Story, StoryImage, Tag

Kind = Story.Kind
WRITTEN_KINDS = (Kind.IMPROVEMENT, Kind.FRONT_LINE)
PHOTO_SLOTS = tuple(range(1, MAX_PHOTOS + 1))
IMAGE_TYPES = "image/jpeg,image/png,image/webp"


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class KindRequired(forms.Field):
    """Marked required on the page, as its kind of story needs it, but an empty value passes
    here: what each kind needs is a rule of stories.services, which words the message (and
    the fields of the kind not chosen are ignored)."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class DecimalText(forms.DecimalField):
    """A number in a text box (no spinner), shown without trailing zeros: 3.5, not 3.50."""

    widget = forms.TextInput

    def prepare_value(self, value: Any) -> Any:
        return f"{value.normalize():f}" if isinstance(value, Decimal) else value


class KindRequiredText(KindRequired, forms.CharField):
    pass


class KindRequiredDate(KindRequired, forms.DateField):
    pass


class KindRequiredDecimal(KindRequired, DecimalText):
    pass


class DirectionField(forms.TypedChoiceField):
    """Which way is better: "true" or "false" on the page, a bool (None when not said)."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        super().__init__(
            choices=[("true", _("Higher is better")), ("false", _("Lower is better"))],
            coerce=lambda value: value == "true",
            empty_value=None,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        return value


class TagsField(forms.CharField):
    """Tag names separated by commas, as tags (Tag.named; the service saves new ones)."""

    def clean(self, value: Any) -> list[Tag]:
        text = super().clean(value)
        return [Tag.named(name) for name in text.split(",") if name.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value


class StoryForm(forms.Form):
    """An improvement or front-line story. Both kinds' fields are on the page (each in its own
    fieldset, shown by CSS for the chosen kind); only the chosen kind's are read."""

    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in WRITTEN_KINDS],
        widget=forms.RadioSelect,
        label="What kind of story is it?",
        error_messages={
            "required": "Choose an improvement or a front-line story.",
            "invalid_choice": "Choose an improvement or a front-line story.",
        },
    )
    title = form_field(Story, "title", help_text="One line the whole company will understand.")
    body = form_field(
        Story,
        "body",
        label="The story",
        widget=_textarea(8),
        help_text="Markdown is fine: **bold**, lists, links.",
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label="No department",
        error_messages={"invalid_choice": "Choose a department from the list."},
    )
    people = ColleaguesField(
        queryset=User.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Featured colleagues",
        error_messages={
            "invalid_choice": "Choose colleagues from the list.",
            "invalid_pk_value": "Choose colleagues from the list.",
        },
    )
    tags = TagsField(
        required=False,
        max_length=300,
        help_text="Separated by commas, e.g. invoices, call-backs (at most 5).",
    )
    # improvement: Plan-Do-Check-Act
    plan = form_field(
        Story,
        "plan",
        form_class=KindRequiredText,
        required=True,
        label="Plan: the customer's problem",
        widget=_textarea(3),
        help_text="Ideally in the customer's own words.",
    )
    do = form_field(
        Story,
        "do",
        form_class=KindRequiredText,
        required=True,
        label="Do: what was changed",
        widget=_textarea(3),
        help_text="",
    )
    check_metric = form_field(
        Story,
        "check_metric",
        label="Check: what you measured",
        help_text="e.g. average wait on the phone",
    )
    check_before = form_field(Story, "check_before", form_class=DecimalText, label="Before")
    check_after = form_field(Story, "check_after", form_class=DecimalText, label="After")
    check_unit = form_field(
        Story, "check_unit", label="Unit", help_text="minutes, %, calls a week…"
    )
    check_higher_is_better = form_field(
        Story, "check_higher_is_better", form_class=DirectionField, label="Which way is better?"
    )
    act = form_field(
        Story,
        "act",
        label="Act: how it became the standard way",
        widget=_textarea(3),
        help_text="",
    )
    # front line
    shift_date = form_field(
        Story,
        "shift_date",
        form_class=KindRequiredDate,
        required=True,
        label="Date",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="The day you spent with customers.",
    )
    shift_hours = form_field(
        Story,
        "shift_hours",
        form_class=KindRequiredDecimal,
        required=True,
        label="Hours",
        help_text="More than 0, at most 12.",
    )
    heard = form_field(
        Story,
        "heard",
        label="What you heard",
        widget=_textarea(4),
        help_text="What customers said, asked or struggled with.",
    )

    def __init__(self, *args: Any, story: Story | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.story = story
        self.fields = {
            **{k: v for k, v in self.fields.items() if k != "people"},
            "q": picker_search(field="people", label="Find colleagues to feature"),
            "people": self.fields["people"],
        }
        if story is not None:
            # The kind of a story is fixed once written: only its own fields are on the page.
            del self.fields["kind"]
            for name in self._other_kinds_fields():
                del self.fields[name]
            self.fields["remove_photos"] = forms.TypedMultipleChoiceField(
                required=False,
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                label="Remove photos",
                choices=[(image.pk, str(image)) for image in story.images.all()],
            )
        for n in PHOTO_SLOTS:
            self.fields[f"photo_{n}"] = forms.FileField(
                required=False,
                label=f"Photo {n}",
                help_text="JPEG, PNG or WebP, up to 10 MB.",
                widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}),
            )
            self.fields[f"alt_{n}"] = form_field(
                StoryImage,
                "alt_text",
                label=f"What photo {n} shows",
                help_text="For colleagues who cannot see it.",
            )

    @property
    def chosen_kind(self) -> str:
        if self.story is not None:
            return self.story.kind
        value = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return value if value in KIND_FIELDS else ""

    def _other_kinds_fields(self) -> list[str]:
        own = KIND_FIELDS.get(self.chosen_kind, ())
        return [name for fields in KIND_FIELDS.values() for name in fields if name not in own]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # What was typed in the other kind's fieldset is ignored, even when it is not valid.
        for name in self._other_kinds_fields():
            self.errors.pop(name, None)
            cleaned.pop(name, None)
        return cleaned

    def photo_slots(self, free: int) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """The file and description inputs to show: as many as there is room for, and any
        that has an error."""
        slots = []
        for n in PHOTO_SLOTS:
            photo, alt = self[f"photo_{n}"], self[f"alt_{n}"]
            if n <= free or photo.errors or alt.errors:
                slots.append((photo, alt))
        return slots

    def photos(self) -> list[tuple[int, object, str]]:
        """(slot, upload, description) of every photo chosen."""
        return [
            (n, self.cleaned_data[f"photo_{n}"], self.cleaned_data.get(f"alt_{n}", ""))
            for n in PHOTO_SLOTS
            if self.cleaned_data.get(f"photo_{n}")
        ]

    def story_data(self) -> dict[str, Any]:
        """What create_story/update_story take: the common fields and the chosen kind's."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "body": data["body"],
            "department": data["department"],
            "featured": list(data["people"]),
            "tags": data["tags"],
        }
        for field in KIND_FIELDS.get(self.chosen_kind, ()):
            values[field] = data[field]
        return values


def story_initial(story: Story) -> dict[str, Any]:
    """An existing story as the form's starting values."""
    return {
        "title": story.title,
        "body": story.body,
        "department": story.department_id,
        "tags": list(story.tags.all()),
        **{field: getattr(story, field) for field in KIND_FIELDS.get(story.kind, ())},
    }


class HideForm(forms.Form):
    reason = form_field(
        Story,
        "hidden_reason",
        required=True,
        label="Why are you hiding this story?",
        widget=_textarea(3),
        help_text="The author will read this. It is kept in the audit log.",
        error_messages={"required": services.NO_STORY_REASON},
    )


# --- Comments ---------------------------------------------------------------------------------


class CommentForm(forms.Form):
    body = form_field(
        Comment, "body", label="Your comment", widget=forms.Textarea(attrs={"rows": 3})
    )


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class NewCommentForm(CommentForm):
    # A new key each time the form is shown, kept when it comes back with errors: posting the
    # same form again (a retry, a double click) gives the comment it made, never a second one.
    submission_key = forms.CharField(
        required=False, widget=forms.HiddenInput, initial=new_submission_key
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        key = cleaned.get("submission_key", "")
        if key and not services.SUBMISSION_KEY.fullmatch(key):
            raise ValidationError(
                _("This form is out of date: reload the page, then post your comment again.")
            )
        return cleaned


class HideCommentForm(forms.Form):
    reason = form_field(
        Comment,
        "hidden_reason",
        required=True,
        label="Why hide it?",
        help_text="The author and other HR staff will see this reason.",
        error_messages={"required": services.NO_COMMENT_REASON},
    )


class CustomerVoiceForm(forms.Form):
    """Sharing a thank-you as a story: its title, proposed and editable on the preview."""

    title = form_field(
        Story,
        "title",
        help_text=_("One line the whole company will understand. Change it if you like."),
    )
