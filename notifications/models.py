"""What happened that a person should hear about, and how they want to hear about it.

A notice is written once per person and event: the event's key is unique for its recipient,
so a service or a task that runs twice never tells anyone twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    EVIDENCE_TO_VERIFY = "evidence_to_verify", _("Evidence waits for your verification")
    EVIDENCE_DISPUTED = "evidence_disputed", _("Evidence you added is disputed")
    JUDGE_ASSIGNED = "judge_assigned", _("You are on a judging panel")
    JUDGING_STARTED = "judging_started", _("Judging starts")
    NOMINEE_WON = "nominee_won", _("Someone you nominated wins")
    STORY_COMMENTED = "story_commented", _("A comment on your story")
    ENDORSEMENT_INVITED = "endorsement_invited", _("You are asked to second a nomination")


class Channel(models.TextChoices):
    EMAIL = "email", _("In Plaudit and by e-mail")
    IN_APP = "in_app", _("In Plaudit only")
    OFF = "off", _("Off")


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> "NotificationQuerySet":
        return self.filter(recipient=user).order_by("-created_at", "-id")

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Mail(models.TextChoices):
        """Whether, and how, the notice goes out by e-mail; decided when it is written."""

        NONE = "none", _("Not mailed")
        SENT = "sent", _("Mailed on its own")
        DIGEST = "digest", _("Waiting for the daily digest")
        DIGESTED = "digested", _("Mailed in a daily digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, help_text=_("A path on this site."))
    event_key = models.CharField(max_length=200)
    mail = models.CharField(max_length=10, choices=Mail.choices, default=Mail.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            # The bell's count on every page: only unread rows are in it, so it stays small;
            # read_at (always null in it) makes it cover the count, so SQLite's planner picks it.
            models.Index(
                fields=["recipient", "read_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            # The daily digest looks only at the notices that wait for it.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(mail="digest"),
                name="notification_digest",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How one person hears about one kind of event. No row means the default: e-mail too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class NotificationSettings(models.Model):
    """A person's choice of one e-mail a day instead of one per event. No row: one per event."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    daily_digest = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user_id}: {'daily digest' if self.daily_digest else 'one e-mail per event'}"
