from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from awards.models import AwardCycle

MAX_EVIDENCE = 10


class Category(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class NominationQuerySet(models.QuerySet):
    def active(self) -> "NominationQuerySet":
        return self.filter(status=Nomination.Status.ACTIVE)

    def for_list(self) -> "NominationQuerySet":
        return (
            self.select_related("cycle", "nominee__department", "nominator", "category")
            .annotate(
                evidence_count=models.Count("evidence", distinct=True),
                endorsement_count=models.Count("endorsements", distinct=True),
            )
            .order_by("-created_at", "-id")
        )


class Nomination(models.Model):
    class Source(models.TextChoices):
        PEER = "peer", "A colleague"
        CUSTOMER = "customer", "A customer"
        INTEGRATION = "integration", "Helpdesk feedback"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REJECTED = "rejected", "Rejected"

    cycle = models.ForeignKey(AwardCycle, on_delete=models.PROTECT, related_name="nominations")
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nominations_received"
    )
    nominator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nominations_made",
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PEER)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    headline = models.CharField(max_length=120)
    story = models.TextField(max_length=5000, help_text="What they did. Markdown is fine.")
    customer_impact = models.TextField(
        max_length=2000, help_text="Who the customer was and what changed for them."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    invited_endorsers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="endorsement_invitations",
        help_text="Colleagues the nominator asked to second this nomination.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "nominator", "nominee"],
                condition=Q(nominator__isnull=False),
                name="one_nomination_per_pair_per_cycle",
            ),
            models.CheckConstraint(
                condition=~Q(nominator=F("nominee")), name="nomination_not_self"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "withdrawn", "rejected"]),
                name="nomination_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "nominee", "status"])]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("nominations:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Evidence(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER_WORDS = "customer_words", "The customer's own words"
        MEASURED_IMPROVEMENT = "measured_improvement", "A measured improvement"
        FRONT_LINE_TIME = "front_line_time", "Time on the front line"
        ARTIFACT = "artifact", "An image"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Not yet verified"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"

    BASE_POINTS = {
        Kind.CUSTOMER_WORDS: Decimal(3),
        Kind.MEASURED_IMPROVEMENT: Decimal(4),
        Kind.FRONT_LINE_TIME: Decimal(2),
        Kind.ARTIFACT: Decimal(1),
    }
    NO_IMPROVEMENT_POINTS = Decimal(1)
    FACTORS = {
        Verification.VERIFIED: Decimal("1.0"),
        Verification.UNVERIFIED: Decimal("0.5"),
        Verification.DISPUTED: Decimal("0"),
    }

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # customer_words
    quote = models.TextField(max_length=2000, blank=True)
    quote_source = models.CharField(
        max_length=200, blank=True, help_text="Where the words came from: a survey, a call…"
    )
    # measured_improvement (the Check of Plan-Do-Check-Act)
    metric = models.CharField(max_length=120, blank=True)
    before = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    after = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    higher_is_better = models.BooleanField(null=True, blank=True)
    period = models.CharField(max_length=120, blank=True)
    # front_line_time
    date = models.DateField(null=True, blank=True)
    hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(12))],
    )
    heard = models.TextField(max_length=2000, blank=True, help_text="What you heard there.")
    # artifact
    image = models.ImageField(upload_to="evidence/", blank=True)
    image_thumbnail = models.ImageField(upload_to="evidence/thumbs/", blank=True)
    caption = models.CharField(max_length=200, blank=True)
    # verification by the nominee's manager or HR
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["nomination", "created_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=12),
                name="evidence_hours_range",
            ),
            models.CheckConstraint(
                condition=~Q(verification="disputed") | ~Q(verification_note=""),
                name="evidence_dispute_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.nomination_id}"

    @property
    def shows_improvement(self) -> bool | None:
        if self.kind != self.Kind.MEASURED_IMPROVEMENT or self.before is None or self.after is None:
            return None
        if self.higher_is_better:
            return self.after > self.before
        return self.after < self.before

    @property
    def base_points(self) -> Decimal:
        if self.kind == self.Kind.MEASURED_IMPROVEMENT and self.shows_improvement is False:
            return self.NO_IMPROVEMENT_POINTS
        return self.BASE_POINTS[self.kind]

    @property
    def factor(self) -> Decimal:
        return self.FACTORS[self.verification]

    @property
    def points(self) -> Decimal:
        """Points as they count now: base points × verification factor."""
        return self.base_points * self.factor


class Endorsement(models.Model):
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="endorsements"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    comment = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "author"], name="one_endorsement_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} endorses {self.nomination_id}"
