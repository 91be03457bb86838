"""The task queue's helpers: the database backend, one run of the worker, and the environment
of a child process that works on the test database."""

import os
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings) -> None:
    settings.TASKS = DATABASE_TASKS  # django.tasks drops its cached backends on this change


def run_worker() -> None:
    """Run every queued task in this process, as `manage.py db_worker` does, then return.

    The worker closes connections between tasks: tests that call it need
    `django_db(transaction=True)`."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def strand(result: DBTaskResult, *, minutes_ago: float, workers: list[str]) -> None:
    """Leave a task as a worker killed mid-task leaves it: RUNNING, claimed by `workers`."""
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=workers,
    )


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process (`manage.py …`, `python -c …`) on the test database.
    PostgreSQL only: SQLite's test database lives in this process's memory."""
    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "database",
        **extra,
    }


def wait_until(condition: Callable[[], bool], *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)
