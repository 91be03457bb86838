"""Django's Redis cache, serving without Redis while Redis cannot be reached (docs/deployment.md,
"When Redis is down").

Nothing Plaudit keeps in the cache is the only copy: sessions are in the database, content is
keyed on versions the database holds, rate-limit counts start again. So an operation that
cannot reach Redis logs a warning and answers as a miss: a read finds nothing, a write keeps
nothing, `incr` finds no counter. After a failure the cache stops trying for RETRY_AFTER
seconds, so that an outage costs a request nothing, and a process one timeout now and then.

Two things are not a miss:
- keys starting with one of the LOCAL_FALLBACK prefixes (an OPTIONS entry) are kept in this
  process's memory meanwhile: the short-window limits that guard signing in keep counting;
- `strict(cache)` is the same cache raising its errors, for the callers that must know: /healthz,
  and the limits that refuse rather than let anything through uncounted (core/ratelimit.py).

A write or a delete that missed Redis would leave it holding what the site has since changed
(a session signed out meanwhile): those keys are deleted from Redis before anything else is
asked of it once it answers again.
"""

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.functional import cached_property
from redis import exceptions

logger = logging.getLogger(__name__)

# Redis unreachable, too slow, read-only after a fail-over, or refusing writes when full. Other
# errors (a wrong type, a bad command) are bugs, and still raise.
UNAVAILABLE = (
    exceptions.ConnectionError,
    exceptions.TimeoutError,
    exceptions.ReadOnlyError,
    exceptions.OutOfMemoryError,
)
RETRY_AFTER = 5.0  # seconds without trying Redis after it failed
WARN_EVERY = 60.0  # seconds between two "still down" warnings
MAX_UNSYNCED = 10_000  # keys remembered for deletion once Redis is back


def strict(cache: BaseCache) -> BaseCache:
    """`cache` raising the errors of its server: the tolerant cache's strict twin, any other
    cache as it is."""
    return getattr(cache, "strict", cache)


class RedisCache(redis.RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self._counted_here = tuple(options.pop("LOCAL_FALLBACK", ()))
        self._params = {**params, "OPTIONS": options}
        super().__init__(server, self._params)
        # Named, so every thread of the process shares it (LocMemCache keeps one store a name).
        self._local = LocMemCache(f"redis-outage:{server}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._warned_at = 0.0
        self._unsynced: set[str] = set()
        self._overflowed = False

    @cached_property
    def strict(self) -> redis.RedisCache:
        """Django's own RedisCache on the same connections: it raises when Redis is down."""
        cache = redis.RedisCache(self._servers, self._params)
        cache._cache = self._cache
        return cache

    # --- reaching Redis, or not ---------------------------------------------------------------

    def _redis(self, operation: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """(True, what `operation(*args)` returned), or (False, None) when Redis is down."""
        now = time.monotonic()
        try:
            if self._down_since is not None:
                if now < self._retry_at:
                    return False, None
                self._catch_up()
            result = operation(*args)
        except UNAVAILABLE as error:
            self._went_down(now, error)
            return False, None
        if self._down_since is not None:
            logger.warning(
                "The cache (Redis) is available again after %d s.", now - self._down_since
            )
            self._down_since = None
        return True, result

    def _went_down(self, now: float, error: Exception) -> None:
        if self._down_since is None:
            self._down_since = self._warned_at = now
            logger.warning("The cache (Redis) is unavailable; serving without it: %s", error)
        elif now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning(
                "The cache (Redis) is still unavailable after %d s: %s",
                now - self._down_since,
                error,
            )
        self._retry_at = now + RETRY_AFTER

    def _catch_up(self) -> None:
        """Before Redis is asked anything again, delete what it holds that changed meanwhile."""
        if self._unsynced:
            self._cache.delete_many(list(self._unsynced))
            self._unsynced.clear()
        self._overflowed = False

    def _missed(self, keys: Iterable[str], version: int | None) -> None:
        for key in keys:
            if len(self._unsynced) >= MAX_UNSYNCED:
                if not self._overflowed:
                    self._overflowed = True
                    logger.error(
                        "Too many cache writes missed Redis to delete them all once it is "
                        "back: delete the sessions it holds (docs/deployment.md, 'When Redis "
                        "is down')."
                    )
                return
            self._unsynced.add(self.make_key(key, version=version))

    def _here(self, key: str) -> bool:
        return key.startswith(self._counted_here)

    # --- the cache's operations -----------------------------------------------------------------

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        reached, added = self._redis(super().add, key, value, timeout, version)
        if reached:
            return added
        return self._here(key) and self._local.add(key, value, timeout, version)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        reached, value = self._redis(super().get, key, default, version)
        if reached:
            return value
        return self._local.get(key, default, version) if self._here(key) else default

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        reached, _ = self._redis(super().set, key, value, timeout, version)
        if reached:
            return
        if self._here(key):
            self._local.set(key, value, timeout, version)
        else:
            self._missed([key], version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        reached, touched = self._redis(super().touch, key, timeout, version)
        if reached:
            return touched
        return self._here(key) and self._local.touch(key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        reached, deleted = self._redis(super().delete, key, version)
        if reached:
            return deleted
        if self._here(key):
            return self._local.delete(key, version)
        self._missed([key], version)
        return False

    def has_key(self, key: str, version: int | None = None) -> bool:
        reached, found = self._redis(super().has_key, key, version)
        if reached:
            return found
        return self._here(key) and self._local.has_key(key, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        reached, value = self._redis(super().incr, key, delta, version)
        if reached:
            return value
        if self._here(key):
            return self._local.incr(key, delta, version)
        raise ValueError(f"Key '{key}' not found.")  # as for any counter the cache lacks

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        reached, found = self._redis(super().get_many, keys, version)
        return found if reached else {}

    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        reached, failed = self._redis(super().set_many, data, timeout, version)
        if reached:
            return failed
        self._missed(data, version)
        return list(data)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        keys = list(keys)
        reached, _ = self._redis(super().delete_many, keys, version)
        if not reached:
            self._missed(keys, version)

    def clear(self) -> bool:
        self._local.clear()
        reached, cleared = self._redis(super().clear)
        if reached:
            self._unsynced.clear()
        return reached and cleared
