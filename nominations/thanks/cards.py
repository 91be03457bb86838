"""What the moderation queue caches: its cards and its tab counts.

Queue cards are cached (templates/thanks/queue_card.html, `{% cache %}`): a page of 25
cards, each with its moderation form, otherwise spends most of its time in the template engine.

A card's key holds everything on it that can change after the customer sent it: its status,
confirmation, moderation (time, by whom, the cycle it counts for), who it is about and whether
they still work here, and the integration's name. What it shows of people and departments is
under the site-wide version of the story cards (stories/cards.py), which any change to a
person's name or photo, or to a department, replaces. What a thank-you says (the message, the
customer's name and address, the source, the score) is never edited once sent.

The reader's part is in the key too (may they see the customer's address, may they assign),
and the CSRF token stays outside the cached part. A card shown with a result or errors (after
an htmx action) is rendered afresh.

The tab counts are cached per reader under a version that every saved or deleted thank-you,
and every change to a person (who manages whom), replaces: counting them read every thank-you
in the queue, 10 ms at 50,000. As with the scoreboard (awards/scoreboard_cache.py), the version
moves inside the writing transaction, so counts taken within SETTLE seconds of it are kept only
that long, and a write path nobody thought of is stale TIMEOUT at most.
"""

import time
from collections.abc import Callable

from django.core.cache import cache

from accounts.models import User
from nominations.models import ThankYou
from stories import cards

CARD_SECONDS = cards.CARD_SECONDS
COUNTS_VERSION = "thanks:queue-counts-version"
TIMEOUT = 10 * 60
SETTLE = 10  # seconds
# Saving only these fields of a person changes no one's queue (a login saves last_login).
IDLE_USER_FIELDS = {"last_login"}


def card_key(thank_you: ThankYou, *, show_email: bool, can_assign: bool, site_version: str) -> str:
    """`site_version`: the story cards' `version()`, read once for the page."""
    employee = thank_you.employee
    moderator = thank_you.moderated_by
    parts = (
        thank_you.pk,
        thank_you.status,
        thank_you.confirmed_at and thank_you.confirmed_at.isoformat(),
        thank_you.moderated_at and thank_you.moderated_at.isoformat(),
        moderator and moderator.full_name,
        thank_you.cycle_id,
        employee and (employee.pk, employee.is_active),
        thank_you.integration and thank_you.integration.name,
        show_email,
        can_assign,
        site_version,
    )
    return repr(parts)


def _counts_version() -> int:
    value = cache.get(COUNTS_VERSION)
    if value is None:
        cache.add(COUNTS_VERSION, time.time_ns(), None)
        value = cache.get(COUNTS_VERSION) or time.time_ns()
    return value


def bump_counts(**kwargs) -> None:
    """Signal receiver: a thank-you, or who manages whom, changed; every queue may count anew."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("sender") is User and update_fields and set(update_fields) <= IDLE_USER_FIELDS:
        return
    cache.set(COUNTS_VERSION, time.time_ns(), None)


def tab_counts(user: User, count: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The reader's tab counts, from the cache or from `count()`."""
    version = _counts_version()
    key = f"thanks:queue-counts:{user.pk}:{user.is_hr}:{version}"
    found = cache.get(key)
    if found is None:
        found = count()
        settled = time.time_ns() - version > SETTLE * 1_000_000_000
        cache.set(key, found, TIMEOUT if settled else SETTLE)
    return found


def connect() -> None:
    """Called once from NominationsConfig.ready."""
    from django.db.models.signals import post_delete, post_save

    for model in (ThankYou, User):
        uid = f"thanks.queue-counts.{model.__name__}"
        post_save.connect(bump_counts, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_counts, sender=model, dispatch_uid=f"{uid}.delete")
