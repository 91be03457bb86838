"""Seeding the demo tells nobody: the demo's thank-yous, nominations and announcements are
made through the services, which would e-mail the (fictional) people and queue their
notification e-mails; `make run` printed each of them to the console."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from awards.models import AwardCycle
from core import notify
from home.management.commands import seed_demo
from tests.core.conftest import DATABASE_TASKS


def seed() -> None:
    call_command("seed_demo", "--force", stdout=StringIO())


def test_seeding_the_demo_sends_no_email(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    assert mail.outbox == []


def test_seeding_the_demo_queues_no_email_task(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = DATABASE_TASKS
    seed()
    queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == []


def test_seeding_the_demo_posts_no_announcement_to_the_chat(db, settings, tmp_path):
    # The demo announces made-up winners: not in the company's real Slack or Teams channel.
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = DATABASE_TASKS
    settings.ANNOUNCE_WEBHOOK_URL = "https://chat.example/hooks/awards"
    seed()
    assert AwardCycle.objects.filter(status=AwardCycle.Status.ANNOUNCED).exists()
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == []


@pytest.mark.django_db(transaction=True)
def test_what_runs_when_the_seeding_commits_is_muted_too(monkeypatch):
    # Work a service leaves for the commit (transaction.on_commit) runs after the atomic
    # block: the mute must still be in force then.
    seen = []

    def step(state) -> None:
        transaction.on_commit(lambda: seen.append(notify.is_muted()))

    monkeypatch.setattr(seed_demo, "STEPS", [step])
    monkeypatch.setattr(seed_demo, "DEMO_LOGINS", [])
    seed()
    assert seen == [True]
    assert not notify.is_muted()
