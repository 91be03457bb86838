"""Keys for the few content caches Plaudit keeps (docs/decisions.md, "Caches"). A key names the
release, so a deploy that changes a template or a representation never meets old entries."""

from django.conf import settings


def release_key(*parts: object) -> str:
    return ":".join(["plaudit", settings.RELEASE, *(str(part) for part in parts)])
