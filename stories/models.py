"""Stories: how colleagues improved things for customers, in their words and the customers'.

Reaction and comment counts are denormalised onto the story and kept exact by the services
(F() updates in the same transaction), so a feed page costs the same queries at any size.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from awards.models import AwardCycle
from core.metrics import improved
from stories import links

MAX_PHOTOS = 4
SEARCH_CONFIG = "english"
SEARCH_CANDIDATES = 200  # the newest matches a search ranks (ten pages of the feed)
# Every text a story tells, beyond its title and body: the customer's words, the
# Plan-Do-Check-Act of an improvement, what was heard on the front line. A search reads them
# all (on PostgreSQL through the stored document of migration 0006, weighted below the title).
SEARCH_TEXT_FIELDS = ("body", "quote", "plan", "do", "check_metric", "check_unit", "act", "heard")


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def named(cls, name: str) -> "Tag":
        """The tag a person means by `name`: its words with the spaces tidied, known by its slug
        (so "Invoices" and "invoices" are one tag). Not saved: stories.services finds the
        saved tag of that slug or creates it."""
        name = " ".join(name.split())[: cls._meta.get_field("name").max_length]
        slug = slugify(name)[: cls._meta.get_field("slug").max_length]
        if not slug:
            raise ValidationError(_("Use letters or numbers in tags."), code="invalid")
        return cls(name=name, slug=slug)


def search_document() -> RawSQL:
    """The story's full-text document (title weighted A, body and quote B, the other
    SEARCH_TEXT_FIELDS C): a column PostgreSQL generates and indexes (migrations 0003 and
    0006), so neither matching nor ranking recomputes it."""
    return RawSQL('"stories_story"."search_document"', (), output_field=SearchVectorField())


class StoryQuerySet(models.QuerySet):
    def published(self) -> "StoryQuerySet":
        return self.filter(status=Story.Status.PUBLISHED)

    def for_feed(self) -> "StoryQuerySet":
        """Published stories, newest first, with everything a card shows in a fixed number of
        queries: one for the stories (with author, department and award cycle), one per
        prefetched relation (featured colleagues, tags, photos)."""
        return (
            self.published()
            .select_related("author", "department", "award_cycle")
            .prefetch_related(*CARD_PREFETCH)
            .order_by("-published_at", "-id")
        )

    def filtered(
        self,
        *,
        kind: str | None = None,
        department: int | None = None,
        tag: str | None = None,
        person: int | None = None,
    ) -> "StoryQuerySet":
        """The feed's filters; they combine. `person` matches the author or a featured colleague."""
        stories = self
        if kind:
            stories = stories.filter(kind=kind)
        if department:
            stories = stories.filter(department_id=department)
        if tag:
            tagged = Story.tags.through.objects.filter(story=OuterRef("pk"), tag__slug=tag)
            stories = stories.filter(Exists(tagged))
        if person:
            # The person's own stories as a set (through the author and featured indexes), not
            # a test of every story in feed order: a person is in few stories, and scanning
            # the feed for them read every story of the site.
            featured = Story.featured.through.objects.filter(user=person).values("story_id")
            stories = stories.filter(Q(author_id=person) | Q(pk__in=featured))
        return stories

    def search(self, q: str) -> "StoryQuerySet":
        """Full-text search of the title and SEARCH_TEXT_FIELDS (the title weighs most),
        ranked, on PostgreSQL; a plain contains search of the same fields on SQLite."""
        q = (q or "").strip()
        if not q:
            return self
        if connection.vendor != "postgresql":
            fields = ("title", *SEARCH_TEXT_FIELDS)
            return self.filter(Q(_connector=Q.OR, **{f"{f}__icontains": q for f in fields}))
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        document = search_document()
        # Ranking reads every match's document: 95 ms for a word in a quarter of 100,000
        # stories. Only the newest SEARCH_CANDIDATES matches are ranked (a few ms, whatever the
        # number of stories); filters narrow the matches to reach further back. Their ids are
        # a query of their own: as a subquery, search_document() would name the outer table.
        newest = list(
            self.annotate(search=document)
            .filter(search=query)
            .order_by("-published_at", "-id")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        )
        return (
            self.filter(pk__in=newest)
            .annotate(search_rank=SearchRank(document, query))
            .order_by("-search_rank", "-published_at", "-id")
        )


class Story(models.Model):
    class Kind(models.TextChoices):
        AWARD = "award", "Award"
        IMPROVEMENT = "improvement", "Improvement"
        CUSTOMER_VOICE = "customer_voice", "Customer voice"
        FRONT_LINE = "front_line", "Front line"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stories"
    )
    title = models.CharField(max_length=140)
    body = models.TextField(max_length=10000, blank=True, help_text="Markdown is fine.")
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
    )
    featured = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="featured_in_stories"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # improvement: Plan-Do-Check-Act
    plan = models.TextField(
        max_length=2000, blank=True, help_text="The customer's problem, ideally in their words."
    )
    do = models.TextField(max_length=2000, blank=True, help_text="What was changed.")
    check_metric = models.CharField(max_length=120, blank=True)
    check_before = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    check_after = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    check_unit = models.CharField(max_length=30, blank=True)
    check_higher_is_better = models.BooleanField(null=True, blank=True)
    act = models.TextField(
        max_length=2000, blank=True, help_text="How it became the standard way of working."
    )
    # front_line
    shift_date = models.DateField(null=True, blank=True)
    shift_hours = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    heard = models.TextField(max_length=2000, blank=True, help_text="What you heard there.")
    # customer_voice (only ever copied from an approved, consented thank-you)
    thank_you = models.OneToOneField(
        "nominations.ThankYou",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="story",
    )
    quote = models.TextField(max_length=2000, blank=True)
    customer_first_name = models.CharField(max_length=60, blank=True)
    customer_organisation = models.CharField(max_length=120, blank=True)
    # award (created by the announcement, later)
    award_cycle = models.ForeignKey(
        AwardCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="stories"
    )
    # moderation
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    # kept by the services
    applause_count = models.PositiveIntegerField(default=0)
    customer_love_count = models.PositiveIntegerField(default=0)
    learned_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name_plural = "stories"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["award", "improvement", "customer_voice", "front_line"]),
                name="story_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "hidden"]),
                name="story_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(shift_hours__isnull=True) | Q(shift_hours__gt=0, shift_hours__lte=12),
                name="story_shift_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="story_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="hidden") | ~Q(hidden_reason=""),
                name="story_hidden_has_reason",
            ),
        ]
        indexes = [
            models.Index(F("status"), F("published_at").desc(), F("id").desc(), name="story_feed"),
            models.Index(fields=["author"], name="story_author"),
            # The feed filtered by kind or department: a seek to the filter's newest stories in
            # feed order, however rare the kind (award) or small the department.
            models.Index(
                F("kind"),
                F("status"),
                F("published_at").desc(),
                F("id").desc(),
                name="story_kind_feed",
            ),
            models.Index(
                F("department"),
                F("status"),
                F("published_at").desc(),
                F("id").desc(),
                name="story_department_feed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return links.story(self.pk)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def shows_improvement(self) -> bool | None:
        """Whether the Check shows a genuine improvement; None when there is nothing to compare."""
        if (
            self.kind != self.Kind.IMPROVEMENT
            or self.check_before is None
            or self.check_after is None
            or self.check_higher_is_better is None
        ):
            return None
        return improved(
            before=self.check_before,
            after=self.check_after,
            higher_is_better=self.check_higher_is_better,
        )


# The fields of the two kinds a person writes (improvement: Plan-Do-Check-Act; front line: a
# day with customers). Award and customer-voice stories are made by services, from an
# announcement and from a thank-you.
IMPROVEMENT_FIELDS = (
    "plan",
    "do",
    "act",
    "check_metric",
    "check_before",
    "check_after",
    "check_unit",
    "check_higher_is_better",
)
CHECK_FIELDS = IMPROVEMENT_FIELDS[3:]
FRONT_LINE_FIELDS = ("shift_date", "shift_hours", "heard")
KIND_FIELDS = {Story.Kind.IMPROVEMENT: IMPROVEMENT_FIELDS, Story.Kind.FRONT_LINE: FRONT_LINE_FIELDS}


class StoryImage(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="stories/")
    thumbnail = models.ImageField(upload_to="stories/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["story", "position", "id"]

    def __str__(self) -> str:
        return self.alt_text or f"Photo {self.position + 1} of story {self.story_id}"


# What a story card shows beyond the story, its author and its department.
CARD_PREFETCH = (
    "featured",
    "tags",
    models.Prefetch("images", queryset=StoryImage.objects.order_by("position", "id")),
)


class Reaction(models.Model):
    class Kind(models.TextChoices):
        APPLAUSE = "applause", "Applause"
        CUSTOMER_LOVE = "customer_love", "Customer love"
        LEARNED = "learned", "Learned something"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_reactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "user", "kind"], name="one_reaction_of_a_kind_per_person"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["applause", "customer_love", "learned"]),
                name="reaction_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.story_id}"


class Comment(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden by HR"
        DELETED = "deleted", "Deleted by its author"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_comments"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The one-time key of the form (or the API's Idempotency-Key) that posted it: the same post
    # again (a retry after a lost answer, a double click) finds it rather than making another.
    submission_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["visible", "hidden", "deleted"]),
                name="comment_status_valid",
            ),
            models.UniqueConstraint(
                fields=["story", "author", "submission_key"],
                condition=~Q(submission_key=""),
                name="comment_submitted_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="hidden") | ~Q(hidden_reason=""),
                name="comment_hidden_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["story", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.story_id}"

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.VISIBLE


# --- The weekly digest (stories/digest.py) ------------------------------------------------


class DigestDelivery(models.Model):
    """One person's digest for one ISO week. The row is what makes `send_digest` idempotent:
    it is written in the same transaction that queues the mail, and the unique constraint lets
    only one of two concurrent runs write it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    week = models.CharField(max_length=8, help_text='ISO week, e.g. "2026-W47".')
    # Which run wrote the row: a run inserts a batch, ignoring conflicts, then mails exactly
    # the rows carrying its own token, so a concurrent twin run never mails anyone twice.
    run = models.UUIDField(editable=False)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="one_digest_per_person_per_week")
        ]
        indexes = [models.Index(fields=["week", "run"], name="digest_delivery_run")]

    def __str__(self) -> str:
        return f"Digest {self.week} to {self.user_id}"


class DigestPreference(models.Model):
    """Whether someone wants the weekly digest; no row means yes (the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    subscribed = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        state = "subscribed" if self.subscribed else "unsubscribed"
        return f"Digest {state}: {self.user_id}"
