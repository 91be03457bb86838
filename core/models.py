from django.db import models

from core.audit import AuditEvent

__all__ = ["MAX_ID", "AuditEvent", "SentEmail"]

MAX_ID = 2**31 - 1  # ids the database can hold on every backend


class SentEmail(models.Model):
    """The idempotency key of every e-mail the mail server accepted (core/tasks.py). A task run
    again, after its worker died or by hand, finds its key here and sends nothing. Old keys are
    forgotten by `manage.py recover_tasks`."""

    key = models.UUIDField(primary_key=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return str(self.key)
