"""What every HTML form shares."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.forms import Form

from core.errors import ConflictError


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


@contextmanager
def service_errors(form: Form, *, rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """Call a service and put what it refuses on the form:

        if form.is_valid():
            with service_errors(form):
                nomination = services.nominate(...)
                return redirect(nomination)
        return render(request, template, {"form": form})

    A ValidationError lands next to its fields (see apply_service_errors), a ConflictError
    on top of the form; the block stops there and the view renders the form again. A view
    that answers a conflict differently catches ConflictError inside the block."""
    try:
        yield
    except ValidationError as error:
        apply_service_errors(form, error, rename=rename)
    except ConflictError as error:
        form.add_error(None, error.message)
