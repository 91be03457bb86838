"""What every HTML form shares."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.forms import Form


def apply_service_errors(
    form: Form, error: ValidationError, *, rename: Mapping[str, str] | None = None
) -> None:
    """A service's ValidationError onto the form: each message next to its field when the
    form has that field (`rename` maps a service's field name to the form's), else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)
