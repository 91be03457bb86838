import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

# The layout's links, by the name base.html uses for each.
LAYOUT_URLS = {
    "home": "home:home",
    "people": "accounts:directory",
    "nominate": "nominations:new",
    "my_nominations": "nominations:mine",
    "stories": "stories:feed",
    "hall_of_fame": "awards:hall_of_fame",
    "hr_console": "home:hr_console",
    "edit_profile": "accounts:edit_profile",
    "emails": "account_email",
    "password": "account_change_password",
    "mfa": "mfa_index",
    "sessions": "usersessions_list",
    "connections": "socialaccount_connections",
    "api_tokens": "accounts:api_tokens",
    "logout": "account_logout",
    "login": "account_login",
    "api_docs": "api-docs",
}


@functools.lru_cache(maxsize=16)
def layout_urls(prefix: str, urlconf: str | None) -> dict[str, str]:
    """Reversed once per process, script prefix and URLconf (everything `reverse` reads):
    every page's layout shows them all, and they change only with the code."""
    return {key: reverse(name, urlconf=urlconf) for key, name in LAYOUT_URLS.items()}


def plaudit(request: HttpRequest) -> dict:
    return {
        "SITE_URL": settings.SITE_URL,
        "DEBUG": settings.DEBUG,
        "SSO_ENABLED": settings.OIDC_ENABLED,
        "SSO_ONLY": settings.OIDC_ONLY,
        "layout_urls": layout_urls(get_script_prefix(), get_urlconf()),
    }
