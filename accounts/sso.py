"""Single sign-on through an OpenID Connect provider: which claims Plaudit trusts, what it
copies from them into the directory, and signing out at the provider. docs/sso.md is the
same story for IT.

The provider's `email_verified` is the only thing that lets a sign-in reach an existing
person by e-mail; without it the person signs in with their password and connects the
provider themselves (Connected accounts).
"""

import logging
import re
from urllib.parse import urlencode

import requests
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Department, User

log = logging.getLogger(__name__)

# The provider's ID token, kept in the session to name the session to end at the provider.
LOGOUT_HINT_SESSION_KEY = "sso_logout_hint"
SSO_PROVIDER_SESSION_KEY = "sso_provider"

REFUSALS = {
    "not_in_directory": _("You are not in Plaudit's directory yet"),
    "inactive": _("This account is deactivated"),
    "unverified_email": _("Your e-mail address was not confirmed by single sign-on"),
    "provider_error": _("Single sign-on did not complete"),
}


def claims_of(sociallogin: SocialLogin) -> dict:
    """The ID token's claims, with the userinfo endpoint's answer over them."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def email_is_trusted(claims: dict) -> bool:
    """OIDC_TRUST_EMAIL trusts the provider's own word that the address is verified, never the
    address alone. Some providers send the claim as a string."""
    verified = claims.get("email_verified")
    if isinstance(verified, str):
        verified = verified.strip().lower() == "true"
    return settings.OIDC_TRUST_EMAIL and verified is True


def refuse(
    request: HttpRequest,
    reason: str,
    *,
    sociallogin: SocialLogin | None = None,
    code: str = "",
    description: str = "",
) -> ImmediateHttpResponse:
    """Log why a sign-in was refused (never a token) and answer with our page saying what to
    do. Returns the exception for the caller to raise."""
    account = sociallogin.account if sociallogin else None
    log.warning(
        "Single sign-on refused: %s (provider %s, subject %s, error %s%s)",
        reason,
        account.provider if account else "-",
        account.uid if account else "-",
        code or "-",
        f": {description}" if description else "",
    )
    response = render(
        request,
        "socialaccount/refused.html",
        {"reason": reason, "title": REFUSALS[reason], "code": code},
        status=403,
    )
    return ImmediateHttpResponse(response)


_ERROR_CODE = re.compile(r"""["']error["']\s*:\s*["']([\w.-]{1,60})["']""")


def provider_error_code(request: HttpRequest, error: str, exception: Exception | None) -> str:
    """The OAuth error code: from the callback's query string, else from the token endpoint's
    answer (allauth puts its body in the exception), else allauth's own."""
    if code := request.GET.get("error"):
        return code[:60]
    if exception is not None and (match := _ERROR_CODE.search(str(exception))):
        return match.group(1)
    if isinstance(exception, requests.RequestException):
        return type(exception).__name__
    return str(error or "unknown")


# --- Claims into the directory -----------------------------------------------------------------


def _groups(claims: dict) -> set[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return {str(group) for group in value if group}


def _text(claims: dict, name: str, limit: int) -> str:
    value = claims.get(name) if name else None
    return str(value).strip()[:limit] if isinstance(value, str | int) else ""


def _department(name: str) -> Department:
    if department := Department.objects.filter(name__iexact=name).first():
        return department
    base = slugify(name)[:90] or "department"
    slug, n = base, 1
    while Department.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    department, _ = Department.objects.get_or_create(name=name, defaults={"slug": slug})
    return department


@transaction.atomic
def apply_claims(*, person: User, claims: dict) -> None:
    """At each sign-in: HR from the groups claim (when OIDC_HR_GROUPS is set; granted and
    taken away, audited), and department and job title from their claims unless HR's directory
    import keeps this person's entry."""
    if settings.OIDC_HR_GROUPS:
        matching = sorted(_groups(claims) & set(settings.OIDC_HR_GROUPS))
        details = {"by": "sso", "groups": matching} if matching else {"by": "sso"}
        services.set_hr(person=person, hr=bool(matching), by=None, details=details)
    if person.imported_from_directory:
        return
    changed = []
    if (title := _text(claims, settings.OIDC_JOB_TITLE_CLAIM, 120)) and title != person.job_title:
        person.job_title = title
        changed.append("job_title")
    if name := _text(claims, settings.OIDC_DEPARTMENT_CLAIM, 100):
        department = _department(name)
        if department.pk != person.department_id:
            person.department = department
            changed.append("department")
    if changed:
        person.save(update_fields=changed)


# --- Signing out at the provider ---------------------------------------------------------------


def keep_id_token(response: requests.Response, *args, **kwargs) -> None:
    """A hook on the requests allauth makes: the token endpoint's answer carries the ID token,
    which allauth decodes and drops. The request being handled keeps it until the sign-in
    completes (SocialAccountAdapter.pre_social_login)."""
    request = allauth_context.request
    if request is None or "json" not in response.headers.get("content-type", ""):
        return
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("id_token"), str):
        request.sso_id_token = body["id_token"]


def remember_for_logout(request: HttpRequest, sociallogin: SocialLogin) -> None:
    if id_token := sociallogin.state.get("id_token"):
        request.session[LOGOUT_HINT_SESSION_KEY] = id_token
        request.session[SSO_PROVIDER_SESSION_KEY] = sociallogin.account.provider


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send the browser to sign out at the provider too (RP-initiated logout), or
    None when the person did not sign in by SSO or the provider does not offer it."""
    id_token = request.session.get(LOGOUT_HINT_SESSION_KEY)
    provider_id = request.session.get(SSO_PROVIDER_SESSION_KEY)
    if not (settings.OIDC_LOGOUT and id_token and provider_id):
        return None
    try:
        adapter = OpenIDConnectOAuth2Adapter(request, provider_id)
        endpoint = adapter.openid_config.get("end_session_endpoint")
        client_id = adapter.get_provider().app.client_id
    except (requests.RequestException, ValueError, SocialApp.DoesNotExist) as error:
        log.warning(
            "Could not read the provider's configuration to sign out there: %s",
            type(error).__name__,
        )
        return None
    if not endpoint:
        return None
    query = {
        "id_token_hint": id_token,
        "client_id": client_id,
        "post_logout_redirect_uri": request.build_absolute_uri("/"),
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
