"""Results: a JSON file per run under var/bench/, and a markdown table appended to
docs/benchmarks.md with the date, machine, database and scale."""

import datetime as dt
import json
import os
import platform
from pathlib import Path

import django
from django.db import connection

from bench.measure import Timing, as_dicts

P95_TARGET_MS = 50.0
SCORING_TARGET_MS = 500.0
SCORING_TARGET_NOMINATIONS = 10_000


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def database() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
            name = "PostgreSQL"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            name = "SQLite"
    return {"vendor": connection.vendor, "name": name, "version": version}


def cache_backend() -> str:
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    names = {"RedisCache": "Redis", "LocMemCache": "local memory (per process)"}
    return names.get(backend.rsplit(".", 1)[-1], backend)


def build(
    *,
    scale: float,
    seeded: dict,
    pages: list[Timing],
    scoring: list[Timing],
    load: dict | None,
    settings: dict,
    cycle_nominations: int,
) -> dict:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "date": now.isoformat(),
        "scale": scale,
        "machine": machine(),
        "database": database(),
        "cache": cache_backend(),
        "counts": seeded["counts"],
        "cycle_nominations": cycle_nominations,
        "seed": {"reused": seeded["reused"], "seconds": seeded["seconds"]},
        "settings": settings,
        "pages": as_dicts(pages),
        "scoring": as_dicts(scoring),
        "load": load,
    }


def write_json(result: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = result["date"].replace(":", "").replace("+0000", "Z")
    scale = f"{result['scale']:g}".replace(".", "_")
    path = directory / f"bench-{stamp}-{result['database']['vendor']}-scale-{scale}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def other_scale(result: dict, directory: Path) -> dict | None:
    """The latest earlier run on the same database engine at another scale, to compare query
    counts with (the target: queries per page do not grow with the data)."""
    candidates = []
    for path in directory.glob("bench-*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if (
            data.get("database", {}).get("vendor") == result["database"]["vendor"]
            and data.get("scale") != result["scale"]
        ):
            candidates.append(data)
    return max(candidates, key=lambda d: d["date"], default=None)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _page_verdict(row: dict) -> str:
    ok = row["p95_ms"] is not None and row["p95_ms"] < P95_TARGET_MS
    return f"p95 < {P95_TARGET_MS:g} ms: {'met' if ok else 'MISSED'}"


def _scoring_verdict(row: dict, nominations: int) -> str:
    if row["key"] != "score_cycle":
        return ""
    ok = row["median_ms"] < SCORING_TARGET_MS
    size = "" if nominations >= SCORING_TARGET_NOMINATIONS else " (smaller cycle at this scale)"
    return f"< {SCORING_TARGET_MS / 1000:g} s: {'met' if ok else 'MISSED'}{size}"


def query_comparison(result: dict, previous: dict | None) -> list[str]:
    if previous is None:
        return ["Queries per page: no run at another scale on this database yet to compare."]
    before = {row["key"]: row["queries"] for row in previous["pages"] + previous["scoring"]}
    changed = [
        f"{row['label']} ({before[row['key']]} → {row['queries']})"
        for row in result["pages"] + result["scoring"]
        if row["key"] in before and before[row["key"]] != row["queries"]
    ]
    verdict = "the same at both scales: met" if not changed else "MISSED: " + "; ".join(changed)
    return [
        f"Queries per request, compared with the run of {previous['date']} at scale "
        f"{previous['scale']:g}: {verdict}."
    ]


def markdown(result: dict, previous: dict | None = None) -> str:
    m, db, counts = result["machine"], result["database"], result["counts"]
    settings = result["settings"]
    nominations = result["cycle_nominations"]
    lines = [
        f"## {result['date'].replace('T', ' ').replace('+00:00', ' UTC')} · {db['name']} "
        f"{db['version']} · scale {result['scale']:g}",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['os']}; "
        f"Python {m['python']}, Django {m['django']}.",
        "- Data: "
        + ", ".join(f"{value:,} {name.replace('_', '-')}" for name, value in counts.items())
        + ".",
        f"- Seed: {'reused' if result['seed']['reused'] else f'{result["seed"]["seconds"]:.0f} s'}"
        f". Cache: {result.get('cache', 'not recorded')}"
        f". Pages: {settings['warmup']} warm-up, then {settings['reps']} rounds of one timed "
        "request to each page in turn, in-process (Django test client, DEBUG off); queries "
        "counted on one more request.",
        "",
        "| Measure | Median ms | p95 ms | × floor | Queries | Target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in result["pages"]:
        lines.append(
            f"| {row['label']} | {_number(row['median_ms'])} | {_number(row['p95_ms'])} | "
            f"{row['ratio']:.2f} | {row['queries']} | {_page_verdict(row)} |"
        )
    for row in result["scoring"]:
        lines.append(
            f"| {row['label']} | {_number(row['median_ms'])} | {_number(row['p95_ms'])} | | "
            f"{row['queries']} | {_scoring_verdict(row, nominations)} |"
        )
    lines += ["", *query_comparison(result, previous)]
    load = result.get("load")
    if load:
        lines += ["", *load_table(load)]
    return "\n".join(lines) + "\n"


def _share_verdict(row: dict) -> str:
    if row["target_share"] is None:
        return "the reference"
    return f"≥ {row['target_share']:.0%}: {'met' if row['met'] else 'MISSED'}"


def load_table(load: dict) -> list[str]:
    lines = [
        f"HTTP load: wrk, {load['connections']} connections, {load['seconds']} s per page in "
        f"each of {load['rounds']} interleaved rounds, against gunicorn with {load['workers']} "
        "sync workers on 127.0.0.1, the site and a bare Django view (one HttpResponse, "
        "startproject's middleware) served alike. Medians over the rounds; the share is the "
        "page's requests per second over the bare view's in the same round.",
        "",
        "| Page | Requests/s | Share of bare Django | Median ms | p95 ms | Errors | Target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in load["rows"]:
        share = "—" if row["share"] is None else f"{row['share']:.1%}"
        lines.append(
            f"| {row['label']} | {row['rps']:,.1f} | {share} | {_number(row['median_ms'])} | "
            f"{_number(row['p95_ms'])} | {row['errors']} | {_share_verdict(row)} |"
        )
    return lines


HEADER = """# Benchmarks

`make bench` (or `python -m bench --help`) appends one section per run; see DESIGN.md §10 and
docs/decisions.md ("Benchmarks") for how the figures are taken. Targets (DESIGN §10): under load,
the floor at least 30% of a bare Django view's requests per second, every reading page and API
list at least 10%, the scoreboard and moderation queue at least 5%; every page's p95 under
50 ms; queries per page the same at scales 0.1 and 1; scoring a 10,000-nomination cycle under
0.5 s.
"""


def append(markdown_text: str, path: Path) -> None:
    text = path.read_text() if path.exists() else HEADER
    path.write_text(text.rstrip("\n") + "\n\n" + markdown_text)
