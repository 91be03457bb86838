"""allauth customisation: who may sign up, and how SSO users are filled in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.models import User
from core import notify


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
        if not notify.runs_tasks_later():
            return super().send_mail(template_prefix, email, context)
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        notify.send_message_on_commit(self.render_mail(template_prefix, email, ctx))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return signup_allowed(sociallogin.user.email)

    def populate_user(self, request: HttpRequest, sociallogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (name or user.email.split("@")[0])[:150]
        return user
