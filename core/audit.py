"""The audit log: one row for every HR action, moderation, override, transition, import and
deactivation. Rows are written by services only and are read-only everywhere else."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# What each verb the services record means, for people reading the log: the pages show the
# label and keep the code beside it. A verb missing here shows as its code
# (tests/core/test_audit_labels.py asks that every verb the code records has one).
VERB_LABELS: dict[str, Promise] = {
    "comment.hidden": _("Hid a comment"),
    "cycle.created": _("Created an award cycle"),
    "cycle.edited": _("Edited an award cycle"),
    "cycle.judges_assigned": _("Assigned the judges"),
    "cycle.ranking_overridden": _("Changed the decided ranking"),
    "cycle.rubric_changed": _("Changed the rubric"),
    "cycle.transitioned": _("Moved an award cycle on"),
    "directory.imported": _("Imported the directory"),
    "evidence.verified": _("Verified evidence"),
    "evidence.disputed": _("Disputed evidence"),
    "evidence.unverified": _("Set evidence back to not verified"),
    "integration.created": _("Added a helpdesk integration"),
    "integration.updated": _("Changed a helpdesk integration"),
    "integration.secret_rotated": _("Renewed an integration's secret"),
    "nomination.withdrawn": _("Withdrew a nomination"),
    "profile.edited": _("Edited a profile"),
    "story.hidden": _("Hid a story"),
    "thanks.assigned": _("Said who a thank-you is about"),
    "thanks.approved": _("Approved a thank-you"),
    "thanks.rejected": _("Rejected a thank-you"),
    "user.api_token_revoked": _("Revoked an API token"),
    "user.api_tokens_revoked": _("Revoked every API token"),
    "user.deactivated": _("Deactivated a person"),
    "user.reactivated": _("Reactivated a person"),
    "user.hr_granted": _("Gave the HR role"),
    "user.hr_revoked": _("Took the HR role away"),
    "user.invited": _("Invited a person to sign in"),
    "user.thanks_link_rotated": _("Renewed a personal thank-you link"),
}


class AuditEventQuerySet(models.QuerySet):
    def for_log(self) -> "AuditEventQuerySet":
        return self.select_related("actor", "target_type").order_by("-at", "-id")


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        app_label = "core"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{who} {self.verb} {self.target_repr}".strip()

    @property
    def label(self) -> str:
        """What happened, in words (VERB_LABELS); the verb's code when it has none."""
        return str(VERB_LABELS.get(self.verb, self.verb))


def record(
    verb: str, *, actor: Any = None, target: models.Model | None = None, **data: Any
) -> AuditEvent:
    """Write one audit event. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data,
    )
