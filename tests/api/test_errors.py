"""Every API error is JSON of the shapes of DESIGN §6, with the right status."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from rest_framework import exceptions

from core.api import exception_handler
from core.errors import ConflictError

# HR-only API operations. Ones that other work adds later are checked once they are routed.
HR_API_OPERATIONS = [
    ("post", "/api/v1/employees/import"),
]


def is_routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def assert_detail(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    return body


def test_400_names_the_fields(api, db):
    response = api().post(reverse("api-token"), {"email": "not an address"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["email"] == ["Enter a valid email address."]
    assert body["password"] == ["This field is required."]


def test_401_when_not_signed_in(api, db):
    assert_detail(api().get(reverse("api-me")), 401)


def test_401_for_a_malformed_authorization_header(client, db):
    response = client.get(reverse("api-me"), headers={"Authorization": "Token"})
    assert_detail(response, 401)


@pytest.mark.parametrize(("method", "path"), HR_API_OPERATIONS)
def test_403_for_hr_operations_when_not_hr(api, employee, method, path):
    if not is_routed(path):
        pytest.skip(f"{path} is not routed yet")
    assert_detail(getattr(api(employee), method)(path, {}, format="multipart"), 403)


@pytest.mark.parametrize(("method", "path"), HR_API_OPERATIONS)
def test_hr_operations_need_a_signed_in_caller(api, db, method, path):
    if not is_routed(path):
        pytest.skip(f"{path} is not routed yet")
    assert_detail(getattr(api(), method)(path, {}, format="multipart"), 401)


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/me/", "/api/v2/me", "/api/", "/api/v1/"]
)
def test_unknown_api_urls_are_a_json_404(api, employee, path):
    body = assert_detail(api(employee).get(path), 404)
    assert body == {"detail": "Not found."}


def test_unknown_api_urls_are_json_for_anonymous_callers_too(client, db):
    assert_detail(client.get("/api/v1/nothing-here"), 404)


def test_405_for_a_method_the_operation_does_not_have(api, employee):
    body = assert_detail(api(employee).put(reverse("api-me"), {}, format="json"), 405)
    assert body["detail"] == 'Method "PUT" not allowed.'


def test_406_is_json_even_when_the_client_asks_for_html(api, employee):
    response = api(employee).get(reverse("api-me"), HTTP_ACCEPT="text/html")
    assert_detail(response, 406)


def test_415_for_an_unsupported_body(api, db):
    response = api().post(reverse("api-token"), b"<xml/>", content_type="application/xml")
    assert_detail(response, 415)


# --- the exception handler itself, for the errors services raise -----------------------------


def handle(exc: Exception):
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_a_service_validation_error_becomes_a_400_detail():
    assert handle(ValidationError("Nominations are closed.")) == (
        400,
        {"detail": "Nominations are closed."},
    )


def test_a_service_validation_error_per_field_becomes_field_lists():
    error = ValidationError({"headline": ["Too long."], "story": ["Required.", "Too short."]})
    assert handle(error) == (400, {"headline": ["Too long."], "story": ["Required.", "Too short."]})


def test_a_conflict_is_a_409_with_its_extra_facts():
    assert handle(ConflictError("Already nominated.", existing=7)) == (
        409,
        {"detail": "Already nominated.", "existing": 7},
    )


def test_an_integrity_error_is_a_409_not_a_500():
    status, body = handle(IntegrityError("duplicate key"))
    assert status == 409
    assert "duplicate" not in body["detail"]  # no database internals leak


def test_django_404_and_403_become_json():
    assert handle(Http404("secret table name")) == (404, {"detail": "Not found."})
    status, body = handle(PermissionDenied("internal reason"))
    assert status == 403
    assert "internal reason" not in body["detail"]


def test_a_list_of_errors_is_folded_into_one_detail():
    assert handle(exceptions.ValidationError(["One.", "Two."])) == (400, {"detail": "One. Two."})


def test_an_unexpected_exception_is_left_to_the_500_handler():
    assert exception_handler(RuntimeError("boom"), {}) is None
