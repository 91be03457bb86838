"""The benchmark's own database: created (or dropped, with --reseed) before Django connects."""

from pathlib import Path

import psycopg
from psycopg import sql


def bench_database(default: dict, scale: str, bench_dir: Path) -> dict:
    """The benchmark's own database: a SQLite file under var/bench/, or, when DATABASE_URL
    names a PostgreSQL server, a database of its own on that server. Never the site's."""
    slug = scale.replace(".", "_")
    db = dict(default)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        bench_dir.mkdir(parents=True, exist_ok=True)
        db["NAME"] = str(bench_dir / f"bench-scale-{slug}.sqlite3")
    else:
        db["NAME"] = f"plaudit_bench_scale_{slug}"
    db["TEST"] = {"NAME": None}
    return db


def _settings_database() -> dict:
    # Read the settings without setting Django up: the database may not exist yet.
    import importlib

    settings = importlib.import_module("bench.settings")
    return settings.DATABASES["default"]


def prepare(*, reseed: bool = False) -> dict:
    """Make sure the bench database exists (empty, or holding an earlier seed); with `reseed`,
    start from an empty one. Returns the database settings."""
    db = _settings_database()
    if db["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(db["NAME"])
        if reseed:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return db
    if not db["ENGINE"].startswith("django.db.backends.postgresql"):
        raise SystemExit(f"The benchmark runs on SQLite or PostgreSQL, not {db['ENGINE']}.")
    server = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**{k: v for k, v in server.items() if v}, autocommit=True) as conn:
        name = sql.Identifier(db["NAME"])
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if exists and reseed:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return db
