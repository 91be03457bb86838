"""Background work for stories (django.tasks). Arguments and results are JSON only."""

from django.tasks import task

from stories import digest


@task
def send_weekly_digest(*, week: str = "") -> dict:
    """Mail last week's (or the given ISO week's, "2026-W47") most-applauded stories to every
    subscribed employee who has not had them yet. Idempotent per week: schedule it freely."""
    run = digest.send_digest(week=digest.Week.parse(week) if week else None)
    return {
        "week": run.week.label,
        "stories": len(run.stories),
        "sent": run.sent,
        "skipped": run.skipped,
    }
