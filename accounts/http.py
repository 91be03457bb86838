"""Typed request for views: django-htmx adds `request.htmx`."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
    user: User | AnonymousUser


class AuthedRequest(HtmxRequest):
    user: User
