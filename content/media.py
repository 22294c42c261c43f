"""Detect what an uploaded file really is, from its bytes (RELIABILITY A-14).

The client's file name and ``Content-Type`` are never trusted: :func:`sniff` reads the magic
numbers, checks the image header is well formed (and reads its pixel size), and refuses markup
(HTML, SVG, XML) in any disguise, since a browser could run script in it.
"""

import re
import struct
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .exceptions import UnsupportedMediaType

# MIME type → file extension used for the server-generated name.
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "video/mp4": "mp4",
}
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Portable Text assets: images and video (spec 000 portable-assets example), no documents.
PORTABLE_TYPES = IMAGE_TYPES | {"video/mp4"}

# Markup a browser would execute if it ever sniffed the file as HTML/SVG.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|body|iframe|object|embed|\?xml)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff` found: ``mime_type`` and, for images, ``width``/``height`` in pixels."""

    mime_type: str
    width: int | None = None
    height: int | None = None


def extension_for(mime_type: str) -> str:
    return EXTENSIONS.get(mime_type, "bin")


def sniff(data: bytes, *, allowed: frozenset[str] | None = None) -> Sniffed:
    """Identify ``data`` by its bytes; raise :class:`UnsupportedMediaType` (422) when refused.

    Accepts PNG, JPEG, GIF, WebP, PDF and MP4 (``allowed`` narrows the set). SVG, HTML and any
    image carrying markup are refused; so is a file whose header claims an image but is broken.
    """
    mime_type = _magic(data)
    if mime_type is None:
        if _MARKUP.search(data[:4096]):
            raise UnsupportedMediaType(
                _("HTML, SVG and XML files are not accepted, whatever their name."),
                details=[{"field": "file", "message": _("Markup files are refused."), "code": "markup_refused"}],
            )
        raise UnsupportedMediaType(
            _("Unrecognised file type: upload PNG, JPEG, GIF, WebP, PDF or MP4."),
            details=[{"field": "file", "message": _("Unrecognised file type."), "code": "unsupported_type"}],
        )
    if allowed is not None and mime_type not in allowed:
        raise UnsupportedMediaType(
            _("%(mime_type)s is not accepted here; use %(allowed)s.")
            % {"mime_type": mime_type, "allowed": ", ".join(sorted(allowed))},
            details=[
                {
                    "field": "file",
                    "message": _("%(mime_type)s is not accepted here.") % {"mime_type": mime_type},
                    "code": "unsupported_type",
                }
            ],
        )
    if mime_type in IMAGE_TYPES:
        if _MARKUP.search(data):
            raise UnsupportedMediaType(
                _("The image contains HTML or script and was refused."),
                details=[{"field": "file", "message": _("Image with embedded markup."), "code": "markup_refused"}],
            )
        size = _image_size(mime_type, data)
        if size is None:
            raise UnsupportedMediaType(
                _("The file starts like %(mime_type)s but is not a valid image.") % {"mime_type": mime_type},
                details=[{"field": "file", "message": _("Broken image header."), "code": "invalid_image"}],
            )
        return Sniffed(mime_type, *size)
    return Sniffed(mime_type)


def _magic(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp" and data[8:12] in (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"):
        return "video/mp4"
    return None


def _image_size(mime_type: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the image header, or ``None`` when the header is malformed."""
    try:
        if mime_type == "image/png":
            if data[12:16] != b"IHDR":
                return None
            width, height = struct.unpack(">II", data[16:24])
        elif mime_type == "image/gif":
            width, height = struct.unpack("<HH", data[6:10])
        elif mime_type == "image/webp":
            return _webp_size(data)
        else:
            return _jpeg_size(data)
    except struct.error:
        return None
    return (width, height) if width and height else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the marker segments to the first start-of-frame (SOF0–SOF15 except DHT/JPG/DAC).
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return (width, height) if width and height else None
        pos += 2 + length
    return None
