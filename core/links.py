"""Links a page repeats many times (on every card of a feed or a queue), without resolving the
URLconf for each of them.

Each URL pattern is reversed once per process with a placeholder id (`SLOT`), then filled in:
the pattern is keyed on everything `reverse` reads (the name, the other arguments, the script
prefix and the URLconf), so it is the same string `reverse` would give, never an old one.
"""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

SLOT = 987654321  # stands for the id in a reversed pattern; digits only, as <int:…> wants


@functools.lru_cache(maxsize=128)
def _pattern(name: str, script_prefix: str, urlconf: str | None, extra: tuple[str, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=[SLOT, *extra])


@functools.lru_cache(maxsize=32)
def _plain(name: str, script_prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


def pattern(name: str, *extra: str) -> str:
    """reverse(name, args=[SLOT, *extra]): a URL whose first argument is an id, to `fill`."""
    return _pattern(name, get_script_prefix(), get_urlconf(), extra)


def fill(pattern: str, pk: int) -> str:
    return pattern.replace(str(SLOT), str(int(pk)), 1)


def url(name: str, pk: int, *extra: str) -> str:
    """reverse(name, args=[pk, *extra]) for a URL whose first argument is an integer id."""
    return fill(pattern(name, *extra), pk)


def plain(name: str) -> str:
    """reverse(name) for a URL without arguments."""
    return _plain(name, get_script_prefix(), get_urlconf())
