"""The site's URLconf plus two views that fail, to see the 500 pages (tests only)."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom", boom),
    *urlpatterns,
]
