"""Reads shared by the API, the rendered pages and the admin: a page in one language, rendered."""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import InvalidInput
from magnetiq.links import absolute_url
from magnetiq.translation import LANGUAGE_CODES, pick_language

from .models import Page
from .portable_text import to_html, to_markdown, to_plain_text

FORMATS = ("html", "markdown", "plain_text")


def parse_language(raw: str | None) -> str:
    """``?language=`` → a known language code (default ``en``); unknown codes are a 422."""
    if raw in (None, ""):
        return "en"
    language = raw.strip().lower()
    if language not in LANGUAGE_CODES:
        raise InvalidInput(
            _("Unknown language “%(raw)s”; use %(languages)s.") % {"raw": raw, "languages": ", ".join(LANGUAGE_CODES)},
            details=[{"field": "language", "message": _("Unknown language."), "code": "invalid_choice"}],
        )
    return language


def render_blocks(blocks: list, fmt: str) -> str:
    """Portable Text blocks → ``html`` (safe HTML), ``markdown`` or ``plain_text``."""
    renderer = {"html": to_html, "markdown": to_markdown, "plain_text": to_plain_text}[fmt]
    return renderer(blocks or [])


def page_html(page: Page, field: str, language: str) -> SafeString:
    """``content``/``excerpt`` of ``page`` as safe HTML (the renderer escapes and sanitises)."""
    return mark_safe(render_blocks(page.blocks_for(field, language), "html"))


def page_rendered(page: Page, *, language: str, fmt: str) -> dict:
    """A page serialised in one format (spec 000 ``/content/pages/{id}/html`` example).

    Returns ``{"id", "slug", "title", "language", "requested_language", "content_<fmt>",
    "excerpt_<fmt>"}``; ``language`` is the language actually used: the requested one when the
    page has content in it, else ``en``. ``excerpt_<fmt>`` is ``None`` without an excerpt.
    """
    used = page.content_language(language)
    suffix = {"html": "html", "markdown": "markdown", "plain_text": "text"}[fmt]
    excerpt_blocks = page.blocks_for("excerpt", used)
    return {
        "id": page.pk,
        "slug": page.slug,
        "title": page.title_for(used),
        "language": used,
        "requested_language": language,
        f"content_{suffix}": render_blocks(page.blocks_for("content", used), fmt),
        f"excerpt_{suffix}": render_blocks(excerpt_blocks, fmt) if excerpt_blocks else None,
    }


def page_seo(page: Page, language: str) -> dict:
    """SEO fields for one language: ``{"title", "description", "keywords": [str], "canonical",
    "alternates": {lang: absolute url}, "structured_data": {...} | None}`` (all with English fallback)."""
    description = pick_language(page.meta_description, language)
    if not description:
        description = render_blocks(page.blocks_for("excerpt", language), "plain_text").strip()[:300]
    return {
        "title": pick_language(page.seo_title, language) or page.title_for(language),
        "description": description,
        "keywords": pick_language(page.seo_keywords, language) or [],
        "canonical": absolute_url(page.get_absolute_url(language)),
        "alternates": {lang: absolute_url(page.get_absolute_url(lang)) for lang in LANGUAGE_CODES},
        "structured_data": pick_language(page.structured_data, language) or None,
    }
