"""API tokens (django-rest-knox, hashed at rest): getting one with a password under allauth's
failed sign-in limits, authenticating with one, and when each was last used.

Getting a token checks the password and the authenticator code through allauth itself, so a
failure counts towards the same "login_failed" limits as the sign-in form (ACCOUNT_RATE_LIMITS:
per address, and per account) and an account locked on the web is locked here too, and the
other way round.
"""

from allauth.account.adapter import get_adapter
from allauth.core.internal.ratelimit import get_rates
from allauth.mfa.base.forms import AuthenticateForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox import auth
from knox.models import AuthToken

from accounts.middleware import ACTIVITY_INTERVAL
from accounts.models import TokenActivity, User
from core.ratelimit import RateLimited

LOCKED = _("Too many failed sign-in attempts for this account: try again in a few minutes.")
# allauth's error code when one of its "login_failed" limits refuses an attempt.
_TOO_MANY = "too_many_login_attempts"


def _locked() -> RateLimited:
    # allauth keeps no "until" for a limit: the longest of its windows is when every failure
    # that counted has expired, so trying again after it cannot be refused for the same reason.
    rates = get_rates(app="allauth.account", action="login_failed")
    return RateLimited(
        str(LOCKED), retry_after=int(max((rate.duration for rate in rates), default=60))
    )


def check_password(request: HttpRequest, *, email: str, password: str) -> User | None:
    """The active person with this e-mail address and password, or None. Raises RateLimited
    when the account (or the caller's address) is locked, whether the password is right or not.
    """
    try:
        person = get_adapter(request).authenticate(request, email=email, password=password)
    except ValidationError as error:
        if error.code == _TOO_MANY:
            raise _locked() from error
        raise
    # allauth also hands back a deactivated person whose password is right.
    return person if person is not None and person.is_active else None


def check_code(request: HttpRequest, *, person: User, code: str) -> bool:
    """Whether `code` is the person's current authenticator code or an unused recovery code,
    checked by allauth's own two-factor form (so it counts towards the same limit as on the
    web). Raises RateLimited when too many wrong codes were tried."""
    form = AuthenticateForm(user=person, data={"code": code})
    if form.is_valid():
        return True
    if any(error.code == _TOO_MANY for error in form.errors.as_data().get("code", [])):
        raise _locked()
    return False


def tokens_of(person: User) -> QuerySet[AuthToken]:
    """The person's API tokens that still work, newest first, with `last_used_at` (None when
    never used)."""
    return (
        AuthToken.objects.filter(user=person)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .annotate(last_used_at=F("activity__last_used_at"))
        .order_by("-created", "digest")
    )


def record_use(token: AuthToken) -> None:
    """Note when the token was used, at most once every ACTIVITY_INTERVAL: a marker in the cache
    (shared by every process with Redis) says it was noted lately, so most requests write
    nothing and read nothing more."""
    if not cache.add(f"accounts:token-used:{token.digest}", True, timeout=ACTIVITY_INTERVAL):
        return
    try:
        with transaction.atomic():
            TokenActivity.objects.bulk_create(
                [TokenActivity(token=token, last_used_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["token"],
                update_fields=["last_used_at"],
            )
    except IntegrityError:
        pass  # revoked at this very moment: nothing left to note


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication, noting when each token is used."""

    def validate_user(self, auth_token: AuthToken) -> tuple[User, AuthToken]:
        user, token = super().validate_user(auth_token)
        record_use(token)
        return user, token
