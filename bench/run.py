"""Benchmarks for the read paths visitors hit most: the directory page, the public consultant API
and search, the home page. Run with ``make bench``; not part of ``make test``.

For each N (consultants in the database) it reports the queries per request and p50/p95 latency
(ms, Django test client, in-process, SQLite file in WAL mode) and exits non-zero when a target is
missed. Targets: constant queries (same count at every N) and p95 ≤ TARGET_P95_MS at the largest N.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "magnetiq.settings.test"
os.environ["THROTTLE_PUBLIC"] = "1000000/min"  # measure the views, not the throttle
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='magnetiq-bench-')}/bench.sqlite3"

import django  # noqa: E402
import factory  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SIZES = (50, 500, 2000)
REPEAT = 30
TARGET_P95_MS = 150.0
URLS = (
    "/consultants/",
    "/consultants/?q=cloud&sort=rating",
    "/api/v1/public/consultants?limit=20",
    "/api/v1/public/consultants/search?query=data&sort_by=rating&limit=20",
    "/api/v1/public/consultants/featured",
    "/",
)


def fill(total: int) -> None:
    from consultants.models import Consultant
    from consultants.tests.factories import ConsultantFactory

    have = Consultant.objects.count()
    expertise = ["Strategy", "Cloud", "Data", "AI", "Security", "Finance", "Supply Chain", "Marketing"]
    ConsultantFactory.create_batch(
        total - have,
        expertise_areas=factory.Iterator([[a, b] for a in expertise for b in expertise if a != b]),
        is_featured=factory.Iterator([True, False, False, False]),
    )


def measure(client: Client, url: str) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # read now: every later request clears the query log
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return count, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("import_pages", str(ROOT / "content/fixtures/demo_pages.json"), verbosity=0)
    client = Client()
    results: dict[str, list[tuple[int, int, float, float]]] = {url: [] for url in URLS}
    for size in SIZES:
        fill(size)
        for url in URLS:
            queries, p50, p95 = measure(client, url)
            results[url].append((size, queries, p50, p95))
    failed = False
    print(f"{'url':70} {'N':>5} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for url, rows in results.items():
        counts = {q for _, q, _, _ in rows}
        for size, queries, p50, p95 in rows:
            print(f"{url:70} {size:5d} {queries:8d} {p50:8.1f} {p95:8.1f}")
        if len(counts) != 1:
            print(f"  FAIL: query count grows with N: {sorted(counts)}")
            failed = True
        if rows[-1][3] > TARGET_P95_MS:
            print(f"  FAIL: p95 {rows[-1][3]:.1f} ms > {TARGET_P95_MS} ms at N={rows[-1][0]}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
