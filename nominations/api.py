"""Nominations, evidence and endorsements over the API (DESIGN §6, §7).
Serializers check the shape of the input (evidence goes through the page's own EvidenceForm);
nominations/services.py decides every rule and nominations/access.py who may see what;
core.api.exception_handler maps their errors. A nomination the caller may not see answers 404
for every action, never 403, so that its existence is not revealed; a visible one the caller
may not change answers 403.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PersonSerializer
from accounts.models import User
from awards.models import AwardCycle
from core.api import EnumField
from core.models import MAX_ID
from nominations import access, services
from nominations.forms import EvidenceForm
from nominations.models import Category, Endorsement, Evidence, EvidenceState, Nomination

MAX_INVITATIONS = 50


# --- Output -----------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name", "description"]
        read_only_fields = fields


def nomination_status_field(**kwargs) -> EnumField:
    return EnumField(Nomination.Status.choices, enum_name="NominationStatus", **kwargs)


def evidence_kind_field(**kwargs) -> EnumField:
    return EnumField(Evidence.Kind.choices, enum_name="EvidenceKind", **kwargs)


def verification_field(**kwargs) -> EnumField:
    return EnumField(Evidence.Verification.choices, enum_name="EvidenceVerification", **kwargs)


def _media_url(file) -> str | None:
    return file.url if file else None


class EvidenceSerializer(serializers.ModelSerializer):
    """One item of evidence. Fields of other kinds are null; `points` (what it counts now: base
    points times the verification factor) is null for callers who may not see scoring."""

    before = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=False, allow_null=True
    )
    after = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=False, allow_null=True
    )
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    kind = evidence_kind_field(read_only=True)
    verification = verification_field(read_only=True)
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    verified_by = PersonSerializer(allow_null=True)
    points = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "nomination",
            "kind",
            "created_at",
            "quote",
            "quote_source",
            "metric",
            "before",
            "after",
            "unit",
            "higher_is_better",
            "period",
            "date",
            "hours",
            "heard",
            "image_url",
            "thumbnail_url",
            "caption",
            "verification",
            "verification_note",
            "verified_by",
            "verified_at",
            "points",
        ]
        read_only_fields = fields
        extra_kwargs = {
            name: {"allow_null": True}
            for name in (
                "quote",
                "quote_source",
                "metric",
                "unit",
                "higher_is_better",
                "period",
                "date",
                "heard",
                "caption",
            )
        }

    # The fields each kind carries; the rest are sent as null.
    KIND_FIELDS = {
        kind: {("image_url" if f == "image" else f) for f in fields}
        | ({"thumbnail_url"} if kind == Evidence.Kind.ARTIFACT else set())
        for kind, fields in Evidence.KIND_FIELDS.items()
    }
    ALL_KIND_FIELDS = set().union(*KIND_FIELDS.values())

    def get_image_url(self, evidence: Evidence) -> str | None:
        return _media_url(evidence.image)

    def get_thumbnail_url(self, evidence: Evidence) -> str | None:
        return _media_url(evidence.image_thumbnail)

    def get_points(self, evidence: Evidence) -> float | None:
        if not self.context.get("show_points"):
            return None
        return float(evidence.points)

    def to_representation(self, evidence: Evidence) -> dict:
        data = super().to_representation(evidence)
        for name in self.ALL_KIND_FIELDS - self.KIND_FIELDS[evidence.kind]:
            data[name] = None
        return data


class EndorsementSerializer(serializers.ModelSerializer):
    author = PersonSerializer()

    class Meta:
        model = Endorsement
        fields = ["id", "author", "comment", "created_at"]
        read_only_fields = fields


class NominationSerializer(serializers.ModelSerializer):
    """A nomination as listed. `nominator` is null when the caller may not know who nominated
    (blind judging) or when a customer was the source."""

    nominee = PersonSerializer()
    nominator = PersonSerializer(allow_null=True)
    category = CategorySerializer()
    source = EnumField(Nomination.Source.choices, enum_name="NominationSource", read_only=True)
    status = nomination_status_field(read_only=True)
    evidence_count = serializers.IntegerField()
    endorsement_count = serializers.IntegerField()

    class Meta:
        model = Nomination
        fields = [
            "id",
            "cycle",
            "nominee",
            "nominator",
            "source",
            "category",
            "headline",
            "status",
            "evidence_count",
            "endorsement_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, nomination: Nomination) -> dict:
        data = super().to_representation(nomination)
        if nomination.pk not in self.context.get("nominators_shown", ()):
            data["nominator"] = None
        return data


class NominationDetailSerializer(NominationSerializer):
    """A nomination with its story, its evidence and its endorsements."""

    evidence = EvidenceSerializer(many=True, source="evidence_items")
    endorsements = EndorsementSerializer(many=True, source="endorsement_items")

    class Meta(NominationSerializer.Meta):
        fields = [
            *NominationSerializer.Meta.fields,
            "story",
            "customer_impact",
            "evidence",
            "endorsements",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class NominationWriteSerializer(serializers.Serializer):
    category = serializers.SlugField(
        max_length=60, help_text="The category's slug (see GET categories)."
    )
    headline = serializers.CharField(max_length=120)
    story = serializers.CharField(max_length=5000, help_text="What they did. Markdown is fine.")
    customer_impact = serializers.CharField(
        max_length=2000, help_text="Who the customer was and what changed for them."
    )

    def validate_category(self, slug: str) -> Category:
        # Retired categories are found here on purpose: the service explains why not them.
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            raise serializers.ValidationError("Choose one of the categories.")
        return category


class NominationCreateSerializer(NominationWriteSerializer):
    nominee = _id_field(help_text="The colleague's user id (see GET employees).")
    cycle = _id_field(
        required=False, help_text="The cycle's id; by default the cycle open right now."
    )

    def validate_nominee(self, pk: int) -> User:
        # Deactivated people are found here on purpose: the service explains why not them.
        nominee = User.objects.filter(pk=pk).first()
        if nominee is None:
            raise serializers.ValidationError("There is nobody with this id.")
        return nominee

    def validate_cycle(self, pk: int) -> AwardCycle:
        cycle = AwardCycle.objects.visible_to(self.context["request"].user).filter(pk=pk).first()
        if cycle is None:
            raise serializers.ValidationError("There is no award cycle with this id.")
        return cycle


class NominationUpdateSerializer(NominationWriteSerializer):
    """Every field optional (PATCH)."""


class NominationFilterSerializer(serializers.Serializer):
    cycle = _id_field(required=False, help_text="Only this cycle's nominations.")
    status = nomination_status_field(required=False)
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the nominations you made."
    )
    nominee = _id_field(required=False, help_text="Only the nominations of this person.")
    department = _id_field(
        required=False, help_text="Only the nominations of people in this department."
    )
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Only the nominations of people whose name or e-mail address contains this.",
    )
    evidence = EnumField(
        EvidenceState.choices,
        enum_name="NominationEvidenceState",
        required=False,
        help_text="How far the evidence is verified: some waits for verification, some is "
        "disputed, all is verified, or there is none yet.",
    )


class EvidenceKindSerializer(serializers.Serializer):
    kind = evidence_kind_field()


class EvidenceInputSerializer(serializers.ModelSerializer):
    """The kind and that kind's fields (fields of other kinds are ignored):
    customer_words: quote, quote_source · measured_improvement: metric, before, after, unit,
    higher_is_better, period · front_line_time: date (not in the future, within a year), hours
    (0 < h ≤ 12), heard · artifact: image (multipart only), caption. Every field of the kind is
    required."""

    # The schema's description of the request, from the model: the page's EvidenceForm parses
    # it (`evidence_input`), so that the web and the API accept exactly the same.
    kind = evidence_kind_field()

    class Meta:
        model = Evidence
        fields = ["kind", *EvidenceForm.Meta.fields]
        extra_kwargs = {name: {"coerce_to_string": False} for name in ("before", "after", "hours")}


class EvidenceUploadSerializer(EvidenceInputSerializer):
    image = serializers.FileField(
        required=False, help_text="JPEG, PNG or WebP, at most 10 MB (artifact only)."
    )

    class Meta(EvidenceInputSerializer.Meta):
        fields = [*EvidenceInputSerializer.Meta.fields, "image"]


class _Scalar(serializers.Field):
    """A JSON string, number or boolean, handed on as the form expects it: the page's form
    parses it, with the page's messages. An object or a list is refused here; the form would
    store its printed form as text, or fail on it as a date."""

    default_error_messages = {"invalid": _("Give a single value, not a list or an object.")}

    def to_internal_value(self, data: object) -> object:
        if isinstance(data, bool) or data is None:
            return data
        if not isinstance(data, str | int | float | Decimal):
            self.fail("invalid")
        return str(data)


class EvidenceValuesSerializer(serializers.Serializer):
    """Only the shape of each value; EvidenceForm reads them."""

    def get_fields(self) -> dict:
        return {name: _Scalar(required=False) for name in EvidenceForm.Meta.fields}


def evidence_input(request: Request) -> dict:
    """The kind, then that kind's fields parsed by EvidenceForm: the keyword arguments of
    services.add_evidence, or a 400 with the messages by field."""
    kind = EvidenceKindSerializer(data=request.data)
    kind.is_valid(raise_exception=True)
    values = EvidenceValuesSerializer(data=request.data)
    values.is_valid(raise_exception=True)
    form = EvidenceForm(values.validated_data, request.FILES, kind=kind.validated_data["kind"])
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return {"kind": form.kind, **form.cleaned_data}


class VerifySerializer(serializers.Serializer):
    status = verification_field()
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when disputing: why, so the nominator can respond.",
    )


class EndorseSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=500, help_text="Why you second this nomination, in a sentence."
    )


class InvitationSerializer(serializers.Serializer):
    user_ids = serializers.ListField(child=_id_field(), min_length=1, max_length=MAX_INVITATIONS)

    def validate_user_ids(self, ids: list[int]) -> list[User]:
        people = list(User.objects.filter(pk__in=set(ids)))
        missing = set(ids) - {p.pk for p in people}
        if missing:
            raise serializers.ValidationError(
                f"There is nobody with the id {', '.join(map(str, sorted(missing)))}."
            )
        return people


class InvitedSerializer(serializers.Serializer):
    invited = PersonSerializer(many=True, help_text="Everyone invited to endorse so far.")


Conflict = inline_serializer("NominationConflict", {"detail": serializers.CharField()})
DuplicateConflict = inline_serializer(
    "DuplicateNomination",
    {
        "detail": serializers.CharField(),
        "existing": serializers.IntegerField(
            required=False, help_text="The id of your earlier nomination (duplicates only)."
        ),
        "url": serializers.CharField(
            required=False, help_text="Its page on the website (duplicates only)."
        ),
    },
)
NOT_VISIBLE = OpenApiResponse(
    inline_serializer("NominationNotFound", {"detail": serializers.CharField()}),
    description="Unknown, or a nomination you may not see.",
)


# --- Helpers ----------------------------------------------------------------------------------


def visible(user: User) -> QuerySet[Nomination]:
    return access.visible_nominations(user)


def get_visible(user: User, pk: int) -> Nomination:
    return get_object_or_404(visible(user).select_related("cycle", "nominee"), pk=pk)


def detail_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    nomination = get_object_or_404(visible(user).for_list(), pk=pk)
    nomination.evidence_items = list(access.evidence_for(nomination))
    nomination.endorsement_items = list(nomination.endorsements.select_related("author"))
    context = {
        "nominators_shown": {pk} if access.can_see_nominator(user, nomination) else set(),
        "show_points": access.can_see_evidence_points(user, nomination),
    }
    return Response(NominationDetailSerializer(nomination, context=context).data, status=code)


def evidence_response(user: User, evidence: Evidence, code: int) -> Response:
    evidence = Evidence.objects.select_related("nomination__cycle", "verified_by").get(
        pk=evidence.pk
    )
    show = access.can_see_evidence_points(user, evidence.nomination)
    return Response(EvidenceSerializer(evidence, context={"show_points": show}).data, status=code)


# --- Views ------------------------------------------------------------------------------------


class CategoryListView(generics.ListAPIView):
    """The categories a nomination can be in (active ones), by position."""

    serializer_class = CategorySerializer
    pagination_class = None
    queryset = Category.objects.filter(is_active=True)

    @extend_schema(operation_id="categories_list")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class NominationListView(generics.ListAPIView):
    serializer_class = NominationSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Nomination]:
        filters = NominationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        nominations = visible(self.request.user).for_list()
        if cycle := filters.validated_data.get("cycle"):
            nominations = nominations.filter(cycle_id=cycle)
        if status_ := filters.validated_data.get("status"):
            nominations = nominations.filter(status=status_)
        if filters.validated_data["mine"]:
            nominations = nominations.filter(nominator=self.request.user)
        if nominee := filters.validated_data.get("nominee"):
            nominations = nominations.filter(nominee_id=nominee)
        if department := filters.validated_data.get("department"):
            nominations = nominations.filter(nominee__department_id=department)
        if q := filters.validated_data.get("q", "").strip():
            nominations = nominations.about_nominee(q)
        if evidence := filters.validated_data.get("evidence"):
            nominations = nominations.with_evidence_state(evidence)
        return nominations

    def get_serializer(self, *args, **kwargs) -> NominationSerializer:
        if args:  # the page: whose nominators to show is decided for all of it at once
            page = list(args[0])
            kwargs["context"] = {
                **self.get_serializer_context(),
                "nominators_shown": access.nominators_shown(self.request.user, page),
            }
            args = (page, *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        operation_id="nominations_list",
        parameters=[NominationFilterSerializer],
        responses={200: NominationSerializer(many=True)},
        description="The nominations you may see (DESIGN §7), newest first, paginated.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="nominations_create",
        request=NominationCreateSerializer,
        responses={
            201: NominationDetailSerializer,
            409: OpenApiResponse(
                DuplicateConflict,
                description="You already nominated this person in this cycle (`existing` is "
                "that nomination), or no cycle is open (only `detail`).",
            ),
        },
        description="Nominate a colleague in the open cycle. Never yourself; the nominee must "
        "be active and in an eligible department (400 on `nominee`).",
    )
    def post(self, request: Request) -> Response:
        data = NominationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        nomination = services.nominate(nominator=request.user, **data.validated_data)
        return detail_response(request.user, nomination.pk, status.HTTP_201_CREATED)


class NominationDetailView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="nominations_retrieve",
        responses={200: NominationDetailSerializer, 404: NOT_VISIBLE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return detail_response(request.user, pk)

    @extend_schema(
        operation_id="nominations_partial_update",
        request=NominationUpdateSerializer,
        responses={
            200: NominationDetailSerializer,
            404: NOT_VISIBLE,
            409: OpenApiResponse(Conflict, description="The cycle is closed or it is withdrawn."),
        },
        description="The nominator edits the nomination while the cycle is open (403 for "
        "anyone else who may see it).",
    )
    def patch(self, request: Request, pk: int) -> Response:
        nomination = get_visible(request.user, pk)
        data = NominationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_nomination(nomination=nomination, by=request.user, **data.validated_data)
        return detail_response(request.user, pk)


class NominationWithdrawView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="nominations_withdraw",
        request=None,
        responses={
            200: NominationDetailSerializer,
            404: NOT_VISIBLE,
            409: OpenApiResponse(Conflict, description="The cycle is closed or it is withdrawn."),
        },
        description="The nominator (or HR, audited) withdraws it while the cycle is open (403 "
        "for anyone else who may see it).",
    )
    def post(self, request: Request, pk: int) -> Response:
        services.withdraw(nomination=get_visible(request.user, pk), by=request.user)
        return detail_response(request.user, pk)


class NominationEvidenceView(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="nominations_evidence_create",
        request={
            "application/json": EvidenceInputSerializer,
            "multipart/form-data": EvidenceUploadSerializer,
        },
        responses={
            201: EvidenceSerializer,
            404: NOT_VISIBLE,
            409: OpenApiResponse(
                Conflict,
                description="Already ten items, the cycle is closed, or it is withdrawn.",
            ),
        },
        description="The nominator (or HR) adds evidence while the cycle is open. Send JSON, "
        "or multipart/form-data for an `artifact` (its `image` with a `caption`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        nomination = get_visible(request.user, pk)
        services.check_may_add_evidence(nomination=nomination, by=request.user)
        evidence = services.add_evidence(
            nomination=nomination, by=request.user, **evidence_input(request)
        )
        return evidence_response(request.user, evidence, status.HTTP_201_CREATED)


class EvidenceVerifyView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="evidence_verify",
        request=VerifySerializer,
        responses={200: EvidenceSerializer, 404: NOT_VISIBLE},
        description="The nominee's manager or HR verifies or disputes an item (a dispute needs "
        "a note), while the cycle is open or in judging.",
    )
    def post(self, request: Request, pk: int) -> Response:
        evidence = get_object_or_404(
            Evidence.objects.filter(nomination__in=visible(request.user)), pk=pk
        )
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.verify_evidence(
            evidence=evidence, by=request.user, **data.validated_data
        )
        return evidence_response(request.user, evidence, status.HTTP_200_OK)


class EndorsementListView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="nominations_endorsements_create",
        request=EndorseSerializer,
        responses={
            201: EndorsementSerializer,
            404: NOT_VISIBLE,
            409: OpenApiResponse(Conflict, description="Already endorsed, or the cycle is closed."),
        },
        description="Second a nomination you may see, once, while the cycle is open. Not "
        "for the nominee or the nominator (400).",
    )
    def post(self, request: Request, pk: int) -> Response:
        nomination = get_visible(request.user, pk)
        data = EndorseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endorsement = services.endorse(
            nomination=nomination, by=request.user, comment=data.validated_data["comment"]
        )
        endorsement = Endorsement.objects.select_related("author").get(pk=endorsement.pk)
        return Response(EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)


class MyEndorsementView(APIView):
    @extend_schema(
        operation_id="nominations_endorsements_mine_destroy",
        request=None,
        responses={
            204: None,
            404: NOT_VISIBLE,
            409: OpenApiResponse(
                Conflict, description="You have not endorsed it, or the cycle is closed."
            ),
        },
        description="Withdraw your endorsement while the cycle is open.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.withdraw_endorsement(nomination=get_visible(request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="nominations_invitations_create",
        request=InvitationSerializer,
        responses={
            200: InvitedSerializer,
            404: NOT_VISIBLE,
            409: OpenApiResponse(Conflict, description="The cycle is closed or it is withdrawn."),
        },
        description="An extension of DESIGN §6: the nominator invites colleagues to endorse "
        "the nomination; they can then read and endorse it. Never the nominee (it is a "
        "surprise) nor the nominator. Idempotent: the answer lists everyone invited so far.",
    )
    def post(self, request: Request, pk: int) -> Response:
        nomination = get_visible(request.user, pk)
        data = InvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.invite_endorsers(
                nomination=nomination, by=request.user, people=data.validated_data["user_ids"]
            )
        except services.ValidationError as error:
            # The service names the people it was given `people`; here they are `user_ids`.
            if hasattr(error, "error_dict") and "people" in error.error_dict:
                raise services.ValidationError({"user_ids": error.error_dict["people"]}) from None
            raise
        invited = nomination.invited_endorsers.order_by("full_name", "id")
        return Response({"invited": PersonSerializer(invited, many=True).data})
