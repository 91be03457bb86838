import functools

from django.http import HttpRequest

from notifications import services


def bell(request: HttpRequest) -> dict:
    """The navigation's unread count, counted only when a template shows it (one indexed
    COUNT per page, none for anonymous visitors or pages without the navigation)."""

    @functools.cache
    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return services.unread_count(user)

    return {"unread_notifications": unread}
