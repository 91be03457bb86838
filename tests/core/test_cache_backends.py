"""The Redis cache serving without Redis (core/cache_backends.py): while Redis cannot be reached
every operation answers as a miss, the sign-in guards count in memory, Redis is left alone for
a few seconds after each failure, and what missed it is deleted from it once it is back."""

import logging

import pytest
from django.core.cache.backends.locmem import LocMemCache
from redis import exceptions

from core import cache_backends
from core.cache_backends import RETRY_AFTER, WARN_EVERY, RedisCache, strict


class FlakyRedis:
    """The interface of Django's RedisCacheClient over a dict, with a switch that cuts it off
    (and a count of the times it was asked)."""

    def __init__(self) -> None:
        self.data: dict = {}
        self.down = False
        self.asked = 0

    def _reach(self) -> None:
        self.asked += 1
        if self.down:
            raise exceptions.ConnectionError("Error 111 connecting. Connection refused.")

    def add(self, key, value, timeout):
        self._reach()
        return self.data.setdefault(key, value) is value

    def get(self, key, default):
        self._reach()
        return self.data.get(key, default)

    def set(self, key, value, timeout):
        self._reach()
        self.data[key] = value

    def touch(self, key, timeout):
        self._reach()
        return key in self.data

    def delete(self, key):
        self._reach()
        return self.data.pop(key, None) is not None

    def get_many(self, keys):
        self._reach()
        return {key: self.data[key] for key in keys if key in self.data}

    def has_key(self, key):
        self._reach()
        return key in self.data

    def incr(self, key, delta):
        self._reach()
        if key not in self.data:
            raise ValueError(f"Key '{key}' not found.")
        self.data[key] += delta
        return self.data[key]

    def set_many(self, data, timeout):
        self._reach()
        self.data.update(data)

    def delete_many(self, keys):
        self._reach()
        for key in keys:
            self.data.pop(key, None)

    def clear(self):
        self._reach()
        self.data.clear()
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(cache_backends.time, "monotonic", clock)
    return clock


@pytest.fixture
def redis() -> FlakyRedis:
    return FlakyRedis()


@pytest.fixture
def cache(redis, clock) -> RedisCache:
    params = {"KEY_PREFIX": "t", "OPTIONS": {"LOCAL_FALLBACK": ["guard:"]}}
    cache = RedisCache("redis://127.0.0.1:1/0", params)
    cache._cache = redis
    cache._local.clear()
    return cache


def test_with_redis_up_it_is_django_s_redis_cache(cache, redis):
    cache.set("card", "<li>")
    assert cache.get("card") == "<li>"
    assert redis.data == {"t:1:card": "<li>"}


def test_while_redis_is_down_every_read_misses_and_every_write_keeps_nothing(cache, redis):
    redis.down = True

    assert cache.get("card", "default") == "default"
    assert cache.get_many(["card", "board"]) == {}
    assert cache.get_or_set("card", "fresh") == "fresh"
    assert "card" not in cache
    assert cache.set("card", "<li>") is None
    assert cache.add("card", "<li>") is False
    assert cache.set_many({"card": 1, "board": 2}) == ["card", "board"]
    assert cache.touch("card") is False
    assert cache.delete("card") is False
    assert cache.delete_many(["card", "board"]) is None
    assert cache.clear() is False


def test_a_counter_the_cache_cannot_reach_is_not_found_like_any_missing_one(cache, redis):
    redis.down = True
    with pytest.raises(ValueError, match="not found"):
        cache.incr("visits")


def test_the_guards_of_signing_in_count_in_this_process_meanwhile(cache, redis):
    redis.down = True

    assert cache.add("guard:lock", True) is True
    assert cache.add("guard:lock", True) is False  # a lock still locks
    cache.set("guard:history", [1.0, 2.0], 60)
    assert cache.get("guard:history") == [1.0, 2.0]
    assert cache.add("guard:count", 1) is True
    assert cache.incr("guard:count") == 2
    assert cache.delete("guard:lock") is True
    assert redis.data == {}


def test_the_strict_cache_raises_when_redis_is_down(cache, redis):
    redis.down = True
    with pytest.raises(exceptions.ConnectionError):
        strict(cache).get("healthz")
    with pytest.raises(exceptions.ConnectionError):
        strict(cache).add("ratelimit:x", 1)


def test_any_other_cache_is_its_own_strict_self():
    cache = LocMemCache("strict-test", {})
    assert strict(cache) is cache


def test_other_errors_of_redis_still_raise(cache, redis, monkeypatch):
    def wrong_type(key, default):
        raise exceptions.ResponseError("WRONGTYPE Operation against a key")

    monkeypatch.setattr(redis, "get", wrong_type)
    with pytest.raises(exceptions.ResponseError):
        cache.get("card")


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds(cache, redis, clock):
    redis.down = True
    cache.get("card")
    cache.set("card", "<li>")
    cache.get("board")
    assert redis.asked == 1

    clock.now += RETRY_AFTER
    cache.get("card")
    assert redis.asked == 2


def test_once_back_redis_forgets_what_was_changed_meanwhile_before_it_is_read(cache, redis, clock):
    redis.data = {"t:1:session-signed-out": {"user": 7}, "t:1:session-changed": {"mfa": False}}
    redis.down = True
    cache.delete("session-signed-out")
    cache.set("session-changed", {"mfa": True})

    redis.down = False
    clock.now += RETRY_AFTER

    assert cache.get("session-signed-out") is None
    assert cache.get("session-changed") is None  # a miss: the site reads it from the database
    assert redis.data == {}
    cache.set("session-changed", {"mfa": True})
    assert cache.get("session-changed") == {"mfa": True}


def test_an_outage_is_logged_when_it_starts_each_minute_and_when_it_ends(
    cache, redis, clock, caplog
):
    caplog.set_level(logging.WARNING, logger="core.cache_backends")
    redis.down = True
    for _ in range(150):  # two and a half minutes of requests, one a second
        cache.get("card")
        clock.now += 1
    redis.down = False
    clock.now += RETRY_AFTER
    cache.get("card")

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4
    assert "The cache (Redis) is unavailable; serving without it: Error 111" in messages[0]
    assert f"still unavailable after {WARN_EVERY:.0f} s" in messages[1]
    assert f"still unavailable after {2 * WARN_EVERY:.0f} s" in messages[2]
    assert "available again after 155 s" in messages[3]


def test_past_its_limit_of_keys_to_forget_it_says_once_what_to_do(
    cache, redis, caplog, monkeypatch
):
    monkeypatch.setattr(cache_backends, "MAX_UNSYNCED", 2)
    redis.down = True
    with caplog.at_level(logging.ERROR, logger="core.cache_backends"):
        for n in range(5):
            cache.delete(f"session-{n}")

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "Too many cache writes missed Redis to delete them all once it is back: delete the "
        "sessions it holds (docs/deployment.md, 'When Redis is down')."
    ]
    assert cache._unsynced == {"t:1:session-0", "t:1:session-1"}
