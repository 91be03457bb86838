"""Customer thank-yous and the helpdesk webhook over the API (DESIGN §4, §6, §7).

Serializers parse the input into typed values; where the web pages take the same input, the
serializer checks it with the page's form (forms.ThankYouInput, hr_forms.ModerateForm), so
that both say the same. nominations/thanks/services.py and integrations.py decide every rule,
nominations/thanks/access.py who may see what; core.api.exception_handler maps their errors.

Customers have no account: sending and confirming a thank-you are anonymous (no
authentication classes at all, so a signed-in browser's session cannot make them fail on
CSRF), and the webhook proves who sent it by its signature alone. A thank-you the caller may
not moderate answers 404, never 403, so that its existence is not revealed.
"""

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.api import PersonSerializer
from accounts.models import User
from awards.months import check_year
from core.api import EnumField
from core.models import MAX_ID
from core.ratelimit import client_ip
from nominations.models import Integration, ThankYou
from nominations.thanks import access, integrations, selectors, services
from nominations.thanks.forms import EMAIL, ThankYouInput
from nominations.thanks.hr_forms import DECISION_CHOICES, ModerateForm

INVALID_LINK = "This thank-you link is not valid."
PENDING = {"status": ThankYou.Status.PENDING_CONFIRMATION.value}
# The largest number a score column holds (8 digits, 2 of them decimals).
MAX_SCORE = Decimal("999999.99")


def thank_you_status_field(**kwargs) -> EnumField:
    return EnumField(ThankYou.Status.choices, enum_name="ThankYouStatus", **kwargs)


# --- Output -----------------------------------------------------------------------------------


class ThankYouSerializer(serializers.ModelSerializer):
    """A thank-you as HR and managers see it. `customer_email` is null for everyone but HR;
    `score` and `scale_max` are set for helpdesk feedback only."""

    status = thank_you_status_field(read_only=True)
    source = EnumField(ThankYou.Source.choices, enum_name="ThankYouSource", read_only=True)
    employee = PersonSerializer(
        allow_null=True, help_text="Null until HR says who a general thank-you is about."
    )
    customer_email = serializers.SerializerMethodField()
    moderated_by = PersonSerializer(allow_null=True)
    score = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    scale_max = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = ThankYou
        fields = [
            "id",
            "status",
            "source",
            "employee",
            "employee_hint",
            "customer_name",
            "customer_email",
            "organisation",
            "message",
            "consent_to_share",
            "cycle",
            "created_at",
            "confirmed_at",
            "moderated_at",
            "moderated_by",
            "moderation_note",
            "score",
            "scale_max",
        ]
        read_only_fields = fields

    def get_customer_email(self, thank_you: ThankYou) -> str | None:
        return thank_you.customer_email if self.context.get("show_customer_email") else None


def _context(user: User) -> dict:
    return {"show_customer_email": access.can_see_customer_email(user)}


# --- Input ------------------------------------------------------------------------------------


def _checked_with(form: forms.Form) -> dict:
    """What the web page's form makes of input a serializer has parsed: its rules and its
    words, as a 400 naming each field."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {field: [str(message) for message in errors] for field, errors in form.errors.items()}
        )
    return form.cleaned_data


class SendThanksSerializer(serializers.Serializer):
    """What a customer sends. The words are checked like the web form's (forms.ThankYouInput),
    in words a customer understands (400 naming the field)."""

    token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The employee's personal-link token (from their link or QR code). "
        "Without it, `employee_hint` says who helped and HR finds them.",
    )
    employee_hint = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Who helped: a name, a team, where and when (≤200). Required without token.",
    )
    customer_name = serializers.CharField(allow_blank=True, help_text="Your name (≤120).")
    customer_email = serializers.CharField(
        allow_blank=True,
        help_text="Your e-mail address: the confirmation link is sent there.",
    )
    organisation = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Your organisation (≤120)."
    )
    message = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="10 to 2,000 characters."
    )
    consent_to_share = serializers.BooleanField(
        help_text="May it be published as a customer-voice story once approved?"
    )

    def validate_token(self, token: str) -> User | None:
        if not token:
            return None
        # A deactivated employee's link stops working like a rotated one: nothing is revealed.
        employee = selectors.employee_for_link(token)
        if employee is None:
            raise serializers.ValidationError(INVALID_LINK)
        return employee

    def validate(self, attrs: dict) -> dict:
        """The keyword arguments of services.send_thanks (but the ip)."""
        employee = attrs.pop("token", None)
        words = ThankYouInput(data=attrs, employee=employee)
        _checked_with(words)
        return {"employee": employee, **words.service_data()}


class ConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=500,
        help_text="The signed token from the confirmation e-mail's link (/thanks/confirm/…/).",
    )


class ThankYouFilterSerializer(serializers.Serializer):
    status = thank_you_status_field(required=False, help_text="Only thank-yous in this state.")


class ModerateSerializer(serializers.Serializer):
    """A decision, checked like the queue page's (hr_forms.ModerateForm)."""

    decision = EnumField(DECISION_CHOICES, enum_name="ThankYouDecision")
    employee = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="HR only: the user id of the employee it is about (assigns it first).",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, for the record (≤500); worth writing when rejecting.",
    )

    def validate_employee(self, pk: int) -> User:
        # Deactivated people are found on purpose: the service explains why not them.
        employee = User.objects.filter(pk=pk).first()
        if employee is None:
            raise serializers.ValidationError("There is nobody with this id.")
        return employee

    def validate(self, attrs: dict) -> dict:
        return attrs | _checked_with(ModerateForm(data=attrs))


class FeedbackSerializer(serializers.Serializer):
    """One piece of positive feedback from a helpdesk or CSAT tool (docs/api.md)."""

    external_id = serializers.CharField(
        min_length=1,
        max_length=200,
        help_text="The helpdesk's own id for this feedback; a repeat is recognised by it.",
    )
    employee_email = serializers.EmailField(help_text="The agent's work e-mail address.")
    score = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        coerce_to_string=False,
        min_value=Decimal(0),
        max_value=MAX_SCORE,
        help_text="The customer's rating, at most scale_max.",
    )
    scale_max = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        coerce_to_string=False,
        min_value=Decimal("0.01"),
        max_value=MAX_SCORE,
        help_text="The top of the rating scale (5 for 1–5 stars, 10 for NPS…).",
    )
    comment = serializers.CharField(
        allow_blank=True,
        help_text="The customer's words. Under 10 characters it is ignored; the first 2,000 "
        "are kept.",
    )
    customer_name = serializers.CharField(
        min_length=1, max_length=ThankYou._meta.get_field("customer_name").max_length
    )
    customer_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ThankYou._meta.get_field("customer_email").max_length,
        error_messages={"max_length": EMAIL},
    )
    occurred_at = serializers.DateTimeField(
        help_text="When the customer gave the feedback (ISO 8601, with a time zone)."
    )

    def validate_comment(self, comment: str) -> str:
        return comment.replace("\r\n", "\n")

    def validate_customer_name(self, name: str) -> str:
        return " ".join(name.split())

    def validate_customer_email(self, email: str) -> str:
        return email.lower()

    def validate_occurred_at(self, value):
        try:
            check_year(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value


# --- Documented answers -----------------------------------------------------------------------

Pending = inline_serializer(
    "ThankYouReceived",
    {"status": serializers.ChoiceField(choices=["pending_confirmation"])},
)
Confirmed = inline_serializer(
    "ThankYouConfirmation",
    {
        "status": thank_you_status_field(help_text="The thank-you's state now."),
        "confirmed": serializers.BooleanField(
            help_text="Whether this call confirmed it (false: it was confirmed already)."
        ),
    },
)
LinkExpired = inline_serializer(
    "ConfirmationLinkExpired",
    {"detail": serializers.CharField(), "expired": serializers.BooleanField()},
)
Conflict = inline_serializer(
    "ThankYouConflict",
    {
        "detail": serializers.CharField(),
        "status": thank_you_status_field(required=False, help_text="Its state right now."),
    },
)
Error = inline_serializer("ThankYouError", {"detail": serializers.CharField()})
FeedbackStored = inline_serializer(
    "FeedbackStored",
    {
        "status": thank_you_status_field(
            help_text="`confirmed` (waiting for moderation) when new; for a repeat, the "
            "state of the thank-you it made the first time."
        ),
        "id": serializers.IntegerField(help_text="The thank-you's id."),
        "employee_matched": serializers.BooleanField(
            help_text="Whether employee_email is an active employee (otherwise HR assigns it)."
        ),
    },
)
FeedbackIgnored = inline_serializer(
    "FeedbackIgnored",
    {
        "status": serializers.ChoiceField(choices=["ignored"]),
        "reason": serializers.CharField(),
    },
)
# The shape core.api documents as ValidationErrorResponse: {"detail": …} or {"field": […]}.
FieldErrors = OpenApiTypes.OBJECT
NOT_VISIBLE = OpenApiResponse(Error, description="Unknown, or not yours to moderate.")


# --- Views ------------------------------------------------------------------------------------


class ThanksView(generics.ListAPIView):
    """GET lists the thank-yous you may see (signed in); POST is the customers' form
    (anonymous: no authentication at all, so no session and no CSRF check)."""

    serializer_class = ThankYouSerializer
    parser_classes = [JSONParser]

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        # Decided before DRF builds its Request, which is what asks for the authenticators.
        self.anonymous = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self) -> list:
        return [] if getattr(self, "anonymous", False) else super().get_authenticators()

    def get_permissions(self) -> list:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[ThankYou]:
        filters = ThankYouFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        thanks = access.visible_thanks(self.request.user).for_queue()
        if status_ := filters.validated_data.get("status"):
            thanks = thanks.filter(status=status_)
        return thanks

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), **_context(self.request.user)}

    @extend_schema(
        operation_id="thanks_list",
        parameters=[ThankYouFilterSerializer],
        responses={200: ThankYouSerializer(many=True)},
        description="The thank-yous you may see (DESIGN §7), newest first, paginated: HR all "
        "of them; a manager those to their direct reports, in every state; everyone their "
        "own approved ones. The customer's e-mail address is shown to HR only.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="thanks_send",
        auth=[],
        request=SendThanksSerializer,
        responses={
            202: OpenApiResponse(
                Pending,
                description="Received: the customer must confirm it from the e-mail we send. "
                "The same answer for a repeat of the same message within a day.",
            ),
            400: OpenApiResponse(
                FieldErrors,
                description='Invalid input, one message per field; {"token": ["This '
                'thank-you link is not valid."]} for an unknown or replaced link.',
            ),
            429: OpenApiResponse(
                Error,
                description="Too many thank-yous from this connection (5 an hour) or this "
                "e-mail address (5 a day).",
            ),
            503: OpenApiResponse(
                Error,
                description="The limits cannot count just now (the cache is down): nothing "
                "was sent. Try again after Retry-After seconds.",
            ),
        },
        description="A customer thanks an employee, through the employee's personal link "
        "(`token`) or naming them in `employee_hint`. No account needed. Nothing is shared "
        "until the customer confirms it from the e-mail (POST thanks/confirm).",
    )
    def post(self, request: Request) -> Response:
        data = SendThanksSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.send_thanks(ip=client_ip(request), **data.validated_data)
        # Never an id, and never whether it was a repeat: the answer reveals nothing.
        return Response(PENDING, status=status.HTTP_202_ACCEPTED)


class ConfirmThanksView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="thanks_confirm",
        auth=[],
        request=ConfirmSerializer,
        responses={
            200: Confirmed,
            400: OpenApiResponse(
                FieldErrors,
                description='{"token": ["…"]}: the link is forged, damaged or for a '
                "thank-you that no longer exists.",
            ),
            410: OpenApiResponse(
                LinkExpired,
                description="A genuine link older than 48 hours (`expired` is true): send "
                "the thank-you again to get a new one.",
            ),
        },
        description="The customer confirms their thank-you with the token of the link we "
        "e-mailed them. Confirming twice changes nothing (`confirmed` is false the second "
        "time).",
    )
    def post(self, request: Request) -> Response:
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            thank_you, confirmed = services.confirm_thanks(signed=data.validated_data["token"])
        except services.ConfirmationLinkError as error:
            if error.expired:
                return Response(
                    {"detail": error.message, "expired": True}, status=status.HTTP_410_GONE
                )
            return Response({"token": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"status": thank_you.status, "confirmed": confirmed})


class ModerateThanksView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="thanks_moderate",
        request=ModerateSerializer,
        responses={
            200: ThankYouSerializer,
            403: OpenApiResponse(Error, description="A manager tried to choose the employee."),
            404: NOT_VISIBLE,
            409: OpenApiResponse(
                Conflict,
                description="Not waiting for moderation: the customer has not confirmed it "
                "yet, or it was approved or rejected already (`status` says which).",
            ),
        },
        description="HR, or the employee's manager, approves or rejects a confirmed "
        "thank-you. Approving counts it in the cycle open at that moment and tells the "
        "employee; it needs an employee (HR passes `employee` for one from the general "
        "form). Both decisions are final.",
    )
    def post(self, request: Request, pk: int) -> Response:
        thank_you = get_object_or_404(access.moderation_queue(request.user), pk=pk)
        data = ModerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.moderate_thanks(thank_you=thank_you, by=request.user, **data.validated_data)
        except PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from None
        thank_you = ThankYou.objects.for_queue().get(pk=pk)
        return Response(ThankYouSerializer(thank_you, context=_context(request.user)).data)


class WebhookThrottle(AnonRateThrottle):
    """A helpdesk may deliver a burst of feedback from one address."""

    scope = "integration"
    rate = "600/minute"


def _error(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


class FeedbackView(APIView):
    """The signed helpdesk webhook: the signature is its only credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [WebhookThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="integrations_feedback",
        auth=[],
        parameters=[
            OpenApiParameter(
                integrations.SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`sha256=` followed by the hex HMAC-SHA256 of the exact raw body, "
                "keyed with the integration's secret.",
            ),
        ],
        request={"application/json": FeedbackSerializer},
        responses={
            200: OpenApiResponse(
                FeedbackStored,
                description="A repeat of an external_id: the thank-you it made the first time.",
            ),
            201: OpenApiResponse(
                FeedbackStored, description="Kept: a confirmed thank-you waiting for moderation."
            ),
            202: OpenApiResponse(
                FeedbackIgnored,
                description="Ignored, with the reason: the score is below the integration's "
                "threshold, or the comment is under 10 characters. Nothing is stored.",
            ),
            400: OpenApiResponse(
                FieldErrors,
                description='Not a JSON object in UTF-8 ({"detail": …}), or a field is '
                'wrong ({"field": ["…"]}; a score above scale_max is {"score": ["…"]}).',
            ),
            401: OpenApiResponse(
                Error,
                description="The signature header is missing or does not match the body.",
            ),
            404: OpenApiResponse(Error, description="No active integration has this slug."),
            409: OpenApiResponse(
                Error, description="The same external_id is being stored at this very moment."
            ),
        },
        description="Helpdesk and CSAT tools push positive customer feedback about an agent. "
        "Signed with the integration's secret (see docs/api.md for a worked example).",
    )
    def post(self, request: Request, slug: str) -> Response:
        try:
            body = request.body  # the raw bytes, exactly as signed: read before anything else
        except RequestDataTooBig:
            return _error("The body is too large.", status.HTTP_400_BAD_REQUEST)
        integration = get_object_or_404(Integration.objects.filter(is_active=True), slug=slug)
        header = request.headers.get(integrations.SIGNATURE_HEADER)
        if not integrations.signature_is_valid(integration, body, header):
            return _error(
                f"The {integrations.SIGNATURE_HEADER} header is missing or does not match "
                "the body.",
                status.HTTP_401_UNAUTHORIZED,
            )
        payload = _parse_json_object(body)
        data = FeedbackSerializer(data=payload)
        data.is_valid(raise_exception=True)
        outcome = integrations.receive_feedback(integration=integration, **data.validated_data)
        if outcome.ignored:
            return Response(
                {"status": "ignored", "reason": outcome.reason}, status=status.HTTP_202_ACCEPTED
            )
        thank_you = outcome.thank_you
        return Response(
            {
                "status": thank_you.status,
                "id": thank_you.pk,
                "employee_matched": thank_you.employee_id is not None,
            },
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


def _parse_json_object(body: bytes) -> dict:
    """The body as a JSON object; numbers stay exact (Decimal), never binary floats."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise exceptions.ParseError("The body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise exceptions.ParseError("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise exceptions.ParseError("The body must be a JSON object.")
    return payload
