from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone, translation

from content.exceptions import UnsupportedMediaType
from content.media import sniff
from content.models import MediaAsset, Page, PageStatus

from .factories import MediaAssetFactory, PageFactory, paragraph, png_bytes

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_deleted_and_scheduled():
    live = PageFactory(slug="live")
    PageFactory(slug="draft", draft=True)
    PageFactory(slug="gone", deleted_at=timezone.now())
    PageFactory(slug="later", published_at=timezone.now() + timedelta(hours=1))

    assert list(Page.objects.published()) == [live]
    assert sorted(Page.objects.alive().values_list("slug", flat=True)) == ["draft", "later", "live"]


def test_published_honours_now():
    page = PageFactory(slug="later", published_at=timezone.now() + timedelta(hours=1))
    assert list(Page.objects.published(now=timezone.now() + timedelta(hours=2))) == [page]


def test_live_slug_unique_but_reusable_after_soft_delete():
    PageFactory(slug="about", deleted_at=timezone.now())
    PageFactory(slug="about")
    with pytest.raises(IntegrityError):
        PageFactory(slug="about")


def test_published_page_needs_time_in_database():
    with pytest.raises(IntegrityError):
        PageFactory(slug="x", status=PageStatus.PUBLISHED, published_at=None)


@pytest.mark.parametrize("slug", ["admin", "api", "consultants", "static", "media", "de", "sitemap.xml"])
def test_reserved_slugs_refused(slug):
    page = PageFactory.build(slug=slug)
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert "slug" in info.value.message_dict


def test_slug_messages_speak_the_editors_language():
    page = PageFactory.build(slug="admin")
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert info.value.message_dict["slug"] == ["“admin” is reserved for another part of the site; choose another slug."]
    with translation.override("de"):
        with pytest.raises(ValidationError) as info:
            PageFactory.build(slug="About_Us").full_clean()
        assert info.value.message_dict["slug"] == [
            "Verwenden Sie Kleinbuchstaben, Ziffern und einzelne Bindestriche (z. B. „ueber-uns“)."
        ]
        with pytest.raises(ValidationError) as info:
            PageFactory.build(slug="admin").full_clean()
        assert info.value.message_dict["slug"] == [
            "„admin“ ist für einen anderen Teil der Website reserviert; wählen Sie einen anderen Slug."
        ]


def test_clean_names_failing_block():
    page = PageFactory.build(content={"en": [paragraph("ok"), {"_type": "nonsense"}]})
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert info.value.message_dict["content"][0].startswith("EN block 1:")


def test_urls_and_language_fallback():
    page = PageFactory.build(slug="about", content={"en": [paragraph("hi")], "de": []}, title={"en": "About"})
    assert page.get_absolute_url() == "/about/"
    assert page.get_absolute_url("de") == "/de/about/"
    assert page.content_language("de") == "en"
    assert page.title_for("de") == "About"
    home = PageFactory.build(slug="home")
    assert (home.get_absolute_url(), home.get_absolute_url("de"), home.is_home) == ("/", "/de/", True)


def test_media_asset_reference_and_alive():
    asset = MediaAssetFactory()
    MediaAssetFactory(deleted_at=timezone.now())
    assert list(MediaAsset.objects.alive()) == [asset]
    assert asset.reference("de") == {
        "_type": "reference",
        "_ref": str(asset.pk),
        "url": f"/api/v1/media/{asset.pk}",
        "alt": "Ein Foto",
        "caption": "",
        "mimeType": "image/png",
    }


def test_sniff_reads_png_size():
    found = sniff(png_bytes(7, 5))
    assert (found.mime_type, found.width, found.height) == ("image/png", 7, 5)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"GIF89a\x02\x00\x03\x00" + b"\x00" * 10, "image/gif"),
        (b"%PDF-1.7\n%...", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16, "video/mp4"),
        (
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x04\x00\x06",
            "image/jpeg",
        ),
    ],
)
def test_sniff_known_types(data, mime):
    assert sniff(data).mime_type == mime


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><script>alert(1)</script>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<svg onload=alert(1)>",
        png_bytes() + b"<script>alert(1)</script>",
        b"\x89PNG\r\n\x1a\n garbage",
        b"just some text",
    ],
)
def test_sniff_refuses_markup_and_garbage(data):
    with pytest.raises(UnsupportedMediaType):
        sniff(data)
