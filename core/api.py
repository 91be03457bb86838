"""One exception handler for the whole API, so that every error has the shapes of DESIGN §6:
`{"detail": "…"}` or `{"field": ["message"]}`, with the right status and never a 500 for input.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ConflictError
from core.ratelimit import RateLimited


def validation_error_body(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in error.message_dict.items()}
    return {"detail": " ".join(error.messages)}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message, **exc.extra}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RateLimited):  # 429, or 503 when the limit cannot count
        return Response(
            {"detail": exc.message},
            status=exc.status,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, IntegrityError):
        # The service already checked; a constraint firing means a concurrent twin won.
        return Response(
            {"detail": "This was changed at the same moment by another request."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        response.data = {"detail": " ".join(str(x) for x in response.data)}
    return response


class EnumField(serializers.ChoiceField):
    """A choice field documented as one named enum component (`CycleStatus`, `EvidenceKind`…),
    however many serializers and field names use that choice set, so the schema names each
    set once without project-wide ENUM_NAME_OVERRIDES."""

    def __init__(self, choices, *, enum_name: str, **kwargs) -> None:
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)
        # Never echo the input: a lone surrogate in it would make the answer unencodable.
        self.error_messages["invalid_choice"] = (
            "Choose one of: " + ", ".join(str(key) for key in self.choices) + "."
        )


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction) -> dict:
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        return schema


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in words a person understands.",
}
_FIELD_ERRORS = {
    "type": "object",
    "description": (
        'Either {"detail": "…"} or one list of messages per field: {"field": ["message"]}.'
    ),
    "additionalProperties": True,
}
_COMMON_ERRORS = {
    "400": ("Invalid input.", "ValidationErrorResponse"),
    "401": ("Not signed in or the token is not valid.", "ErrorResponse"),
    "403": ("Signed in, but not allowed to do this.", "ErrorResponse"),
    "404": ("Unknown, or not visible to you.", "ErrorResponse"),
    "429": ("Too many requests: try again later.", "ErrorResponse"),
}
_METHODS = {"get", "put", "post", "patch", "delete"}


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents the error shapes of
    DESIGN §6 (the exception handler above guarantees them), unless it declares its own."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorResponse", _ERROR)
    schemas.setdefault("ValidationErrorResponse", _FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            codes = ["400", "404", "429"]
            if operation.get("security"):  # an operation that needs a signed-in caller
                codes[1:1] = ["401", "403"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                description, component = _COMMON_ERRORS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                    },
                )
    return result
