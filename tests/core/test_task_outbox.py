"""Work that follows a commit is never lost: with the database task backend it is queued in the
caller's own transaction (an outbox), so a crash after the commit loses neither the change nor
its mail; with the immediate backend it still waits for the commit."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from awards.models import AwardCycle
from core import notify, tasks
from cycles import services
from tests.awards.test_deciding import Contest
from tests.concurrency import requires_postgres
from tests.core.conftest import DATABASE_TASKS, child_env


def send_notices(count: int) -> None:
    for n in range(count):
        notify.send_mail_on_commit(
            to=f"person{n}@example.com",
            subject="You were nominated",
            template="notice",
            context={"message": "Someone noticed."},
        )


@task
def record_nothing(*, note: str) -> str:
    return note


def test_queued_mail_is_written_in_the_callers_transaction(
    db, database_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        send_notices(3)
        assert DBTaskResult.objects.count() == 3
    # Nothing is left to do after the commit, so nothing can be lost there.
    assert callbacks == []


def test_a_rendered_message_is_written_in_the_callers_transaction(
    db, database_tasks, django_capture_on_commit_callbacks
):
    message = tasks.render_email(
        to=["ada@example.com"], subject="Reset", template="notice", context={"message": "Hi"}
    )
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        notify.send_message_on_commit(message)
        assert DBTaskResult.objects.get().task_path == "core.tasks.send_rendered_email"
    assert callbacks == []


def test_any_task_can_be_queued_with_the_callers_transaction(
    db, database_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        tasks.enqueue_on_commit(record_nothing, note="hello")
        assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"note": "hello"}
    assert callbacks == []


def test_a_rolled_back_transaction_leaves_no_queued_mail(db, database_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_notices(3)
        raise RuntimeError("the service failed")
    assert not DBTaskResult.objects.exists()


def test_with_the_immediate_backend_mail_still_waits_for_the_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send_notices(2)
        tasks.enqueue_on_commit(record_nothing, note="hello")
        assert mail.outbox == []
    assert len(callbacks) == 3
    assert len(mail.outbox) == 2


def test_an_announcement_is_queued_whole_with_its_decision(
    db, settings, django_capture_on_commit_callbacks
):
    """The probe killed the process while the announcement's enqueues ran after the commit:
    one of 130 mails was queued, and announcing again was refused. Now a process that dies
    right after the commit (its on-commit callbacks never run) has queued them all."""
    settings.ANNOUNCE_WEBHOOK_URL = "https://chat.example.com/hook"
    contest = Contest()
    contest.decide()
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.transition(cycle=contest.cycle, to=AwardCycle.Status.ANNOUNCED, by=contest.hr)
    queued = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    recipients = sorted(
        kwargs["kwargs"]["to"][0] for path, kwargs in queued if path == "core.tasks.send_email"
    )
    # The winner, her manager, the other nominee, and the winner's two nominators.
    told = [contest.alice, contest.boss, contest.bob, contest.omar, contest.pia]
    assert recipients == sorted(person.email for person in told)
    assert [path for path, _ in queued].count("awards.tasks.post_announcement") == 1
    assert not any("enqueue" in repr(callback) for callback in callbacks)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_mail_survives_a_process_killed_right_after_its_commit():
    """A real process: it commits a change that sends five mails, then is killed with SIGKILL
    before any later on-commit work can run. All five are in the queue."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_AFTER_COMMIT],
        cwd=settings.BASE_DIR,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line == "committed\n", line or child.stderr.read()
    finally:
        child.kill()
        child.wait()
    assert DBTaskResult.objects.filter(task_path="core.tasks.send_email").count() == 5


KILLED_AFTER_COMMIT = """
import time

import django

django.setup()

from django.db import transaction

from core import notify


def committed():
    print("committed", flush=True)
    time.sleep(60)  # the parent kills this process here, before any later callback runs


with transaction.atomic():
    transaction.on_commit(committed)
    for n in range(5):
        notify.send_mail_on_commit(
            to=f"person{n}@example.com",
            subject="You were nominated",
            template="notice",
            context={"message": "Someone noticed."},
        )
"""
