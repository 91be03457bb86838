"""The HTTP load test: gunicorn on 127.0.0.1 serving the bench database, and locust, headless
and bounded in time, once with the floor alone and once with the realistic mix
(bench/locustfile.py). Both are separate processes: locust's gevent never enters Django's."""

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import Client

from accounts.models import User
from bench.measure import Subjects
from nominations.thanks.forms import form_started_token
from stories.feed import DEFAULT_PAGE_SIZE, encode_cursor
from stories.models import Story

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
RUNS = {"floor": "Floor", "mix": "Colleague"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fixture(s: Subjects, users: int) -> dict:
    """Sessions of `users` employees (logged in here, valid in gunicorn), the newest 500 stories,
    cursors of feed pages 2 to 50, personal-link tokens and a form-start token old enough."""
    people = list(
        User.objects.filter(is_active=True, manager__isnull=False)
        .exclude(pk__in=[s.employee.pk, s.manager.pk, s.hr.pk])
        .order_by("pk")[:users]
    )
    sessions = []
    for person in people:
        client = Client()
        client.force_login(person)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    feed = Story.objects.published().order_by("-published_at", "-id")
    newest = list(feed.values_list("pk", flat=True)[:500])
    anchors = list(feed[DEFAULT_PAGE_SIZE - 1 : 50 * DEFAULT_PAGE_SIZE : DEFAULT_PAGE_SIZE])
    return {
        "sessions": sessions,
        "stories": newest,
        "cursors": [encode_cursor(story) for story in anchors] or [""],
        "thanks_tokens": [p.thanks_token for p in people],
        "started": form_started_token(at=time.time() - 60),
    }


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode}); see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _read_stats(prefix: Path) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": "all requests" if row["Name"] == "Aggregated" else row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 1),
                    "median_ms": float(row["50%"]) if row["50%"] != "N/A" else None,
                    "p95_ms": float(row["95%"]) if row["95%"] != "N/A" else None,
                }
            )
    return rows


def run(s: Subjects, *, seconds: int, users: int, workers: int) -> dict:
    out = Path(settings.BENCH_DIR) / "load"
    out.mkdir(parents=True, exist_ok=True)
    fixture_path = out / "fixture.json"
    fixture_path.write_text(json.dumps(fixture(s, users)))
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BENCH_LOAD_FIXTURE": str(fixture_path)}
    print(f"HTTP load: gunicorn with {workers} workers on {host}, locust with {users} users")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    runs = {}
    try:
        _wait_until_up(f"{host}/healthz", server)
        for run_name, user_class in RUNS.items():
            prefix = out / run_name
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    f"--users={users}",
                    f"--spawn-rate={users}",
                    f"--run-time={seconds}s",
                    f"--host={host}",
                    f"--csv={prefix}",
                    "--only-summary",
                    "--loglevel=WARNING",
                    "--exit-code-on-error=0",
                    user_class,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            runs[run_name] = _read_stats(prefix)
            total = runs[run_name][-1]
            print(
                f"  {run_name}: {total['rps']} requests/s, p95 {total['p95_ms']} ms, "
                f"{total['failures']} failures"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"users": users, "workers": workers, "seconds": seconds, "runs": runs}
