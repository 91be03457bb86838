"""Award cycles and their rubric over the API (DESIGN §6). Serializers check the shape of the
input; cycles/services.py decides every rule; core.api.exception_handler maps its errors."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Department
from awards.models import AwardCycle, Criterion
from awards.months import check_year
from core.api import EnumField
from cycles import services
from cycles.forms import DATE_FIELDS

# Far enough for any real cycle, near enough that date arithmetic never leaves the calendar.
MAX_CRITERIA = 20


class IsHRToChange(BasePermission):
    """Anyone signed in may read; only HR may write. Checked before the cycle is looked up,
    so a non-HR caller gets 403 on every HR operation."""

    message = "Only HR may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or request.user.is_hr


def cycle_status_field(**kwargs) -> EnumField:
    return EnumField(AwardCycle.Status.choices, enum_name="CycleStatus", **kwargs)


def _in_range(value: dt.date | dt.datetime) -> None:
    try:
        check_year(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


# --- Serializers ------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    status = cycle_status_field(read_only=True)
    eligible_departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    allowed_next = serializers.ListField(
        child=cycle_status_field(),
        read_only=True,
        help_text="The phases this cycle may move to next (POST …/transition).",
    )
    rubric_editable = serializers.BooleanField(read_only=True)

    class Meta:
        model = AwardCycle
        fields = [
            "id",
            "title",
            "month",
            "status",
            "opens_at",
            "nominations_close_at",
            "judging_close_at",
            "winner_count",
            "cooldown_cycles",
            "blind_judging",
            "customer_share_floor",
            "eligible_departments",
            "allowed_next",
            "rubric_editable",
            "status_changed_at",
        ]
        read_only_fields = fields


# The fields are services.EDITABLE_FIELDS, built from the model: its types, limits and help
# texts are the one definition (DRF turns the model's Min/MaxValueValidators into min_value and
# max_value). Declared here is only what the model does not say.
class CycleWriteSerializer(serializers.ModelSerializer):
    """The settings HR may give a cycle; the service checks dates and the customer floor."""

    eligible_departments = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Department.objects.all(),
        help_text="Department ids whose people may be nominated; empty means every department.",
    )

    class Meta:
        model = AwardCycle
        fields = services.EDITABLE_FIELDS
        extra_kwargs = {name: {"validators": [_in_range]} for name in DATE_FIELDS}


class CycleCreateSerializer(CycleWriteSerializer):
    month = serializers.DateField(
        validators=[_in_range],
        help_text="Any day of the month the cycle recognises; stored as the first day.",
    )

    class Meta(CycleWriteSerializer.Meta):
        fields = (*services.EDITABLE_FIELDS, "month")
        extra_kwargs = CycleWriteSerializer.Meta.extra_kwargs | {
            "title": {"allow_blank": True, "help_text": "Defaults from the month."}
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "month":
                field.required = False


class CycleUpdateSerializer(CycleWriteSerializer):
    """Every field optional (PATCH). The month of a cycle cannot change."""


class TransitionSerializer(serializers.Serializer):
    to = cycle_status_field()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def criterion_kind_field(**kwargs) -> EnumField:
    return EnumField(Criterion.Kind.choices, enum_name="CriterionKind", **kwargs)


class CriterionSerializer(serializers.ModelSerializer):
    kind = criterion_kind_field(read_only=True)
    half_point = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Criterion
        fields = ["id", "name", "kind", "weight", "half_point", "customer_focused", "position"]
        read_only_fields = fields


class CriterionInputSerializer(serializers.ModelSerializer):
    # One row of a rubric: its types and limits are the model's.
    kind = criterion_kind_field()

    class Meta:
        model = Criterion
        fields = ["name", "kind", "weight", "half_point", "customer_focused"]
        extra_kwargs = {
            "weight": {"help_text": "Percent."},
            "half_point": {
                "coerce_to_string": False,
                "help_text": "The input at which the criterion earns half its points; required "
                "for every kind but panel (ignored there).",
            },
            "customer_focused": {
                "default": False,
                "help_text": "Settable for panel criteria; customer_evidence and customer_thanks "
                "always are, peer_support never is.",
            },
        }


ConflictWithAllowed = inline_serializer(
    "TransitionConflict",
    {
        "detail": serializers.CharField(),
        "allowed": serializers.ListField(child=cycle_status_field()),
        "status": cycle_status_field(help_text="The phase the cycle is actually in."),
    },
)
ConflictWithExisting = inline_serializer(
    "CycleConflict",
    {
        "detail": serializers.CharField(),
        "existing": serializers.IntegerField(
            required=False,
            help_text="The id of the cycle of that month (absent when it was being created "
            "at the same moment).",
        ),
    },
)
Error = inline_serializer("CycleError", {"detail": serializers.CharField()})
RubricErrors = inline_serializer(
    "RubricErrors",
    {
        "detail": serializers.CharField(
            required=False,
            help_text="Every rubric rule that failed, one sentence each, saying by how much.",
        ),
        "criteria": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="One message per malformed criterion, naming its position and field.",
        ),
    },
)


def _cycle_queryset() -> QuerySet[AwardCycle]:
    return AwardCycle.objects.prefetch_related("eligible_departments")


def _cycle_response(cycle: AwardCycle, code: int = status.HTTP_200_OK) -> Response:
    return Response(CycleSerializer(_cycle_queryset().get(pk=cycle.pk)).data, status=code)


def _split_departments(data: dict) -> tuple[dict, list[Department] | None]:
    data = dict(data)
    return data, data.pop("eligible_departments", None)


# --- Views ------------------------------------------------------------------------------------


class CycleListView(generics.ListAPIView):
    """Award cycles, newest month first. Drafts are listed for HR only."""

    serializer_class = CycleSerializer
    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[AwardCycle]:
        return AwardCycle.objects.visible_to(self.request.user).prefetch_related(
            "eligible_departments"
        )

    @extend_schema(operation_id="cycles_list", responses={200: CycleSerializer(many=True)})
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="cycles_create",
        request=CycleCreateSerializer,
        responses={
            201: CycleSerializer,
            409: OpenApiResponse(
                ConflictWithExisting, description="A cycle for that month already exists."
            ),
        },
        description="HR creates a cycle in draft with the default rubric. Dates default to "
        "the month (nominations through the month, judging the first week after).",
    )
    def post(self, request: Request) -> Response:
        data = CycleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields, departments = _split_departments(data.validated_data)
        cycle = services.create_cycle(by=request.user, eligible_departments=departments, **fields)
        return _cycle_response(cycle, status.HTTP_201_CREATED)


class CycleDetailView(APIView):
    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    def get_cycle(self, pk: int) -> AwardCycle:
        return get_object_or_404(AwardCycle.objects.visible_to(self.request.user), pk=pk)

    @extend_schema(operation_id="cycles_retrieve", responses={200: CycleSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _cycle_response(self.get_cycle(pk))

    @extend_schema(
        operation_id="cycles_partial_update",
        request=CycleUpdateSerializer,
        responses={
            200: CycleSerializer,
            409: OpenApiResponse(
                Error, description="The cycle is decided, or judging froze this setting."
            ),
        },
        description="HR edits a cycle's settings. Once judging starts only the title and the "
        "dates may change; a decided cycle is frozen.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        cycle = self.get_cycle(pk)
        data = CycleUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes, departments = _split_departments(data.validated_data)
        cycle = services.update_cycle(
            cycle=cycle, by=request.user, eligible_departments=departments, **changes
        )
        return _cycle_response(cycle)


class CycleTransitionView(APIView):
    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cycles_transition",
        request=TransitionSerializer,
        responses={
            200: CycleSerializer,
            409: OpenApiResponse(
                ConflictWithAllowed,
                description="Not a legal move from the cycle's phase: `allowed` lists the "
                "legal ones.",
            ),
        },
        description="HR moves the cycle to its next phase "
        "(draft → open → judging → decided → announced). Opening needs a valid rubric (400).",
    )
    def post(self, request: Request, pk: int) -> Response:
        cycle = get_object_or_404(AwardCycle.objects.visible_to(request.user), pk=pk)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = services.transition(
            cycle=cycle,
            to=data.validated_data["to"],
            reason=data.validated_data["reason"],
            by=request.user,
        )
        return _cycle_response(cycle)


class CycleCriteriaView(APIView):
    """The rubric of a cycle: its criteria in order."""

    permission_classes = [IsAuthenticated, IsHRToChange]
    parser_classes = [JSONParser]

    def _criteria(self, cycle: AwardCycle) -> Response:
        return Response(CriterionSerializer(cycle.criteria.all(), many=True).data)

    @extend_schema(
        operation_id="cycles_criteria_list", responses={200: CriterionSerializer(many=True)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return self._criteria(get_object_or_404(AwardCycle.objects.visible_to(request.user), pk=pk))

    @extend_schema(
        operation_id="cycles_criteria_replace",
        request=CriterionInputSerializer(many=True),
        responses={
            200: CriterionSerializer(many=True),
            400: OpenApiResponse(
                RubricErrors,
                description='A rule failed: {"detail": "The weights add up to 99%; … (1 '
                'short)."} with one sentence per failed rule; or the shape is wrong: '
                '{"criteria": ["Criterion 2: weight: …"]}.',
            ),
            409: OpenApiResponse(Error, description="The cycle is past the open phase."),
        },
        description="HR replaces the whole rubric (draft and open cycles only). The weights "
        "must add up to 100 and the customer-focused weights must reach the cycle's "
        "customer_share_floor.",
    )
    def put(self, request: Request, pk: int) -> Response:
        cycle = get_object_or_404(AwardCycle.objects.visible_to(request.user), pk=pk)
        # An empty list is let through: the service explains why a rubric needs a criterion.
        data = CriterionInputSerializer(
            data=request.data, many=True, max_length=MAX_CRITERIA, allow_empty=True
        )
        if not data.is_valid():
            return Response(
                {"criteria": _rubric_shape_errors(data.errors)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.replace_rubric(cycle=cycle, criteria=data.validated_data, by=request.user)
        return self._criteria(cycle)


def _rubric_shape_errors(errors) -> list[str]:
    """DRF reports a list's errors per position ({0: {"weight": […]}}, or a list of dicts in
    older versions) or for the whole list ({"non_field_errors": […]}); make it one readable
    line per problem."""
    items = errors.items() if isinstance(errors, dict) else enumerate(errors)
    lines: list[str] = []
    for key, problems in items:
        if not isinstance(key, int):  # about the list as a whole
            lines.extend(str(m) for m in problems)
            continue
        for field, messages in (problems or {}).items():
            label = "" if field == "non_field_errors" else f"{field}: "
            lines.extend(f"Criterion {key + 1}: {label}{m}" for m in messages)
    return lines or ["Send the rubric as a list of criteria."]
