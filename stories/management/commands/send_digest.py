from django.core.management.base import BaseCommand, CommandError

from stories import digest


class Command(BaseCommand):
    help = (
        "Mail every subscribed, active employee last week's most-applauded stories. "
        "Idempotent per ISO week: safe to run again, or from cron every Monday."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--week",
            default="",
            help="ISO week to send, e.g. 2026-W47 (default: the week before today).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the recipients and list the stories without sending anything.",
        )

    def handle(self, *args, week: str = "", dry_run: bool = False, **options) -> None:
        try:
            chosen = digest.Week.parse(week) if week else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        run = digest.send_digest(week=chosen, dry_run=dry_run)
        if not run.stories:
            self.stdout.write(f"No story was published in {run.week}: nothing to send.")
            return
        self.stdout.write(f"Week {run.week}: {len(run.stories)} stories.")
        for story in run.stories:
            self.stdout.write(f"  {story.applause_count:>4} applause  {story.title}")
        if dry_run:
            self.stdout.write(
                f"Dry run: would send {run.sent}, skip {run.skipped} (already sent this week)."
            )
        else:
            self.stdout.write(f"Sent {run.sent}, skipped {run.skipped} (already sent this week).")
