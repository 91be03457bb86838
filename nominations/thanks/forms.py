"""The customer's thank-you form. It checks shape and the anti-abuse signals (honeypot, minimum
fill time); the rules about the words themselves belong to services.clean_submission."""

import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from accounts.models import User
from nominations.thanks import services

STARTED_SALT = "plaudit.thanks.form"
# Bots post a form the instant they fetch it; people need longer than this to write a sentence.
MIN_FILL_SECONDS = 2
MAX_FILL_SECONDS = 24 * 3600
RELOAD = "Please reload the page and send your thank-you again."
TOO_FAST = (
    "That was very quick! Please check your message, then send your thank-you again: "
    "everything you typed is still here."
)
TOO_OLD = (
    "This page was open for more than a day. Please check your message, then send your "
    "thank-you again: everything you typed is still here."
)
NUL = "This contains a character we cannot store; please retype it."
# The order the service's errors and the page list the fields in.
TEXT_FIELDS = ("employee_hint", "customer_name", "customer_email", "organisation", "message")


def form_started_token(at: float | None = None) -> str:
    """The signed moment a form was handed out (now, unless `at`, a Unix time, is given)."""
    return signing.dumps(time.time() if at is None else at, salt=STARTED_SALT)


def _started_error(token: str, now: float) -> str | None:
    """Why the form cannot be accepted given its `started` token, or None when it can."""
    try:
        started = signing.loads(token, salt=STARTED_SALT)
    except signing.BadSignature:
        return RELOAD
    if isinstance(started, bool) or not isinstance(started, (int, float)):
        return RELOAD
    age = now - started
    if age < MIN_FILL_SECONDS:
        return TOO_FAST
    if age > MAX_FILL_SECONDS:
        return TOO_OLD
    return None


def _text(label: str, required_message: str = "", **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        error_messages={"required": required_message, "null_characters_not_allowed": NUL},
        **kwargs,
    )


class ThankYouForm(forms.Form):
    """A thank-you from the general form, or, with `employee`, from that employee's link (which
    has no `employee_hint`: we already know who it is for)."""

    employee_hint = _text(
        "Who helped you?",
        "Tell us who helped you: a name, a team, or where and when you met them.",
        help_text=(
            "Whatever you remember: a first name, a team, the shop or the phone line, "
            "the day. We work out who it was."
        ),
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
    )
    customer_name = _text(
        "Your name",
        "Tell us your name, so that they know who thanked them.",
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "name"}),
    )
    customer_email = _text(
        "Your e-mail address",
        "Enter your e-mail address, like name@example.com: we send you a link to confirm.",
        help_text="We send you a link to confirm. Only our HR team sees your address.",
        widget=forms.EmailInput(
            attrs={"maxlength": 254, "autocomplete": "email", "spellcheck": "false"}
        ),
    )
    organisation = _text(
        "Your organisation",
        required=False,
        help_text="If you wrote on behalf of a company or a school, for instance.",
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "organization"}),
    )
    message = _text(
        "Your message",
        "Write at least 10 characters: a sentence about what they did for you.",
        strip=False,  # the service trims it and keeps the line breaks
        help_text=(
            "At least a short sentence (10 characters) and at most about a page "
            "(2,000 characters). What did they do, and what difference did it make to you?"
        ),
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    consent_to_share = forms.BooleanField(
        required=False,
        label="You may share my words inside the company",
        help_text=(
            "If you tick this, we may quote your message in a story for our colleagues, to "
            "show what good service looks like. Never your e-mail address. Without it, only "
            "the person you thank, their manager and HR read it."
        ),
    )
    # The honeypot: hidden from people (off-screen, out of the tab order, hidden from screen
    # readers); form-filling bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, employee: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.employee = employee
        if employee is not None:
            del self.fields["employee_hint"]
        # Handed out afresh with every page, so a re-shown form starts a new minimum fill time.
        self.started_token = form_started_token()

    def caught_by_honeypot(self) -> bool:
        return bool(self.is_bound and str(self.data.get("website", "")).strip())

    def clean(self) -> dict:
        cleaned = super().clean()
        if problem := _started_error(str(self.data.get("started", "")), time.time()):
            self.add_error(None, problem)
        # The service's rules, so that every problem shows at once (it checks them again).
        try:
            services.clean_submission(
                employee=self.employee,
                **{f: cleaned.get(f) or "" for f in TEXT_FIELDS if f in self.fields},
                **({"employee_hint": ""} if self.employee is not None else {}),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages)
        return cleaned

    def service_data(self) -> dict:
        """The keyword arguments of services.send_thanks (besides employee and ip)."""
        data = {f: self.cleaned_data[f] for f in TEXT_FIELDS if f in self.fields}
        return data | {"consent_to_share": self.cleaned_data["consent_to_share"]}
