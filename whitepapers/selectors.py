"""Reads used by the API, the pages and the admin (no writes here)."""

from collections import Counter
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import DownloadToken, Whitepaper, WhitepaperDownload


def public_whitepapers(
    *,
    category: str | None = None,
    tag: str | None = None,
    language: str | None = None,
    author_id: int | None = None,
    featured: bool | None = None,
    q: str | None = None,
):
    """Published whitepapers, newest first, narrowed by each filter that is given (exact category,
    whole tag, main language, author id, featured, every word of ``q``)."""
    qs = Whitepaper.objects.published().select_related("author", "cover_image")
    if category:
        qs = qs.filter(category__iexact=category.strip())
    if tag:
        qs = qs.with_tag(tag)
    if language:
        qs = qs.filter(language=language)
    if author_id:
        qs = qs.filter(author_id=author_id)
    if featured:
        qs = qs.filter(is_featured=True)
    if q:
        qs = qs.search(q)
    return qs.order_by("-published_at", "-id")


def categories() -> list[dict]:
    """``[{"name", "count"}]`` of published whitepapers' categories, most common first."""
    rows = (
        Whitepaper.objects.published()
        .exclude(category="")
        .values("category")
        .annotate(count=Count("id"))
        .order_by("-count", "category")
    )
    return [{"name": row["category"], "count": row["count"]} for row in rows]


def tags() -> list[dict]:
    """``[{"name", "count"}]`` of published whitepapers' tags, most common first (counted in Python:
    tags are a JSON list, and the catalogue is small)."""
    counter: Counter = Counter()
    for tag_list in Whitepaper.objects.published().values_list("tags", flat=True):
        counter.update({tag.strip() for tag in tag_list or [] if isinstance(tag, str) and tag.strip()})
    return [{"name": name, "count": count} for name, count in sorted(counter.items(), key=lambda i: (-i[1], i[0]))]


def view_count(whitepaper: Whitepaper) -> int:
    """Views of ``whitepaper``: those written to the database plus those still buffered
    (``whitepapers.services.view_counts``)."""
    from .services.view_counts import VIEW_COUNTS

    return whitepaper.view_count + VIEW_COUNTS.pending([whitepaper.pk]).get(whitepaper.pk, 0)


def analytics(whitepaper: Whitepaper, *, days: int = 30) -> dict:
    """Views, downloads, leads (distinct leads who asked for a link), conversion (downloads / views)
    and ``downloads_per_day`` (``[{"date": "YYYY-MM-DD", "downloads": n}]`` for the last ``days``
    days, days without downloads omitted)."""
    since = timezone.now() - timedelta(days=days)
    whitepaper.view_count = view_count(whitepaper)  # in memory only: the conversion counts buffered views
    per_day = (
        WhitepaperDownload.objects.filter(whitepaper=whitepaper, downloaded_at__gte=since)
        .annotate(day=TruncDate("downloaded_at"))
        .values("day")
        .annotate(downloads=Count("id"))
        .order_by("day")
    )
    return {
        "id": whitepaper.pk,
        "views": whitepaper.view_count,
        "downloads": whitepaper.download_count,
        "leads": DownloadToken.objects.filter(whitepaper=whitepaper).values("lead").distinct().count(),
        "conversion_rate": whitepaper.conversion_rate,
        "downloads_per_day": [{"date": row["day"].isoformat(), "downloads": row["downloads"]} for row in per_day],
    }
