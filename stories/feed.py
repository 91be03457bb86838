"""Keyset (cursor) pagination for the story feed: newest first by (published_at, id).

A cursor is the last story of a page, signed so that a client cannot forge one; a page after
it is one indexed range query, however deep the reader scrolls.
"""

import datetime as dt

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q

from stories.models import Story, StoryQuerySet

CURSOR_SALT = "plaudit.stories.cursor"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
BAD_CURSOR = "This page link is not valid any more. Start again from the newest stories."


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


def page(
    stories: StoryQuerySet, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE
) -> tuple[list[Story], str | None]:
    """One page of `stories` (newest first) after `cursor`, and the cursor of the next page
    (None on the last page)."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    stories = stories.order_by("-published_at", "-id")
    if cursor:
        published_at, pk = decode_cursor(cursor)
        stories = stories.filter(
            Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
        )
    items = list(stories[: size + 1])
    if len(items) > size:
        items = items[:size]
        return items, encode_cursor(items[-1])
    return items, None
