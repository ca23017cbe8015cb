"""Counting failed logins per source address: in Redis when configured (shared by every worker),
otherwise in this process (the embedded single-process default)."""

import threading
import time

from flask import current_app


class MemoryCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._hits.get(key, (0, now + window))
            if expires <= now:
                count, expires = 0, now + window
            count += 1
            self._hits[key] = (count, expires)
            return count

    def get(self, key: str) -> int:
        count, expires = self._hits.get(key, (0, 0))
        return count if expires > time.monotonic() else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class RedisCounter:
    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2)

    def incr(self, key: str, window: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        return int(pipe.execute()[0])

    def get(self, key: str) -> int:
        return int(self._redis.get(key) or 0)

    def reset(self, key: str) -> None:
        self._redis.delete(key)


def counter():
    app = current_app._get_current_object()
    existing = app.extensions.get("zuoxi_login_counter")
    if existing is None:
        url = app.config.get("REDIS_URL")
        existing = RedisCounter(url) if url else MemoryCounter()
        app.extensions["zuoxi_login_counter"] = existing
    return existing


def ip_key(ip: str) -> str:
    return f"zuoxi:login-fail:{ip}"
