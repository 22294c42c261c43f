"""Slugs that stay unique within a table (``anna-schmidt``, ``anna-schmidt-2``, …)."""

from django.db.models import QuerySet
from django.utils.text import slugify

#: Room left in a 255-character slug column for the ``-N`` suffix.
MAX_BASE_LENGTH = 240


def unique_slug(queryset: QuerySet, text: str, *, fallback: str, exclude_pk: int | None = None) -> str:
    """The slug of ``text`` (``fallback`` when it has no letters or digits), or that slug with the
    first free suffix ``-2``, ``-3``… when a row of ``queryset`` other than ``exclude_pk`` has it.

    ``queryset`` holds every row whose slug counts, soft-deleted ones included where they keep
    theirs (their URLs must not come back for something else).
    """
    base = slugify(text)[:MAX_BASE_LENGTH].strip("-") or fallback
    rows = queryset.filter(slug__startswith=base)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    taken = set(rows.values_list("slug", flat=True))
    if base not in taken:
        return base
    counter = 2
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}"
