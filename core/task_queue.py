"""Upkeep of the database task queue (TASKS_BACKEND=database, django_tasks_db): tasks that a
dead worker left RUNNING, and failed tasks an operator runs again. The commands
`recover_tasks` and `failed_tasks` call these."""

import dataclasses
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from core.models import SentEmail

logger = logging.getLogger(__name__)

# Longer than the deployment keeps failed tasks (prune_db_task_results), so a failed task run
# again by hand still finds the key of a mail that did go.
SENT_KEYS_KEPT = timedelta(days=30)


class WorkerLost(Exception):
    """The error recorded for a task whose worker kept dying under it."""


@dataclasses.dataclass
class Recovery:
    requeued: list[DBTaskResult]
    failed: list[DBTaskResult]
    forgotten_keys: int


def _abandoned(result: DBTaskResult, *, cutoff: datetime, worker_id: str) -> bool:
    # worker_ids lists every worker that claimed the task, the current one last.
    return result.started_at < cutoff or (bool(worker_id) and result.worker_ids[-1:] == [worker_id])


def recover_stalled(*, worker_id: str = "") -> Recovery:
    """Queue again every task a dead worker left RUNNING: those started longer ago than
    TASKS_RUNNING_TIMEOUT and, given `worker_id`, those that worker was running (a worker runs
    one task at a time, so when it starts, nothing it claimed is still running). A task claimed
    TASKS_MAX_ATTEMPTS times already is marked FAILED instead. Also forgets the keys of mail
    sent long ago.

    Each task is taken back under a row lock, skipping rows another recovery holds, and checked
    again once locked: two recoveries at once never both take it, and a task claimed afresh
    meanwhile is left to its worker."""
    cutoff = timezone.now() - settings.TASKS_RUNNING_TIMEOUT
    running = DBTaskResult.objects.running()
    suspects = [
        result.pk
        for result in running.only("started_at", "worker_ids")
        if _abandoned(result, cutoff=cutoff, worker_id=worker_id)
    ]
    recovery = Recovery(requeued=[], failed=[], forgotten_keys=0)
    if suspects:
        with exclusive_transaction(running.db):
            locked = running.filter(pk__in=suspects).select_for_update(skip_locked=True)
            for result in locked:
                if not _abandoned(result, cutoff=cutoff, worker_id=worker_id):
                    continue
                if len(result.worker_ids) >= settings.TASKS_MAX_ATTEMPTS:
                    result.set_failed(
                        WorkerLost(
                            f"Its worker stopped without finishing it, {len(result.worker_ids)} "
                            f"attempts in all ({', '.join(result.worker_ids)})."
                        )
                    )
                    recovery.failed.append(result)
                    logger.error("Task %s failed: its worker was lost too often.", result.pk)
                else:
                    result.status = TaskResultStatus.READY
                    result.started_at = None
                    result.save(update_fields=["status", "started_at"])
                    recovery.requeued.append(result)
                    logger.warning("Task %s queued again: its worker was lost.", result.pk)
    forgotten = SentEmail.objects.filter(sent_at__lt=timezone.now() - SENT_KEYS_KEPT).delete()
    recovery.forgotten_keys = forgotten[0]
    return recovery


def as_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def retry_failed(*, ids: list[str] | None = None) -> list[DBTaskResult]:
    """Queue failed tasks again: every one, or exactly those in `ids` (all or none: any id that
    is not a failed task's raises ValueError). Each starts a fresh count of attempts; a mail
    keeps its key, so one that went already is not sent twice."""
    failed = DBTaskResult.objects.failed()
    with exclusive_transaction(failed.db):
        if ids is None:
            chosen = list(failed.select_for_update())
        else:
            chosen = list(
                failed.filter(pk__in=[pk for pk in map(as_uuid, ids) if pk]).select_for_update()
            )
            found = {str(result.pk) for result in chosen}
            if missing := [value for value in ids if as_uuid(value) not in found]:
                raise ValueError(f"Not a failed task: {', '.join(missing)}")
        for result in chosen:
            result.status = TaskResultStatus.READY
            result.started_at = result.finished_at = result.return_value = None
            result.exception_class_path = result.traceback = ""
            result.worker_ids = []
            result.save(
                update_fields=[
                    "status",
                    "started_at",
                    "finished_at",
                    "return_value",
                    "exception_class_path",
                    "traceback",
                    "worker_ids",
                ]
            )
    return chosen
