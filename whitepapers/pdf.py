"""Whitepaper PDFs with WeasyPrint: cover page, table of contents, body, closing call to action.

The cover carries the logo (``static/img/logo.svg``, embedded as a ``data:`` URL), the title, the
summary, the author and the date (``published_at``, else today, in the PDF's language). The body is
HTML from ``content.portable_text.to_html`` (Portable Text) or from Markdown
(:func:`markdown_to_html`, sanitised by nh3); headings get ids so the table of contents can link to
them and print their page numbers with ``target-counter``. The table of contents is printed only
from :data:`TOC_MIN_HEADINGS` headings on. Every page after the cover has the title as its running
header and "Page 2 of 5" as its footer. The last page invites the reader to book the author (their
profile and booking page on ``SITE_URL``) or, without an author, to contact the firm. The print
stylesheet lives in ``templates/whitepapers/pdf/whitepaper.html``.
"""

import base64
import re
from dataclasses import dataclass
from functools import cache
from html import unescape
from pathlib import Path

import markdown as markdown_lib
import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone, translation
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

#: A table of contents is worth a page from this many headings (h1–h3) on.
TOC_MIN_HEADINGS = 3
LOGO_PATH = Path(settings.BASE_DIR) / "static" / "img" / "logo.svg"

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


@cache
def logo_data_url() -> str:
    """The logo (``static/img/logo.svg``) as a ``data:`` URL, read once per process."""
    return f"data:image/svg+xml;base64,{base64.b64encode(LOGO_PATH.read_bytes()).decode()}"


def cover_date(whitepaper, language: str) -> str:
    """The date the cover shows: ``published_at`` (else today) as ``January 2027`` in ``language``."""
    when = timezone.localtime(whitepaper.published_at or timezone.now())
    with translation.override(language):
        return dateformat.format(when, pgettext("whitepaper cover date (PHP date format)", "F Y"))


def author_links(author, language: str) -> tuple[str, str]:
    """Absolute URLs of the author's public profile and booking page in ``language`` (``""`` when
    the author is not public)."""
    if author is None or not author.is_public:
        return "", ""
    with translation.override(language):
        profile = settings.SITE_URL + author.get_absolute_url()
        try:
            booking = settings.SITE_URL + reverse("bookings:book", args=[author.slug])
        except NoReverseMatch:
            booking = profile
    return profile, booking


def directory_url(language: str) -> str:
    """Absolute URL of the consultant directory in ``language``."""
    with translation.override(language):
        return settings.SITE_URL + reverse("consultants:directory")


def render_html(whitepaper, language: str | None = None) -> str:
    """The print HTML of ``whitepaper`` in ``language`` (default: its main language)."""
    language = language or whitepaper.language or "en"
    html, headings = add_heading_anchors(body_html(whitepaper, language))
    author = whitepaper.author
    profile_url, booking_url = author_links(author, language)
    with translation.override(language):
        return render_to_string(
            "whitepapers/pdf/whitepaper.html",
            {
                "whitepaper": whitepaper,
                "title": whitepaper.title_for(language),
                "summary": whitepaper.summary_for(language),
                "author_name": f"{author.first_name} {author.last_name}" if author else "",
                "author_first_name": author.first_name if author else "",
                "author_title": author.title if author else "",
                "author_profile_url": profile_url,
                "author_booking_url": booking_url,
                "contact_url": directory_url(language),
                "body": html,
                "cover_url": cover_data_url(whitepaper),
                "logo_url": logo_data_url(),
                "date": cover_date(whitepaper, language),
                "headings": headings if len(headings) >= TOC_MIN_HEADINGS else [],
                "running_title": mark_safe(css_string(whitepaper.title_for(language))),  # escaped by css_string
                "page_footer": mark_safe(page_footer_css()),  # escaped by css_string
                "language": language,
            },
        )


@dataclass(frozen=True)
class RenderedPdf:
    """A rendered PDF: its bytes (``%PDF-…``) and its number of pages."""

    data: bytes
    pages: int


def render_pdf_document(whitepaper, language: str | None = None) -> RenderedPdf:
    """Render the PDF of ``whitepaper`` once and return its bytes with its page count. Only
    ``data:`` URLs are loaded: WeasyPrint never fetches a file or a network address named by the
    content."""
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=render_html(whitepaper, language), url_fetcher=fetcher).render()
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))


def render_pdf(whitepaper, language: str | None = None) -> bytes:
    """The PDF bytes of ``whitepaper`` (starts with ``%PDF-``); see :func:`render_pdf_document`."""
    return render_pdf_document(whitepaper, language).data


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
