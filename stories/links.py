"""The links a feed page repeats on every card (the story, its author, featured colleagues,
tags, reactions), without resolving the URLconf for each of them.

Each URL pattern is reversed once per process with a placeholder id, then filled in: the
pattern is keyed on everything `reverse` reads (the name, the script prefix and the URLconf),
so it is the same string `reverse` would give, never an old one.
"""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

SLOT = 987654321  # stands for the id in a reversed pattern; digits only, as <int:…> wants


@functools.lru_cache(maxsize=64)
def _pattern(name: str, script_prefix: str, urlconf: str | None, extra: tuple[str, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=[SLOT, *extra])


@functools.lru_cache(maxsize=16)
def _plain(name: str, script_prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


def url(name: str, pk: int, *extra: str) -> str:
    """reverse(name, args=[pk, *extra]) for a URL whose first argument is an integer id."""
    pattern = _pattern(name, get_script_prefix(), get_urlconf(), extra)
    return pattern.replace(str(SLOT), str(int(pk)), 1)


def feed() -> str:
    return _plain("stories:feed", get_script_prefix(), get_urlconf())


def story(pk: int) -> str:
    return url("stories:detail", pk)


def person(pk: int) -> str:
    return url("accounts:profile", pk)
