"""HTML forms of the moderation queue and the integrations console. They turn what was posted
into typed values; nominations/thanks/services.py and integrations.py decide the rules.
ModerateForm is also what the API checks a moderation with (api.ModerateSerializer)."""

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import User
from core.models import MAX_ID
from nominations.forms import picker_search
from nominations.models import ThankYou
from nominations.thanks.forms import WordsField
from nominations.thanks.services import DECISIONS

# The people picker's radio buttons are named after the field the search endpoint knows.
PICKER_FIELD = "nominee"
DECISION_CHOICES = [(decision, decision.capitalize()) for decision in DECISIONS]


class ModerateForm(forms.Form):
    """An approve/reject decision and its note, on the page and over the API. Not rendered: a
    queue card writes its controls as plain HTML (nominations/thanks/cards.py), with the note's
    label and help beside them."""

    decision = forms.ChoiceField(
        choices=DECISION_CHOICES,
        error_messages={
            "required": "Choose approve or reject.",
            "invalid_choice": "Choose approve or reject.",
        },
    )
    note = WordsField(
        required=False,
        max_length=ThankYou._meta.get_field("moderation_note").max_length,
        error_messages={"max_length": _("Keep the note under %(limit_value)d characters.")},
    )


class _Selection(forms.ModelMultipleChoiceField):
    """Ticked thank-yous, no more than `most` (a page of the queue): more is refused before
    any query."""

    def __init__(self, *args, most: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.most = most

    def clean(self, value: list[str] | None) -> QuerySet[ThankYou]:
        if value and len(value) > self.most:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"most": self.most}
            )
        for pk in value or ():
            # An id no database can hold is refused here, not by the database.
            if not (str(pk).isascii() and str(pk).isdigit() and 0 < int(pk) <= MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class ApproveSelectedForm(forms.Form):
    """The thank-yous ticked on the queue for "Approve selected": any of this moderator's queue
    (one decided meanwhile is the service's to report, next to the others), at most `most`."""

    def __init__(self, *args, queue: QuerySet[ThankYou], most: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["selected"] = _Selection(
            queryset=queue.for_queue().order_by("pk"),
            most=most,
            error_messages={
                "too_many": ngettext_lazy(
                    "Select %(most)d thank-you at most: one page of the queue at a time.",
                    "Select %(most)d thank-yous at most: one page of the queue at a time.",
                    "most",
                ),
                "required": _("Select the thank-yous to approve first."),
                "invalid_choice": _("A thank-you you selected is no longer in your queue."),
                "invalid_pk_value": _("A thank-you you selected is no longer in your queue."),
            },
        )


class AssignForm(forms.Form):
    """Who a thank-you is about: picked with the colleague picker (radio buttons)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "q": picker_search(field=PICKER_FIELD, label="Find the colleague"),
            PICKER_FIELD: forms.ModelChoiceField(
                # Every user: the service explains why someone cannot be chosen.
                queryset=User.objects.all(),
                widget=forms.RadioSelect,
                label="Colleague",
                error_messages={
                    "required": "Choose the colleague this thank-you is about.",
                    "invalid_choice": "Choose a colleague from the list.",
                },
            ),
        }


def _ratio_field() -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(1),
        initial=Decimal("0.80"),
        label="Lowest score passed on, as a share of the scale",
        help_text=(
            "Feedback scoring below this is ignored: 0.80 means 4 out of 5, or 8 out of 10."
        ),
        error_messages={
            "required": "Enter a share between 0 and 1, like 0.80.",
            "invalid": "Enter a share between 0 and 1, like 0.80.",
            "min_value": "Enter a share between 0 and 1, like 0.80.",
            "max_value": "Enter a share between 0 and 1, like 0.80.",
            "max_decimal_places": "Use at most two decimals, like 0.85.",
            "max_digits": "Enter a share between 0 and 1, like 0.80.",
        },
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )


class IntegrationForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What HR calls it, like “Zendesk CSAT”.",
        error_messages={"required": "Give the integration a name."},
    )
    slug = forms.SlugField(
        max_length=50,
        label="Name in the webhook URL",
        help_text="Lower-case letters, digits and hyphens, like zendesk-csat. It cannot change.",
        error_messages={
            "required": "Choose the name used in the webhook URL, like zendesk-csat.",
            "invalid": "Use only lower-case letters, digits and hyphens, like zendesk-csat.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_score_ratio"] = _ratio_field()

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()


class IntegrationEditForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", error_messages={"required": "Give the integration a name."}
    )
    is_active = forms.BooleanField(
        required=False, label="Active: accept feedback from this integration"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "name": self.fields["name"],
            "min_score_ratio": _ratio_field(),
            "is_active": self.fields["is_active"],
        }
