"""One benchmark run, in order: migrate, seed (or reuse), measure pages, time scoring and
deciding, load-test over HTTP, then write var/bench/<stamp>.json and docs/benchmarks.md."""

import argparse
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench import measure, report, seed


def run(args: argparse.Namespace) -> dict:
    db = connection.settings_dict
    print(f"Benchmark database: {connection.vendor} {db['NAME']}")
    seed.migrate()
    seeded = seed.seed(scale=args.scale)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())

    s = measure.subjects()
    profile_dir = None
    if args.profile:
        profile_dir = settings.BENCH_DIR / "profiles"
        profile_dir.mkdir(parents=True, exist_ok=True)
        print(f"Profiles go to {profile_dir}/")
    print(f"Pages ({args.warmup} warm-up, then {args.reps} rounds of one timed request each):")
    pages = measure.measure_pages(s, warmup=args.warmup, reps=args.reps, profile_dir=profile_dir)
    print(f"Scoring ({args.scoring_reps} timed runs each):")
    scoring = measure.measure_scoring(s, reps=args.scoring_reps, profile_dir=profile_dir)

    load = None
    if not args.no_load:
        from bench import load as load_test

        load = load_test.run(
            s,
            seconds=args.load_seconds,
            rounds=args.rounds,
            connections=args.connections,
            workers=args.workers,
        )

    result = report.build(
        scale=args.scale,
        seeded=seeded,
        pages=pages,
        scoring=scoring,
        load=load,
        cycle_nominations=s.cycle.nominations.count(),
        settings={"reps": args.reps, "warmup": args.warmup, "scoring_reps": args.scoring_reps},
    )
    path = report.write_json(result, settings.BENCH_DIR)
    print(f"Wrote {path}")
    markdown = report.markdown(result, previous=report.other_scale(result, settings.BENCH_DIR))
    print(markdown)
    if not args.no_docs:
        report.append(markdown, settings.BASE_DIR / "docs" / "benchmarks.md")
        print("Appended the table to docs/benchmarks.md")
    return result
