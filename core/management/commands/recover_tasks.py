from django.core.management.base import BaseCommand

from core import task_queue


class Command(BaseCommand):
    help = (
        "Queue again the tasks a dead worker left RUNNING (past TASKS_RUNNING_TIMEOUT, or those "
        "of --worker-id), or mark them FAILED after TASKS_MAX_ATTEMPTS. Safe to run from cron "
        "every few minutes, and before each worker starts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--worker-id",
            default="",
            help=(
                "A worker about to start under this id: whatever it was running is taken back "
                "at once, however recently it started."
            ),
        )

    def handle(self, *args, worker_id: str = "", **options) -> None:
        recovery = task_queue.recover_stalled(worker_id=worker_id)
        for result in recovery.requeued:
            self.stdout.write(f"Queued again: {result.pk} {result.task_path}")
        for result in recovery.failed:
            self.stdout.write(
                f"Failed after {len(result.worker_ids)} attempts: {result.pk} {result.task_path}"
            )
        if not (recovery.requeued or recovery.failed):
            self.stdout.write("Nothing to recover.")
