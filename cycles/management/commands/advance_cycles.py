from django.core.management.base import BaseCommand

from cycles.services import advance_cycles


class Command(BaseCommand):
    help = (
        "Move award cycles whose dates have passed (draft → open → judging) and create next "
        "month's cycle in draft. Idempotent: safe to run from cron every few minutes."
    )

    def handle(self, *args, **options) -> None:
        changes = advance_cycles()
        for line in changes:
            self.stdout.write(line)
        if not changes:
            self.stdout.write("Nothing to do.")
