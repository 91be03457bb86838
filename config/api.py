"""Assembles /api/v1/: each app contributes its routes here."""

from django.urls import path

from accounts import api as accounts_api

urlpatterns = [
    path("auth/token", accounts_api.TokenView.as_view(), name="api-token"),
    path("me", accounts_api.MeView.as_view(), name="api-me"),
    path("employees", accounts_api.EmployeeListView.as_view(), name="api-employees"),
]
