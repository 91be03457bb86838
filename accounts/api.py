from allauth.account.utils import has_verified_email
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import access, directory_import, services, tokens
from accounts.directory_import import DirectoryImportError, ImportPreview
from accounts.models import User
from accounts.tokens import TokenAuthentication


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=4096)
    code = serializers.CharField(
        required=False,
        max_length=64,
        help_text="Authenticator code, or one of your recovery codes, if two-factor "
        "authentication is on.",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


TokenError = inline_serializer("TokenError", {"detail": serializers.CharField()})
WRONG_PASSWORD = _("The e-mail address or password is not right.")
PASSWORDS_OFF = _(
    "Passwords are turned off: this site signs people in with their company account only, so "
    "it issues no API token for a password."
)
UNKNOWN_ADDRESS = _(
    "The server cannot tell your network address, so it cannot apply its sign-in limits: "
    "ask its administrator to check the proxy settings (TRUSTED_PROXY_COUNT)."
)


class TokenView(APIView):
    """POST exchanges an e-mail address and password for an API token (hashed at rest); DELETE
    revokes the token it is sent with."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        # POST proves who is asking with its body alone: a stale token in the header must not
        # refuse it (401), and neither a token nor a session may lend it an identity. Decided
        # before DRF builds its Request, which is what asks for the authenticators.
        self.anonymous = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self) -> list:
        return [] if getattr(self, "anonymous", False) else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenResponseSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"detail": …} when the e-mail address or password is not right, '
                "the address is not confirmed yet or the account is deactivated; "
                '{"code": […]} when two-factor authentication is on and the code is missing '
                "or wrong; one message per field for missing or invalid fields.",
            ),
            403: OpenApiResponse(
                TokenError,
                description="Only when the server cannot tell the caller's network address "
                "(its proxy settings are wrong): it refuses rather than skip the limits below.",
            ),
            429: OpenApiResponse(
                TokenError,
                description="Too many attempts from this address, or too many failed "
                "sign-ins for this account: they count together with the website's sign-in "
                "form, and the account is locked on both until they expire. Retry-After says "
                "how many seconds to wait.",
            ),
        },
        auth=[],
        description="Needs no credentials, and ignores any sent: an `Authorization` header or "
        "a session cookie changes nothing. Changing or resetting your password revokes every "
        "token you hold.",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            checked = _check_credentials(request._request, **data.validated_data)
        except PermissionDenied:
            # allauth cannot tell the caller's address (the proxy settings are wrong): it
            # refuses rather than skip its limits, as on the website's sign-in form.
            return Response({"detail": UNKNOWN_ADDRESS}, status=status.HTTP_403_FORBIDDEN)
        if not isinstance(checked, User):
            return Response(checked, status=status.HTTP_400_BAD_REQUEST)
        issued = services.issue_api_token(person=checked)
        if issued is None:  # the password changed since it was checked
            return Response({"detail": WRONG_PASSWORD}, status=status.HTTP_400_BAD_REQUEST)
        instance, token = issued
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _check_credentials(
    request: HttpRequest, *, email: str, password: str, code: str = ""
) -> User | dict:
    """The person these credentials prove, or the 400 body that says what is wrong with them.
    Raises RateLimited when the account is locked."""
    if not access.password_allowed(email):
        # The sign-in form's refusal points at its SSO button, which an API caller has not got.
        return {"detail": PASSWORDS_OFF}
    person = tokens.check_password(request, email=email, password=password)
    if person is None:
        return {"detail": WRONG_PASSWORD}
    if not has_verified_email(person):
        # Mandatory e-mail verification (DESIGN §2) must not be bypassed through the API.
        return {"detail": _("Confirm your e-mail address first: sign in on the website once.")}
    if is_mfa_enabled(person):
        if not code:
            return {"code": [_("Two-factor authentication is on: give your authenticator code.")]}
        if not tokens.check_code(request, person=person, code=code):
            return {"code": [_("This authenticator code is not right.")]}
    return person


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox's tokens, for our subclass (accounts/tokens.py)."""

    target_class = "accounts.tokens.TokenAuthentication"


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    display_name = serializers.CharField()


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    faces_customers = serializers.BooleanField()


class MeSerializer(serializers.ModelSerializer):
    department = DepartmentSerializer(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "preferred_name", "job_title", "department", "roles"]


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = User.objects.select_related("department").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class EmployeeSerializer(serializers.ModelSerializer):
    """Minimal directory fields: no e-mail of anyone beyond what the directory page shows."""

    department = serializers.CharField(source="department.name", allow_null=True, default=None)
    display_name = serializers.CharField()
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "full_name", "display_name", "job_title", "department", "avatar_url"]

    def get_avatar_url(self, person: User) -> str | None:
        return person.avatar_thumbnail.url if person.avatar_thumbnail else None


@extend_schema(parameters=[OpenApiParameter("q", str, description="Search words")])
class EmployeeListView(generics.ListAPIView):
    """The company directory, active people only, searchable with `q`."""

    serializer_class = EmployeeSerializer

    def get_queryset(self):
        people = User.objects.for_directory()
        q = self.request.query_params.get("q", "").strip()[:100]
        return people.search(q) if q else people


class IsHR(BasePermission):
    message = "Only HR may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.can_manage_directory(request.user)


class CSVParser(BaseParser):
    """A raw `text/csv` body, handed over as bytes (at most one byte over the import's limit,
    so that an oversized body is reported rather than read whole)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read(directory_import.MAX_BYTES + 1) if stream is not None else b""


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with the columns email, full_name, department, manager_email, job_title."
    )


class ImportChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField(allow_blank=True)
    full_name = serializers.CharField(allow_blank=True)
    department = serializers.CharField(allow_blank=True)
    manager_email = serializers.CharField(allow_blank=True)
    job_title = serializers.CharField(allow_blank=True)
    action = serializers.ChoiceField(choices=["create", "update", "unchanged"])
    changes = ImportChangeSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ImportSummarySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    departments_created = serializers.ListField(child=serializers.CharField())
    rows = ImportRowSerializer(many=True)


class ImportRowErrorsSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField(allow_blank=True)
    errors = serializers.ListField(child=serializers.CharField())


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = ImportRowErrorsSerializer(many=True)


class EmployeeImportView(APIView):
    """Import the employee directory from a CSV (HR only): idempotent upsert, all or nothing.

    Send the file as the multipart field `file` or as a raw `text/csv` body (UTF-8). With
    `?dry_run=1` nothing is written and the answer says what applying would do.
    """

    permission_classes = [IsAuthenticated, IsHR]
    parser_classes = [MultiPartParser, CSVParser]

    @extend_schema(
        operation_id="employees_import",
        request={"multipart/form-data": ImportUploadSerializer, "text/csv": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, description="Preview only: write nothing."
            )
        ],
        responses={
            200: ImportSummarySerializer,
            400: OpenApiResponse(
                ImportErrorSerializer, description="The file or some rows are not right."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        csv_bytes = self._csv_bytes(request)
        if csv_bytes is None:
            return Response(
                {
                    "detail": "Send the CSV file as the multipart field “file” or as a "
                    "text/csv body.",
                    "rows": [],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes", "on"}
        try:
            if dry_run:
                preview = directory_import.preview_import(csv_bytes=csv_bytes)
                if not preview.is_valid:
                    raise DirectoryImportError(preview)
            else:
                preview = directory_import.apply_import(
                    csv_bytes=csv_bytes, by=request.user
                ).preview
        except DirectoryImportError as error:
            return Response(_error_body(error.preview), status=status.HTTP_400_BAD_REQUEST)
        return Response(_summary_body(preview, dry_run=dry_run))

    @staticmethod
    def _csv_bytes(request: Request) -> bytes | None:
        if isinstance(request.data, bytes):
            return request.data
        upload = request.FILES.get("file")
        if upload is None:
            return None
        return upload.read(directory_import.MAX_BYTES + 1)


def _summary_body(preview: ImportPreview, *, dry_run: bool) -> dict:
    return {
        "dry_run": dry_run,
        "created": preview.created,
        "updated": preview.updated,
        "unchanged": preview.unchanged,
        "departments_created": preview.departments_to_create,
        "rows": [
            {
                "line": row.line,
                "email": row.email,
                "full_name": row.full_name,
                "department": row.department,
                "manager_email": row.manager_email,
                "job_title": row.job_title,
                "action": row.action,
                "changes": [
                    {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                    for c in row.changes
                ],
                "warnings": row.warnings,
            }
            for row in preview.rows
        ],
    }


def _error_body(preview: ImportPreview) -> dict:
    return {
        "detail": preview.summary,
        "rows": [
            {"line": row.line, "email": row.email, "errors": row.errors}
            for row in preview.error_rows
        ],
    }
