"""Run the same call from several threads at the same instant, on real connections.

Only meaningful on PostgreSQL (row locks, real concurrent transactions); the tests that use it
are skipped on SQLite with that reason.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"
)


def race(fn: Callable[[], Any], *, threads: int = 2) -> list[Any]:
    """Start `threads` calls of fn behind a barrier; return each result or raised exception."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as error:  # the caller asserts on what each thread met
            results[i] = error
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return results
