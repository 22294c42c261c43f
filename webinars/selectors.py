"""Reads shared by the webinar API and pages."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .exceptions import RegistrationNotFound
from .models import Webinar, WebinarRegistration

#: The ``filter`` values of spec 001 ``GET /public/webinars`` (default ``upcoming``).
WHEN_FILTERS = ("upcoming", "this-week", "this-month", "all")


def public_webinars(
    *,
    when: str = "upcoming",
    q: str = "",
    topic: str = "",
    language: str = "",
    now: datetime | None = None,
) -> QuerySet[Webinar]:
    """Published webinars with the speaker and registration counts, soonest first (``all``: newest first).

    ``when``: ``upcoming`` (from now on), ``this-week`` / ``this-month`` (from now to the end of
    the ISO week / calendar month, UTC) or ``all`` (past ones too). ``q`` searches title,
    description and tags; ``topic`` is one whole tag; ``language`` ``en`` or ``de``.
    """
    now = now or timezone.now()
    qs = Webinar.objects.published()
    if when == "this-week":
        qs = qs.this_week(now)
    elif when == "this-month":
        qs = qs.this_month(now)
    elif when != "all":
        qs = qs.upcoming(now)
    if q:
        qs = qs.search(q)
    if topic:
        qs = qs.with_topic(topic)
    if language:
        qs = qs.filter(language=language)
    order = ("-starts_at", "-id") if when == "all" else ("starts_at", "id")
    return qs.select_related("speaker").with_counts().order_by(*order)


def public_topics() -> list[str]:
    """Tags of upcoming published webinars, case-insensitively unique, alphabetical. One query."""
    seen: dict[str, str] = {}
    for tags in Webinar.objects.published().upcoming().values_list("tags", flat=True):
        for tag in tags or []:
            if isinstance(tag, str) and tag.strip():
                seen.setdefault(tag.strip().lower(), tag.strip())
    return sorted(seen.values(), key=str.lower)


def seats_left(webinar: Webinar) -> int:
    """Free seats (never negative); uses the ``registered_count`` annotation when present."""
    registered = getattr(webinar, "registered_count", None)
    if registered is None:
        registered = webinar.registrations.registered().count()
    return max(0, webinar.capacity - registered)


def registration_get_by_reference(*, reference: str) -> WebinarRegistration:
    """The registration behind a visitor's link, or :class:`RegistrationNotFound` (404)."""
    registration = (
        WebinarRegistration.objects.select_related("webinar", "webinar__speaker")
        .filter(reference=reference, webinar__deleted_at__isnull=True)
        .first()
    )
    if registration is None:
        raise RegistrationNotFound()
    return registration
