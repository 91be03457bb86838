"""The site's URLs plus the floor view. Only the benchmark's settings route here, so the floor
never exists on a real site."""

from django.urls import path

from bench import views
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/floor/", views.floor, name="bench-floor"), *site_urlpatterns]
