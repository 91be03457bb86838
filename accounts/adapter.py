"""allauth customisation: who may sign up, and how SSO users are filled in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import access, services, sso
from accounts.models import User
from core import notify

# allauth's mail to an address that signs up but already has an account (an imported
# colleague, most often): ours explains what to do instead (templates/account/email/).
ALREADY_EXISTS = "account/email/account_already_exists"


def already_exists_context(email: str) -> dict:
    """What the "you already have an account" e-mail says: whether HR imported the person and
    they never set a password, whether single sign-on is the way in, and whether a password
    may be set at all (with OIDC_ONLY, only for the break-glass addresses)."""
    person = User.objects.filter(email__iexact=email).first()
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return {
        "subject": _("You already have a Plaudit account"),
        "imported": bool(
            person and person.imported_from_directory and not person.has_usable_password()
        ),
        "sso_name": apps[0]["name"] if settings.OIDC_ENABLED and apps else "",
        "password_allowed": access.password_allowed(email),
        # Both at the site's public address, like every link we mail (allauth's reset link
        # would name the host the sign-up came through).
        "login_url": settings.SITE_URL + reverse("account_login"),
        "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
        "site_url": settings.SITE_URL,
    }


def signup_allowed(email: str) -> bool:
    """Signup is closed except for ALLOWED_SIGNUP_DOMAINS and addresses HR imported."""
    email = (email or "").strip().lower()
    domain = email.rpartition("@")[2]
    if domain and domain in settings.ALLOWED_SIGNUP_DOMAINS:
        return True
    return User.objects.filter(email__iexact=email).exists()


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if not signup_allowed(email):
            raise ValidationError(
                "Sign-up is open to company addresses only. Use your work e-mail, or ask HR "
                "to add you to the directory."
            )
        return email

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """With a task queue, allauth's mail (confirmations, password resets) goes through it
        on commit like ours. allauth renders the message here, where the request is at hand,
        and only the rendered strings are queued. With the immediate backend it is sent at
        once, as allauth does by default."""
        if template_prefix == ALREADY_EXISTS:
            context = {**context, **already_exists_context(email)}
        if not notify.runs_tasks_later():
            return super().send_mail(template_prefix, email, context)
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        notify.send_message_on_commit(self.render_mail(template_prefix, email, ctx))

    def set_password(self, user: User, password: str) -> None:
        """Every way allauth sets a password (change, first set, reset) revokes the person's API
        tokens too (accounts/services.py)."""
        revoked = services.set_password(person=user, password=password, by=user)
        request = allauth_context.request
        if revoked and request is not None:
            messages.info(
                request,
                ngettext(
                    "Your API token stopped working with your old password: ask the API for a "
                    "new one.",
                    "Your %(count)d API tokens stopped working with your old password: ask the "
                    "API for new ones.",
                    revoked,
                )
                % {"count": revoked},
            )

    def authenticate(self, request: HttpRequest, **credentials) -> User | None:
        """With OIDC_ONLY, a password opens only the break-glass accounts. Refused before the
        password is checked, so the answer says nothing about it."""
        if not access.password_allowed(credentials.get("email", "")):
            raise ValidationError(
                _("Plaudit signs you in with your company account: use the button above.")
            )
        return super().authenticate(request, **credentials)

    def send_password_reset_mail(self, user: User, email: str, context: dict) -> None:
        if access.password_allowed(email):
            super().send_password_reset_mail(user, email, context)

    def post_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse:
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None:
            # After every step of the sign-in (two-factor included) and for new people too.
            sso.apply_claims(person=user, claims=sso.claims_of(sociallogin))
            sso.remember_for_logout(request, sociallogin)
        return super().post_login(request, user, **kwargs)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return sso.end_session_url(request) or super().get_logout_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return signup_allowed(sociallogin.user.email)

    def get_requests_session(self):
        session = super().get_requests_session()
        session.hooks["response"].append(sso.keep_id_token)
        return session

    def authenticate_by_email(self, sociallogin: SocialLogin):
        """An existing person is found by e-mail only when the provider vouches for it."""
        if not sso.email_is_trusted(sso.claims_of(sociallogin)):
            return None
        return super().authenticate_by_email(sociallogin)

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse, on our own page, what allauth would refuse on its stock pages or get wrong."""
        if id_token := getattr(request, "sso_id_token", None):
            sociallogin.state["id_token"] = id_token
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            return  # A signed-in person links the provider to their own account.
        email = sociallogin.user.email
        person = (
            sociallogin.user
            if sociallogin.is_existing
            else (User.objects.filter(email__iexact=email).first() if email else None)
        )
        if person is not None and not person.is_active:
            raise sso.refuse(request, "inactive", sociallogin=sociallogin)
        if sociallogin.is_existing and sociallogin.account.pk:
            return  # Linked before (by e-mail or by the person): the provider's subject decides.
        if not sso.email_is_trusted(sso.claims_of(sociallogin)):
            raise sso.refuse(request, "unverified_email", sociallogin=sociallogin)
        if not sociallogin.is_existing and not signup_allowed(email):
            raise sso.refuse(request, "not_in_directory", sociallogin=sociallogin)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        raise sso.refuse(
            request,
            "provider_error",
            code=sso.provider_error_code(request, error, exception),
            description=request.GET.get("error_description", "")[:200],
        )

    def populate_user(self, request: HttpRequest, sociallogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (name or user.email.split("@")[0])[:150]
        return user
