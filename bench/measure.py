"""In-process measurements: each page is requested through Django's test client (the whole
middleware stack, templates and database, without a network), with warm-up and repetitions
taken in rounds over all pages; server time is the wall time of the request, queries are
counted on one further request.

Scoring and deciding a cycle are timed the same way; deciding runs in a transaction that is
rolled back, so the cycle stays in judging for the next repetition and the next run.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from awards.models import AwardCycle
from cycles import deciding, scoring
from stories.feed import DEFAULT_PAGE_SIZE, encode_cursor
from stories.models import Story

FEED_PAGE = 500
SEARCH = "invoice"
DIRECTORY_SEARCH = "mar"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    who: str  # employee | manager | hr | customer (no account)
    url: str


@dataclass
class Timing:
    key: str
    label: str
    url: str
    median_ms: float
    p95_ms: float
    queries: int | None
    ratio: float | None = None
    note: str = ""


def percentile(samples: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of samples."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Subjects:
    employee: User
    manager: User
    hr: User
    story: Story
    cycle: AwardCycle
    feed_cursor: str
    feed_page: int


def subjects() -> Subjects:
    """Who and what the pages are measured with: a front-line employee, a team lead with
    reports, HR, the newest story of the feed (the one most people open), the judging cycle
    (the largest, with 10,000 nominations at scale 1) and the cursor of feed page 500 (or of the
    last full page when the feed is shorter)."""
    employees = User.objects.filter(is_active=True, manager__isnull=False)
    employee = employees.filter(reports__isnull=True, faces_customers=True).order_by("pk").first()
    managers = employees.filter(reports__isnull=False).distinct().order_by("pk")
    manager = managers.filter(manager__manager__isnull=False).first() or managers.first()
    hr = User.objects.filter(groups__name="HR").order_by("pk").first()
    feed = Story.objects.published().order_by("-published_at", "-id")
    story = feed.first()
    published = feed.count()
    page = max(1, min(FEED_PAGE, published // DEFAULT_PAGE_SIZE))
    after = feed[(page - 1) * DEFAULT_PAGE_SIZE - 1] if page > 1 else None
    cycle = AwardCycle.objects.filter(status=AwardCycle.Status.JUDGING).order_by("-month").first()
    if None in (employee, manager, hr, story, cycle):
        raise RuntimeError("The benchmark database is not seeded; run `python -m bench`.")
    return Subjects(
        employee=employee,
        manager=manager,
        hr=hr,
        story=story,
        cycle=cycle,
        feed_cursor=encode_cursor(after) if after else "",
        feed_page=page,
    )


def pages(s: Subjects) -> list[Page]:
    feed = reverse("stories:feed")
    return [
        Page("floor", "Floor (trivial authenticated page)", "employee", reverse("bench-floor")),
        Page("home", "Home", "employee", reverse("home:home")),
        Page("feed", "Feed, first page", "employee", feed),
        Page(
            "feed_page_500",
            f"Feed, page {s.feed_page} (cursor)",
            "employee",
            f"{feed}?cursor={s.feed_cursor}" if s.feed_cursor else feed,
        ),
        Page("feed_search", f"Feed search “{SEARCH}”", "employee", f"{feed}?q={SEARCH}"),
        Page("story", "Story page", "employee", reverse("stories:detail", args=[s.story.pk])),
        Page(
            "directory_search",
            f"Directory search “{DIRECTORY_SEARCH}”",
            "employee",
            f"{reverse('accounts:directory')}?q={DIRECTORY_SEARCH}",
        ),
        Page("nomination_form", "Nomination form", "employee", reverse("nominations:new")),
        Page(
            "scoreboard",
            "HR scoreboard (judging cycle)",
            "hr",
            reverse("awards:hr_scoreboard", args=[s.cycle.pk]),
        ),
        Page("moderation_queue", "Thank-you moderation queue", "hr", reverse("thanks:queue")),
        Page("api_stories", "API story list", "employee", "/api/v1/stories"),
        Page(
            "api_employees",
            f"API directory search “{DIRECTORY_SEARCH}”",
            "employee",
            f"/api/v1/employees?q={DIRECTORY_SEARCH}",
        ),
        Page("thanks_form", "Public thank-you form", "customer", reverse("thanks:form")),
    ]


def logged_in_clients(s: Subjects) -> dict[str, Client]:
    """A client per role of `pages`, signed in (the customer's has no account)."""
    clients = {"customer": Client()}
    for role in ("employee", "manager", "hr"):
        client = Client()
        client.force_login(getattr(s, role))
        clients[role] = client
    return clients


def _time(call: Callable[[], object], *, warmup: int, reps: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _profile(call: Callable[[], object], *, reps: int, path: Path) -> None:
    """A pyinstrument call tree of `reps` calls, as text, for finding where the time goes."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(reps):
        call()
    profiler.stop()
    path.write_text(profiler.output_text(unicode=True, color=False))


def _summarise(
    key: str, label: str, url: str, samples: list[float], call: Callable[[], object], *, log
) -> Timing:
    """Median and p95 of the samples, and the SQL queries of one more call."""
    with CaptureQueriesContext(connection) as queries:
        call()
    timing = Timing(
        key=key,
        label=label,
        url=url,
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(percentile(samples, 95), 2),
        queries=len(queries),
    )
    log(f"  {timing.label}: {timing.median_ms} ms median, {timing.queries} queries")
    return timing


def measure_pages(
    s: Subjects, *, warmup: int, reps: int, profile_dir: Path | None = None, log=print
) -> list[Timing]:
    """Every page `warmup` times, then `reps` rounds of one timed request to each page in turn,
    so that the floor and the pages share the same moments of the machine: a slow second
    (another process, the host) lands on all of them instead of on one page's figures."""
    clients = logged_in_clients(s)
    measured = pages(s)

    def getter(page: Page) -> Callable[[], object]:
        client = clients[page.who]

        def get():
            response = client.get(page.url)
            if response.status_code != 200:
                raise RuntimeError(f"{page.label}: {page.url} answered {response.status_code}")
            return response

        return get

    calls = [getter(page) for page in measured]
    for call in calls:
        _time(call, warmup=warmup, reps=0)
    samples: list[list[float]] = [[] for _ in measured]
    for _ in range(reps):
        for call, page_samples in zip(calls, samples, strict=True):
            page_samples.extend(_time(call, warmup=0, reps=1))
    results = []
    for page, call, page_samples in zip(measured, calls, samples, strict=True):
        url = page.url.split("?cursor=")[0] + ("?cursor=…" if "?cursor=" in page.url else "")
        timing = _summarise(page.key, page.label, url, page_samples, call, log=log)
        results.append(timing)
        if profile_dir is not None:
            _profile(call, reps=reps, path=profile_dir / f"{page.key}.txt")
    floor = results[0].median_ms
    for timing in results:
        timing.ratio = round(timing.median_ms / floor, 2) if floor else None
    return results


def measure_scoring(
    s: Subjects, *, reps: int, profile_dir: Path | None = None, log=print
) -> list[Timing]:
    cycle = s.cycle
    nominations = cycle.nominations.count()

    def decide_and_roll_back():
        with transaction.atomic():
            deciding.decide(cycle=cycle, by=s.hr)
            transaction.set_rollback(True)

    results = []
    for key, label, call in (
        (
            "score_cycle",
            f"Score a {nominations:,}-nomination cycle",
            lambda: scoring.scoreboard(cycle),
        ),
        ("decide_cycle", f"Decide a {nominations:,}-nomination cycle", decide_and_roll_back),
    ):
        samples = _time(call, warmup=1, reps=reps)
        results.append(_summarise(key, label, "", samples, call, log=log))
        if profile_dir is not None:
            _profile(call, reps=reps, path=profile_dir / f"{key}.txt")
    return results


def as_dicts(timings: list[Timing]) -> list[dict]:
    return [asdict(t) for t in timings]
