from allauth.mfa.models import Authenticator
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=4096)
    code = serializers.CharField(
        required=False, max_length=12, help_text="Authenticator code, if MFA is on."
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class TokenView(APIView):
    """Exchange e-mail and password for an API token (hashed at rest); DELETE revokes it."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": "The e-mail address or password is not right."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is not None:
            code = data.validated_data.get("code", "")
            if not code:
                return Response(
                    {"code": ["Two-factor authentication is on: give your authenticator code."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if not totp.wrap().validate_code(code):
                return Response(
                    {"code": ["This authenticator code is not right."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        instance, token = AuthToken.objects.create(user=user)
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


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
