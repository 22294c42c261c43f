"""Whitepaper PDFs with WeasyPrint: cover page, table of contents, body, page numbers.

The body is HTML from ``content.portable_text.to_html`` (Portable Text) or from Markdown
(:func:`markdown_to_html`, sanitised by nh3); headings get ids so the table of contents can link
to them and print their page numbers with ``target-counter``. The print stylesheet lives in
``templates/whitepapers/pdf/whitepaper.html``.
"""

import base64
import re
from dataclasses import dataclass
from html import unescape

import markdown as markdown_lib
import nh3
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import pgettext

from content.portable_text import to_html

MARKDOWN_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "del", "sup", "sub",
}  # fmt: skip
HEADING = re.compile(r"<h([1-3])([^>]*)>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)

PAGE_COUNTER = "\x00page\x00"
PAGES_COUNTER = "\x00pages\x00"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


def markdown_to_html(text: str) -> str:
    """Markdown (with tables and fenced code) → safe HTML: raw HTML in the Markdown is sanitised."""
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=MARKDOWN_TAGS, url_schemes={"http", "https", "mailto"})


def body_html(whitepaper, language: str) -> str:
    """The body of ``whitepaper`` in ``language`` as safe HTML (Portable Text first, else Markdown)."""
    blocks = whitepaper.blocks_for(language)
    if blocks:
        return to_html(blocks)
    return markdown_to_html(whitepaper.markdown_for(language))


def add_heading_anchors(html: str) -> tuple[str, list[Heading]]:
    """Give every h1–h3 an ``id`` (``sec-1-…``) and return the new HTML and the headings in order."""
    headings: list[Heading] = []

    def replace(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        text = unescape(strip_tags(inner)).strip()
        anchor = f"sec-{len(headings) + 1}-{slugify(text)[:40]}"
        headings.append(Heading(level=level, text=text, anchor=anchor))
        attrs = re.sub(r"\sid=\"[^\"]*\"", "", attrs)
        return f'<h{level}{attrs} id="{anchor}">{inner}</h{level}>'

    return HEADING.sub(replace, html), headings


def css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string (backslashes, quotes and line breaks escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


def page_footer_css() -> str:
    """The CSS ``content`` of the page footer, "Page 2 of 5" in the active language.

    The sentence is translated whole, so a language may order the numbers its own way; the numbers
    themselves are WeasyPrint's ``counter(page)`` and ``counter(pages)``.
    """
    sentence = pgettext("PDF page footer", "Page %(page)s of %(pages)s") % {
        "page": PAGE_COUNTER,
        "pages": PAGES_COUNTER,
    }
    parts = []
    for piece in re.split(f"({PAGE_COUNTER}|{PAGES_COUNTER})", sentence):
        if piece == PAGE_COUNTER:
            parts.append("counter(page)")
        elif piece == PAGES_COUNTER:
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def render_html(whitepaper, language: str | None = None) -> str:
    """The print HTML of ``whitepaper`` in ``language`` (default: its main language)."""
    language = language or whitepaper.language or "en"
    html, headings = add_heading_anchors(body_html(whitepaper, language))
    author = whitepaper.author
    with translation.override(language):
        return render_to_string(
            "whitepapers/pdf/whitepaper.html",
            {
                "whitepaper": whitepaper,
                "title": whitepaper.title_for(language),
                "summary": whitepaper.summary_for(language),
                "author_name": f"{author.first_name} {author.last_name}" if author else "",
                "author_title": author.title if author else "",
                "body": html,
                "cover_url": cover_data_url(whitepaper),
                "headings": headings,
                "page_footer": mark_safe(page_footer_css()),  # escaped by css_string
                "language": language,
            },
        )


def render_pdf(whitepaper, language: str | None = None) -> bytes:
    """The PDF bytes of ``whitepaper`` (starts with ``%PDF-``). Only ``data:`` URLs are loaded:
    WeasyPrint never fetches a file or a network address named by the content."""
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=render_html(whitepaper, language), url_fetcher=fetcher).write_pdf()


def cover_data_url(whitepaper) -> str:
    """The cover image as a ``data:`` URL (the only kind of image the PDF renderer may load), or ``""``."""
    asset = whitepaper.cover_image
    if asset is None or asset.deleted_at is not None or not asset.mime_type.startswith("image/"):
        return ""
    try:
        with asset.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    return f"data:{asset.mime_type};base64,{base64.b64encode(data).decode()}"
