import datetime as dt
import re
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department


class AwardCycleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AwardCycleQuerySet":
        """Drafts are HR's work in progress; everyone signed in sees the rest."""
        return self if user.is_hr else self.exclude(status=AwardCycle.Status.DRAFT)

    def visible_list(self) -> "AwardCycleQuerySet":
        return self.order_by("-month", "-id")

    def current(self) -> "AwardCycle | None":
        """The cycle people act in now: the open one, else the newest that is not a draft."""
        return (
            self.filter(status=AwardCycle.Status.OPEN).order_by("-month").first()
            or self.exclude(status=AwardCycle.Status.DRAFT).order_by("-month").first()
        )


class AwardCycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for nominations"
        JUDGING = "judging", "Judging"
        DECIDED = "decided", "Decided"
        ANNOUNCED = "announced", "Announced"

    # The only legal moves. Going back is not offered: a decided cycle has a frozen snapshot.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.OPEN,),
        Status.OPEN: (Status.JUDGING,),
        Status.JUDGING: (Status.DECIDED,),
        Status.DECIDED: (Status.ANNOUNCED,),
        Status.ANNOUNCED: (),
    }

    title = models.CharField(max_length=120)
    month = models.DateField(unique=True, help_text="The first day of the month it recognises.")
    opens_at = models.DateTimeField()
    nominations_close_at = models.DateTimeField()
    judging_close_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    winner_count = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    cooldown_cycles = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(24)],
        help_text="A winner cannot be nominated again for this many following cycles.",
    )
    eligible_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", help_text="Empty means every department."
    )
    blind_judging = models.BooleanField(
        default=True, help_text="Judges do not see who nominated a candidate."
    )
    customer_share_floor = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="The least share (percent) of the rubric that must be customer-focused.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Moves (by one, with F(), in the same transaction) with every write that changes this
    # cycle's standings: the scoreboard's cache is keyed on it (cycles/scoreboard_cache.py).
    scoring_version = models.PositiveIntegerField(default=0, editable=False)

    objects = AwardCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("nominations_close_at"))
                & Q(nominations_close_at__lte=F("judging_close_at")),
                name="cycle_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(winner_count__gte=1, winner_count__lte=10), name="cycle_winner_count"
            ),
            models.CheckConstraint(
                condition=Q(customer_share_floor__lte=100), name="cycle_floor_percent"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="cycle_month_first_day"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "judging", "decided", "announced"]),
                name="cycle_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # A full save of a loaded cycle writes every field but the scoring version: the value
        # in memory may be older than the row's, and writing it back would undo an increment.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "scoring_version"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("awards:hr_cycle", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def rubric_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.OPEN)

    @property
    def allowed_next(self) -> tuple[str, ...]:
        return self.TRANSITIONS[self.status]

    def due_transition(self, now: dt.datetime | None = None) -> str | None:
        """The phase its dates say it should move to now, if any (advance_cycles)."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT and now >= self.opens_at:
            return self.Status.OPEN
        if self.status == self.Status.OPEN and now >= self.nominations_close_at:
            return self.Status.JUDGING
        return None


def standings_changed(cycle_id: int | None) -> None:
    """Something this cycle's standings are computed from was written: a new version, for
    the cached standings. Call it inside the transaction of the write."""
    if cycle_id is not None:
        AwardCycle.objects.filter(pk=cycle_id).update(scoring_version=F("scoring_version") + 1)


class Criterion(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER_EVIDENCE = "customer_evidence", "Customer-awareness evidence"
        CUSTOMER_THANKS = "customer_thanks", "Customer thank-yous"
        PEER_SUPPORT = "peer_support", "Peer support"
        PANEL = "panel", "Panel score"

    # Kinds computed from data: each may appear once in a rubric, and needs a half point.
    COMPUTED_KINDS = (Kind.CUSTOMER_EVIDENCE, Kind.CUSTOMER_THANKS, Kind.PEER_SUPPORT)
    CUSTOMER_KINDS = (Kind.CUSTOMER_EVIDENCE, Kind.CUSTOMER_THANKS)

    cycle = models.ForeignKey(AwardCycle, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    weight = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    half_point = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The input at which this criterion earns half its points.",
    )
    customer_focused = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="criterion_weight_percent"),
            models.CheckConstraint(
                condition=Q(kind="panel") | Q(half_point__gt=0),
                name="criterion_computed_has_half_point",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class JudgeAssignment(models.Model):
    """A judge of one cycle: they score its candidates on the panel criteria during judging
    and may read its nominations (DESIGN §7), never those where they have a conflict."""

    cycle = models.ForeignKey(AwardCycle, on_delete=models.CASCADE, related_name="judges")
    judge = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="judge_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "judge"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "judge"], name="one_assignment_per_judge")
        ]

    def __str__(self) -> str:
        return f"{self.judge} judges {self.cycle}"


class PanelScore(models.Model):
    """A judge's 1–5 score of one candidate on one panel criterion, editable until judging
    closes (DESIGN §4)."""

    cycle = models.ForeignKey(AwardCycle, on_delete=models.CASCADE, related_name="panel_scores")
    judge = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "candidate", "criterion", "judge"]
        constraints = [
            models.UniqueConstraint(
                fields=["judge", "candidate", "criterion"], name="one_score_per_judge_criterion"
            ),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="score_1_to_5"),
            models.CheckConstraint(
                condition=~Q(judge=F("candidate")), name="judge_does_not_score_self"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "candidate"])]

    def __str__(self) -> str:
        return f"{self.judge} gives {self.candidate} {self.score} on {self.criterion}"


JUSTIFICATION_SUMMARY = 200  # characters of HR's reason the public results show


class Decision(models.Model):
    """The immutable record of a decided cycle: the rubric, every candidate's inputs and
    subscores and the ranking, as computed (cycles/scoring.py, `formula_version`), plus HR's
    override of the order, if any, with its written justification. One per cycle."""

    cycle = models.OneToOneField(AwardCycle, on_delete=models.PROTECT, related_name="decision")
    formula_version = models.CharField(max_length=20)
    snapshot = models.JSONField(encoder=DjangoJSONEncoder)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    override_ranking = models.JSONField(null=True, blank=True, help_text="User ids, in order.")
    override_justification = models.TextField(max_length=4000, blank=True)
    overridden_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    # True when HR wrote the justification under a field saying its first sentence is public.
    # Overrides saved before that (HR was told "shown on the scoreboard") stay private.
    justification_public = models.BooleanField(default=False)
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(override_ranking__isnull=True) | ~Q(override_justification=""),
                name="override_has_justification",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision of {self.cycle}"

    @property
    def justification_summary(self) -> str:
        """What the public results say of HR's reason: its first sentence (up to the first
        full stop, question or exclamation mark followed by a space, or the first blank line),
        at most JUSTIFICATION_SUMMARY characters, cut at a word. The audit log and HR's
        scoreboard keep it whole."""
        text = self.override_justification.strip().split("\n\n")[0]
        text = " ".join(text.split())
        end = re.search(r"[.!?…](?=\s|$)", text)
        if end:
            text = text[: end.end()]
        if len(text) <= JUSTIFICATION_SUMMARY:
            return text
        cut = text[: JUSTIFICATION_SUMMARY - 1]
        if " " in cut:
            cut = cut.rsplit(" ", 1)[0]
        return cut.rstrip(" ,;:") + "…"


class Award(models.Model):
    """A winner of a cycle, created when the cycle is decided (rank 1 is Employee of the Month)."""

    cycle = models.ForeignKey(AwardCycle, on_delete=models.PROTECT, related_name="awards")
    recipient = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    composite = models.DecimalField(max_digits=5, decimal_places=2)
    citation = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-cycle__month", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "rank"], name="one_award_per_rank"),
            models.UniqueConstraint(fields=["cycle", "recipient"], name="one_award_per_recipient"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="award_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.cycle} (#{self.rank})"
