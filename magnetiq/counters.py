"""Counts that public reads add without writing to the database, written later in batches.

A public ``GET`` writes no database row (docs/decisions.md "Page cache"), yet some of them count
something (a whitepaper's views). :class:`BufferedCounts` keeps those counts until a flush hands
them, as ``{id: count}``, to the owning app's writer:

- When the default cache increments atomically and every process shares it (Redis, Memcached;
  the local-memory cache of the tests too), each count is one cache increment of the key
  ``buffer:<name>:<id>`` and ``flush`` (a cron command of the owning app) takes every count away
  with an atomic decrement of exactly what it read, so counts added meanwhile stay for the next run.
- With the database cache a cache increment would be a database write, so each process counts in
  its own memory and writes its counts itself, from a background thread every
  ``BUFFERED_COUNTS_FLUSH_SECONDS`` and when it exits; the cron command finds nothing to do there.

A count buffered this way is lost when Redis is flushed or a process is killed before writing:
acceptable for statistics, never for money or limits.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import close_old_connections, connection

from magnetiq import ratelimit

logger = logging.getLogger(__name__)

#: Seconds a count may wait in a shared cache before it is dropped (the cron command runs each minute).
_TIMEOUT = 7 * 86400


class BufferedCounts:
    """Counts per integer id under ``name``; ``write({id: count})`` stores a batch for good."""

    def __init__(self, name: str, write: Callable[[dict[int, int]], None]):
        self.name = name
        self.write = write
        self._local: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _key(self, ident: int) -> str:
        return f"buffer:{self.name}:{ident}"

    @staticmethod
    def _shared() -> ratelimit.CacheCounters | None:
        cache = caches["default"]
        return ratelimit.CacheCounters(cache) if isinstance(cache, ratelimit.ATOMIC_INCR_CACHES) else None

    def add(self, ident: int, count: int = 1) -> None:
        """Count ``count`` for ``ident``; no database access."""
        shared = self._shared()
        if shared is not None:
            shared.incr(self._key(ident), count, timeout=_TIMEOUT)
            return
        with self._lock:
            self._local[ident] += count
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_periodically, name=f"flush-{self.name}", daemon=True)
                self._thread.start()
                atexit.register(self.flush_local)

    def pending(self, idents: Iterable[int]) -> dict[int, int]:
        """The counts not written yet of ``idents`` (shared cache) or of this process."""
        shared = self._shared()
        if shared is None:
            with self._lock:
                return {ident: n for ident, n in self._local.items() if n}
        counts = {ident: shared.get(self._key(ident)) for ident in idents}
        return {ident: n for ident, n in counts.items() if n}

    def flush(self, idents: Iterable[int]) -> dict[int, int]:
        """Write the buffered counts of ``idents`` (the shared cache) or of this process's memory;
        returns what was written. A failing write puts the counts back and raises."""
        shared = self._shared()
        if shared is None:
            return self.flush_local()
        counts = self.pending(idents)
        for ident, n in counts.items():
            shared.incr(self._key(ident), -n, timeout=_TIMEOUT)
        if counts:
            try:
                self.write(counts)
            except Exception:
                for ident, n in counts.items():
                    shared.incr(self._key(ident), n, timeout=_TIMEOUT)
                raise
        return counts

    def flush_local(self) -> dict[int, int]:
        """Write this process's counts (the database-cache case)."""
        with self._lock:
            counts, self._local = dict(self._local), Counter()
        if counts:
            try:
                self.write(counts)
            except Exception:
                with self._lock:
                    self._local.update(counts)
                raise
        return counts

    def _write_periodically(self) -> None:
        stop = threading.Event()
        while not stop.wait(settings.BUFFERED_COUNTS_FLUSH_SECONDS):
            try:
                self.flush_local()
            except Exception:
                logger.exception("Writing the buffered %s counts failed; they stay for the next try.", self.name)
            finally:
                close_old_connections()
                connection.close()
