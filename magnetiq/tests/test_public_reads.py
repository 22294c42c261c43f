"""Public reads write no database row: the throttle of public GETs with the database cache counts in
process memory (each process its share of the limit), and counts a GET adds are buffered
(magnetiq.counters) and written later in batches."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from magnetiq import ratelimit
from magnetiq.counters import BufferedCounts
from magnetiq.ratelimit import CacheCounters, DatabaseCounters, Rate

pytestmark = pytest.mark.django_db

DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "magnetiq_cache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-read-tests"},
}


@pytest.fixture
def process_counters(monkeypatch):
    counters = CacheCounters(LocMemCache("public-read-tests", {}))
    monkeypatch.setattr(ratelimit, "_PROCESS_COUNTERS", counters)
    return counters


def test_read_limits_share_the_shared_cache_when_it_is_one():
    store, rate = ratelimit.read_counter_store(Rate(10, 60))
    assert isinstance(store, CacheCounters) and store.cache is caches["default"] and rate == Rate(10, 60)
    assert isinstance(ratelimit.counter_store(), CacheCounters)


@override_settings(CACHES=DATABASE_CACHE, WEB_CONCURRENCY=4)
def test_with_the_database_cache_each_process_allows_its_share(process_counters):
    assert isinstance(ratelimit.counter_store(), DatabaseCounters)  # writes keep the exact shared count
    assert ratelimit.read_counter_store(Rate(10, 60)) == (process_counters, Rate(2, 60))
    assert ratelimit.read_counter_store(Rate(3, 60)) == (process_counters, Rate(1, 60))


def test_throttled_public_gets_write_nothing_and_still_refuse(process_counters):
    from django.conf import settings

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "6/min"}
    client = APIClient()
    with (
        override_settings(
            CACHES=DATABASE_CACHE,
            WEB_CONCURRENCY=2,
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates},
        ),
        CaptureQueriesContext(connection) as queries,
    ):
        codes = [client.get("/api/v1/public/consultants").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # this process's share: 6 / 2 workers
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


# --- buffered counts ------------------------------------------------------------------------------


class Recorder:
    def __init__(self, fail: bool = False):
        self.batches: list[dict[int, int]] = []
        self.fail = fail

    def __call__(self, counts: dict[int, int]) -> None:
        if self.fail:
            raise RuntimeError("database down")
        self.batches.append(counts)


def test_shared_counts_are_flushed_exactly_once():
    write = Recorder()
    counts = BufferedCounts("test-shared", write)
    for ident in (1, 1, 2):
        counts.add(ident)
    assert counts.pending([1, 2, 3]) == {1: 2, 2: 1}
    assert counts.flush([1, 2, 3]) == {1: 2, 2: 1}
    counts.add(1)
    assert counts.flush([1, 2, 3]) == {1: 1}
    assert counts.flush([1, 2, 3]) == {}
    assert write.batches == [{1: 2, 2: 1}, {1: 1}]


def test_a_failed_write_keeps_the_counts_for_the_next_flush():
    counts = BufferedCounts("test-failing", Recorder(fail=True))
    counts.add(7, 3)
    with pytest.raises(RuntimeError):
        counts.flush([7])
    counts.write = Recorder()
    assert counts.flush([7]) == {7: 3}


@override_settings(CACHES=DATABASE_CACHE)
def test_with_the_database_cache_counts_stay_in_the_process(monkeypatch):
    write = Recorder()
    counts = BufferedCounts("test-local", write)
    monkeypatch.setattr(counts, "_thread", "started")  # no background writer in a test
    with CaptureQueriesContext(connection) as queries:
        counts.add(4)
        counts.add(4)
    assert queries.captured_queries == []
    assert counts.pending([]) == {4: 2}
    assert counts.flush([]) == {4: 2} and write.batches == [{4: 2}]
    assert counts.pending([]) == {}
