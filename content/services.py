"""Every write to pages and media assets: the API, the admin and ``import_pages`` call these.

Errors: :class:`PageSlugTaken` (409), :class:`PageContentInvalid` (422, ``details`` name the
failing block as ``content.en.3``), Django ``ValidationError`` from ``full_clean`` (422), and
``content.exceptions.UnsupportedMediaType`` (422) / ``MediaTooLarge`` (413) for uploads.
"""

import hashlib
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import InvalidInput
from magnetiq.links import absolute_url
from magnetiq.translation import LANGUAGE_CODES, pick_language

from .exceptions import MediaAssetNotFound, MediaTooLarge, PageContentInvalid, PageNotFound, PageSlugTaken
from .media import Sniffed, sniff
from .models import MediaAsset, MediaKind, Page, PageStatus, portable_text_errors

logger = logging.getLogger("content.audit")

# Fields a caller may set on a page (create, PUT, PATCH, import).
PAGE_FIELDS = (
    "slug",
    "title",
    "content",
    "excerpt",
    "meta_description",
    "status",
    "published_at",
    "seo_title",
    "seo_keywords",
)


def _audit(action: str, *, actor, obj, **payload) -> None:
    """Who did what, as one structured log line per change, so staff can trace an edit to a person."""
    logger.info(
        "%s %s#%s by %s %s",
        action,
        obj._meta.label_lower,
        obj.pk,
        getattr(actor, "pk", None),
        payload or "",
        extra={"action": action, "object_id": obj.pk, "actor_id": getattr(actor, "pk", None), "payload": payload},
    )


def page_structured_data(page: Page) -> dict:
    """JSON-LD (schema.org ``WebPage``, ``WebSite`` for the home page) per language.

    Returns ``{"en": {...}, "de": {...}}``; German entries exist only when the page has German
    content or a German title. Dates are ISO 8601 in UTC.
    """
    organization = {"@type": "Organization", "name": "Magnetiq", "url": absolute_url("/")}
    data = {}
    for lang in LANGUAGE_CODES:
        if lang != "en" and not ((page.content or {}).get(lang) or (page.title or {}).get(lang)):
            continue
        url = absolute_url(page.get_absolute_url(lang))
        entry: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "WebSite" if page.is_home else "WebPage",
            "@id": url,
            "url": url,
            "name": pick_language(page.seo_title, lang) or page.title_for(lang),
            "inLanguage": lang,
            "publisher": organization,
        }
        description = pick_language(page.meta_description, lang)
        if description:
            entry["description"] = description
        keywords = pick_language(page.seo_keywords, lang)
        if keywords:
            entry["keywords"] = ", ".join(keywords)
        if page.published_at:
            entry["datePublished"] = page.published_at.isoformat()
        entry["dateModified"] = (page.updated_at or timezone.now()).isoformat()
        data[lang] = entry
    return data


def _check_portable_text(page: Page) -> None:
    problems = portable_text_errors("content", page.content, required=True)
    problems += portable_text_errors("excerpt", page.excerpt, required=False)
    if problems:
        first = problems[0]
        raise PageContentInvalid(
            _("Invalid Portable Text at %(field)s: %(message)s")
            % {"field": first["field"], "message": first["message"]},
            details=problems,
        )


def _check_slug_free(page: Page) -> None:
    taken = Page.objects.alive().filter(slug=page.slug).exclude(pk=page.pk).exists()
    if taken:
        raise PageSlugTaken(
            _("Another page already uses the slug “%(slug)s”.") % {"slug": page.slug},
            details=[{"field": "slug", "message": _("Already in use."), "code": "unique"}],
        )


def _save_page(page: Page) -> Page:
    """Validate (Portable Text first, for its precise block path), refresh JSON-LD, save."""
    page.slug = (page.slug or "").strip().lower()
    for field in ("excerpt", "meta_description", "seo_title", "seo_keywords"):
        if getattr(page, field) is None:
            setattr(page, field, {})
    _check_portable_text(page)
    _check_slug_free(page)
    page.full_clean()
    page.updated_at = timezone.now()
    page.structured_data = page_structured_data(page)
    page.save()
    return page


def _apply_status(page: Page, *, status: str | None, published_at: datetime | None, now: datetime) -> None:
    if status is not None:
        page.status = status
    if published_at is not None:
        page.published_at = published_at
    if page.status == PageStatus.PUBLISHED and page.published_at is None:
        page.published_at = now


@transaction.atomic
def page_create(
    *,
    slug: str,
    title: dict,
    content: dict,
    excerpt: dict | None = None,
    meta_description: dict | None = None,
    status: str = PageStatus.DRAFT,
    published_at: datetime | None = None,
    seo_title: dict | None = None,
    seo_keywords: dict | None = None,
    author=None,
    now: datetime | None = None,
) -> Page:
    """Create a page. Publishing without ``published_at`` publishes it now.

    Raises ``PageSlugTaken`` (409), ``PageContentInvalid`` (422, block path in ``details``),
    ``ValidationError`` (422) for the other fields.
    """
    now = now or timezone.now()
    page = Page(
        slug=slug,
        title=title,
        content=content,
        excerpt=excerpt or {},
        meta_description=meta_description or {},
        seo_title=seo_title or {},
        seo_keywords=seo_keywords or {},
        author=author,
        created_at=now,
    )
    _apply_status(page, status=status, published_at=published_at, now=now)
    _save_page(page)
    _audit("content.page.created", actor=author, obj=page, slug=page.slug, status=page.status)
    return page


@transaction.atomic
def page_update(*, page: Page, data: dict, actor=None, now: datetime | None = None) -> Page:
    """Change the fields in ``data`` (keys from ``PAGE_FIELDS``; missing keys stay as they are).

    Setting ``status`` to ``published`` without a ``published_at`` publishes now; to ``draft``
    keeps ``published_at`` for the record. Same errors as :func:`page_create`; ``PageNotFound``
    for a deleted page.
    """
    if page.deleted_at is not None:
        raise PageNotFound()
    unknown = set(data) - set(PAGE_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Unknown page fields."),
            details=[
                {"field": name, "message": _("Not a page field."), "code": "unknown_field"} for name in sorted(unknown)
            ],
        )
    now = now or timezone.now()
    before = page.status
    for field, value in data.items():
        if field not in ("status", "published_at"):
            setattr(page, field, value)
    _apply_status(page, status=data.get("status"), published_at=data.get("published_at"), now=now)
    _save_page(page)
    _audit("content.page.updated", actor=actor, obj=page, fields=sorted(data), status_before=before)
    return page


@transaction.atomic
def page_publish(*, page: Page, actor=None, published_at: datetime | None = None, now: datetime | None = None) -> Page:
    """Publish ``page`` at ``published_at`` (default: now, or keep an earlier publication time)."""
    if page.deleted_at is not None:
        raise PageNotFound()
    now = now or timezone.now()
    page.status = PageStatus.PUBLISHED
    page.published_at = published_at or page.published_at or now
    _save_page(page)
    _audit("content.page.published", actor=actor, obj=page, published_at=page.published_at.isoformat())
    return page


@transaction.atomic
def page_unpublish(*, page: Page, actor=None) -> Page:
    """Back to draft: the page disappears from the site, the API's public endpoint and the sitemap."""
    if page.deleted_at is not None:
        raise PageNotFound()
    page.status = PageStatus.DRAFT
    _save_page(page)
    _audit("content.page.unpublished", actor=actor, obj=page)
    return page


@transaction.atomic
def page_delete(*, page: Page, actor=None, now: datetime | None = None) -> Page:
    """Soft delete: ``deleted_at`` set, the slug becomes free for a new page. Idempotent."""
    if page.deleted_at is None:
        page.deleted_at = now or timezone.now()
        page.save(update_fields=["deleted_at", "updated_at"])
        _audit("content.page.deleted", actor=actor, obj=page, slug=page.slug)
    return page


def _read_upload(upload: UploadedFile) -> bytes:
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise MediaTooLarge(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {"size": upload.size, "limit": limit},
            details=[
                {"field": "file", "message": _("At most %(limit)s bytes.") % {"limit": limit}, "code": "too_large"}
            ],
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise MediaTooLarge(
            _("The file is larger than the limit of %(limit)s bytes.") % {"limit": limit},
            details=[
                {"field": "file", "message": _("At most %(limit)s bytes.") % {"limit": limit}, "code": "too_large"}
            ],
        )
    if not data:
        raise InvalidInput(
            _("The file is empty."), details=[{"field": "file", "message": _("Empty file."), "code": "empty"}]
        )
    return data


def media_upload_check(*, upload: UploadedFile, allowed_types: frozenset[str] | None = None) -> tuple[bytes, Sniffed]:
    """Read ``upload`` and check its size and bytes; return ``(data, Sniffed)``.

    The one check behind the API, the admin form and :func:`media_asset_create`: raises
    ``MediaTooLarge`` (413), ``UnsupportedMediaType`` (422) or ``InvalidInput`` (empty file).
    """
    data = _read_upload(upload)
    return data, sniff(data, allowed=allowed_types)


def _clean_filename(name: str | None) -> str:
    # Only for display: keep the last path component, without control characters.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255]


@transaction.atomic
def media_asset_create(
    *,
    upload: UploadedFile,
    uploaded_by=None,
    alt_text: dict | None = None,
    caption: dict | None = None,
    kind: str = MediaKind.GENERAL,
    allowed_types: frozenset[str] | None = None,
) -> MediaAsset:
    """Store an upload under a generated name after checking its size and its bytes.

    ``allowed_types`` narrows the accepted MIME types (portable assets: images and MP4).
    Raises ``MediaTooLarge`` (413) over ``settings.MEDIA_MAX_UPLOAD_BYTES``,
    ``UnsupportedMediaType`` (422) for unknown types, markup (HTML/SVG) and broken images.
    """
    data, found = media_upload_check(upload=upload, allowed_types=allowed_types)
    asset = MediaAsset(
        original_filename=_clean_filename(upload.name),
        mime_type=found.mime_type,
        size_bytes=len(data),
        width=found.width,
        height=found.height,
        sha256=hashlib.sha256(data).hexdigest(),
        alt_text=alt_text or {},
        caption=caption or {},
        kind=kind,
        uploaded_by=uploaded_by,
    )
    # The name passed here is ignored: ``asset_upload_to`` generates the stored name.
    asset.file = ContentFile(data, name=f"upload.{asset.extension}")
    asset.full_clean()
    asset.save()
    _audit("content.media.created", actor=uploaded_by, obj=asset, mime_type=asset.mime_type, size=asset.size_bytes)
    return asset


@transaction.atomic
def media_asset_update(*, asset: MediaAsset, actor=None, alt_text: dict | None = None, caption: dict | None = None):
    """Change the alt text and/or caption (``{"en": str, "de": str}``); the file never changes."""
    if asset.deleted_at is not None:
        raise MediaAssetNotFound()
    if alt_text is not None:
        asset.alt_text = alt_text
    if caption is not None:
        asset.caption = caption
    asset.full_clean()
    asset.save()
    _audit("content.media.updated", actor=actor, obj=asset)
    return asset


@transaction.atomic
def media_asset_delete(*, asset: MediaAsset, actor=None, now: datetime | None = None) -> MediaAsset:
    """Soft delete: hidden from lists and no longer served; the stored file is kept. Idempotent."""
    if asset.deleted_at is None:
        asset.deleted_at = now or timezone.now()
        asset.save(update_fields=["deleted_at", "updated_at"])
        _audit("content.media.deleted", actor=actor, obj=asset)
    return asset
