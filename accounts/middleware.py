"""Session activity without a database write on every request.

allauth's own middleware saves the person's UserSession (last seen, address, browser) on every
authenticated request: a write transaction on each page view. This one records the same
activity at most once every ACTIVITY_INTERVAL per session, and at once when the session's
address or browser changes (allauth's `session_client_changed` signal still fires then). The
UserSession rows are what "Your sessions" lists and what deactivating a person ends; they are
created at login by allauth itself.
"""

import hashlib
import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.http import HttpRequest, HttpResponse

ACTIVITY_INTERVAL = 5 * 60  # seconds
SESSION_KEY = "_plaudit_activity"


def _client(request: HttpRequest) -> str:
    """Which client the session is used from, as a short digest (not the address itself)."""
    address = get_adapter().get_client_ip(request) or ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.blake2b(f"{address}\n{agent}".encode(), digest_size=8).hexdigest()


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user and user.is_authenticated:
            recorded = session.get(SESSION_KEY)
            now = time.time()
            client = _client(request)
            if (
                not isinstance(recorded, list)
                or len(recorded) != 2
                or recorded[1] != client
                or not isinstance(recorded[0], int | float)
                or now - recorded[0] >= ACTIVITY_INTERVAL
            ):
                UserSession.objects.create_from_request(request)
                session[SESSION_KEY] = [now, client]
        return self.get_response(request)
