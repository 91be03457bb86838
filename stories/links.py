"""The links a feed page repeats on every card (the story, its author, featured colleagues,
tags, reactions): core/links.py reverses each pattern once per process and fills in the id."""

from core.links import SLOT, url
from core.links import plain as _plain

__all__ = ["SLOT", "feed", "person", "story", "url"]


def feed() -> str:
    return _plain("stories:feed")


def story(pk: int) -> str:
    return url("stories:detail", pk)


def person(pk: int) -> str:
    return url("home:profile", pk)
