"""Rendered story cards are cached (templates/stories/card.html, `{% cache %}`): a feed page
of twenty cards otherwise spends most of its time in the template engine.

A card's key holds everything of the story it shows (its id, `updated_at`, which every edit
moves, its counters, and the variant), plus a site-wide version for what it shows from
elsewhere: people's names and photos, department and tag names, story photos. Any change to
those replaces the version (signals in stories/apps.py), so no card is ever served stale.
The reader's own state (their reactions, the CSRF token) stays outside the cached part.

The story page caches the story's own part under the same key less the counters (`detail_key`),
and the API's list of stories each story's representation under the card's key.
"""

import time
from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from stories.models import CARD_PREFETCH, Story

VERSION_KEY = "stories:card-version"
CARD_SECONDS = 24 * 3600
API_FORMAT = 1  # bump when the API's story representation changes shape
# User fields a card shows (name, initials, photo, profile link, department).
PERSON_FIELDS = {
    "full_name",
    "preferred_name",
    "avatar",
    "avatar_thumbnail",
    "department",
    "job_title",  # the story page's featured colleagues
}


def version() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        # A fresh value, never an old one: a version lost from the cache must not revive
        # cards cached under it before a change.
        value = str(time.time_ns())
        if not cache.add(VERSION_KEY, value, None):
            value = cache.get(VERSION_KEY, value)
    return value


def bump(**kwargs) -> None:
    """Signal receiver: something every card may show has changed."""
    update_fields = kwargs.get("update_fields")
    sender = kwargs.get("sender")
    is_user = sender is not None and sender._meta.model_name == "user"
    if is_user and update_fields is not None and not (set(update_fields) & PERSON_FIELDS):
        return  # e.g. last_login at each login: nothing a card shows
    cache.set(VERSION_KEY, str(time.time_ns()), None)


def context(request: HttpRequest) -> dict:
    """Context processor: the version, read only by a template that renders a card."""
    return {"story_card_version": SimpleLazyObject(version), "story_card_seconds": CARD_SECONDS}


def card_key(story: Story, site_version: str) -> str:
    """What of the story its cached card depends on, plus the site-wide version (read once per
    request: `version()`, or `story_card_version` in a template): the card's `{% cache %}`
    varies on this, and on the variant (compact, heading)."""
    counts = (story.applause_count, story.customer_love_count, story.learned_count)
    return (
        f"{story.pk}:{story.updated_at.isoformat()}:{counts}:{story.comment_count}:{site_version}"
    )


def prefetch_uncached(stories: Sequence[Story]) -> None:
    """Prefetch what a full card shows (featured colleagues, tags, photos) for the stories whose
    card is not cached; a cached card needs none of it. Keys as card.html makes them for the
    full variant (no `compact`, no `heading`)."""
    site_version = version()
    keys = {
        story.pk: make_template_fragment_key("story-card", [card_key(story, site_version), "", ""])
        for story in stories
    }
    found = cache.get_many(list(keys.values()))
    missing = [story for story in stories if keys[story.pk] not in found]
    if missing:
        prefetch_related_objects(missing, *CARD_PREFETCH)


def detail_key(story: Story, site_version: str) -> str:
    """The story page's own part (templates/stories/detail.html, "story-detail") shows no
    counter, so reactions and comments leave it cached: the card's key without them."""
    return f"{story.pk}:{story.updated_at.isoformat()}:{site_version}"


def prefetch_detail_uncached(story: Story) -> None:
    """Prefetch the featured colleagues, tags and photos of the story page's own part only when
    that part is not cached."""
    key = make_template_fragment_key("story-detail", [detail_key(story, version())])
    if cache.get(key) is None:
        prefetch_related_objects([story], *CARD_PREFETCH)


def representations(
    stories: Sequence[Story], serialize: Callable[[Sequence[Story]], list[dict]]
) -> list[dict]:
    """The API's representation of each story (the same for every reader, like a card): from
    the cache under the card's key, or from `serialize(missing)`, with what a full card needs
    prefetched for those only. The reader's own part (their reactions) is the caller's."""
    site_version = version()
    keys = {
        story.pk: make_template_fragment_key(
            f"story-api-{API_FORMAT}", [card_key(story, site_version)]
        )
        for story in stories
    }
    found = cache.get_many(list(keys.values()))
    missing = [story for story in stories if keys[story.pk] not in found]
    if missing:
        prefetch_related_objects(missing, *CARD_PREFETCH)
        fresh = {
            keys[story.pk]: dict(data)
            for story, data in zip(missing, serialize(missing), strict=True)
        }
        cache.set_many(fresh, CARD_SECONDS)
        found |= fresh
    return [found[keys[story.pk]] for story in stories]


def filter_options(load: Callable[[], tuple[list, list]]) -> tuple[list, list]:
    """The feed filter's departments and tags, cached under the site-wide version: saving or
    deleting a department or tag replaces it (the same signals as the cards)."""
    key = f"stories:filter-options:{version()}"
    found = cache.get(key)
    if found is None:
        found = load()
        cache.set(key, found, CARD_SECONDS)
    return found
