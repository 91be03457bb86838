import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from core.cache_backends import UNAVAILABLE, strict

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def _cache_ok() -> bool:
    # The strict cache: the site's own serves without Redis, and would hide the outage.
    probe = strict(cache)
    try:
        probe.set("healthz", "ok", 10)
        return probe.get("healthz") == "ok"
    except UNAVAILABLE as error:  # a line, not a traceback, at every probe of an outage
        logger.warning("healthz: the cache is unavailable: %s", error)
        return False
    except Exception:
        logger.exception("healthz: cache check failed")
        return False


# Public on purpose: load balancers probe it without credentials. It reveals only up/down.
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "down" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    # No context processors: the failure may be in one of them.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files, for development and tests only (production serves them elsewhere).
    MEDIA_ROOT is read per request so that tests may point it at a temporary folder."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
