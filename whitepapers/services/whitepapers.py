"""Whitepaper records: create, update, publish, feature, delete, bulk actions.

Every function runs in ``transaction.atomic`` (or one conditional ``UPDATE``), calls ``full_clean()``
before saving and logs state changes to the audit trail. A body change schedules the PDF after commit.
"""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.portable_text import to_plain_text
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from whitepapers import conf
from whitepapers.exceptions import (
    InvalidPdf,
    WhitepaperUnavailable,
)
from whitepapers.models import (
    Whitepaper,
)

#: Fields a caller may set, in the staff API's order; counters, hashes and generated files are
#: written by their own flows.
WHITEPAPER_EDITABLE_FIELDS = (
    "slug",
    "title",
    "summary",
    "body",
    "body_markdown",
    "author",
    "category",
    "tags",
    "language",
    "cover_image",
    "file",
    "is_featured",
    "is_active",
    "published_at",
)
EDITABLE_FIELDS = frozenset(WHITEPAPER_EDITABLE_FIELDS)


def validate_pdf_upload(file) -> None:
    """Raise :class:`InvalidPdf` (422, field ``file``) unless ``file`` is a PDF within the size limit."""
    if file is None:
        return
    size = getattr(file, "size", None)
    if size is not None and size > conf.max_file_bytes():
        raise InvalidPdf(
            _("The PDF is larger than %(max_file_bytes)s bytes.") % {"max_file_bytes": conf.max_file_bytes()},
            details=[{"field": "file", "message": _("The file is too large."), "code": "too_large"}],
        )
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise InvalidPdf(details=[{"field": "file", "message": _("The file is not a PDF."), "code": "invalid_pdf"}])


def whitepaper_content_hash(whitepaper: Whitepaper) -> str:
    """SHA-256 of everything the generated PDF shows (title, summary, body, author, cover, language)."""
    author = whitepaper.author
    payload = {
        "title": whitepaper.title,
        "summary": whitepaper.summary,
        "body": whitepaper.body,
        "body_markdown": whitepaper.body_markdown,
        "language": whitepaper.language,
        "author": [author.first_name, author.last_name, author.title] if author else None,
        "cover": whitepaper.cover_image_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def has_body(whitepaper: Whitepaper) -> bool:
    return any((whitepaper.body or {}).values()) or any((whitepaper.body_markdown or {}).values())


def search_text(whitepaper: Whitepaper) -> str:
    """Titles, summaries and bodies in every language as one plain string (for ``search``)."""
    parts: list[str] = []
    for value in (whitepaper.title, whitepaper.summary, whitepaper.body_markdown):
        parts.extend(str(text) for text in (value or {}).values() if text)
    for blocks in (whitepaper.body or {}).values():
        if blocks:
            parts.append(to_plain_text(blocks))
    parts.append(whitepaper.category or "")
    parts.extend(whitepaper.tags or [])
    return "\n".join(part for part in parts if part)


def _clean_and_save(whitepaper: Whitepaper) -> None:
    # Empty JSON boxes of the admin form arrive as None; the columns hold empty values instead.
    for name, empty in (("summary", dict), ("body", dict), ("body_markdown", dict), ("tags", list)):
        if getattr(whitepaper, name) is None:
            setattr(whitepaper, name, empty())
    whitepaper.search_text = search_text(whitepaper)
    whitepaper.full_clean()
    whitepaper.save()


def _schedule_pdf(whitepaper: Whitepaper) -> None:
    """Enqueue PDF generation after commit when the body changed since the last PDF."""
    if has_body(whitepaper) and whitepaper_content_hash(whitepaper) != whitepaper.body_hash:
        from whitepapers.tasks import generate_whitepaper_pdf

        whitepaper_id = whitepaper.pk
        transaction.on_commit(lambda: generate_whitepaper_pdf.enqueue(whitepaper_id))


@transaction.atomic
def whitepaper_create(*, actor=None, **fields: Any) -> Whitepaper:
    """Create a whitepaper from ``fields`` (names of :data:`EDITABLE_FIELDS`).

    ``file`` (optional) must be a PDF (:class:`InvalidPdf`, 422). An active whitepaper without a
    ``published_at`` is published now. Field errors raise ``ValidationError`` (422); a taken slug
    is a ``ValidationError`` on ``slug``. The PDF is generated after commit when there is a body.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown field(s): %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))})
    if fields.get("file") is None:
        fields.pop("file", None)
    validate_pdf_upload(fields.get("file"))
    whitepaper = Whitepaper(created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields)
    if whitepaper.is_active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    _clean_and_save(whitepaper)
    log_action(whitepaper, "whitepapers.whitepaper.created", actor=actor, data={"slug": whitepaper.slug})
    _schedule_pdf(whitepaper)
    return whitepaper


@transaction.atomic
def whitepaper_update(*, whitepaper: Whitepaper, actor=None, **fields: Any) -> Whitepaper:
    """Change the given fields (``file=None`` removes the uploaded PDF). Errors as :func:`whitepaper_create`."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown field(s): %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))})
    if fields.get("file") is not None:
        validate_pdf_upload(fields["file"])
    for name, value in fields.items():
        setattr(whitepaper, name, value if name != "file" else (value or ""))
    if whitepaper.is_active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    _clean_and_save(whitepaper)
    log_action(whitepaper, "whitepapers.whitepaper.updated", actor=actor, data={"fields": sorted(fields)})
    _schedule_pdf(whitepaper)
    return whitepaper


def whitepaper_update_content(*, whitepaper: Whitepaper, markdown: dict, actor=None) -> Whitepaper:
    """Replace the body with Markdown from the editor (``{"en": "# …", "de": "…"}``).

    The Portable Text body of each language given is cleared, so the Markdown is what renders.
    """
    if not isinstance(markdown, dict) or not markdown.get("en", "").strip():
        raise InvalidInput(
            _("The English Markdown is required."),
            details=[{"field": "markdown.en", "message": _("The English Markdown is required."), "code": "required"}],
        )
    body = {lang: blocks for lang, blocks in (whitepaper.body or {}).items() if lang not in markdown}
    return whitepaper_update(whitepaper=whitepaper, actor=actor, body_markdown=markdown, body=body)


@transaction.atomic
def whitepaper_set_active(*, whitepaper: Whitepaper, active: bool, actor=None) -> Whitepaper:
    """Activate (publishing now if never published) or deactivate. Activating needs a PDF or a body
    (:class:`WhitepaperUnavailable`, 400)."""
    if active and not whitepaper.file and not has_body(whitepaper):
        raise WhitepaperUnavailable()
    whitepaper.is_active = active
    if active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    whitepaper.save(update_fields=["is_active", "published_at", "updated_at"])
    log_action(whitepaper, f"whitepapers.whitepaper.{'activated' if active else 'deactivated'}", actor=actor)
    return whitepaper


@transaction.atomic
def whitepaper_set_featured(*, whitepaper: Whitepaper, featured: bool, actor=None) -> Whitepaper:
    whitepaper.is_featured = featured
    whitepaper.save(update_fields=["is_featured", "updated_at"])
    log_action(whitepaper, "whitepapers.whitepaper.featured", actor=actor, data={"featured": featured})
    return whitepaper


@transaction.atomic
def whitepaper_delete(*, whitepaper: Whitepaper, actor=None) -> Whitepaper:
    """Soft delete: the slug becomes free, the landing page and all download links answer 404."""
    whitepaper.deleted_at = timezone.now()
    whitepaper.is_active = False
    whitepaper.save(update_fields=["deleted_at", "is_active", "updated_at"])
    log_action(whitepaper, "whitepapers.whitepaper.deleted", actor=actor)
    return whitepaper


BULK_ACTIONS = ("activate", "deactivate", "feature", "unfeature", "delete")


@transaction.atomic
def whitepaper_bulk_action(*, ids: list[int], action: str, actor=None) -> dict:
    """Apply ``action`` (one of :data:`BULK_ACTIONS`) to each whitepaper of ``ids``.

    Returns ``{"processed": [ids], "failed": [{"id", "error"}]}``: a missing id or a whitepaper that
    cannot be activated is reported, the others are still changed.
    """
    if action not in BULK_ACTIONS:
        raise InvalidInput(
            _("Unknown action %(action)s.") % {"action": repr(action)},
            details=[
                {
                    "field": "action",
                    "message": _("Use one of %(actions)s.") % {"actions": ", ".join(BULK_ACTIONS)},
                    "code": "invalid",
                }
            ],
        )
    found = {wp.pk: wp for wp in Whitepaper.objects.alive().filter(pk__in=ids)}
    processed, failed = [], []
    for pk in ids:
        whitepaper = found.get(pk)
        if whitepaper is None:
            failed.append({"id": pk, "error": "Whitepaper not found."})
            continue
        try:
            if action in ("activate", "deactivate"):
                whitepaper_set_active(whitepaper=whitepaper, active=action == "activate", actor=actor)
            elif action in ("feature", "unfeature"):
                whitepaper_set_featured(whitepaper=whitepaper, featured=action == "feature", actor=actor)
            else:
                whitepaper_delete(whitepaper=whitepaper, actor=actor)
        except WhitepaperUnavailable as exc:
            failed.append({"id": pk, "error": exc.message})
            continue
        processed.append(pk)
    return {"processed": processed, "failed": failed}
