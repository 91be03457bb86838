"""Stories, their photos, reactions and comments over the API (DESIGN §4, §6, §7).

Serializers parse the input into typed values, with the same fields, limits and messages as
the web forms (stories/inputs.py); stories/services.py decides every rule,
stories/access.py who may see what, stories/feed.py how the feed pages; core.api's exception
handler maps their errors. A story the caller may not see answers 404 for every action, never
403, so that its existence is not revealed; a visible one the caller may not change is a 403.

The list is paginated by a signed cursor (keyset), not by page number: a page costs the same
few queries however deep the reader scrolls and whatever its size.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api import DepartmentSerializer, PersonSerializer
from accounts.models import Department, User
from core import markdown
from core.api import EnumField
from core.models import MAX_ID
from stories import access, feed, services
from stories.inputs import serializer_kwargs
from stories.models import (
    CARD_PREFETCH,
    FRONT_LINE_FIELDS,
    IMPROVEMENT_FIELDS,
    Comment,
    Reaction,
    Story,
    StoryImage,
    Tag,
)
from stories.templatetags import stories_extras

MAX_FEATURED_IDS = 50  # the service allows 10; this only bounds the work on silly input
MAX_TAG_NAMES = 20  # likewise (the service allows 5)
MAX_QUERY = 200
MAX_CURSOR = 500


def story_kind_field(**kwargs) -> EnumField:
    return EnumField(Story.Kind.choices, enum_name="StoryKind", **kwargs)


def reaction_kind_field(**kwargs) -> EnumField:
    return EnumField(Reaction.Kind.choices, enum_name="ReactionKind", **kwargs)


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _decimal_out(max_digits: int, decimal_places: int) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=max_digits,
        decimal_places=decimal_places,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )


def my_reactions(user: User, stories: Iterable[Story]) -> dict[int, list[str]]:
    """The kinds of reaction `user` gave to each story, for a whole page in one query."""
    given: dict[int, list[str]] = defaultdict(list)
    ids = [story.pk for story in stories]
    if ids:
        rows = Reaction.objects.filter(user=user, story_id__in=ids).order_by("kind")
        for story_id, kind in rows.values_list("story_id", "kind"):
            given[story_id].append(kind)
    return given


# --- Output -----------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    applause = serializers.IntegerField(source="applause_count")
    customer_love = serializers.IntegerField(source="customer_love_count")
    learned = serializers.IntegerField(source="learned_count")
    comments = serializers.IntegerField(source="comment_count")


class StoryImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = StoryImage
        fields = ["id", "url", "thumbnail_url", "width", "height", "alt_text", "position"]
        read_only_fields = fields

    def get_url(self, image: StoryImage) -> str:
        return image.image.url

    def get_thumbnail_url(self, image: StoryImage) -> str:
        return image.thumbnail.url


class StorySerializer(serializers.ModelSerializer):
    """A story as the feed lists it. `my_reactions` are the kinds you gave it."""

    kind = story_kind_field(read_only=True)
    url = serializers.CharField(
        source="get_absolute_url", read_only=True, help_text="The story's page on the website."
    )
    author = PersonSerializer()
    department = DepartmentSerializer(allow_null=True)
    featured = PersonSerializer(many=True, help_text="The colleagues the story features.")
    tags = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField(
        help_text="The start of the story as plain text, as its card on the website shows it "
        "(markdown rendered, then stripped): escape it like any text."
    )
    thumbnail_url = serializers.SerializerMethodField(help_text="The first photo, small.")
    counts = CountsSerializer(source="*")
    my_reactions = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = [
            "id",
            "kind",
            "title",
            "url",
            "author",
            "department",
            "featured",
            "tags",
            "published_at",
            "excerpt",
            "thumbnail_url",
            "counts",
            "my_reactions",
        ]
        read_only_fields = fields

    def get_tags(self, story: Story) -> list[str]:
        return [tag.name for tag in story.tags.all()]

    def get_excerpt(self, story: Story) -> str:
        return stories_extras.excerpt(story)

    def get_thumbnail_url(self, story: Story) -> str | None:
        images = list(story.images.all())
        return images[0].thumbnail.url if images else None

    @extend_schema_field(serializers.ListField(child=reaction_kind_field()))
    def get_my_reactions(self, story: Story) -> list[str]:
        return self.context.get("my_reactions", {}).get(story.pk, [])


class StoryDetailSerializer(StorySerializer):
    """The whole story: the fields of its kind (those of other kinds are null), its photos,
    and its body rendered to safe HTML."""

    status = EnumField(Story.Status.choices, enum_name="StoryStatus", read_only=True)
    body_html = serializers.SerializerMethodField(
        help_text="The body's markdown rendered and sanitised: safe to show as HTML."
    )
    images = StoryImageSerializer(many=True)
    check_before = _decimal_out(14, 4)
    check_after = _decimal_out(14, 4)
    improved = serializers.BooleanField(
        source="shows_improvement",
        allow_null=True,
        read_only=True,
        help_text="Improvement stories: whether the Check shows a genuine improvement (null "
        "when there is nothing to compare).",
    )
    shift_hours = _decimal_out(4, 2)

    class Meta(StorySerializer.Meta):
        fields = [
            *StorySerializer.Meta.fields,
            "status",
            "created_at",
            "updated_at",
            "body",
            "body_html",
            "images",
            *IMPROVEMENT_FIELDS,
            "improved",
            *FRONT_LINE_FIELDS,
            "quote",
            "customer_first_name",
            "customer_organisation",
            "award_cycle",
            "hidden_reason",
        ]
        read_only_fields = fields
        extra_kwargs = {
            name: {"allow_null": True}
            for name in (
                "plan",
                "do",
                "act",
                "check_metric",
                "check_unit",
                "check_higher_is_better",
                "shift_date",
                "heard",
                "quote",
                "customer_first_name",
                "customer_organisation",
            )
        }

    # The fields each kind carries; the rest are sent as null.
    KIND_FIELDS = {
        Story.Kind.IMPROVEMENT: {*IMPROVEMENT_FIELDS, "improved"},
        Story.Kind.FRONT_LINE: set(FRONT_LINE_FIELDS),
        Story.Kind.CUSTOMER_VOICE: {"quote", "customer_first_name", "customer_organisation"},
        Story.Kind.AWARD: {"award_cycle"},
    }
    ALL_KIND_FIELDS = set().union(*KIND_FIELDS.values())

    def get_body_html(self, story: Story) -> str:
        return str(markdown.render(story.body))

    def to_representation(self, story: Story) -> dict:
        data = super().to_representation(story)
        for name in self.ALL_KIND_FIELDS - self.KIND_FIELDS[story.kind]:
            data[name] = None
        return data


class StoryPageSerializer(serializers.Serializer):
    results = StorySerializer(many=True)
    next = serializers.CharField(
        allow_null=True,
        help_text="The URL of the next page (the same filters, with its `cursor`); null on "
        "the last page.",
    )


class CommentSerializer(serializers.ModelSerializer):
    """A comment. HR also sees comments it hid (`status` hidden, with `hidden_reason`)."""

    author = PersonSerializer()
    status = EnumField(Comment.Status.choices, enum_name="CommentStatus", read_only=True)
    body_html = serializers.SerializerMethodField(
        help_text="The comment's markdown rendered and sanitised: safe to show as HTML."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "story",
            "author",
            "body",
            "body_html",
            "status",
            "hidden_reason",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields

    def get_body_html(self, comment: Comment) -> str:
        return str(markdown.render(comment.body))


# --- Input ------------------------------------------------------------------------------------


class StoryFilterSerializer(serializers.Serializer):
    kind = story_kind_field(required=False, help_text="Only stories of this kind.")
    department = _id_field(required=False, help_text="Only stories of this department (id).")
    tag = serializers.CharField(
        required=False, max_length=40, help_text="Only stories with this tag (its name or slug)."
    )
    person = _id_field(
        required=False, help_text="Only stories this colleague (user id) wrote or is featured in."
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY,
        help_text="Search words (title and body).",
    )
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_CURSOR,
        help_text="Where the page starts: copy it from the previous page's `next`.",
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=feed.MAX_PAGE_SIZE,
        default=feed.DEFAULT_PAGE_SIZE,
        help_text=f"Stories per page, 1 to {feed.MAX_PAGE_SIZE} ({feed.DEFAULT_PAGE_SIZE} by "
        "default).",
    )


class TagNameField(serializers.CharField):
    """A tag's name, as the tag it means (Tag.named; the service saves new ones)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=Tag._meta.get_field("name").max_length, **kwargs)

    def run_validation(self, data=serializers.empty) -> Tag:
        name = super().run_validation(data)  # a string of at most the name's length
        try:
            return Tag.named(name)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class StoryCreateSerializer(serializers.ModelSerializer):
    """A story and the fields of its kind (fields of the other kind must be left out). Which
    fields a kind needs, and the rules on dates and numbers, are the service's: improvement:
    plan, do (required), act, and a Check that is all or nothing (check_metric, check_before,
    check_after, check_unit, check_higher_is_better) · front_line: shift_date (not in the
    future, within a year), shift_hours (0 < h ≤ 12), heard."""

    kind = story_kind_field(
        help_text="improvement or front_line. Award and customer-voice stories are not "
        "written here (400): they come from an announcement and from a thank-you."
    )
    department = _id_field(
        required=False, allow_null=True, help_text="Department id; by default yours."
    )
    featured = serializers.ListField(
        child=_id_field(),
        required=False,
        max_length=MAX_FEATURED_IDS,
        help_text=f"User ids of the colleagues it features (at most {services.MAX_FEATURED}).",
    )
    tags = serializers.ListField(
        child=TagNameField(),
        required=False,
        max_length=MAX_TAG_NAMES,
        help_text=f"Tag names (at most {services.MAX_TAGS}); new ones are created.",
    )
    publish = serializers.BooleanField(
        required=False, default=False, help_text="Publish at once (otherwise a draft)."
    )

    class Meta:
        model = Story
        fields = [
            "kind",
            "title",
            "body",
            "department",
            "featured",
            "tags",
            "publish",
            *IMPROVEMENT_FIELDS,
            *FRONT_LINE_FIELDS,
        ]
        extra_kwargs = serializer_kwargs(
            Story,
            ["title", "body", *IMPROVEMENT_FIELDS, *FRONT_LINE_FIELDS],
            title={"help_text": "At most 140 characters."},
            body={"help_text": "The story, in markdown (at most 10,000 characters)."},
            plan={"help_text": "Improvement: the customer's problem, ideally in their words."},
            do={"help_text": "Improvement: what was changed."},
            act={"help_text": "Improvement: how it became the standard way of working."},
            check_metric={"help_text": "Improvement: what was measured (e.g. average wait)."},
            check_before={
                "help_text": "Improvement: the value before the change.",
                "coerce_to_string": False,
            },
            check_after={
                "help_text": "Improvement: the value after the change.",
                "coerce_to_string": False,
            },
            check_unit={"help_text": "Improvement: the unit (e.g. minutes)."},
            check_higher_is_better={"help_text": "Improvement: whether higher is better."},
            shift_date={"help_text": "Front line: the day you spent there."},
            shift_hours={
                "help_text": "Front line: the hours you spent there (more than 0, at most 12).",
                "coerce_to_string": False,
            },
            heard={"help_text": "Front line: what you heard there."},
        )

    def validate_department(self, pk: int | None) -> Department | None:
        if pk is None:
            return None
        department = Department.objects.filter(pk=pk).first()
        if department is None:
            raise serializers.ValidationError("There is no department with this id.")
        return department

    def validate_featured(self, ids: list[int]) -> list[User]:
        # Deactivated people are found on purpose: the service explains why not them.
        people = list(User.objects.filter(pk__in=set(ids)))
        missing = set(ids) - {person.pk for person in people}
        if missing:
            raise serializers.ValidationError(
                f"There is nobody with the id {', '.join(map(str, sorted(missing)))}."
            )
        return people


class ImageUploadSerializer(serializers.ModelSerializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP, at most 10 MB.")

    class Meta:
        model = StoryImage
        fields = ["image", "alt_text"]
        extra_kwargs = serializer_kwargs(
            StoryImage,
            ["alt_text"],
            alt_text={
                "default": "",
                "help_text": "What the photo shows, for people who cannot see it (at most 200 "
                "characters).",
            },
        )


class CommentInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["body"]
        extra_kwargs = serializer_kwargs(
            Comment, ["body"], body={"help_text": "Markdown, at most 2,000 characters."}
        )


# --- Documented answers -----------------------------------------------------------------------

Error = inline_serializer("StoryError", {"detail": serializers.CharField()})
ReactionState = inline_serializer(
    "ReactionState",
    {
        "kind": reaction_kind_field(),
        "on": serializers.BooleanField(help_text="Whether you now give this reaction."),
        "count": serializers.IntegerField(help_text="The story's count of this kind now."),
    },
)
NOT_VISIBLE = OpenApiResponse(Error, description="Unknown, or a story you may not see.")
NOT_PUBLISHED = OpenApiResponse(
    Error, description="The story is not published (a draft, or hidden by HR)."
)
KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=Reaction.Kind.values,
    description="applause, customer_love or learned; anything else is 400.",
)


# --- Helpers ----------------------------------------------------------------------------------


def _with_cards(stories: QuerySet[Story]) -> QuerySet[Story]:
    """What a card or a story page shows, in a fixed number of queries."""
    return stories.select_related("author", "department").prefetch_related(*CARD_PREFETCH)


def get_visible(user: User, pk: int) -> Story:
    return get_object_or_404(access.visible_stories(user), pk=pk)


def detail_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    story = get_object_or_404(_with_cards(access.visible_stories(user)), pk=pk)
    context = {"my_reactions": my_reactions(user, [story])}
    return Response(StoryDetailSerializer(story, context=context).data, status=code)


def _tag_slug(tag: str) -> str | None:
    """A tag's slug from its name or its slug (a slug slugifies to itself)."""
    if not tag:
        return None
    return slugify(tag) or tag  # nothing slug-like matches nothing, rather than everything


def _as_author[T](call: Callable[[], T]) -> T:
    """Run a service call that only the author may make; its refusal keeps its words."""
    try:
        return call()
    except PermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None


# --- Views ------------------------------------------------------------------------------------


class StoryListView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="stories_list",
        parameters=[StoryFilterSerializer],
        responses={
            200: StoryPageSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='A filter is not valid, or the cursor was tampered with: {"cursor": '
                '["…"]}.',
            ),
        },
        description="The published stories, newest first (a search puts the best of its 200 "
        "newest matches first), with the filters combined. Paginated by cursor: follow `next` "
        "until it is null.",
    )
    def get(self, request: Request) -> Response:
        filters = StoryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        stories = (
            access.feed_stories(request.user)
            .for_feed()
            .filtered(
                kind=data.get("kind"),
                department=data.get("department"),
                tag=_tag_slug(data.get("tag", "")),
                person=data.get("person"),
            )
            .search(data.get("q", ""))
        )
        items, cursor = feed.page(stories, data.get("cursor") or None, data["page_size"])
        context = {"my_reactions": my_reactions(request.user, items)}
        results = StorySerializer(items, many=True, context=context).data
        next_url = None
        if cursor is not None:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", cursor)
        return Response({"results": results, "next": next_url})

    @extend_schema(
        operation_id="stories_create",
        request=StoryCreateSerializer,
        responses={201: StoryDetailSerializer},
        description="Write an improvement or a front-line story, as a draft or published at "
        "once (`publish`). Invalid input is 400 naming the field.",
    )
    def post(self, request: Request) -> Response:
        data = StoryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        story = services.create_story(author=request.user, **data.validated_data)
        return detail_response(request.user, story.pk, status.HTTP_201_CREATED)


class StoryDetailView(APIView):
    @extend_schema(
        operation_id="stories_retrieve",
        responses={200: StoryDetailSerializer, 404: NOT_VISIBLE},
        description="A story you may see: published ones, your own drafts, and (for HR and "
        "its author) a hidden one.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return detail_response(request.user, pk)


class StoryImageView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="stories_images_create",
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: StoryImageSerializer,
            403: OpenApiResponse(Error, description="Only the author adds photos."),
            404: NOT_VISIBLE,
            409: OpenApiResponse(Error, description="HR hid the story."),
        },
        description="The author adds a photo (at most four a story; a fifth is 400 on `image`). "
        "It is re-encoded and its metadata (GPS included) dropped.",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = get_visible(request.user, pk)
        data = ImageUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = _as_author(
            lambda: services.add_image(
                story=story,
                by=request.user,
                upload=data.validated_data["image"],
                alt_text=data.validated_data["alt_text"],
            )
        )
        return Response(StoryImageSerializer(image).data, status=status.HTTP_201_CREATED)


class ReactionView(APIView):
    def _set(self, request: Request, pk: int, kind: str, on: bool) -> Response:
        # The kind first: a wrong one is a mistake in the request, whatever the story.
        if kind not in Reaction.Kind.values:
            return Response(
                {"kind": ["React with applause, customer_love or learned."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        story = get_visible(request.user, pk)
        count = services.set_reaction(story=story, user=request.user, kind=kind, on=on)
        return Response({"kind": kind, "on": on, "count": count})

    @extend_schema(
        operation_id="stories_reactions_put",
        parameters=[KIND_PARAMETER],
        request=None,
        responses={200: ReactionState, 404: NOT_VISIBLE, 409: NOT_PUBLISHED},
        description="Give a reaction (idempotent: giving it twice counts once).",
    )
    def put(self, request: Request, pk: int, kind: str) -> Response:
        return self._set(request, pk, kind, on=True)

    @extend_schema(
        operation_id="stories_reactions_delete",
        parameters=[KIND_PARAMETER],
        request=None,
        responses={200: ReactionState, 404: NOT_VISIBLE, 409: NOT_PUBLISHED},
        description="Take a reaction back (idempotent).",
    )
    def delete(self, request: Request, pk: int, kind: str) -> Response:
        return self._set(request, pk, kind, on=False)


class CommentListView(generics.ListAPIView):
    serializer_class = CommentSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Comment]:
        story = get_visible(self.request.user, self.kwargs["pk"])
        return access.visible_comments(self.request.user, story)

    @extend_schema(
        operation_id="stories_comments_list",
        responses={200: CommentSerializer(many=True), 404: NOT_VISIBLE},
        description="A story's comments, oldest first, paginated.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="stories_comments_create",
        request=CommentInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Optional: a key of your choosing (1 to 64 visible ASCII "
                "characters, a UUID for instance) for this comment. Sent again with the same "
                "key, the request answers 201 with the comment it made the first time, and "
                "makes no second one: safe to retry after a lost answer.",
            )
        ],
        responses={201: CommentSerializer, 404: NOT_VISIBLE, 409: NOT_PUBLISHED},
        description="Comment on a published story. An empty comment or one over 2,000 "
        "characters is 400 on `body`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = get_visible(request.user, pk)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        if key and not services.SUBMISSION_KEY.fullmatch(key):
            raise exceptions.ParseError(
                _("Idempotency-Key must be 1 to 64 visible ASCII characters.")
            )
        comment = services.add_comment(
            story=story, author=request.user, body=data.validated_data["body"], submission_key=key
        )
        comment = Comment.objects.select_related("author").get(pk=comment.pk)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
