"""Rate limits for our own public forms, counted in the cache (Redis in production, so every
web process shares the counts). allauth guards its own forms; DRF throttles the API as a whole.

A limit is a fixed window: at most `limit` hits per `period` seconds for one key. Keys are
hashed, so neither an e-mail address nor an IP address is ever written to the cache.

These limits guard public forms that send e-mail, over hours and days: when the cache cannot be
reached they refuse (LimitUnavailable, a 503) rather than let anything through uncounted
(docs/deployment.md, "When Redis is down").
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.cache_backends import UNAVAILABLE, strict

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Raised when a limit is spent; the edge answers `status` (429) with `message`, as JSON
    (API) or on the form (web), and a Retry-After header."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class LimitUnavailable(RateLimited):
    """Raised when a limit cannot count because the cache is down: a 503, and nothing done."""

    status = 503
    RETRY_AFTER = 60  # seconds: an outage of the cache is usually over in minutes

    def __init__(self) -> None:
        super().__init__(
            _("This cannot be sent just now. Please try again in a few minutes."),
            retry_after=self.RETRY_AFTER,
        )


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    period: int  # seconds

    def _key(self, value: str) -> str:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return f"ratelimit:{self.name}:{digest}"

    def hit(self, value: str) -> bool:
        """Count one hit for `value`; False once the window already holds `limit` hits.
        Raises LimitUnavailable when the cache cannot be reached to count it."""
        key = self._key(value)
        counts = strict(cache)
        try:
            # add() only creates the counter (with its expiry) when the window starts; incr()
            # is atomic in Redis and in the local-memory cache, so concurrent hits all count.
            if counts.add(key, 1, timeout=self.period):
                return True
            try:
                count = counts.incr(key)
            except ValueError:  # the window expired between add() and incr()
                counts.add(key, 1, timeout=self.period)
                return True
        except UNAVAILABLE as error:
            logger.warning("Rate limit %s cannot count, so it refuses: %s", self.name, error)
            raise LimitUnavailable from error
        return count <= self.limit


def client_ip(request: HttpRequest) -> str:
    """The caller's address, trusting X-Forwarded-For only through TRUSTED_PROXY_COUNT
    (the same rule allauth and DRF apply)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or ""
    except PermissionDenied:  # allauth refuses a request without an address: "" is unknown
        return ""


def ip_hash(ip: str) -> str:
    """A salted hash of an IP address: enough to spot abuse from one place, never the address.
    Keyed with IP_HASH_SALT (its own setting, so that SECRET_KEY can rotate without changing
    stored hashes), so it cannot be reversed by trying every address."""
    if not ip:
        return ""
    return salted_hmac(
        "plaudit.ip-hash", ip, secret=settings.IP_HASH_SALT, algorithm="sha256"
    ).hexdigest()
