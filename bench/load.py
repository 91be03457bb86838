"""The HTTP load test: requests per second of every page as a share of a bare Django view.

Two gunicorn servers with the same configuration run on 127.0.0.1: the site (on the bench
database) and a bare Django project (bench/bare.py). `wrk`, a small C client that takes little
of the two cores the servers share, loads one URL at a time for a few seconds. Every page, the
bare view among them, is loaded once per round, and the rounds follow one another, so a slow
moment of the machine lands on every row rather than on one page; a page's share is the median
over the rounds of its requests per second divided by the bare view's in the same round.

wrk is a Debian package: the run installs it when it can (as root with apt-get), and otherwise
says what to install."""

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from accounts.middleware import COOKIE as ACTIVITY_COOKIE
from bench.measure import Subjects, logged_in_clients, pages

# What each page must reach, as a share of the bare view's requests per second (DESIGN §10).
FLOOR_SHARE = 0.30
PAGE_SHARE = 0.10
HEAVY_SHARE = 0.05
HEAVY_PAGES = {"scoreboard", "moderation_queue"}
# wrk's own summary, one line that is easy to read back (durations in microseconds).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("PLAUDIT-WRK %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    url: str  # a full URL
    cookie: str  # "" for no cookie


@dataclass(frozen=True)
class Sample:
    rps: float
    median_ms: float
    p95_ms: float
    errors: int


def target_share(key: str) -> float | None:
    if key == "bare":
        return None
    if key == "floor":
        return FLOOR_SHARE
    return HEAVY_SHARE if key in HEAVY_PAGES else PAGE_SHARE


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package (apt-get install wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(
        "The load test needs wrk: install it (Debian/Ubuntu: `sudo apt-get install wrk`), "
        "or run the benchmark with --no-load."
    )


def parse_wrk(output: str) -> Sample:
    for line in output.splitlines():
        if line.startswith("PLAUDIT-WRK "):
            requests, duration_us, p50_us, p95_us, errors = (int(x) for x in line.split()[1:])
            return Sample(
                rps=round(requests / (duration_us / 1_000_000), 1) if duration_us else 0.0,
                median_ms=round(p50_us / 1000, 2),
                p95_ms=round(p95_us / 1000, 2),
                errors=errors,
            )
    raise RuntimeError(f"wrk printed no summary:\n{output}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    """The one gunicorn configuration both servers run with."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            f"--workers={workers}",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )


def _status(url: str, cookie: str = "") -> int:
    """The status of one GET, redirects not followed (a 302 to the login page is no page)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/" + path, headers={"Cookie": cookie} if cookie else {})
        return connection.getresponse().status
    finally:
        connection.close()


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode}); see its output above")
        try:
            if _status(url) < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def targets(s: Subjects, site: str, bare: str) -> list[Target]:
    """The bare view first, then every page the in-process measurement times, each with the
    cookies of the person it is measured as, as a browser keeps them: their session, the CSRF
    cookie (without it every page with a form would make a new CSRF secret and set it) and the
    session-activity cookie (without it every request would record activity)."""
    cookies = {}
    for role, client in logged_in_clients(s).items():
        client.get(reverse("thanks:form"))  # sets the CSRF cookie, and records activity
        names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, ACTIVITY_COOKIE)
        cookies[role] = "; ".join(
            f"{name}={client.cookies[name].value}" for name in names if name in client.cookies
        )
    page_targets = [
        Target(page.key, page.label, site + page.url, cookies[page.who]) for page in pages(s)
    ]
    return [Target("bare", "Bare Django view", bare + "/", ""), *page_targets]


def _wrk(wrk: str, target: Target, *, seconds: int, connections: int, script: Path) -> Sample:
    command = [
        wrk,
        "--threads=1",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
    ]
    if target.cookie:
        command.append(f"--header=Cookie: {target.cookie}")
    done = subprocess.run(
        [*command, target.url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    return parse_wrk(done.stdout)


def summarise(targets_: list[Target], rounds: list[dict[str, Sample]]) -> list[dict]:
    """A row per target: medians over the rounds, and the share of the bare view."""
    rows = []
    for target in targets_:
        samples = [round_[target.key] for round_ in rounds]
        shares = [
            round_[target.key].rps / round_["bare"].rps
            for round_ in rounds
            if round_["bare"].rps > 0
        ]
        share = round(statistics.median(shares), 4) if shares else None
        wanted = target_share(target.key)
        rows.append(
            {
                "key": target.key,
                "label": target.label,
                "rps": round(statistics.median(s.rps for s in samples), 1),
                "share": share,
                "target_share": wanted,
                "met": None if wanted is None or share is None else share >= wanted,
                "median_ms": round(statistics.median(s.median_ms for s in samples), 2),
                "p95_ms": round(statistics.median(s.p95_ms for s in samples), 2),
                "errors": sum(s.errors for s in samples),
            }
        )
    return rows


def run(
    s: Subjects, *, seconds: int, rounds: int, connections: int, workers: int, log=print
) -> dict:
    wrk = ensure_wrk()
    out = Path(settings.BENCH_DIR) / "load"
    out.mkdir(parents=True, exist_ok=True)
    script = out / "summary.lua"
    script.write_text(WRK_SCRIPT)
    site_port, bare_port = _free_port(), _free_port()
    site, bare = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{bare_port}"
    bare_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    log(
        f"HTTP load: gunicorn with {workers} sync workers for the site ({site}) and for a bare "
        f"Django view ({bare}); wrk with {connections} connections, {seconds} s per page, "
        f"{rounds} rounds"
    )
    servers = [
        _gunicorn("config.wsgi:application", site_port, workers, dict(os.environ)),
        _gunicorn("bench.bare:application", bare_port, workers, bare_env),
    ]
    try:
        _wait_until_up(f"{site}/healthz", servers[0])
        _wait_until_up(f"{bare}/", servers[1])
        found = targets(s, site, bare)
        for target in found:
            status = _status(target.url, target.cookie)
            if status != 200:
                raise RuntimeError(f"{target.label}: {target.url} answered {status}, not 200")
        for target in found:  # warm both servers' workers on every page
            _wrk(wrk, target, seconds=1, connections=connections, script=script)
        results: list[dict[str, Sample]] = []
        for number in range(1, rounds + 1):
            # Fresh cookies for each round, as a browser keeps them: the session-activity
            # cookie is good for five minutes, after which each request would record activity.
            found = targets(s, site, bare)
            round_ = {}
            for target in found:
                round_[target.key] = _wrk(
                    wrk, target, seconds=seconds, connections=connections, script=script
                )
            results.append(round_)
            log(f"  round {number}: bare {round_['bare'].rps} req/s, floor {round_['floor'].rps}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    rows = summarise(found, results)
    for row in rows:
        share = "" if row["share"] is None else f", {row['share']:.1%} of bare"
        log(f"  {row['label']}: {row['rps']} req/s{share}, p95 {row['p95_ms']} ms")
    return {
        "client": "wrk",
        "connections": connections,
        "workers": workers,
        "seconds": seconds,
        "rounds": rounds,
        "rows": rows,
    }
