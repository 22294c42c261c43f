"""Validation of stored Portable Text (spec 000 "PortableText Validation Service").

Allowed top-level blocks (``_type``):

- ``block``: a text block ``{"children": [span…], "markDefs"?: [link…], "style"?: str,
  "listItem"?: "bullet"|"number", "level": int 1–10 (with listItem)}``; ``heading`` is the same with a style
  ``h1``–``h6`` (the spec lists it as its own type).
- spans ``{"_type": "span", "text": str, "marks"?: [str]}``; a mark is a decorator (``strong``,
  ``em``, ``underline``, ``strike-through`` and the spec's alias ``strike``, ``code``) or the
  ``_key`` of one of the block's ``markDefs``.
- markDefs ``{"_type": "link", "_key": str, "href": str}``; ``href`` is relative or uses
  http, https, mailto or tel (never ``javascript:``, ``data:``, ``vbscript:``).
- ``image`` ``{"asset": {"_ref": str}, "alt": str, "caption"?: str}``,
  ``video`` ``{"url": str, "title"?: str}``, ``cta`` ``{"text": str, "url": str, "style"?: str}``,
  ``form`` ``{"formType": str, "title"?: str}``, ``code`` ``{"code": str, "language": str}``
  and ``seo`` (metadata, not rendered).

``_key`` is optional on every block, but must be a unique non-empty string when given.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from content.exceptions import PortableTextError
from magnetiq.translation import DEFAULT_LANGUAGE, LANGUAGE_CODES

from .tree import js_trim, uri_looks_safe

TEXT_BLOCK_TYPES = ("block", "heading")
OBJECT_BLOCK_TYPES = ("image", "video", "cta", "form", "code", "seo")
ALLOWED_BLOCK_TYPES = TEXT_BLOCK_TYPES + OBJECT_BLOCK_TYPES
HEADING_STYLES = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_STYLES = ("normal", *HEADING_STYLES, "blockquote")
ALLOWED_LIST_ITEMS = ("bullet", "number")
DECORATORS = ("strong", "em", "underline", "strike-through", "strike", "code")
ANNOTATION_TYPES = ("link",)
CTA_STYLES = ("primary", "secondary")
MAX_LIST_LEVEL = 10

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")
_CODE_LANGUAGE = re.compile(r"^[A-Za-z0-9_+#.-]{0,40}$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class _Invalid(Exception):
    """A rule broken inside one block; turned into a ``PortableTextError`` with the block index."""


def validate_blocks(blocks: Any, *, field: str = "content") -> None:
    """Check a Portable Text list; return ``None`` or raise ``PortableTextError`` for the first bad block.

    ``blocks``: ``[{"_type": …}, …]`` (may be empty). ``field`` prefixes the error's detail field
    (``"content"`` → ``"content.3"``). The error carries ``.index`` (the block) and ``.reason``.
    """
    _validate(blocks, field=field, language=None)


def validate_localized(value: Any, *, field: str = "") -> None:
    """Check ``{"en": [blocks], "de": [blocks]}``: ``en`` required and non-empty, languages from settings.

    Each language is checked with ``validate_blocks``; the error names the language and index
    (detail field ``"de.2"``, or ``"content.de.2"`` with ``field="content"``).
    """
    prefix = f"{field}." if field else ""
    if not isinstance(value, dict):
        raise PortableTextError(
            _('expected an object of languages like {"en": [...], "de": [...]}'),
            field=field or "content",
            error_code="invalid",
        )
    unknown = sorted(str(key) for key in value if key not in LANGUAGE_CODES)
    if unknown:
        raise PortableTextError(
            _("unknown language %(unknown)s; use %(languages)s")
            % {"unknown": ", ".join(unknown), "languages": ", ".join(LANGUAGE_CODES)},
            field=f"{prefix}{unknown[0]}",
            error_code="invalid_language",
        )
    if not value.get(DEFAULT_LANGUAGE):
        raise PortableTextError(
            _("the English (en) content is required"), field=f"{prefix}{DEFAULT_LANGUAGE}", error_code="required"
        )
    for language, blocks in value.items():
        if blocks is None and language != DEFAULT_LANGUAGE:
            continue
        _validate(blocks, field=f"{prefix}{language}", language=language)


def _validate(blocks: Any, *, field: str, language: str | None) -> None:
    if not isinstance(blocks, list):
        raise PortableTextError(_("expected a list of blocks"), field=field, language=language, error_code="invalid")
    seen_keys: set[str] = set()
    for index, block in enumerate(blocks):
        try:
            _check_block(block, seen_keys)
        except _Invalid as error:
            raise PortableTextError(str(error), index=index, language=language, field=f"{field}.{index}") from None


def _check_block(block: Any, seen_keys: set[str]) -> None:
    if not isinstance(block, dict):
        raise _Invalid("a block must be an object")
    block_type = block.get("_type")
    if not isinstance(block_type, str) or not block_type:
        raise _Invalid("missing _type")
    if block_type not in ALLOWED_BLOCK_TYPES:
        raise _Invalid(f"unknown block type '{block_type}'; use one of {', '.join(ALLOWED_BLOCK_TYPES)}")
    if "_key" in block:
        key = block["_key"]
        if not isinstance(key, str) or not key:
            raise _Invalid("_key must be a non-empty string")
        if key in seen_keys:
            raise _Invalid(f"duplicate _key '{key}'")
        seen_keys.add(key)
    if block_type in TEXT_BLOCK_TYPES:
        _check_text_block(block)
    elif block_type in _OBJECT_CHECKS:
        _OBJECT_CHECKS[block_type](block)
    # ``seo`` is metadata that travels with the content and is never rendered: any fields pass.


def _check_text_block(block: dict) -> None:
    style = block.get("style", "normal")
    if style not in ALLOWED_STYLES:
        raise _Invalid(f"unknown style {style!r}; use one of {', '.join(ALLOWED_STYLES)}")
    if block["_type"] == "heading" and style not in HEADING_STYLES:
        raise _Invalid("a heading needs a style h1 to h6")
    if "listItem" in block and block["listItem"] not in ALLOWED_LIST_ITEMS:
        raise _Invalid(f"unknown listItem {block['listItem']!r}; use bullet or number")
    if "listItem" in block or "level" in block:
        # The Markdown renderer numbers and indents list items by their level, so it is required.
        level = block.get("level")
        if "listItem" not in block:
            raise _Invalid("level is only allowed on list items")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LIST_LEVEL:
            raise _Invalid(f"a list item needs level, a whole number from 1 to {MAX_LIST_LEVEL}")
    annotation_keys = _check_mark_defs(block.get("markDefs", []))
    children = block.get("children")
    if not isinstance(children, list):
        raise _Invalid("a text block needs a children list")
    for position, span in enumerate(children):
        _check_span(span, position, annotation_keys)


def _check_mark_defs(mark_defs: Any) -> set[str]:
    if not isinstance(mark_defs, list):
        raise _Invalid("markDefs must be a list")
    keys: set[str] = set()
    for mark_def in mark_defs:
        if not isinstance(mark_def, dict):
            raise _Invalid("a markDef must be an object")
        key = mark_def.get("_key")
        if not isinstance(key, str) or not key:
            raise _Invalid("a markDef needs a _key")
        if key in keys:
            raise _Invalid(f"duplicate markDef _key '{key}'")
        if key in DECORATORS:
            raise _Invalid(f"markDef _key '{key}' is a decorator name")
        if mark_def.get("_type") not in ANNOTATION_TYPES:
            raise _Invalid(f"markDef '{key}' has unknown _type {mark_def.get('_type')!r}; use link")
        _check_url(mark_def.get("href"), f"link '{key}' href")
        keys.add(key)
    return keys


def _check_span(span: Any, position: int, annotation_keys: set[str]) -> None:
    if not isinstance(span, dict) or span.get("_type") != "span":
        raise _Invalid(f"child {position} must be a span")
    if not isinstance(span.get("text"), str):
        raise _Invalid(f"child {position} needs a text string")
    marks = span.get("marks", [])
    if not isinstance(marks, list):
        raise _Invalid(f"child {position} marks must be a list")
    for mark in marks:
        if not isinstance(mark, str):
            raise _Invalid(f"child {position} has a mark that is not a string")
        if mark not in DECORATORS and mark not in annotation_keys:
            raise _Invalid(f"mark '{mark}' has no markDef")


def _check_url(url: Any, what: str) -> None:
    """Relative URLs and http/https/mailto/tel only; the renderers drop anything else too."""
    if not isinstance(url, str) or not js_trim(url):
        raise _Invalid(f"{what} must be a non-empty URL")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise _Invalid(f"{what} contains control characters")
    scheme = _SCHEME.match(js_trim(url))
    if (scheme and scheme.group(1).lower() not in ("http", "https", "mailto", "tel")) or not uri_looks_safe(url):
        raise _Invalid(f"{what} uses a scheme that is not allowed; use http, https, mailto, tel or a relative URL")


def _require_text(block: dict, name: str, *, allow_empty: bool = False) -> None:
    value = block.get(name)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _Invalid(f"{block['_type']} needs {name} (text)")


def _optional_text(block: dict, name: str) -> None:
    if name in block and not isinstance(block[name], str):
        raise _Invalid(f"{block['_type']} {name} must be text")


def _check_image(block: dict) -> None:
    asset = block.get("asset")
    if not isinstance(asset, dict) or not isinstance(asset.get("_ref"), str) or not asset["_ref"].strip():
        raise _Invalid('image needs asset {"_ref": "<media id>"}')
    _require_text(block, "alt", allow_empty=True)
    _optional_text(block, "caption")


def _check_video(block: dict) -> None:
    _check_url(block.get("url"), "video url")
    _optional_text(block, "title")


def _check_cta(block: dict) -> None:
    _require_text(block, "text")
    _check_url(block.get("url"), "cta url")
    if "style" in block and block["style"] not in CTA_STYLES:
        raise _Invalid(f"cta style must be one of {', '.join(CTA_STYLES)}")


def _check_form(block: dict) -> None:
    form_type = block.get("formType")
    if not isinstance(form_type, str) or not _IDENTIFIER.match(form_type):
        raise _Invalid("form needs formType (lower-case letters, digits, - or _)")
    _optional_text(block, "title")


def _check_code(block: dict) -> None:
    _require_text(block, "code", allow_empty=True)
    language = block.get("language")
    if not isinstance(language, str) or not _CODE_LANGUAGE.match(language):
        raise _Invalid("code needs language (letters, digits, + # . _ -; may be empty)")


_OBJECT_CHECKS = {
    "image": _check_image,
    "video": _check_video,
    "cta": _check_cta,
    "form": _check_form,
    "code": _check_code,
}
