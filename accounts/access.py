"""Who may see or change people. Used by the web views and the API alike."""

from accounts.models import User


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
