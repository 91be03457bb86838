"""HTML forms for writing stories. They check shape only; stories.services decides the rules
and words the errors (the form's field names are the service's, so its errors land in place)."""

from django import forms

from accounts.models import Department, User
from nominations.forms import ColleaguesField, picker_search
from stories.models import MAX_PHOTOS, Story
from stories.services import FRONT_LINE_FIELDS, IMPROVEMENT_FIELDS, MAX_BODY, MAX_TEXT

Kind = Story.Kind
WRITTEN_KINDS = (Kind.IMPROVEMENT, Kind.FRONT_LINE)
KIND_FIELDS = {Kind.IMPROVEMENT: IMPROVEMENT_FIELDS, Kind.FRONT_LINE: FRONT_LINE_FIELDS}
PHOTO_SLOTS = tuple(range(1, MAX_PHOTOS + 1))
IMAGE_TYPES = "image/jpeg,image/png,image/webp"


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def split_tags(text: str) -> list[str]:
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


class KindRequiredField(forms.CharField):
    """Required for its kind of story: marked so on the page, but an empty value passes here
    (the other kind's fieldset is ignored; the service says what is missing, in its words)."""

    def validate(self, value: str) -> None:
        if value not in self.empty_values:
            super().validate(value)


class StoryForm(forms.Form):
    """An improvement or front-line story. Both kinds' fields are on the page (each in its own
    fieldset, shown by CSS for the chosen kind); only the chosen kind's reach the service."""

    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in WRITTEN_KINDS],
        widget=forms.RadioSelect,
        label="What kind of story is it?",
        error_messages={
            "required": "Choose an improvement or a front-line story.",
            "invalid_choice": "Choose an improvement or a front-line story.",
        },
    )
    title = forms.CharField(
        max_length=140,
        help_text="One line the whole company will understand.",
        error_messages={"required": "Give the story a title."},
    )
    body = forms.CharField(
        required=False,
        max_length=MAX_BODY,
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
    tags = forms.CharField(
        required=False,
        max_length=300,
        help_text="Separated by commas, e.g. invoices, call-backs (at most 5).",
    )
    # improvement: Plan-Do-Check-Act
    plan = KindRequiredField(
        max_length=MAX_TEXT,
        label="Plan: the customer's problem",
        widget=_textarea(3),
        help_text="Ideally in the customer's own words.",
    )
    do = KindRequiredField(
        max_length=MAX_TEXT,
        label="Do: what was changed",
        widget=_textarea(3),
    )
    check_metric = forms.CharField(
        required=False,
        max_length=120,
        label="Check: what you measured",
        help_text="e.g. average wait on the phone",
    )
    # Text, not DecimalField: the service parses the numbers and words the errors.
    check_before = forms.CharField(required=False, max_length=30, label="Before")
    check_after = forms.CharField(required=False, max_length=30, label="After")
    check_unit = forms.CharField(
        required=False, max_length=30, label="Unit", help_text="minutes, %, calls a week…"
    )
    check_higher_is_better = forms.ChoiceField(
        required=False,
        choices=[("true", "Higher is better"), ("false", "Lower is better")],
        widget=forms.RadioSelect,
        label="Which way is better?",
        error_messages={"invalid_choice": "Say whether a higher or a lower value is better."},
    )
    act = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        label="Act: how it became the standard way",
        widget=_textarea(3),
    )
    # front line
    shift_date = KindRequiredField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day you spent with customers.",
    )
    shift_hours = KindRequiredField(
        max_length=8, label="Hours", help_text="More than 0, at most 12."
    )
    heard = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        label="What you heard",
        widget=_textarea(4),
        help_text="What customers said, asked or struggled with.",
    )

    def __init__(self, *args, story: Story | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.story = story
        self.fields = {
            **{k: v for k, v in self.fields.items() if k != "people"},
            "q": picker_search(field="people", label="Find colleagues to feature"),
            "people": self.fields["people"],
        }
        if story is not None:
            # The kind of a story is fixed once written.
            del self.fields["kind"]
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
            self.fields[f"alt_{n}"] = forms.CharField(
                required=False,
                max_length=200,
                label=f"What photo {n} shows",
                help_text="For colleagues who cannot see it.",
            )

    @property
    def chosen_kind(self) -> str:
        if self.story is not None:
            return self.story.kind
        value = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return value if value in KIND_FIELDS else ""

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

    def story_data(self) -> dict:
        """What create_story/update_story take: the common fields and the chosen kind's."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "body": data["body"],
            "department": data["department"],
            "featured": list(data["people"]),
            "tags": split_tags(data["tags"]),
        }
        for field in KIND_FIELDS.get(self.chosen_kind, ()):
            values[field] = data[field]
        return values


class HideForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why are you hiding this story?",
        widget=_textarea(3),
        help_text="The author will read this. It is kept in the audit log.",
        error_messages={"required": "Say why the story is hidden: the author will see it."},
    )
