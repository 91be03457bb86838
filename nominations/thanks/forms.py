"""What a customer writes in a thank-you, and the web form it is written in.

`ThankYouInput` is the one definition of those fields: their limits, how they are tidied and
the words of every problem. The web form adds the anti-abuse signals (honeypot, minimum fill
time); the API parses its JSON with a serializer, then checks the words with the same form
(api.SendThanksSerializer), so that the page and the API cannot disagree. The service takes
the values it gives (services.send_thanks)."""

import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, validate_email
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from nominations.models import ThankYou

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
EMAIL = "Enter your e-mail address, like name@example.com: we send you a link to confirm."
SHORT_MESSAGE = "Write at least 10 characters: a sentence about what they did for you."


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


class WordsField(forms.CharField):
    """Words a person typed, trimmed. One line (`one_line`): runs of spaces and line breaks
    become one space; otherwise line breaks are kept, as "\\n". A NUL character (which the
    database cannot store) is refused before anything else, and only the first problem is
    reported: a person fixes one thing at a time."""

    default_error_messages = {"null_characters_not_allowed": NUL}

    def __init__(self, *, one_line: bool = True, **kwargs) -> None:
        self.one_line = one_line
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        value = super().to_python(value)
        if "\x00" in value:
            raise ValidationError(
                self.error_messages["null_characters_not_allowed"],
                code="null_characters_not_allowed",
            )
        return " ".join(value.split()) if self.one_line else value.replace("\r\n", "\n")

    def run_validators(self, value: str) -> None:
        try:
            super().run_validators(value)
        except ValidationError as error:
            raise ValidationError(error.error_list[:1]) from None


class EmailAddressField(WordsField):
    """An e-mail address, in lower case (the same address however it was typed)."""

    widget = forms.EmailInput
    default_validators = [validate_email]

    def to_python(self, value) -> str:
        return super().to_python(value).lower()


def _column(name: str) -> int:
    """How many characters the thank-you's column `name` holds."""
    return ThankYou._meta.get_field(name).max_length


def _not_over_a_page(message: str) -> None:
    if len(message) > ThankYou.MAX_MESSAGE:
        raise ValidationError(
            _("Keep it under %(limit)s characters (this is %(length)s)."),
            code="too_long",
            params={"limit": f"{ThankYou.MAX_MESSAGE:,}", "length": f"{len(message):,}"},
        )


class ThankYouInput(forms.Form):
    """A customer's thank-you: from the general form, or, with `employee`, from that employee's
    link (which has no `employee_hint`: we already know who it is for)."""

    # The page's order (the message right after who it is for): the error summary lists the
    # mistakes in this order, so it reads as the page does.
    field_order = [
        "employee_hint",
        "message",
        "customer_name",
        "customer_email",
        "organisation",
        "consent_to_share",
    ]

    employee_hint = WordsField(
        label="Who helped you?",
        max_length=_column("employee_hint"),
        error_messages={
            "required": "Tell us who helped you: a name, a team, or where and when you met them.",
            "max_length": _("Keep this under %(limit_value)d characters."),
        },
        help_text=(
            "Whatever you remember: a first name, a team, the shop or the phone line, "
            "the day. We work out who it was."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    customer_name = WordsField(
        label="Your name",
        max_length=_column("customer_name"),
        error_messages={
            "required": "Tell us your name, so that they know who thanked them.",
            "max_length": _("Keep your name under %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    customer_email = EmailAddressField(
        label="Your e-mail address",
        max_length=_column("customer_email"),
        error_messages={"required": EMAIL, "invalid": EMAIL, "max_length": EMAIL},
        help_text="We send you a link to confirm. Only our HR team sees your address.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    organisation = WordsField(
        label="Your organisation",
        required=False,
        max_length=_column("organisation"),
        error_messages={"max_length": _("Keep the organisation under %(limit_value)d characters.")},
        help_text="If you wrote on behalf of a company or a school, for instance.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    # Validators rather than min_length/max_length: those would become the textarea's
    # minlength/maxlength, and the browser would cut a long message instead of saying so.
    message = WordsField(
        label="Your message",
        one_line=False,
        validators=[MinLengthValidator(ThankYou.MIN_MESSAGE), _not_over_a_page],
        error_messages={"required": SHORT_MESSAGE, "min_length": SHORT_MESSAGE},
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

    def __init__(self, *args, employee: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.employee = employee
        if employee is not None:
            del self.fields["employee_hint"]

    def service_data(self) -> dict:
        """The keyword arguments of services.send_thanks (besides employee and ip)."""
        return {
            name: self.cleaned_data[name]
            for name in ThankYouInput.base_fields
            if name in self.fields
        }


class ThankYouForm(ThankYouInput):
    """The web page's form: the thank-you, and what tells a person from a bot."""

    # The honeypot: hidden from people (off-screen, out of the tab order, hidden from screen
    # readers); form-filling bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Handed out afresh with every page, so a re-shown form starts a new minimum fill time.
        self.started_token = form_started_token()

    def caught_by_honeypot(self) -> bool:
        return bool(self.is_bound and str(self.data.get("website", "")).strip())

    def clean(self) -> dict:
        cleaned = super().clean()
        if problem := _started_error(str(self.data.get("started", "")), time.time()):
            self.add_error(None, problem)
        return cleaned
