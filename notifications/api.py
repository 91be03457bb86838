"""The caller's notifications over the API: the list (paginated like every list, `unread` to
filter) and marking read. Only the caller's own notices: ids of anyone else's are ignored, as
ids that do not exist are, so the answer reveals nothing about them."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import EnumField
from core.models import MAX_ID
from notifications import services
from notifications.models import Kind, Notification

MAX_IDS = 200


class NotificationSerializer(serializers.ModelSerializer):
    kind = EnumField(Kind.choices, enum_name="NotificationKind", read_only=True)
    link = serializers.CharField(read_only=True, help_text="A path on the website.")
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "created_at", "read", "read_at"]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="true: unread ones only."
    )


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        max_length=MAX_IDS,
        help_text="The notifications to mark read (ids not yours are ignored).",
    )
    all = serializers.BooleanField(required=False, help_text="true: mark every one read.")

    def validate(self, data: dict) -> dict:
        if ("ids" in data) == bool(data.get("all")):
            raise serializers.ValidationError('Send either "ids" or "all": true.')
        return data


MarkedRead = inline_serializer(
    "MarkedRead",
    {
        "marked": serializers.IntegerField(help_text="How many were unread and are now read."),
        "unread": serializers.IntegerField(help_text="How many of yours are still unread."),
    },
)


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        filters = NotificationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        notices = Notification.objects.for_recipient(self.request.user)
        if filters.validated_data.get("unread") is True:
            notices = notices.unread()
        elif filters.validated_data.get("unread") is False:
            notices = notices.filter(read_at__isnull=False)
        return notices

    @extend_schema(
        operation_id="notifications_list",
        parameters=[NotificationFilterSerializer],
        description="Your notifications, newest first, paginated. `unread=true` lists the "
        "unread ones only, `unread=false` the read ones.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class MarkReadView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="notifications_read",
        request=MarkReadSerializer,
        responses={200: OpenApiResponse(MarkedRead)},
        description='Mark notifications read: `{"ids": [1, 2]}` or `{"all": true}`. Ids '
        "that are not yours (or do not exist) are ignored. Idempotent.",
    )
    def post(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data.get("all") else data.validated_data["ids"]
        marked = services.mark_read(user=request.user, ids=ids)
        return Response({"marked": marked, "unread": services.unread_count(request.user)})
