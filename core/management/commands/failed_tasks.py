from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.models import DBTaskResult

from core import task_queue


def describe(result: DBTaskResult) -> str:
    to = result.args_kwargs.get("kwargs", {}).get("to")
    error = next((line for line in reversed(result.traceback.splitlines()) if line.strip()), "")
    return "  ".join(
        [
            str(result.pk),
            f"{result.finished_at:%Y-%m-%d %H:%M}" if result.finished_at else "-",
            result.task_path + (f" to {', '.join(to)}" if to else ""),
            error or result.exception_class_path,
        ]
    )


class Command(BaseCommand):
    help = (
        "List failed tasks with their error, or run them again with --retry (all of them, or "
        "the ids given). A mail that went already is not sent twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", help="Only these tasks (default: every failed one).")
        parser.add_argument(
            "--retry", action="store_true", help="Queue the tasks again for the workers."
        )

    def handle(self, *args, ids: list[str], retry: bool = False, **options) -> None:
        if retry:
            try:
                results = task_queue.retry_failed(ids=ids or None)
            except ValueError as error:
                raise CommandError(str(error)) from None
            for result in results:
                self.stdout.write(f"Queued again: {result.pk} {result.task_path}")
        else:
            results = DBTaskResult.objects.failed().order_by("-finished_at")
            if ids:
                results = results.filter(pk__in=[pk for pk in map(task_queue.as_uuid, ids) if pk])
            for result in results:
                self.stdout.write(describe(result))
        if not results:
            self.stdout.write("No failed task.")
