from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from awards.models import AwardCycle
from core.metrics import front_line_hours_validators, improved

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

    def with_verification_counts(self) -> "NominationQuerySet":
        """How many of each nomination's evidence items are verified, disputed and not yet
        verified. After for_list(), which counts the items."""

        def items(state: str) -> Count:
            return Count("evidence", filter=Q(evidence__verification=state), distinct=True)

        return self.annotate(
            verified_count=items(Evidence.Verification.VERIFIED),
            disputed_count=items(Evidence.Verification.DISPUTED),
            unverified_count=items(Evidence.Verification.UNVERIFIED),
        )

    def with_evidence_state(self, state: str) -> "NominationQuerySet":
        """The nominations whose evidence is in `state` (an EvidenceState), for HR's list and
        the API's filter alike. After for_list()."""
        counted = (
            self if "verified_count" in self.query.annotations else self.with_verification_counts()
        )
        return counted.filter(EVIDENCE_STATE_FILTERS[state])

    def about_nominee(self, text: str) -> "NominationQuerySet":
        """The nominations of people whose name or e-mail address contains `text`."""
        return self.filter(
            Q(nominee__full_name__icontains=text)
            | Q(nominee__preferred_name__icontains=text)
            | Q(nominee__email__icontains=text)
        )

    def recount_evidence_points(self) -> int:
        """Write each nomination's `evidence_points`, the sum of its evidence's stored points,
        in one UPDATE. The evidence services call it in the transaction of the change; a bulk
        load of evidence calls it once at the end."""
        total = (
            Evidence.objects.filter(nomination=OuterRef("pk"))
            .order_by()
            .values("nomination")
            .annotate(total=Sum("points", output_field=POINTS))
            .values("total")
        )
        return self.update(
            evidence_points=Coalesce(Subquery(total), Value(Decimal(0)), output_field=POINTS)
        )


POINTS = models.DecimalField(max_digits=5, decimal_places=1)


class EvidenceState(models.TextChoices):
    """How far a nomination's evidence is verified, as HR filters the nominations by it."""

    WAITING = "waiting", _("Some evidence waits for verification")
    DISPUTED = "disputed", _("Some evidence is disputed")
    VERIFIED = "verified", _("All evidence verified")
    NONE = "none", _("No evidence yet")


EVIDENCE_STATE_FILTERS = {
    EvidenceState.WAITING: Q(unverified_count__gt=0),
    EvidenceState.DISPUTED: Q(disputed_count__gt=0),
    EvidenceState.VERIFIED: Q(evidence_count__gt=0, verified_count=F("evidence_count")),
    EvidenceState.NONE: Q(evidence_count=0),
}


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
    # Σ of its evidence's stored points, kept by the evidence services in the transaction of
    # each change: the scoring reads it instead of every item.
    evidence_points = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal(0), editable=False
    )

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
        indexes = [
            models.Index(fields=["cycle", "nominee", "status"]),
            # Everything the scoring reads of a cycle's nominations, from the index alone.
            models.Index(
                fields=["cycle", "status", "nominee", "nominator", "created_at", "evidence_points"],
                name="nomination_scoring",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("nominations:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class EvidenceQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs) -> list["Evidence"]:
        # A bulk load skips save(): count each row's points here, as save() does.
        objs = list(objs)
        for item in objs:
            item.points = item.count_points()
        return super().bulk_create(objs, *args, **kwargs)


MAX_METRIC = Decimal("999999999.9999")
TOO_LARGE = _("This number is too large to be a real measurement.")


def _metric_field() -> models.DecimalField:
    return models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(-MAX_METRIC, message=TOO_LARGE),
            MaxValueValidator(MAX_METRIC, message=TOO_LARGE),
        ],
    )


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

    # The fields each kind carries (the rest stay empty).
    KIND_FIELDS = {
        Kind.CUSTOMER_WORDS: ("quote", "quote_source"),
        Kind.MEASURED_IMPROVEMENT: (
            "metric",
            "before",
            "after",
            "unit",
            "higher_is_better",
            "period",
        ),
        Kind.FRONT_LINE_TIME: ("date", "hours", "heard"),
        Kind.ARTIFACT: ("image", "caption"),
    }
    # What an item counts: its kind's base points × its verification factor (count_points).
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
    before = _metric_field()
    after = _metric_field()
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
        validators=front_line_hours_validators(),
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
    # What it counts now (count_points), written by every save: the nomination's
    # `evidence_points` is the sum of this column, and the scoring reads that.
    points = models.DecimalField(max_digits=3, decimal_places=1, default=Decimal(0), editable=False)

    objects = EvidenceQuerySet.as_manager()

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

    def save(self, **kwargs) -> None:
        # The points follow the fields they are counted from, whoever saves the row.
        self.points = self.count_points()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "points"}
        super().save(**kwargs)

    @property
    def shows_improvement(self) -> bool | None:
        if self.kind != self.Kind.MEASURED_IMPROVEMENT or self.before is None or self.after is None:
            return None
        # An unanswered direction counts as "lower is better".
        return improved(
            before=self.before, after=self.after, higher_is_better=bool(self.higher_is_better)
        )

    @property
    def base_points(self) -> Decimal:
        return base_points_for(self.kind, no_improvement=self.shows_improvement is False)

    @property
    def factor(self) -> Decimal:
        return self.FACTORS[self.verification]

    def count_points(self) -> Decimal:
        """What the item counts with its fields as they are now (stored in `points`)."""
        return evidence_points(
            kind=self.kind,
            verification=self.verification,
            no_improvement=self.shows_improvement is False,
        )


def base_points_for(kind: str, *, no_improvement: bool = False) -> Decimal:
    """A kind's points before verification: a measured improvement whose numbers show no
    improvement earns NO_IMPROVEMENT_POINTS instead of its kind's."""
    if kind == Evidence.Kind.MEASURED_IMPROVEMENT and no_improvement:
        return Evidence.NO_IMPROVEMENT_POINTS
    return Evidence.BASE_POINTS[kind]


def evidence_points(*, kind: str, verification: str, no_improvement: bool = False) -> Decimal:
    """The points of one item of evidence: base points × verification factor. The one place
    of the rule: Evidence.save stores it in `points`, the scoring sums that column."""
    return base_points_for(kind, no_improvement=no_improvement) * Evidence.FACTORS[verification]


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


class WithdrawnEndorsement(models.Model):
    """Someone endorsed a nomination and withdrew it. The endorsement is gone (it no longer
    counts anywhere); the fact stays, because having seconded a nomination is a conflict of
    interest for judging its nominee (cycles/access.py), withdrawn or not."""

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="withdrawn_endorsements"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    withdrawn_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "author"], name="one_withdrawn_endorsement_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} withdrew their endorsement of {self.nomination_id}"


# --- Customer thank-yous and the helpdesk integrations that send them ------------------------


class Integration(models.Model):
    """A helpdesk or CSAT tool that pushes positive feedback through a signed webhook.

    The shared secret is never stored: it is derived from the server's SECRET_KEY and
    `secret_salt` (nominations/thanks/integrations.py). The database keeps only its SHA-256,
    which tells which key (current or a fallback) produced it."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    secret_salt = models.CharField(max_length=64, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    min_score_ratio = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Feedback scoring below this share of the scale is ignored (0.80 = 4 of 5).",
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score_ratio__gte=0, min_score_ratio__lte=1),
                name="integration_ratio_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThankYouQuerySet(models.QuerySet):
    def approved(self) -> "ThankYouQuerySet":
        return self.filter(status=ThankYou.Status.APPROVED)

    def for_wall(self) -> "ThankYouQuerySet":
        """Approved thank-yous, newest approval first, ready to show on a wall."""
        return self.approved().order_by("-moderated_at", "-id")

    def for_queue(self) -> "ThankYouQuerySet":
        """Ready for a queue card or the API: everything a card shows, in the same query.
        (Not the employee's manager: no card shows them; the services load what they need.)"""
        return self.select_related(
            "employee__department", "cycle", "integration", "moderated_by"
        ).order_by("-created_at", "-id")

    def count_by_status(self) -> dict[str, int]:
        """How many of these are in each state, every state present: one query, answered
        from the (status, employee) index alone, so it is counted afresh on every request
        rather than kept in a counter that a bulk write could leave behind."""
        counted = dict(self.order_by().values_list("status").annotate(n=Count("*")))
        return {status: counted.get(status, 0) for status in ThankYou.Status.values}


class ThankYou(models.Model):
    """A customer's thank-you about an employee (DESIGN §4): confirmed by the customer's
    e-mail, then moderated by HR or the employee's manager before it counts."""

    class Status(models.TextChoices):
        PENDING_CONFIRMATION = "pending_confirmation", "Waiting for the customer to confirm"
        CONFIRMED = "confirmed", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Source(models.TextChoices):
        PUBLIC_FORM = "public_form", "The public thank-you form"
        PERSONAL_LINK = "personal_link", "The employee's personal link"
        INTEGRATION = "integration", "Helpdesk feedback"

    MIN_MESSAGE = 10
    MAX_MESSAGE = 2000

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="thanks_received",
    )
    employee_hint = models.CharField(
        max_length=200, blank=True, help_text="Who helped, in the customer's words."
    )
    customer_name = models.CharField(max_length=120)
    customer_email = models.EmailField(blank=True)
    organisation = models.CharField(max_length=120, blank=True)
    message = models.TextField(max_length=MAX_MESSAGE)
    consent_to_share = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING_CONFIRMATION
    )
    cycle = models.ForeignKey(
        AwardCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="thanks"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.PROTECT, related_name="thanks"
    )
    external_id = models.CharField(max_length=200, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    scale_max = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    # sha256 of (e-mail, recipient, message): the same thank-you sent twice in a day is one.
    fingerprint = models.CharField(max_length=64, blank=True)
    submitted_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation_note = models.CharField(max_length=500, blank=True)

    objects = ThankYouQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "thank-you"
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "submitted_on"],
                condition=~Q(fingerprint=""),
                name="one_thank_you_per_message_per_day",
            ),
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                condition=Q(integration__isnull=False),
                name="one_thank_you_per_external_id",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending_confirmation", "confirmed", "approved", "rejected"]
                ),
                name="thank_you_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(employee__isnull=False),
                name="approved_thank_you_has_employee",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "status"]),
            models.Index(fields=["status", "created_at"]),
            # The moderation queue's tab counts for HR (every thank-you but those about them).
            models.Index(fields=["status", "employee"]),
            models.Index(fields=["cycle", "status"]),
        ]

    def __str__(self) -> str:
        who = self.employee or self.employee_hint or "someone"
        return f"Thank-you from {self.customer_name} to {who}"[:200]

    @property
    def customer_first_name(self) -> str:
        return (self.customer_name.split() or [""])[0]

    @property
    def is_waiting(self) -> bool:
        return self.status == self.Status.CONFIRMED
