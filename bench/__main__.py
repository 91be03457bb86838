"""`python -m bench [--scale 0.1] [--reps 30] [--rounds 3] [--reseed] [--no-load]`

Runs the whole benchmark (DESIGN §10) on a database of its own: a SQLite file under var/bench/,
or, when DATABASE_URL names a PostgreSQL server, a database `plaudit_bench_scale_<scale>` on it.
The development database is never touched.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 employees (default)")
    parser.add_argument("--reps", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    parser.add_argument("--scoring-reps", type=int, default=5, help="timed scorings (5)")
    parser.add_argument(
        "--load-seconds", type=int, default=5, help="wrk's run on each page in a round (5 s)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="load rounds over every page (3)")
    parser.add_argument(
        "--connections", type=int, default=8, help="wrk's concurrent connections (8)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers, for both servers (2)"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the HTTP load test")
    parser.add_argument(
        "--profile", action="store_true", help="also write pyinstrument profiles to var/bench/"
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument(
        "--no-docs", action="store_true", help="write var/bench/ JSON only, not docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be above 0 and at most 1.")
    if args.reps < 2 or args.warmup < 0 or args.scoring_reps < 1:
        parser.error("--reps must be at least 2, --warmup at least 0, --scoring-reps at least 1.")
    if min(args.load_seconds, args.rounds, args.connections, args.workers) < 1:
        parser.error("--load-seconds, --rounds, --connections and --workers must be at least 1.")
    return args


def scale_text(scale: float) -> str:
    return f"{scale:g}"


def configure(scale: float) -> None:
    """The environment every process of the run shares (this one and gunicorn's workers)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["PLAUDIT_BENCH_SCALE"] = scale_text(scale)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("PLAUDIT_TESTING", None)
    # A key for this run only: sessions made here must be valid in the gunicorn workers.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # Cache keys of this run only, in a Redis shared with the site (bench/settings.py).
    os.environ.setdefault("PLAUDIT_BENCH_RUN", secrets.token_hex(4))


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    configure(args.scale)
    sys.path.insert(0, str(ROOT))
    import django

    from bench import database

    database.prepare(reseed=args.reseed)
    django.setup()

    from bench import run

    started = time.perf_counter()
    run.run(args)
    print(f"Benchmark finished in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
