"""Helpers for the security tests: every routed URL of the site, with sample arguments."""

import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

_SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "path": "sample/x", "uuid": None}


@dataclass(frozen=True)
class Route:
    route: str  # as written in the URLconf, e.g. "hr/people/<int:pk>/deactivate/"
    name: str  # namespaced, e.g. "accounts:hr_deactivate"; "" when unnamed
    url: str | None  # a sample URL, or None when the pattern is a regex we cannot fill

    def __str__(self) -> str:
        return self.name or self.route


def _sample(match: re.Match) -> str:
    converter = match.group(1) or "str"
    return _SAMPLES.get(converter) or str(uuid.UUID(int=1))


def all_routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        text = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += all_routes(pattern.url_patterns, prefix + text, inner)
            continue
        assert isinstance(pattern, URLPattern)
        route = prefix + text
        name = f"{namespace}{pattern.name}" if pattern.name else ""
        url = None
        if isinstance(pattern.pattern, RoutePattern) and "^" not in prefix:
            url = "/" + re.sub(r"<(?:(\w+):)?\w+>", _sample, route)
        routes.append(Route(route=route, name=name, url=url))
    return routes
