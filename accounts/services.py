"""Every change to people: profile edits and photos, passwords and API tokens, deactivation,
the HR role. The directory import is in accounts/directory_import.py."""

from importlib import import_module

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts import access
from accounts.models import HR_GROUP, User, new_thanks_token
from core import audit, notify
from core.errors import ConflictError
from core.images import ProcessedImage


def _replace_avatar(person: User, avatar: ProcessedImage | None, *, remove: bool) -> bool:
    """Put the new photo (or none) on `person`, unsaved; the old files go once it is saved
    for good. Whether anything changed."""
    if avatar is None and not remove:
        return False
    old = [(f.storage, f.name) for f in (person.avatar, person.avatar_thumbnail) if f]
    person.avatar = avatar.display if avatar else ""
    person.avatar_thumbnail = avatar.thumbnail if avatar else ""
    if old:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in old])
    return True


@transaction.atomic
def update_profile(
    *,
    person: User,
    by: User,
    full_name: str,
    preferred_name: str,
    job_title: str,
    avatar: ProcessedImage | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save profile fields, and the photo as core.images made it (forms.AvatarField)."""
    person.full_name = full_name
    person.preferred_name = preferred_name
    person.job_title = job_title
    _replace_avatar(person, avatar, remove=remove_avatar)
    person.save()
    if by.pk != person.pk:
        audit.record("profile.edited", actor=by, target=person)
    return person


@transaction.atomic
def change_avatar(
    *, person: User, by: User, avatar: ProcessedImage | None, remove: bool = False
) -> User:
    """A new photo for `person` (as core.images made it), or none: the admin's way."""
    if _replace_avatar(person, avatar, remove=remove):
        person.save(update_fields=["avatar", "avatar_thumbnail"])
        if by.pk != person.pk:
            audit.record("profile.edited", actor=by, target=person)
    return person


def forget_sessions(keys: list[str]) -> None:
    """End these sessions in the session store (the database and, with cached_db, the cache)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


@transaction.atomic
def deactivate(*, person: User, by: User | None) -> User:
    """Deactivate an account: ends every session and revokes every API token at once. `by` is
    None for the system."""
    if by is not None and not access.can_deactivate(by, person):
        raise PermissionDenied(_("You cannot deactivate your own account."))
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return person
    person.is_active = False
    person.deactivated_at = timezone.now()
    person.save(update_fields=["is_active", "deactivated_at"])
    sessions = list(UserSession.objects.filter(user=person))
    for session in sessions:
        session.end()
    # With Redis (cached_db), a request reading one of these sessions before the commit may
    # copy its row back into the cache: forget them again once the deletion is visible.
    keys = [session.session_key for session in sessions]
    transaction.on_commit(lambda: forget_sessions(keys))
    tokens = _revoke_all_tokens(person)
    audit.record("user.deactivated", actor=by, target=person, sessions=len(sessions), tokens=tokens)
    return person


def _locked(person: User) -> User:
    """The person's row, locked until the transaction ends: changing a password, deactivating
    and issuing a token take their turns, so no token slips past a revocation."""
    return User.objects.select_for_update().only("pk", "password", "is_active").get(pk=person.pk)


def _revoke_all_tokens(person: User) -> int:
    deleted = AuthToken.objects.filter(user=person).delete()[1]
    return deleted.get(AuthToken._meta.label, 0)  # not counting their TokenActivity rows


@transaction.atomic
def set_password(*, person: User, password: str | None, by: User | None) -> int:
    """Give the person a new password (None: none at all, they sign in another way) and revoke
    every API token they hold: a token must not outlive the password it was obtained with, just
    as their other sessions end. Returns how many tokens were revoked."""
    _locked(person)
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)
    person.save(update_fields=["password"])
    tokens = _revoke_all_tokens(person)
    if tokens:
        audit.record("user.api_tokens_revoked", actor=by, target=person, tokens=tokens)
    return tokens


@transaction.atomic
def issue_api_token(*, person: User) -> tuple[AuthToken, str] | None:
    """A new API token for someone whose password was just checked: the token and its text
    (shown once, only its digest is kept). None when, meanwhile, the password changed or the
    person was deactivated."""
    current = _locked(person)
    if current.password != person.password or not current.is_active:
        return None
    return AuthToken.objects.create(user=current)


@transaction.atomic
def revoke_api_token(*, token: AuthToken, by: User) -> None:
    """The person revokes one of their own API tokens (from their API tokens page)."""
    if token.user_id != by.pk:
        raise PermissionDenied
    token.delete()
    audit.record("user.api_token_revoked", actor=by, target=by)


@transaction.atomic
def reactivate(*, person: User, by: User | None) -> User:
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        return person
    person.is_active = True
    person.deactivated_at = None
    person.save(update_fields=["is_active", "deactivated_at"])
    audit.record("user.reactivated", actor=by, target=person)
    return person


@transaction.atomic
def invite(*, person: User, by: User) -> User:
    """E-mail someone HR imported (access.can_invite) how to get in: a link that sets their
    password (allauth's reset link, valid PASSWORD_RESET_TIMEOUT), or, where single sign-on is
    the only way in, the sign-in page. Sent through the task queue once this commits; asking
    again sends a fresh link (the previous one keeps working until it expires or is used)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if not access.can_invite(person):
        raise ConflictError(
            _("%(name)s has signed in or set a password already: they need no invitation.")
            % {"name": person.full_name}
        )
    if access.password_allowed(person.email):
        key = default_token_generator.make_token(person)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(person), "key": key},
        )
        message = _(
            "Your colleagues can already thank you and nominate you in Plaudit, where we "
            "celebrate how we help our customers. Your account is ready: set your password to "
            "sign in. The link works for a few days."
        )
        label = _("Set your password")
    else:
        path = reverse("account_login")
        message = _(
            "Your colleagues can already thank you and nominate you in Plaudit, where we "
            "celebrate how we help our customers. Your account is ready: sign in with your "
            "company account."
        )
        label = _("Sign in")
    notify.send_mail_on_commit(
        to=person.email,
        subject=_("You are invited to Plaudit"),
        template="notice",
        context={
            "greeting": _("Hello %(name)s,") % {"name": person.display_name},
            "message": message,
            "action_url": settings.SITE_URL + path,
            "action_label": label,
            "footer": _("You receive this because HR added you to Plaudit."),
        },
    )
    audit.record("user.invited", actor=by, target=person)
    return person


@transaction.atomic
def rotate_thanks_token(*, person: User) -> User:
    """A new personal thank-you link; the old one stops working at once."""
    person.thanks_token = new_thanks_token()
    person.save(update_fields=["thanks_token"])
    audit.record("user.thanks_link_rotated", actor=person, target=person)
    return person


@transaction.atomic
def set_hr(*, person: User, hr: bool, by: User | None, details: dict | None = None) -> User:
    """Give `person` the HR role (membership of the HR group), or take it away, audited with
    `details` (`by` is None when single sign-on decides: accounts.sso.apply_claims)."""
    group = Group.objects.get_or_create(name=HR_GROUP)[0]
    if person.groups.filter(pk=group.pk).exists() == hr:
        return person
    if hr:
        person.groups.add(group)
    else:
        person.groups.remove(group)
    person.__dict__.pop("in_hr_group", None)  # User.is_hr's cached answer
    verb = "user.hr_granted" if hr else "user.hr_revoked"
    audit.record(verb, actor=by, target=person, **(details or {}))
    return person
