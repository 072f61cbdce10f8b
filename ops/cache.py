"""The Django cache on Redis that survives Redis being down: every operation that cannot reach
Redis is logged and answered as a miss (get → default, set/add/delete → nothing stored), so pages
keep working, only slower, while Redis is away.  Django's own RedisCache raises instead."""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("ops.cache")

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# While Redis is down, one warning per this many seconds (not one per cache call).
LOG_EVERY_SECONDS = 60


def _miss(default):
    def wrap(method):
        @functools.wraps(method)
        def inner(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as error:
                self._log_down(method.__name__, error)
                return default() if callable(default) else default

        return inner

    return wrap


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0
    errors = 0  # how many cache calls found Redis down (read by the fault tests)

    def _log_down(self, operation: str, error: Exception) -> None:
        type(self).errors += 1
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            logger.warning("Redis cache unreachable (%s: %s); serving without the cache", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            self._log_down("get", error)
            return default

    add = _miss(False)(RedisCache.add)
    set = _miss(None)(RedisCache.set)
    touch = _miss(False)(RedisCache.touch)
    delete = _miss(False)(RedisCache.delete)
    get_many = _miss(dict)(RedisCache.get_many)
    has_key = _miss(False)(RedisCache.has_key)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN as error:
            self._log_down("incr", error)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from error

    set_many = _miss(list)(RedisCache.set_many)
    delete_many = _miss(None)(RedisCache.delete_many)
    clear = _miss(False)(RedisCache.clear)
