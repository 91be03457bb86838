"""The weekly digest: each active employee receives the week's most-applauded stories.

`send_digest` is idempotent per ISO week. For every batch of recipients it inserts one
`DigestDelivery` row per person (ignoring the ones another run inserted first: the unique
constraint decides) and, in the same transaction, queues a mail for exactly the rows this run
wrote. Running it twice, or twice at once, mails nobody twice. A batch costs the same few
queries whatever its size.

People stop the digest through the signed link in every mail (no login: the link is the
proof); it never expires, so an old mail still unsubscribes.
"""

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from core import notify
from core.tasks import render_email
from stories.models import DigestDelivery, DigestPreference, Story

TOP = 5
BATCH_SIZE = 500
UNSUBSCRIBE_SALT = "plaudit.digest.unsubscribe"
SUMMARY_LENGTH = 180
WEEK = re.compile(r"(\d{4})-W(\d{2})")


# --- The week -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Week:
    """An ISO week, Monday 00:00 to the next Monday 00:00 in the site's time zone."""

    monday: dt.date

    @classmethod
    def parse(cls, text: str) -> "Week":
        """ "2026-W47" → that week; ValueError with a readable message otherwise."""
        match = WEEK.fullmatch((text or "").strip())
        if not match:
            raise ValueError(f"Give the week as YYYY-Www, e.g. 2026-W47 (not {text!r}).")
        year, number = int(match[1]), int(match[2])
        try:
            return cls(dt.date.fromisocalendar(year, number, 1))
        except ValueError:
            raise ValueError(f"{text} is not a week of {year}.") from None

    @classmethod
    def before(cls, today: dt.date | None = None) -> "Week":
        """The last complete week: the one before the week that contains `today`."""
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=today.weekday() + 7))

    @property
    def label(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.monday, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        # Made aware separately, so that a week with a daylight-saving change stays exact.
        return timezone.make_aware(
            dt.datetime.combine(self.monday + dt.timedelta(days=7), dt.time.min)
        )

    def __str__(self) -> str:
        return self.label


# --- What goes out, and to whom -------------------------------------------------------------


def top_stories(week: Week, *, limit: int = TOP) -> list[Story]:
    """The week's published stories that everyone may see, most applauded first."""
    return list(
        Story.objects.published()
        .filter(published_at__gte=week.start, published_at__lt=week.end)
        .select_related("author")
        .order_by("-applause_count", "-published_at", "-id")[:limit]
    )


def subscribers() -> QuerySet[User]:
    """Active employees who have not stopped the digest."""
    stopped = DigestPreference.objects.filter(user=OuterRef("pk"), subscribed=False)
    return User.objects.filter(is_active=True).exclude(Exists(stopped))


def _received(week: Week) -> Exists:
    return Exists(DigestDelivery.objects.filter(user=OuterRef("pk"), week=week.label))


def recipients(week: Week) -> QuerySet[User]:
    """Subscribers who have not had this week's digest yet."""
    return subscribers().exclude(_received(week))


def _batches(users: QuerySet[User], size: int) -> Iterator[list[User]]:
    """Keyset batches by id: one query each, and no cursor held open across transactions."""
    last = 0
    while True:
        batch = list(users.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


# --- The unsubscribe link -----------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User) -> str:
    return settings.SITE_URL + reverse("stories:digest_unsubscribe", args=[unsubscribe_token(user)])


def user_from_token(signed: str) -> User | None:
    """Whose link this is; None when it was tampered with (or the person no longer exists).
    No expiry on purpose: an unsubscribe link must keep working."""
    try:
        pk = signing.loads(signed, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return User.objects.filter(pk=pk).first()


def is_subscribed(user: User) -> bool:
    return not DigestPreference.objects.filter(user=user, subscribed=False).exists()


def set_subscription(*, user: User, subscribed: bool) -> DigestPreference:
    """Stop or restart someone's digest (idempotent)."""
    preference, _ = DigestPreference.objects.update_or_create(
        user=user, defaults={"subscribed": subscribed}
    )
    return preference


# --- Sending ------------------------------------------------------------------------------


def _summary(story: Story) -> str:
    """A line of plain text: the kind's own words rather than markdown."""
    text = {
        Story.Kind.CUSTOMER_VOICE: story.quote,
        Story.Kind.IMPROVEMENT: story.plan,
        Story.Kind.FRONT_LINE: story.heard,
    }.get(story.kind) or story.body
    return Truncator(" ".join(text.split())).chars(SUMMARY_LENGTH)


def story_context(stories: list[Story]) -> list[dict]:
    """JSON for the mail template: the same for every recipient, built once."""
    return [
        {
            "title": story.title,
            "url": settings.SITE_URL + story.get_absolute_url(),
            "kind": story.get_kind_display(),
            "author": str(story.author),
            "summary": _summary(story),
            "applause": story.applause_count,
            "customer_love": story.customer_love_count,
            "comments": story.comment_count,
        }
        for story in stories
    ]


def _queue_mail(user: User, week: Week, stories: list[dict]) -> None:
    url = unsubscribe_url(user)
    context = {
        "greeting": f"Hello {user.display_name},",
        "week": week.label,
        "week_start": week.monday.isoformat(),
        "stories": stories,
        "feed_url": settings.SITE_URL + reverse("stories:feed"),
        "unsubscribe_url": url,
    }
    count = len(stories)
    subject = (
        f"This week's most-applauded {'story' if count == 1 else 'stories'} on Plaudit "
        f"({week.label})"
    )
    message = render_email(to=[user.email], subject=subject, template="digest", context=context)
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to it.
    message.extra_headers["List-Unsubscribe"] = f"<{url}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    notify.send_message_on_commit(message)


@dataclasses.dataclass
class DigestRun:
    week: Week
    stories: list[Story]
    sent: int = 0
    skipped: int = 0  # had this week's digest already (from an earlier or a concurrent run)


def send_digest(
    *, week: Week | None = None, batch_size: int = BATCH_SIZE, dry_run: bool = False
) -> DigestRun:
    """Mail the week's top stories to every subscriber who has not had them yet.

    Nothing goes out when the week has no story. With `dry_run`, `sent` is the number of
    people who would receive it, and nothing is written."""
    week = week or Week.before()
    stories = top_stories(week)
    run = DigestRun(week=week, stories=stories)
    if not stories:
        return run
    run.skipped = subscribers().filter(_received(week)).count()
    if dry_run:
        run.sent = recipients(week).count()
        return run
    context = story_context(stories)
    token = uuid.uuid4()
    people = recipients(week).only("pk", "email", "full_name", "preferred_name")
    for batch in _batches(people, batch_size):
        with transaction.atomic():
            DigestDelivery.objects.bulk_create(
                [DigestDelivery(user=user, week=week.label, run=token) for user in batch],
                ignore_conflicts=True,
            )
            ours = set(
                DigestDelivery.objects.filter(
                    week=week.label, run=token, user__in=[user.pk for user in batch]
                ).values_list("user_id", flat=True)
            )
            for user in batch:
                if user.pk in ours:
                    _queue_mail(user, week, context)
        run.sent += len(ours)
        run.skipped += len(batch) - len(ours)
    return run
