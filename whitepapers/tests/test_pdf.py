"""PDF generation: the text lands on the expected pages; regeneration follows the body hash; the
cover image and page count come with it."""

import io
from datetime import UTC, datetime

import pytest
from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from consultants.tests.factories import ConsultantFactory
from whitepapers import services
from whitepapers.covers import COVER_SIZE
from whitepapers.exceptions import WhitepaperUnavailable
from whitepapers.pdf import RenderedPdf, add_heading_anchors, css_string, markdown_to_html, render_html

from .factories import WhitepaperFactory, block

pytestmark = pytest.mark.django_db

LONG = "Predictive maintenance cuts unplanned downtime in half when sensors feed the models daily. " * 45


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_generated_pdf_has_cover_contents_body_headers_page_numbers_and_closing():
    whitepaper = WhitepaperFactory(
        file="",
        title={"en": "AI on the Factory Floor"},
        summary={"en": "How mid-sized plants start with machine learning."},
        published_at=datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
        body={
            "en": [
                block("Why now", "h2", "a"),
                block(LONG, key="b"),
                block(LONG, key="b2"),
                block("Getting started", "h2", "c"),
                block("Start with one line and one metric.", key="d"),
                block("What it costs", "h2", "e"),
                block("Less than one unplanned stop.", key="f"),
            ]
        },
    )
    whitepaper.author.first_name, whitepaper.author.last_name = "Jana", "Keller"
    whitepaper.author.save()
    result = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    with result.generated_file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    pages = pages_text(data)
    assert len(pages) == 6, pages
    assert result.page_count == 6
    # Page 1: the cover with the date (no header, no page number); page 2: contents with the page of each heading.
    assert "AI on the Factory Floor" in pages[0]
    assert "Jana Keller" in pages[0]
    assert "March 2027" in pages[0]
    assert "Page" not in pages[0]
    assert "Contents" in pages[1]
    assert "Page 2 of 6" in pages[1]
    assert pages[1].split("Why now")[1].split("\n")[0].rstrip().endswith("3")
    assert pages[1].split("Getting started")[1].split("\n")[0].rstrip().endswith("5")
    assert pages[1].split("What it costs")[1].split("\n")[0].rstrip().endswith("5")
    # Every page after the cover runs the title as its header.
    assert all("AI on the Factory Floor Magnetiq" in page for page in pages[1:])
    assert "AI on the Factory Floor Magnetiq" not in pages[0]
    assert "Why now" in pages[2] and "Predictive maintenance cuts unplanned downtime" in pages[2]
    assert "Page 3 of 6" in pages[2]
    assert "Start with one line and one metric." in pages[4]
    # The last page: book the author.
    site = settings.SITE_URL
    assert "Talk it through with Jana" in pages[5]
    assert f"{site}/consultants/{whitepaper.author.slug}/book/" in pages[5]
    assert "Page 6 of 6" in pages[5]
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in PdfReader(io.BytesIO(data)).pages[5].get("/Annots", [])
        if "/URI" in annotation.get_object().get("/A", {})
    ]
    assert f"{site}/consultants/{whitepaper.author.slug}/book/" in links
    assert f"{site}/consultants/{whitepaper.author.slug}/" in links
    assert result.body_hash == services.whitepaper_content_hash(result)
    assert result.pdf_generated_at is not None


def test_no_table_of_contents_below_three_headings():
    whitepaper = WhitepaperFactory(
        file="",
        title={"en": "Two Headings"},
        body={
            "en": [block("One", "h2", "a"), block("Text.", key="b"), block("Two", "h2", "c"), block("More.", key="d")]
        },
    )
    result = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    with result.generated_file.open("rb") as handle:
        pages = pages_text(handle.read())
    assert len(pages) == result.page_count == 3  # cover, body, closing
    assert not any("Contents" in page for page in pages)
    assert "One" in pages[1] and "Two" in pages[1]


def test_closing_without_a_public_author_points_to_the_directory():
    whitepaper = WhitepaperFactory(file="", author=None, body={"en": [block("Body.")]})
    html = render_html(whitepaper, "en")
    assert "Talk it through with us" in html
    assert f'href="{settings.SITE_URL}/consultants/"' in html
    whitepaper.author = ConsultantFactory(status="pending")
    assert "Talk it through with us" in render_html(whitepaper, "en")


def test_generation_stores_the_cover_image_drawn_with_pillow():
    whitepaper = WhitepaperFactory(file="", title={"en": "Cloud Cost Control"}, body={"en": [block("Body.")]})
    result = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    with result.generated_cover.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    assert (image.format, image.size) == ("PNG", COVER_SIZE)
    assert image.getpixel((5, 5)) == (0x1D, 0x23, 0x30)  # the cover's background
    assert image.getpixel((60, 60)) == (255, 255, 255)  # the logo panel


def test_markdown_body_renders_and_is_sanitised():
    html = markdown_to_html("# Title\n\nSome **bold** text.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html
    assert "javascript:" not in html
    anchored, headings = add_heading_anchors(html)
    assert [(h.level, h.text) for h in headings] == [(1, "Title")]
    assert 'id="sec-1-title"' in anchored


def test_pdf_is_regenerated_only_when_the_body_changes(monkeypatch):
    whitepaper = WhitepaperFactory(file="", body={"en": [block("Short body.")]})
    calls = []
    monkeypatch.setattr(
        "whitepapers.pdf.render_pdf_document",
        lambda wp, language=None: calls.append(wp.pk) or RenderedPdf(data=b"%PDF-1.4 x", pages=1),
    )
    first = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    assert len(calls) == 1
    services.whitepaper_update(whitepaper=first, body={"en": [block("A changed body.")]})
    second = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    assert len(calls) == 2
    assert second.body_hash != first.body_hash
    services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk, force=True)
    assert len(calls) == 3


def test_body_change_enqueues_generation_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    whitepaper = WhitepaperFactory(file="")
    generated = []
    monkeypatch.setattr(
        "whitepapers.services.pdfs.whitepaper_generate_pdf",
        lambda whitepaper_id, force=False: generated.append(whitepaper_id),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.whitepaper_update(whitepaper=whitepaper, body_markdown={"en": "# New\n\nText."})
    assert generated == [whitepaper.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.whitepaper_update(whitepaper=whitepaper, category="Cloud")
    assert generated == [whitepaper.pk, whitepaper.pk]  # hash still differs: no PDF was stored by the fake


def test_no_body_no_pdf():
    whitepaper = WhitepaperFactory(body={}, body_markdown={})
    with pytest.raises(WhitepaperUnavailable):
        services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)


def test_print_html_follows_the_language():
    three = [block(name, "h2", name) for name in ("One", "Two", "Three")]
    whitepaper = WhitepaperFactory(
        file="", author__first_name="Jana", author__last_name="Keller", body={"en": three, "de": three}
    )
    german = render_html(whitepaper, "de")
    assert '@bottom-center { content: "Seite " counter(page) " von " counter(pages);' in german
    assert "<h2>Inhalt</h2>" in german and '<p class="author">von Jana Keller' in german
    assert '<html lang="de">' in german and "Titel " in german
    english = render_html(whitepaper, "en")
    assert '@bottom-center { content: "Page " counter(page) " of " counter(pages);' in english
    assert "<h2>Contents</h2>" in english and '<p class="author">by Jana Keller' in english
    assert f'@top-left {{ content: "{whitepaper.title["en"]}";' in english
    assert f'@top-left {{ content: "{whitepaper.title["de"]}";' in german
    assert "Sprechen Sie mit Jana darüber" in german
    assert f'href="{settings.SITE_URL}/de/consultants/jana-keller/book/"' in german


def test_css_strings_cannot_break_out_of_the_stylesheet():
    assert css_string('a "b" \\ </style>') == '"a \\"b\\" \\\\ \\3C /style>"'


@pytest.mark.parametrize("language", ["en", "de"])
def test_demo_whitepapers_are_multi_page_documents_with_contents(language):
    import json
    from pathlib import Path

    fixture = Path(settings.BASE_DIR) / "whitepapers" / "fixtures" / "demo_whitepapers.json"
    paper = json.loads(fixture.read_text(encoding="utf-8"))[0]
    whitepaper = WhitepaperFactory(
        file="",
        slug=paper["slug"],
        title=paper["title"],
        summary=paper["summary"],
        body=paper["body"],
        language=language,
    )
    result = services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    with result.generated_file.open("rb") as handle:
        pages = pages_text(handle.read())
    contents = {"en": "Contents", "de": "Inhalt"}[language]
    assert result.page_count == len(pages) >= 5
    assert contents in pages[1]
    assert all(
        f"Page {n} of {len(pages)}" in pages[n - 1] or f"Seite {n} von {len(pages)}" in pages[n - 1]
        for n in range(2, len(pages) + 1)
    )
