"""The benchmark harness (issue 7): its seed keeps the rules, its measurements request real
pages, its report says which targets are met, and its database is never the site's."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from awards.models import Award, AwardCycle, Decision
from bench import bare, load, measure, report, seed
from bench.__main__ import parse
from bench.database import bench_database
from nominations.models import Endorsement, Evidence, Nomination, ThankYou
from stories.models import Comment, Reaction, Story
from tests.conftest import make_user

SCALE = 0.002  # 120 people, 400 nominations, 200 stories, 2,000 reactions


@pytest.fixture
def seeded(db) -> dict:
    return seed.seed(scale=SCALE, log=lambda _: None)


def test_seed_creates_the_scaled_organisation_within_the_rules(seeded):
    counts = seeded["counts"]
    assert not seeded["reused"]
    assert counts["departments"] == seed.DEPARTMENT_COUNT
    assert counts["cycles"] == seed.CYCLE_COUNT
    assert counts["nominations"] == seed.scaled("nominations", SCALE) == 400
    assert counts["evidence"] == seed.scaled("evidence", SCALE) == 1000
    assert counts["endorsements"] == seed.scaled("endorsements", SCALE) == 800
    assert counts["thank_yous"] == seed.scaled("thank_yous", SCALE) == 100
    assert counts["reactions"] == seed.scaled("reactions", SCALE) == 2000
    assert counts["comments"] == seed.scaled("comments", SCALE) == 400
    # 200 stories, plus the award stories of the decided cycles that had a winner.
    awards = Award.objects.count()
    assert counts["stories"] == seed.scaled("stories", SCALE) + awards

    # Manager lines: everyone but the chief executive has a manager in their own department
    # or is a head reporting to the chief.
    chief = User.objects.get(manager__isnull=True)
    assert User.objects.exclude(pk=chief.pk).filter(manager__isnull=True).count() == 0
    assert 1 <= User.objects.filter(groups__name="HR").count() <= seed.HR_PEOPLE

    # Cycles: 22 decided (by the real rules) and announced, one judging, one open.
    statuses = list(AwardCycle.objects.order_by("month").values_list("status", flat=True))
    assert statuses == ["announced"] * 22 + ["judging", "open"]
    assert Decision.objects.filter(announced_at__isnull=False).count() == 22
    judging = AwardCycle.objects.get(status="judging")
    assert judging.nominations.count() == seed.scaled("judging_cycle_nominations", SCALE)

    # The rules the services keep: no self-endorsement, approved thank-yous have a cycle.
    assert not Endorsement.objects.filter(author=F("nomination__nominee")).exists()
    assert not ThankYou.objects.filter(status="approved", cycle__isnull=True).exists()
    assert not Evidence.objects.filter(verification="disputed", verification_note="").exists()

    # Story counters are the exact counts of what was inserted for each story.
    stories = Story.objects.annotate(
        applause=Count("reactions", filter=Q(reactions__kind="applause"), distinct=True),
        love=Count("reactions", filter=Q(reactions__kind="customer_love"), distinct=True),
        learned=Count("reactions", filter=Q(reactions__kind="learned"), distinct=True),
        visible=Count("comments", filter=Q(comments__status="visible"), distinct=True),
    )
    for story in stories:
        assert story.applause_count == story.applause
        assert story.customer_love_count == story.love
        assert story.learned_count == story.learned
        assert story.comment_count == story.visible
    assert not Reaction.objects.filter(story__status="draft").exists()
    assert Comment.objects.filter(status="hidden").exclude(hidden_reason="").count() == (
        Comment.objects.filter(status="hidden").count()
    )


def test_a_finished_seed_is_reused_and_a_different_scale_is_refused(seeded):
    again = seed.seed(scale=SCALE, log=lambda _: None)
    assert again["reused"]
    assert again["counts"] == seeded["counts"]
    with pytest.raises(RuntimeError, match="scale"):
        seed.seed(scale=0.5, log=lambda _: None)


def test_seed_refuses_a_database_with_data_but_no_finished_seed(db):
    make_user()
    with pytest.raises(RuntimeError, match="--reseed"):
        seed.seed(scale=SCALE, log=lambda _: None)


@override_settings(ROOT_URLCONF="bench.urls")
def test_every_measured_page_answers_and_is_compared_with_the_floor(seeded):
    s = measure.subjects()
    timings = measure.measure_pages(s, warmup=0, reps=2, log=lambda _: None)
    keys = [t.key for t in timings]
    assert keys == [
        "floor",
        "home",
        "feed",
        "feed_page_500",
        "feed_search",
        "story",
        "directory_search",
        "nomination_form",
        "scoreboard",
        "moderation_queue",
        "api_stories",
        "api_employees",
        "thanks_form",
    ]
    assert timings[0].ratio == 1.0
    for timing in timings:
        assert timing.median_ms > 0 and timing.p95_ms >= timing.median_ms
        assert timing.queries > 0 or timing.key == "thanks_form"  # a public page, no session
        assert timing.ratio == pytest.approx(timing.median_ms / timings[0].median_ms, abs=0.01)
    # The feed is short at this scale: its last full page stands in for page 500.
    assert 1 < s.feed_page < measure.FEED_PAGE
    assert "cursor=" in next(p.url for p in measure.pages(s) if p.key == "feed_page_500")

    scoring = measure.measure_scoring(s, reps=1, log=lambda _: None)
    assert [t.key for t in scoring] == ["score_cycle", "decide_cycle"]
    # Deciding was rolled back: the cycle is still being judged, without a decision.
    s.cycle.refresh_from_db()
    assert s.cycle.status == "judging"
    assert not Decision.objects.filter(cycle=s.cycle).exists()


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_load_targets_are_the_bare_view_and_every_page_with_a_working_session(seeded):
    s = measure.subjects()
    found = load.targets(s, "http://site", "http://bare")
    assert found[0] == load.Target("bare", "Bare Django view", "http://bare/", "")
    assert [t.key for t in found[1:]] == [p.key for p in measure.pages(s)]
    assert all("csrftoken=" in t.cookie for t in found[1:])
    signed_in = [t for t in found[1:] if t.key != "thanks_form"]
    assert all("plaudit_activity=" in t.cookie for t in signed_in)
    for target in found[1:]:
        client = Client()
        for pair in filter(None, target.cookie.split("; ")):
            name, _, value = pair.partition("=")
            client.cookies[name] = value
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target.url.removeprefix("http://site"))
        assert response.status_code == 200, target.label
        # With the cookies a browser keeps, no request writes (wrk never stores a cookie).
        writes = [q["sql"] for q in queries if q["sql"].upper().startswith(("INSERT", "UPDATE"))]
        assert not writes, (target.label, writes)


def test_the_bare_view_is_one_response_behind_startprojects_middleware():
    assert bare.hello(None).content == b"Hello, world."
    assert "django.middleware.security.SecurityMiddleware" in bare.settings.MIDDLEWARE


def test_wrks_summary_is_read():
    sample = load.parse_wrk("Running 5s test\nPLAUDIT-WRK 5000 5000000 1500 4200 3\n")
    assert sample == load.Sample(rps=1000.0, median_ms=1.5, p95_ms=4.2, errors=3)
    with pytest.raises(RuntimeError, match="no summary"):
        load.parse_wrk("wrk: connection refused")


def test_a_pages_share_is_taken_against_the_bare_view_of_the_same_round():
    found = [load.Target(key, key, "", "") for key in ("bare", "floor", "feed", "scoreboard")]

    def sample(rps: float) -> load.Sample:
        return load.Sample(rps=rps, median_ms=1.0, p95_ms=2.0, errors=0)

    rounds = [
        {
            "bare": sample(4000),
            "floor": sample(1600),
            "feed": sample(300),
            "scoreboard": sample(240),
        },
        {"bare": sample(2000), "floor": sample(500), "feed": sample(220), "scoreboard": sample(60)},
        {
            "bare": sample(3000),
            "floor": sample(1200),
            "feed": sample(330),
            "scoreboard": sample(90),
        },
    ]
    rows = {row["key"]: row for row in load.summarise(found, rounds)}
    assert rows["bare"]["share"] == 1.0 and rows["bare"]["met"] is None
    assert rows["floor"]["share"] == 0.4 and rows["floor"]["met"]  # 40%, 25%, 40%
    assert rows["feed"]["share"] == 0.11 and rows["feed"]["met"]  # 7.5%, 11%, 11%
    assert rows["scoreboard"]["share"] == 0.03 and not rows["scoreboard"]["met"]
    assert rows["floor"]["rps"] == 1200.0


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_floor_needs_a_login(client, db):
    response = client.get("/bench/floor/")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    client.force_login(make_user())
    assert client.get("/bench/floor/").status_code == 200
    assert client.post("/bench/floor/").status_code == 405


def test_the_floor_does_not_exist_on_the_site(client, db):
    with pytest.raises(NoReverseMatch):
        reverse("bench-floor")
    client.force_login(make_user())
    assert client.get("/bench/floor/").status_code == 404


def test_the_bench_database_is_never_the_sites(tmp_path):
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/x/var/plaudit.sqlite3"}
    name = bench_database(sqlite, "0.1", tmp_path)["NAME"]
    assert name == str(tmp_path / "bench-scale-0_1.sqlite3")
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "plaudit", "HOST": "h"}
    bench = bench_database(postgres, "1", tmp_path)
    assert bench["NAME"] == "plaudit_bench_scale_1"
    assert bench["HOST"] == "h"
    assert postgres["NAME"] == "plaudit"


def _bench_settings(**env: str) -> dict:
    """bench.settings as a fresh process loads it (the way `python -m bench` and gunicorn do)."""
    code = (
        "import json, bench.settings as s; print(json.dumps({"
        "'user_rate': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'],"
        "'prefix': s.CACHES['default'].get('KEY_PREFIX'), 'db': s.DATABASES['default']['NAME']}))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PLAUDIT_BENCH_RUN"}
    }
    environment |= {"DJANGO_SECRET_KEY": "bench-test-key", "PLAUDIT_BENCH_SCALE": "0.1", **env}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_load_test_is_not_throttled_but_the_throttle_still_runs():
    from config import settings as site

    found = _bench_settings()
    assert found["user_rate"] == "1000000/minute"
    assert (
        "rest_framework.throttling.UserRateThrottle"
        in (site.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"])
    )


def test_the_bench_keeps_to_cache_keys_of_its_own_in_a_shared_redis():
    found = _bench_settings(REDIS_URL="redis://127.0.0.1:6379/0", PLAUDIT_BENCH_RUN="1a2b")
    assert found["prefix"] == "plaudit-bench-0.1-1a2b"
    assert found["db"].endswith("bench-scale-0_1.sqlite3")


@pytest.mark.parametrize(
    "argv",
    [
        ["--scale", "0"],
        ["--scale", "2"],
        ["--reps", "1"],
        ["--warmup", "-1"],
        ["--rounds", "0"],
        ["--connections", "0"],
        ["--load-seconds", "0"],
        ["--workers", "0"],
        ["--rounds", "many"],
    ],
)
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(argv)
    assert "error" in capsys.readouterr().err


def _result(**changes) -> dict:
    row = {"url": "/", "p95_ms": 12.0, "note": ""}
    result = {
        "date": "2026-11-25T18:00:00+00:00",
        "scale": 1.0,
        "machine": {
            "cpu": "CPU",
            "cores": 2,
            "memory": "24 GiB",
            "os": "Linux",
            "python": "3.13",
            "django": "6.1",
        },
        "database": {"vendor": "sqlite", "name": "SQLite", "version": "3.40"},
        "counts": {"employees": 10000, "thank_yous": 50000},
        "cycle_nominations": 10000,
        "seed": {"reused": False, "seconds": 300.0},
        "settings": {"reps": 30, "warmup": 5, "scoring_reps": 5},
        "pages": [
            row | {"key": "floor", "label": "Floor", "median_ms": 10.0, "ratio": 1.0, "queries": 8},
            row | {"key": "feed", "label": "Feed", "median_ms": 25.0, "ratio": 2.5, "queries": 15},
            row
            | {
                "key": "story",
                "label": "Story",
                "median_ms": 45.0,
                "p95_ms": 60.0,
                "ratio": 4.5,
                "queries": 9,
            },
        ],
        "scoring": [
            row
            | {
                "key": "score_cycle",
                "label": "Score",
                "median_ms": 400.0,
                "ratio": None,
                "queries": 7,
            }
        ],
        "load": {
            "client": "wrk",
            "connections": 8,
            "workers": 2,
            "seconds": 5,
            "rounds": 3,
            "rows": [
                {
                    "key": "bare",
                    "label": "Bare Django view",
                    "rps": 4000.0,
                    "share": 1.0,
                    "target_share": None,
                    "met": None,
                    "median_ms": 1.5,
                    "p95_ms": 3.0,
                    "errors": 0,
                },
                {
                    "key": "floor",
                    "label": "Floor",
                    "rps": 1000.0,
                    "share": 0.25,
                    "target_share": 0.3,
                    "met": False,
                    "median_ms": 6.0,
                    "p95_ms": 12.0,
                    "errors": 0,
                },
            ],
        },
    }
    return result | changes


def test_the_markdown_says_which_targets_are_met():
    text = report.markdown(_result())
    assert "| Feed | 25.0 | 12.0 | 2.50 | 15 | p95 < 50 ms: met |" in text
    assert "| Story | 45.0 | 60.0 | 4.50 | 9 | p95 < 50 ms: MISSED |" in text
    assert "| Score | 400.0 | 12.0 | | 7 | < 0.5 s: met |" in text
    assert "SQLite 3.40 · scale 1" in text
    assert "10,000 employees, 50,000 thank-yous" in text
    assert "2 sync workers" in text and "wrk, 8 connections" in text
    assert "| Bare Django view | 4,000.0 | 100.0% | 1.5 | 3.0 | 0 | the reference |" in text
    assert "| Floor | 1,000.0 | 25.0% | 6.0 | 12.0 | 0 | ≥ 30%: MISSED |" in text
    assert "no run at another scale" in text


def test_the_markdown_compares_query_counts_with_the_other_scale():
    smaller = _result(scale=0.1, date="2026-11-25T17:00:00+00:00")
    assert "the same at both scales: met" in report.markdown(_result(), previous=smaller)
    smaller["pages"][1] = smaller["pages"][1] | {"queries": 14}
    assert "MISSED: Feed (14 → 15)" in report.markdown(_result(), previous=smaller)


def test_results_are_written_as_json_and_appended_to_the_docs(tmp_path):
    result = _result()
    path = report.write_json(result, tmp_path)
    assert json.loads(path.read_text()) == result
    other = _result(scale=0.1, date="2026-11-25T17:00:00+00:00")
    report.write_json(other, tmp_path)
    assert report.other_scale(result, tmp_path)["scale"] == 0.1

    docs = tmp_path / "benchmarks.md"
    report.append("## first\n", docs)
    report.append("## second\n", docs)
    text = docs.read_text()
    assert text.startswith("# Benchmarks") and text.count("# Benchmarks") == 1
    assert text.index("## first") < text.index("## second")


def test_percentile_is_the_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert measure.percentile(samples, 95) == 95.0
    assert measure.percentile([3.0, 1.0], 95) == 3.0
    assert Decimal(str(measure.percentile([5.0], 50))) == Decimal("5.0")


def test_nomination_pairs_are_unique_per_cycle(seeded):
    duplicated = (
        Nomination.objects.filter(nominator__isnull=False)
        .values("cycle", "nominator", "nominee")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicated.exists()


def test_runs_are_compared_side_by_side():
    from bench.compare import side_by_side

    sqlite = _result()
    postgres = _result(
        database={"vendor": "postgresql", "name": "PostgreSQL", "version": "15"},
        cache="Redis",
    )
    postgres["load"] = postgres["load"] | {
        "rows": [
            postgres["load"]["rows"][0],
            postgres["load"]["rows"][1] | {"rps": 1300.0, "share": 0.325, "met": True},
        ]
    }
    postgres["pages"] = [postgres["pages"][0] | {"p95_ms": 2.5, "queries": 1}]
    text = side_by_side([sqlite, postgres])
    assert "SQLite 3.40 + local memory, scale 1: req/s" in text
    assert "PostgreSQL 15 + Redis, scale 1: req/s" in text
    assert (
        "| Floor | 1,000 | 25.0% | 12.0 | 8 | 1,300 | 32.5% | 2.5 | 1 | ≥ 30%: MISSED / met |"
        in (text)
    )
    assert (
        "| Bare Django view | 4,000 | 100.0% | — | — | 4,000 | 100.0% | — | — | the reference |"
        in (text)
    )
