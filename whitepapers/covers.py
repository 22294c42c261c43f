"""The landing page's cover image of a whitepaper, drawn with Pillow like the PDF's cover page.

WeasyPrint no longer writes PNGs and no PDF rasteriser is installed, so the image is drawn from
the same parts as page 1 of the PDF: the logo (the mark of ``static/img/logo.svg`` redrawn as a
polygon, and the name), the date, the title, the summary's first sentence and the author. A4
proportions, :data:`COVER_SIZE` pixels, PNG.
"""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

#: Width × height in pixels (A4's 1 : 1.414).
COVER_SIZE = (600, 848)
BACKGROUND = "#1d2330"
ACCENT = "#9bb3ff"
BRAND = "#2f5bea"
_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#: The "M" of static/img/logo.svg (its path, in the SVG's 48-unit-high box).
_LOGO_MARK = [
    (6, 40),
    (6, 8),
    (13, 8),
    (24, 25),
    (35, 8),
    (42, 8),
    (42, 40),
    (35, 40),
    (35, 21),
    (24, 37),
    (13, 21),
    (13, 40),
]


def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels (by words)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    return lines


def render_cover(*, title: str, date: str, summary: str = "", author: str = "") -> bytes:
    """The cover as PNG bytes (:data:`COVER_SIZE`): logo panel, ``date``, ``title`` (at most five
    lines), the first sentence of ``summary`` (at most four lines) and "``author``" at the foot."""
    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 48

    # Logo panel: white rounded box with the mark and the name, as on the PDF's cover.
    draw.rounded_rectangle((margin, margin, margin + 230, margin + 64), radius=8, fill="#ffffff")
    scale = 1.0
    draw.polygon([(margin + 10 + x * scale, margin + 8 + y * scale) for x, y in _LOGO_MARK], fill=BRAND)
    draw.ellipse((margin + 10 + 40, margin + 8 + 36, margin + 10 + 48, margin + 8 + 44), fill=ACCENT)
    draw.text((margin + 72, margin + 32), "Magnetiq", font=_font(_SANS_BOLD, 28), fill="#1d2330", anchor="lm")

    y = margin + 110
    draw.text((margin, y), date, font=_font(_SANS, 20), fill=ACCENT)
    y += 50
    title_font = _font(_SANS_BOLD, 38)
    for line in _wrap(draw, title, title_font, width - 2 * margin)[:5]:
        draw.text((margin, y), line, font=title_font, fill="#ffffff")
        y += 48
    y += 24
    draw.rectangle((margin, y, margin + 80, y + 5), fill=BRAND)
    y += 30
    first_sentence = textwrap.shorten(summary.split(". ")[0], 220, placeholder="…") if summary else ""
    summary_font = _font(_SANS, 20)
    for line in _wrap(draw, first_sentence, summary_font, width - 2 * margin)[:4]:
        draw.text((margin, y), line, font=summary_font, fill="#d6dcf5")
        y += 28
    if author:
        draw.text((margin, height - margin), author, font=_font(_SANS, 20), fill=ACCENT, anchor="ls")
    buffer = io.BytesIO()
    # Fast zlib level: the image is flat colour and text, so the file is barely larger and the PDF
    # task is not held up by PNG optimisation.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
