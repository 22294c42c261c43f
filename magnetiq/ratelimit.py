"""Rate limits as atomic counters in shared storage: the one primitive behind every throttle of
the project (``magnetiq.api.throttling``) and the login guard (``accounts.throttling``).

A limit is ``limit`` hits per ``period`` seconds for one subject (``scope`` + ``ident``, e.g.
``"webinar_register"`` + a client IP). Each hit is ONE atomic increment of the counter of the
current fixed window (windows are ``period`` long and numbered from the epoch), and the answer is
decided from the value that increment returned, never from a value read before it: N parallel
hits get the N distinct values 1…N, so exactly ``limit`` of them pass. (DRF's
``SimpleRateThrottle`` reads a history list, appends and writes it back; parallel requests all
read the same list and all pass.)

Sliding-window counter: the previous window's count, capped at ``limit`` and weighted by the part
of it still inside the sliding period, is added (``estimate = min(previous, limit) * (1 -
elapsed / period) + current``; the hit passes when ``estimate <= limit``), so a burst straddling a
window boundary cannot get twice the limit. Refused hits are counted too (a client that keeps
hammering stays refused until the window ends); the cap keeps the next window's penalty to what
a client that used exactly its limit would get.

Where the counters live (:func:`counter_store`):

- the default cache when its ``incr`` is atomic: Redis (``CACHE_URL=redis://…``; ``INCR``),
  Memcached (``incr``) and the local-memory cache (a lock; one process only, so tests and
  single-process development). The counter is ``cache.add(key, 0, timeout)`` then
  ``cache.incr(key)``; the key expires two periods after it was created, so it can still be read
  as "previous window".
- otherwise (the default database cache, the file cache): Django's ``BaseCache.incr`` is a get
  followed by a set, so parallel increments are lost (measured: 20 threads × 25 increments of one
  key on the SQLite file database ended at 31 and 60, not 500). These counters live in our own table,
  :class:`magnetiq.models.RateCounter`, and a hit is one ``INSERT … ON CONFLICT DO UPDATE SET
  hits = hits + 1 … RETURNING hits`` statement (SQLite ≥ 3.35, PostgreSQL) in autocommit: no
  pickled history, no read-modify-write transaction. Expired rows are deleted at most once a
  minute per process.

Public ``GET`` requests write no database row (docs/decisions.md "Page cache"), so their limits
use :func:`read_counter_store`: the shared cache when it is one (Redis, Memcached, local memory in
tests), else the memory of each web process, where each process allows its share of the limit
(``limit / WEB_CONCURRENCY``, the number of web processes, as gunicorn reads it too): a client
spread evenly over the processes gets about the limit, one that lands on a single process less.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """``limit`` hits per ``period`` seconds."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"5/min"``, ``"10/m"``, ``"300/hour"``, ``"1000/day"``, ``"2/s"`` (DRF's rate syntax: the
        first letter of the unit counts). Raises ``ValueError`` for anything else."""
        number, _, unit = text.partition("/")
        if not number.strip().isdigit() or not unit.strip() or unit.strip()[0] not in _PERIODS:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. '5/min').")
        return cls(limit=int(number), period=_PERIODS[unit.strip()[0]])


@dataclass(frozen=True)
class Hit:
    """The outcome of one :func:`hit`.

    ``allowed``: the hit is within the limit. ``estimate``: the weighted count including this hit.
    ``wait``: seconds until a further hit would pass (0.0 when allowed). ``key``: the window
    counter the hit went into (for :func:`refund`).
    """

    allowed: bool
    estimate: float
    wait: float
    key: str


class CacheCounters:
    """Counters in a cache whose ``incr`` is atomic (Redis, Memcached, local memory)."""

    def __init__(self, cache: BaseCache):
        self.cache = cache

    def incr(self, key: str, delta: int, *, timeout: int) -> int:
        """Add ``delta`` to ``key`` (created at 0, expiring after ``timeout`` seconds); the new value."""
        while True:
            self.cache.add(key, 0, timeout)
            try:
                return self.cache.incr(key, delta)
            except ValueError:
                # The key expired between add and incr: create it again.
                continue

    def decr_if_present(self, key: str) -> None:
        """Take one back from ``key`` unless it has expired (then there is nothing to give back)."""
        if self.cache.get(key, 0) > 0:
            try:
                self.cache.decr(key)
            except ValueError:
                # Expired between get and decr: the window it counted for is over anyway.
                return

    def get(self, key: str) -> int:
        return int(self.cache.get(key, 0))

    def delete(self, keys: list[str]) -> None:
        self.cache.delete_many(keys)


class DatabaseCounters:
    """Counters in :class:`magnetiq.models.RateCounter`, each change one SQL statement."""

    prune_every = 60.0

    def __init__(self):
        self._next_prune = 0.0

    @staticmethod
    def _table() -> tuple[str, str, str, str]:
        from magnetiq.models import RateCounter

        quote = connection.ops.quote_name
        return quote(RateCounter._meta.db_table), quote("key"), quote("hits"), quote("expires_at")

    @staticmethod
    def _at(timestamp: float):
        return connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(timestamp, tz=UTC))

    def incr(self, key: str, delta: int, *, timeout: int) -> int:
        """Add ``delta`` to ``key`` in one upsert (an expired row starts again at ``delta``); the new value."""
        now = time.time()
        table, k, hits, expires = self._table()
        self._prune(now)
        live = f"{table}.{expires} > %s"
        # Identifiers come from the model's metadata, every value is a parameter (the noqa's below).
        sql = (
            f"INSERT INTO {table} ({k}, {hits}, {expires}) VALUES (%s, %s, %s) ON CONFLICT ({k}) DO UPDATE SET "  # noqa: S608
            f"{hits} = CASE WHEN {live} THEN {table}.{hits} + excluded.{hits} ELSE excluded.{hits} END, "
            f"{expires} = CASE WHEN {live} THEN {table}.{expires} ELSE excluded.{expires} END "
            f"RETURNING {hits}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, delta, self._at(now + timeout), self._at(now), self._at(now)])
            return int(cursor.fetchone()[0])

    def decr_if_present(self, key: str) -> None:
        """Take one back from ``key`` unless it has expired or is at 0."""
        table, k, hits, expires = self._table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {hits} = {hits} - 1 WHERE {k} = %s AND {hits} > 0 AND {expires} > %s",  # noqa: S608
                [key, self._at(time.time())],
            )

    def get(self, key: str) -> int:
        table, k, hits, expires = self._table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {hits} FROM {table} WHERE {k} = %s AND {expires} > %s",  # noqa: S608
                [key, self._at(time.time())],
            )
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def delete(self, keys: list[str]) -> None:
        table, k, _hits, _expires = self._table()
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(keys))
            cursor.execute(f"DELETE FROM {table} WHERE {k} IN ({placeholders})", keys)  # noqa: S608

    def _prune(self, now: float) -> None:
        # At most once a minute per process (one shared instance, see counter_store): the table
        # only ever holds about two windows' rows.
        if now < self._next_prune:
            return
        self._next_prune = now + self.prune_every
        table, _k, _hits, expires = self._table()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {expires} <= %s", [self._at(now)])  # noqa: S608


#: Cache backends whose ``incr`` is atomic (one process only for the local-memory cache).
ATOMIC_INCR_CACHES = (RedisCache, BaseMemcachedCache, LocMemCache)
_DATABASE_COUNTERS = DatabaseCounters()


def counter_store(cache: BaseCache | None = None) -> CacheCounters | DatabaseCounters:
    """Where the counters of ``cache`` (default: the default cache) live: the cache itself when
    its ``incr`` is atomic, else the database table (see the module docstring)."""
    cache = caches["default"] if cache is None else cache
    if isinstance(cache, ATOMIC_INCR_CACHES):
        return CacheCounters(cache)
    return _DATABASE_COUNTERS


_PROCESS_COUNTERS = CacheCounters(LocMemCache("magnetiq-process-rate", {"OPTIONS": {"MAX_ENTRIES": 50_000}}))


def read_counter_store(rate: Rate) -> tuple[CacheCounters, Rate]:
    """Counters that never write the database, and the rate to apply in them: the default cache
    and ``rate`` when its ``incr`` is atomic, else this process's memory and ``rate``'s share per
    web process (at least 1). For limits of requests that must not write (public ``GET``)."""
    cache = caches["default"]
    if isinstance(cache, ATOMIC_INCR_CACHES):
        return CacheCounters(cache), rate
    share = max(1, rate.limit // max(1, settings.WEB_CONCURRENCY))
    return _PROCESS_COUNTERS, Rate(limit=share, period=rate.period)


def _window_key(scope: str, ident: str, window: int) -> str:
    return f"rl:{scope}:{ident}:{window}"


def _wait(*, limit: int, period: int, previous: int, current: int, elapsed: float) -> float:
    """Seconds from now until one more hit would pass, with no other hits in between."""
    if current + 1 <= limit:
        if previous == 0:
            return 0.0
        # previous * (1 - x / period) + current + 1 <= limit, solved for the offset x in the window.
        return max(0.0, period * (1 - (limit - current - 1) / previous) - elapsed)
    # Not before the next window, where this window's count (capped) is the weighted "previous".
    carried = min(current, limit)
    return (period - elapsed) + max(0.0, period * (1 - (limit - 1) / carried))


def hit(scope: str, ident: str, rate: Rate, *, store=None) -> Hit:
    """Count one hit of ``ident`` under ``scope`` and say whether it is within ``rate``.

    ``ident`` is the subject (an IP, a hash of an e-mail; at most ~200 characters). The counting is
    one atomic increment; ``store`` defaults to :func:`counter_store`. The clock is ``time.time()``.
    """
    store = store or counter_store()
    now = time.time()
    window = int(now // rate.period)
    elapsed = now - window * rate.period
    key = _window_key(scope, ident, window)
    current = store.incr(key, 1, timeout=rate.period * 2)
    previous = min(store.get(_window_key(scope, ident, window - 1)), rate.limit)
    estimate = previous * (1 - elapsed / rate.period) + current
    allowed = estimate <= rate.limit
    wait = 0.0
    if not allowed:
        wait = _wait(limit=rate.limit, period=rate.period, previous=previous, current=current, elapsed=elapsed)
    return Hit(allowed=allowed, estimate=estimate, wait=wait, key=key)


def refund(counted: Hit, *, store=None) -> None:
    """Take back the hit ``counted`` (e.g. a login attempt that turned out to be right). Nothing
    happens once its window has expired."""
    (store or counter_store()).decr_if_present(counted.key)


def reset(scope: str, ident: str, rate: Rate, *, store=None) -> None:
    """Forget every hit of ``ident`` under ``scope`` (the current and the previous window)."""
    window = int(time.time() // rate.period)
    (store or counter_store()).delete([_window_key(scope, ident, w) for w in (window, window - 1)])


def retry_after(hits: list[Hit]) -> int:
    """Whole seconds (≥ 1) until every refused hit of ``hits`` would pass: the ``Retry-After``."""
    return max(1, math.ceil(max((h.wait for h in hits if not h.allowed), default=0.0)))


def peek(scope: str, ident: str, rate: Rate, *, store=None) -> float:
    """The weighted count of ``ident`` under ``scope`` right now, as :func:`hit` would weigh it
    before counting one more (for status pages; writes nothing). Above ``rate.limit - 1`` the next
    hit would be refused."""
    store = store or counter_store()
    now = time.time()
    window = int(now // rate.period)
    elapsed = now - window * rate.period
    current = store.get(_window_key(scope, ident, window))
    previous = min(store.get(_window_key(scope, ident, window - 1)), rate.limit)
    return previous * (1 - elapsed / rate.period) + current
