"""`manage.py seed_demo`: the demo organisation, idempotent (a re-run creates nothing new).

Each step is a function of `accounts.demo.Demo` that creates only what is missing. Later
issues add their steps (cycles, nominations, thank-yous, stories) to STEPS, after the people.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo
from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD, Demo
from core import notify
from cycles.demo import seed_cycles
from nominations.thanks.demo import seed_thanks
from stories.demo import seed_stories

STEPS: list[Callable[[Demo], None]] = [
    demo.seed_departments,
    demo.seed_people,
    demo.seed_hr,
    demo.seed_avatars,
    seed_cycles,
    seed_thanks,
    seed_stories,
]


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent) and print the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG=0. The demo accounts share a published password.",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not (settings.DEBUG or force):
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with "
                "DJANGO_DEBUG=1. Add --force to load it into this site anyway."
            )
        state = Demo(write=self.stdout.write)
        # The steps go through the services, which tell people what happened: the demo's
        # people are made up, so nobody is e-mailed (in-app notices are the demo's to show).
        # Muted outside the transaction: what runs when it commits is muted too.
        with notify.muted(), transaction.atomic():
            for step in STEPS:
                step(state)
        created = ", ".join(f"{n} {what}" for what, n in state.created.items() if n)
        self.stdout.write(f"Demo organisation ready ({created or 'nothing new'}).")
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}):")
        for role, full_name in DEMO_LOGINS:
            self.stdout.write(f"  {role:<9} {state.login(full_name)}")
