"""factory_boy factories for content (saved directly; service tests call the services themselves)."""

import struct
import zlib
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from content.models import MediaAsset, Page, PageStatus


def paragraph(text: str, **extra) -> dict:
    """One Portable Text paragraph holding ``text``."""
    return {"_type": "block", "style": "normal", "markDefs": [], "children": [{"_type": "span", "text": text}], **extra}


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """A valid, tiny PNG of ``width``×``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    slug = factory.Sequence(lambda n: f"page-{n}")
    title = factory.LazyAttribute(lambda o: {"en": f"Title {o.slug}", "de": f"Titel {o.slug}"})
    content = factory.LazyAttribute(
        lambda o: {"en": [paragraph(f"English body of {o.slug}")], "de": [paragraph(f"Deutscher Text von {o.slug}")]}
    )
    excerpt = factory.LazyFunction(lambda: {"en": [paragraph("Short summary.")], "de": [paragraph("Kurzfassung.")]})
    meta_description = factory.LazyFunction(lambda: {"en": "English description", "de": "Deutsche Beschreibung"})
    status = PageStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    class Params:
        draft = factory.Trait(status=PageStatus.DRAFT, published_at=None)


class MediaAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaAsset

    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="upload.png"))
    original_filename = "photo.png"
    mime_type = "image/png"
    size_bytes = factory.LazyAttribute(lambda o: o.file.size)
    width = 3
    height = 2
    alt_text = factory.LazyFunction(lambda: {"en": "A photo", "de": "Ein Foto"})
