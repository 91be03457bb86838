"""Who may see or change people. Used by the web views and the API alike."""

from django.conf import settings

from accounts.models import User


def password_allowed(email: str) -> bool:
    """With OIDC_ONLY only the break-glass addresses may sign in or reset with a password, so
    that an outage at the provider does not lock everyone out."""
    return not settings.OIDC_ONLY or (email or "").strip().lower() in settings.OIDC_BREAK_GLASS


def can_view_profile(viewer: User, person: User) -> bool:
    # The directory is company-internal: every signed-in colleague sees active people;
    # HR also sees deactivated ones (to reactivate them or read their history).
    return person.is_active or viewer.is_hr


def can_edit_profile(viewer: User, person: User) -> bool:
    return viewer.pk == person.pk or viewer.is_hr


def can_manage_directory(viewer: User) -> bool:
    return viewer.is_hr


def can_deactivate(viewer: User, person: User) -> bool:
    # Who may deactivate at all is the page's to say (the HR console: HR; the admin: its
    # permissions); nobody deactivates their own account, which would lock them out.
    return viewer.pk != person.pk


def can_invite(person: User) -> bool:
    """Someone HR imported who never signed in and has no password: an invitation tells them
    how to get in. Whoever signed in once finds their own way (password reset, SSO)."""
    return (
        person.is_active
        and person.imported_from_directory
        and person.last_login is None
        and not person.has_usable_password()
    )
