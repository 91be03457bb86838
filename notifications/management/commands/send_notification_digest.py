from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = (
        "Mail each person who chose the daily digest their unread notifications of the last "
        "day in one e-mail. Idempotent: safe to run again, or from cron once a day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the people and notifications without sending or marking anything.",
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        run = services.send_digest(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(f"{verb} {run.people} digest(s) with {run.notices} notification(s).")
