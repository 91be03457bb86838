"""Keyset (cursor) pagination for the story feed: newest first by (published_at, id), or, for
a ranked full-text search (PostgreSQL), by (search_rank, published_at, id).

A cursor is the last story of a page, signed so that a client cannot forge one; a page after
it is one indexed range query, however deep the reader scrolls.
"""

import datetime as dt
import math

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import FloatField, Q
from django.db.models.functions import Cast

from stories.models import Story, StoryQuerySet

CURSOR_SALT = "plaudit.stories.cursor"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
BAD_CURSOR = "This page link is not valid any more. Start again from the newest stories."
# The rank as a double: PostgreSQL's ts_rank is a real, and a real read into Python and sent
# back compares unequal to itself, which would skip or repeat stories with the same rank.
RANK = "feed_rank"


def encode_cursor(story: Story) -> str:
    return signing.dumps([story.published_at.isoformat(), story.pk], salt=CURSOR_SALT)


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """(published_at, id) from a cursor; ValidationError({"cursor": …}) if it was tampered with."""
    try:
        published_at, pk = signing.loads(cursor, salt=CURSOR_SALT)
        published_at = dt.datetime.fromisoformat(published_at)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(pk)
    except (signing.BadSignature, TypeError, ValueError):
        raise ValidationError({"cursor": BAD_CURSOR}) from None
    return published_at, pk


def encode_ranked_cursor(story: Story) -> str:
    rank = getattr(story, RANK)
    return signing.dumps([rank, story.published_at.isoformat(), story.pk], salt=CURSOR_SALT)


def decode_ranked_cursor(cursor: str) -> tuple[float, dt.datetime, int]:
    """(rank, published_at, id) from a search cursor; ValidationError({"cursor": …}) otherwise
    (a newest-first cursor is not a search cursor, and the other way round)."""
    try:
        rank, published_at, pk = signing.loads(cursor, salt=CURSOR_SALT)
        published_at = dt.datetime.fromisoformat(published_at)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(pk)
        if not isinstance(rank, int | float) or isinstance(rank, bool) or not math.isfinite(rank):
            raise ValueError(rank)
    except (signing.BadSignature, TypeError, ValueError):
        raise ValidationError({"cursor": BAD_CURSOR}) from None
    return float(rank), published_at, pk


def older_than(published_at: dt.datetime, pk: int) -> Q:
    """Stories after (published_at, pk) in newest-first order. The `published_at <=` bound says
    the same as the OR beside it, but it is what lets SQLite seek the feed index to the cursor:
    with the OR alone it read every story newer than the cursor (2 ms at 10,000 stories, ten
    times that at 100,000)."""
    return Q(published_at__lte=published_at) & (
        Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
    )


def is_ranked(stories: StoryQuerySet) -> bool:
    """True for a PostgreSQL full-text search (StoryQuerySet.search annotates `search_rank`)."""
    return "search_rank" in stories.query.annotations


def page(
    stories: StoryQuerySet, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE
) -> tuple[list[Story], str | None]:
    """One page of `stories` after `cursor`, and the cursor of the next page (None on the last
    page). Newest first; a ranked search (PostgreSQL) by relevance, then newest first."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    ranked = is_ranked(stories)
    if ranked:
        stories = stories.annotate(**{RANK: Cast("search_rank", FloatField())}).order_by(
            f"-{RANK}", "-published_at", "-id"
        )
    else:
        stories = stories.order_by("-published_at", "-id")
    if cursor and ranked:
        rank, published_at, pk = decode_ranked_cursor(cursor)
        older = Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
        stories = stories.filter(Q(**{f"{RANK}__lt": rank}) | (Q(**{RANK: rank}) & older))
    elif cursor:
        published_at, pk = decode_cursor(cursor)
        stories = stories.filter(older_than(published_at, pk))
    items = list(stories[: size + 1])
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        return items, encode_ranked_cursor(last) if ranked else encode_cursor(last)
    return items, None
