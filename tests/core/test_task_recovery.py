"""A task left RUNNING by a dead worker is found and run again (`manage.py recover_tasks`), up to
TASKS_MAX_ATTEMPTS times; then it is marked FAILED, where an operator sees it."""

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import notify, task_queue
from core.models import SentEmail
from tests.concurrency import race, requires_postgres
from tests.core.conftest import child_env, run_worker, strand, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _timeout(settings, database_tasks) -> None:
    settings.TASKS_RUNNING_TIMEOUT = timedelta(minutes=15)
    settings.TASKS_MAX_ATTEMPTS = 3


def queue_notice(to: str = "ada@example.com") -> DBTaskResult:
    with transaction.atomic():
        notify.send_mail_on_commit(
            to=to, subject="You were nominated", template="notice", context={"message": "Hi"}
        )
    return DBTaskResult.objects.get(args_kwargs__kwargs__to=[to])


def recover(*args: str) -> str:
    out = StringIO()
    call_command("recover_tasks", *args, stdout=out)
    return out.getvalue()


def test_a_task_running_past_the_timeout_is_queued_again_and_its_mail_sent():
    task = queue_notice()
    strand(task, minutes_ago=16, workers=["lost-1"])

    output = recover()

    task.refresh_from_db()
    assert task.status == "READY"
    assert str(task.id) in output
    run_worker()
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "lost-1" and len(task.worker_ids) == 2


def test_a_task_running_for_less_than_the_timeout_is_left_alone():
    task = queue_notice()
    strand(task, minutes_ago=14, workers=["busy-1"])
    assert "Nothing to recover." in recover()
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_starting_worker_takes_back_what_it_left_running():
    """A worker runs one task at a time and its id is unique: when it starts, whatever it was
    running is orphaned, however recently it started."""
    mine = queue_notice("ada@example.com")
    theirs = queue_notice("grace@example.com")
    strand(mine, minutes_ago=1, workers=["host-1"])
    strand(theirs, minutes_ago=1, workers=["host-2"])

    recover("--worker-id", "host-1")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == "READY"
    assert theirs.status == "RUNNING"


def test_a_task_that_keeps_losing_its_worker_fails_after_the_last_attempt():
    task = queue_notice()
    strand(task, minutes_ago=16, workers=["a", "b", "c"])

    output = recover()

    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.finished_at is not None
    assert task.exception_class_path == "core.task_queue.WorkerLost"
    assert "3 attempts" in task.traceback
    assert str(task.id) in output
    run_worker()
    assert mail.outbox == []


def test_keys_of_mail_sent_long_ago_are_forgotten():
    old, recent = uuid.uuid4(), uuid.uuid4()
    SentEmail.objects.create(key=old)
    SentEmail.objects.filter(key=old).update(
        sent_at=timezone.now() - task_queue.SENT_KEYS_KEPT - timedelta(minutes=1)
    )
    SentEmail.objects.create(key=recent)
    recover()
    assert list(SentEmail.objects.values_list("key", flat=True)) == [recent]


@requires_postgres
def test_two_recoveries_at_once_queue_a_stalled_task_once():
    task = queue_notice()
    strand(task, minutes_ago=16, workers=["lost-1"])
    results = race(lambda: len(task_queue.recover_stalled().requeued), threads=4)
    assert sorted(results) == [0, 0, 0, 1]
    task.refresh_from_db()
    assert task.status == "READY"


WORKER = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"]


@contextmanager
def silent_smtp_server() -> Iterator[int]:
    """A port that accepts connections and never answers: an SMTP send hangs on it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@requires_postgres
def test_a_worker_killed_during_a_slow_send_leaves_a_task_that_is_recovered_and_sent_once():
    """The probe's repro: kill -9 db_worker during a slow SMTP send, restart it. The task was
    left RUNNING forever; now the restarted worker's start-up recovery queues it again."""
    task = queue_notice()
    with silent_smtp_server() as port:
        worker = subprocess.Popen(
            [*WORKER, "--worker-id", "doomed-1"],
            cwd=settings.BASE_DIR,
            env=child_env(EMAIL_URL=f"smtp://127.0.0.1:{port}"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: DBTaskResult.objects.get(pk=task.pk).status == "RUNNING")
        finally:
            worker.kill()
            worker.wait()
    task.refresh_from_db()
    assert task.status == "RUNNING"  # what a killed worker leaves behind

    recover("--worker-id", "doomed-1")  # the restarted worker's ExecStartPre
    run_worker()

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
