"""The bare Django view every page's requests per second are a share of: a project of its own
with one view returning one HttpResponse, and the middleware `django-admin startproject` sets up
(security, sessions, common, CSRF, authentication, messages, clickjacking). The load test serves
it with the same gunicorn configuration as the site, in the same run (bench/load.py).

Run as `gunicorn bench.bare:application`; it configures Django itself and never opens a
database (the view touches neither the session nor the user)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.")


urlpatterns = [path("", hello)]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-bare-view"),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        DATABASES={},
    )

application = get_wsgi_application()
