"""Domain errors: what a service raises when a request cannot be carried out. They know
nothing of HTTP; the API's exception handler (core/api.py) and the views' `service_errors`
(core/forms.py) turn them into a 409 or a message on the page. A broken rule about the input
itself is Django's `ValidationError` (400, or a message next to the field)."""

from typing import Any


class ConflictError(Exception):
    """Raised by services when a request clashes with existing state (DESIGN §6: 409)."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra
