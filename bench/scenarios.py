"""The bench's in-process measures, run by ``bench/run.py`` as ``python -m bench.scenarios BUSY_ID``
on the seeded database (``DATABASE_URL``, ``DJANGO_SETTINGS_MODULE=magnetiq.settings.bench``).
Prints one JSON object:

- ``availability``: the free slots of the next 60 days of the consultant ``BUSY_ID`` (2 000
  bookings, ``bench/seed.py``) as the booking pages and the API compute them (``slots_by_day`` over
  the whole range, free slots only, as ``GET /public/consultants/{id}/time-slots`` and the booking
  page's month do), against the one SQL query the answer cannot do without (the consultant's
  active bookings overlapping the 60 days; the weekly rules and overrides are a second, small one).
- ``pdf``: a whitepaper's PDF through ``whitepaper_generate_pdf`` (render the HTML, WeasyPrint, store
  the file) against WeasyPrint alone on the same HTML.

Each pair is measured alternately; medians in milliseconds and the median of the pairs' ratios.
"""

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import django

AVAILABILITY_DAYS = 60
REPEAT = 7
PDF_REPEAT = 5


def _ms(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def compare(work: Callable[[], object], yardstick: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median milliseconds of ``work`` and of ``yardstick``, run alternately ``repeat`` times each
    (so a busy moment of the machine hits both), and the median of the pairs' ratios."""
    work(), yardstick()  # warm: imports, first connection, template loading, fonts
    pairs = [(_ms(work), _ms(yardstick)) for _ in range(repeat)]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def availability(consultant_id: int) -> dict:
    from django.utils import timezone

    from bookings.availability import slots_by_day
    from bookings.models import ConsultationBooking
    from consultants.models import Consultant

    consultant = Consultant.objects.get(pk=consultant_id)
    utc = ZoneInfo("UTC")
    first = timezone.now().date() + timedelta(days=1)
    days = [first + timedelta(days=offset) for offset in range(AVAILABILITY_DAYS)]

    def service() -> int:
        free = slots_by_day(consultant=consultant, first_day=days[0], last_day=days[-1], tz=utc, available_only=True)
        return sum(len(states) for states in free.values())

    def single_query() -> int:
        span_start = timezone.now()
        span_end = span_start + timedelta(days=AVAILABILITY_DAYS + 2)
        bookings = ConsultationBooking.objects.active().filter(consultant=consultant).overlapping(span_start, span_end)
        return len(list(bookings.values_list("pk", "start", "end")))

    service_ms, query_ms, ratio = compare(service, single_query, REPEAT)
    return {
        "days": AVAILABILITY_DAYS,
        "bookings": ConsultationBooking.objects.filter(consultant=consultant).count(),
        "bookings_in_range": single_query(),
        "free_slots": service(),
        "service_ms": service_ms,
        "query_ms": query_ms,
        "ratio": ratio,
    }


def pdf() -> dict:
    from weasyprint import HTML, URLFetcher

    from whitepapers.models import Whitepaper
    from whitepapers.pdf import render_html
    from whitepapers.services import whitepaper_generate_pdf

    whitepaper = Whitepaper.objects.published().exclude(body={}).select_related("author", "cover_image").first()
    if whitepaper is None:
        raise SystemExit("No published whitepaper with a body to render.")
    html = render_html(whitepaper)

    def raw() -> bytes:
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()

    def service() -> object:
        return whitepaper_generate_pdf(whitepaper_id=whitepaper.pk, force=True)

    service_ms, weasyprint_ms, ratio = compare(service, raw, PDF_REPEAT)
    return {"whitepaper": whitepaper.slug, "service_ms": service_ms, "weasyprint_ms": weasyprint_ms, "ratio": ratio}


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    django.setup()
    print(json.dumps({"availability": availability(int(sys.argv[1])), "pdf": pdf()}))
