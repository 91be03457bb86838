"""Session activity without a database write on every request.

allauth's own middleware saves the person's UserSession (last seen, address, browser) on every
authenticated request: a write transaction on each page view. This one records the same
activity at most once every ACTIVITY_INTERVAL per session, and at once when the session's
address or browser changes (allauth's `session_client_changed` signal still fires then). The
UserSession rows are what "Your sessions" lists and what deactivating a person ends; they are
created at login by allauth itself.

When activity was last recorded, and for which client, is kept in a small signed cookie bound
to the session key, not in the session: saving the session would move its end each time, and
a session used every fortnight would never end. The signature's timestamp is the interval, so
a copied or old cookie hides nothing for longer than that.
"""

import hashlib
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest, HttpResponse

ACTIVITY_INTERVAL = 5 * 60  # seconds
COOKIE = "plaudit_activity"


def _client(request: HttpRequest) -> str:
    """Which client the session is used from, as a short digest (not the address itself)."""
    address = get_adapter().get_client_ip(request) or ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.blake2b(f"{address}\n{agent}".encode(), digest_size=8).hexdigest()


def _salt(session_key: str) -> str:
    return f"{COOKIE}:{session_key}"


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key = session.session_key if session is not None else None
        recorded = None
        if key and user and user.is_authenticated:
            client = _client(request)
            seen = request.get_signed_cookie(
                COOKIE, default=None, salt=_salt(key), max_age=ACTIVITY_INTERVAL
            )
            if seen != client:
                UserSession.objects.create_from_request(request)
                recorded = client
        response = self.get_response(request)
        # Only for the session it was recorded for (not after signing out or in).
        if recorded and request.session.session_key == key:
            response.set_signed_cookie(
                COOKIE,
                recorded,
                salt=_salt(key),
                max_age=ACTIVITY_INTERVAL,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response
