"""The rate-limit primitive: sliding-window counts, waits, refunds, where counters live, and that
the database counter stays exact under parallel increments (Django's DatabaseCache.incr does not)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections

from magnetiq import ratelimit
from magnetiq.models import RateCounter
from magnetiq.ratelimit import CacheCounters, DatabaseCounters, Rate

from .parallel import window_start

pytestmark = pytest.mark.django_db

THREE_A_MINUTE = Rate(limit=3, period=60)


@pytest.fixture(params=["cache", "database"])
def store(request):
    if request.param == "cache":
        return CacheCounters(LocMemCache("ratelimit-tests", {}))
    return DatabaseCounters()


def test_rates_parse_like_drf():
    assert Rate.parse("5/min") == Rate(5, 60)
    assert Rate.parse("10/m") == Rate(10, 60)
    assert Rate.parse("300/hour") == Rate(300, 3600)
    assert Rate.parse("1000/day") == Rate(1000, 86400)
    assert Rate.parse("2/s") == Rate(2, 1)
    for bad in ("five/min", "5", "5/", "5/week"):
        with pytest.raises(ValueError, match="Not a rate"):
            Rate.parse(bad)


def test_counter_store_is_the_cache_only_where_incr_is_atomic(tmp_path):
    assert isinstance(ratelimit.counter_store(LocMemCache("x", {})), CacheCounters)
    assert isinstance(ratelimit.counter_store(DatabaseCache("magnetiq_cache", {})), DatabaseCounters)
    assert isinstance(ratelimit.counter_store(FileBasedCache(str(tmp_path), {})), DatabaseCounters)


def test_limit_then_refused_with_the_wait_until_the_window_moves(store):
    start = window_start(offset=15)
    with time_machine.travel(start, tick=False) as traveller:
        hits = [ratelimit.hit("t", "10.0.0.1", THREE_A_MINUTE, store=store) for _ in range(5)]
        assert [h.allowed for h in hits] == [True, True, True, False, False]
        assert [h.estimate for h in hits] == [1, 2, 3, 4, 5]
        assert [h.wait for h in hits[:3]] == [0.0, 0.0, 0.0]
        # 45 s left in this window; then the previous window (capped at 3) weighs 3 * (1 - x/60),
        # and 3 * (1 - x/60) + 1 <= 3 from x = 20 s.
        assert hits[4].wait == pytest.approx(65.0)
        assert ratelimit.retry_after(hits) == 65
        assert ratelimit.hit("t", "10.0.0.2", THREE_A_MINUTE, store=store).allowed is True

        traveller.move_to(start + timedelta(seconds=45 + 30))  # half-way through the next window
        later = [ratelimit.hit("t", "10.0.0.1", THREE_A_MINUTE, store=store) for _ in range(2)]
        assert [h.estimate for h in later] == [pytest.approx(2.5), pytest.approx(3.5)]
        assert [h.allowed for h in later] == [True, False]
        # 3 * (1 - x/60) + 2 + 1 <= 3 only at x = 60: the end of this window.
        assert later[1].wait == pytest.approx(30.0)

        traveller.move_to(start + timedelta(seconds=45 + 120))
        assert ratelimit.hit("t", "10.0.0.1", THREE_A_MINUTE, store=store).estimate == 1


def test_refund_gives_one_hit_back_and_reset_forgets_them_all(store):
    with time_machine.travel(window_start(offset=5), tick=False):
        hits = [ratelimit.hit("t", "a", THREE_A_MINUTE, store=store) for _ in range(3)]
        ratelimit.refund(hits[0], store=store)
        assert ratelimit.hit("t", "a", THREE_A_MINUTE, store=store).estimate == 3
        assert ratelimit.hit("t", "a", THREE_A_MINUTE, store=store).allowed is False
        ratelimit.reset("t", "a", THREE_A_MINUTE, store=store)
        assert ratelimit.hit("t", "a", THREE_A_MINUTE, store=store).estimate == 1


def test_refund_after_the_window_expired_changes_nothing(store):
    start = window_start(offset=5)
    with time_machine.travel(start, tick=False) as traveller:
        counted = ratelimit.hit("t", "a", THREE_A_MINUTE, store=store)
        traveller.move_to(start + timedelta(seconds=200))
        ratelimit.refund(counted, store=store)
        assert store.get(counted.key) == 0
        assert ratelimit.hit("t", "a", THREE_A_MINUTE, store=store).estimate == 1


def test_database_counters_prune_expired_rows():
    start = window_start(offset=5)
    store = DatabaseCounters()
    with time_machine.travel(start, tick=False) as traveller:
        store.incr("old", 1, timeout=60)
        traveller.move_to(start + timedelta(seconds=61 + DatabaseCounters.prune_every))
        store.incr("new", 1, timeout=60)
    assert list(RateCounter.objects.values_list("key", "hits")) == [("new", 1)]


def _in_threads(count: int, work) -> None:
    barrier = threading.Barrier(count)
    errors = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_database_counter_loses_no_increment_across_threads():
    store = DatabaseCounters()

    def work() -> None:
        for _ in range(25):
            store.incr("shared", 1, timeout=300)

    _in_threads(20, work)
    assert store.get("shared") == 500
    assert RateCounter.objects.get(key="shared").hits == 500


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_hits_on_the_database_counter_admit_exactly_the_limit():
    store = DatabaseCounters()
    outcomes = []
    lock = threading.Lock()

    def work() -> None:
        outcome = ratelimit.hit("burst", "10.0.0.9", Rate(limit=10, period=3600), store=store)
        with lock:
            outcomes.append(outcome)

    with time_machine.travel(window_start(period=3600, offset=5), tick=True):
        _in_threads(30, work)
    assert sorted(o.estimate for o in outcomes) == list(range(1, 31))
    assert [o.allowed for o in outcomes].count(True) == 10
