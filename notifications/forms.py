from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of channel per kind of notification, and the daily digest."""

    daily_digest = forms.BooleanField(
        required=False,
        label=_("Send me one e-mail a day instead of one per notification"),
        help_text=_("The digest lists the day's unread notifications you chose to get by e-mail."),
    )

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Channel.choices,
                initial=initial_channels[kind],
                widget=forms.RadioSelect,
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in Kind.values]

    def channels(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
