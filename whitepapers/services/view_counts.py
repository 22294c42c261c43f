"""Whitepaper view counts: buffered on every view, written to ``Whitepaper.view_count`` in batches.

A landing page view is a public ``GET``, which writes no database row (docs/decisions.md "Page
cache"): each view is added to :data:`VIEW_COUNTS` (:class:`magnetiq.counters.BufferedCounts`: a
cache increment, or process memory with the database cache) and ``manage.py
flush_whitepaper_views`` (cron, every minute) writes the sums. Counts shown anywhere are the written
count plus the buffered one (``whitepapers.selectors.view_count``).
"""

from django.db import transaction
from django.db.models import F

from magnetiq.counters import BufferedCounts
from whitepapers.models import Whitepaper


def _write(counts: dict[int, int]) -> None:
    with transaction.atomic():
        for pk, count in sorted(counts.items()):
            Whitepaper.objects.filter(pk=pk).update(view_count=F("view_count") + count)


VIEW_COUNTS = BufferedCounts("whitepaper-views", write=_write)


def whitepaper_count_view(whitepaper_id: int) -> None:
    """Count one view of the whitepaper ``whitepaper_id`` (no database write; replayed by the page
    cache on every cached view of the landing page)."""
    VIEW_COUNTS.add(whitepaper_id)


def whitepaper_register_view(*, whitepaper: Whitepaper) -> None:
    """Count one view of ``whitepaper`` (see :func:`whitepaper_count_view`)."""
    whitepaper_count_view(whitepaper.pk)


def whitepaper_views_flush() -> dict[int, int]:
    """Write the buffered view counts of every whitepaper; returns ``{whitepaper id: views added}``.
    Views counted while it runs stay buffered for the next run."""
    return VIEW_COUNTS.flush(Whitepaper.objects.values_list("pk", flat=True).order_by("pk"))
