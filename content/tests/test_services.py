from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from content import services
from content.exceptions import MediaTooLarge, PageContentInvalid, PageNotFound, PageSlugTaken, UnsupportedMediaType
from content.models import MediaKind, Page, PageStatus

from .factories import PageFactory, paragraph, png_bytes

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def create(**overrides) -> Page:
    fields = {
        "slug": "about",
        "title": {"en": "About us", "de": "Über uns"},
        "content": {"en": [paragraph("We advise.")], "de": [paragraph("Wir beraten.")]},
    }
    return services.page_create(**(fields | overrides))


def test_page_create_draft_with_structured_data():
    page = create(meta_description={"en": "Who we are"}, seo_keywords={"en": ["consulting"]})
    assert (page.status, page.published_at) == (PageStatus.DRAFT, None)
    assert page.structured_data["en"]["@type"] == "WebPage"
    assert page.structured_data["en"]["url"] == "http://127.0.0.1:3036/about/"
    assert page.structured_data["en"]["description"] == "Who we are"
    assert page.structured_data["en"]["keywords"] == "consulting"
    assert page.structured_data["de"]["url"] == "http://127.0.0.1:3036/de/about/"
    assert page.structured_data["de"]["name"] == "Über uns"


def test_page_create_published_now():
    page = create(status=PageStatus.PUBLISHED, now=NOW)
    assert page.published_at == NOW
    assert list(Page.objects.published()) == [page]


def test_home_page_is_website():
    assert create(slug="home").structured_data["en"]["@type"] == "WebSite"


def test_invalid_portable_text_names_block():
    content = {"en": [paragraph("a"), paragraph("b"), paragraph("c"), {"_type": "block", "children": "x"}]}
    with pytest.raises(PageContentInvalid) as info:
        create(content=content)
    assert info.value.details[0]["field"] == "content.en.3"
    assert info.value.status == 422
    assert Page.objects.count() == 0


def test_german_block_error_and_excerpt_error():
    with pytest.raises(PageContentInvalid) as info:
        create(content={"en": [paragraph("a")], "de": [{"_type": "cta", "text": "x", "url": "javascript:alert(1)"}]})
    assert info.value.details[0]["field"] == "content.de.0"
    with pytest.raises(PageContentInvalid) as info:
        create(excerpt={"en": [paragraph("ok"), {"_type": "bogus"}]})
    assert info.value.details[0]["field"] == "excerpt.en.1"


def test_english_content_required():
    with pytest.raises(PageContentInvalid) as info:
        create(content={"de": [paragraph("nur deutsch")]})
    assert info.value.details[0]["field"] == "content.en"


def test_empty_excerpt_is_fine():
    assert create(excerpt={"en": [], "de": []}).excerpt == {"en": [], "de": []}


def test_duplicate_slug_conflict_and_reserved_slug():
    create()
    with pytest.raises(PageSlugTaken):
        create(title={"en": "Again"})
    with pytest.raises(ValidationError) as info:
        create(slug="admin")
    assert "slug" in info.value.message_dict


def test_title_needs_english():
    with pytest.raises(ValidationError) as info:
        create(title={"de": "Nur Deutsch"})
    assert "title" in info.value.message_dict


def test_page_update_partial_and_publish_transition():
    page = create()
    page = services.page_update(page=page, data={"title": {"en": "About Magnetiq"}, "status": "published"}, now=NOW)
    assert page.title == {"en": "About Magnetiq"}
    assert (page.status, page.published_at) == (PageStatus.PUBLISHED, NOW)
    assert page.content["de"] == [paragraph("Wir beraten.")]


def test_page_update_refuses_unknown_fields_and_deleted_pages():
    page = create()
    with pytest.raises(services.InvalidInput):
        services.page_update(page=page, data={"structured_data": {}})
    services.page_delete(page=page)
    with pytest.raises(PageNotFound):
        services.page_update(page=page, data={"title": {"en": "x"}})


def test_publish_keeps_earlier_time_and_unpublish():
    earlier = NOW - timedelta(days=3)
    page = PageFactory(draft=True)
    page = services.page_publish(page=page, published_at=earlier)
    assert (page.status, page.published_at) == (PageStatus.PUBLISHED, earlier)
    page = services.page_unpublish(page=page)
    assert page.status == PageStatus.DRAFT
    page = services.page_publish(page=page, now=NOW)
    assert page.published_at == earlier


def test_delete_is_soft_and_frees_slug():
    page = create()
    services.page_delete(page=page, now=NOW)
    page.refresh_from_db()
    assert page.deleted_at == NOW
    assert create().pk != page.pk


def test_media_asset_create_png_generated_name():
    upload = SimpleUploadedFile("../../evil.php", png_bytes(4, 3), content_type="text/html")
    asset = services.media_asset_create(upload=upload, alt_text={"en": "Logo"})
    assert (asset.mime_type, asset.width, asset.height, asset.size_bytes) == ("image/png", 4, 3, len(png_bytes(4, 3)))
    assert asset.original_filename == "evil.php"
    assert asset.file.name.startswith("assets/")
    assert asset.file.name.endswith(".png")
    assert "evil" not in asset.file.name
    assert ".." not in asset.file.name
    assert asset.file.read() == png_bytes(4, 3)


def test_media_asset_create_refuses_html_named_png():
    upload = SimpleUploadedFile("cat.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(UnsupportedMediaType):
        services.media_asset_create(upload=upload)


def test_media_asset_create_refuses_oversize(settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 50
    with pytest.raises(MediaTooLarge) as info:
        services.media_asset_create(upload=SimpleUploadedFile("big.png", png_bytes(40, 40)))
    assert info.value.status == 413


def test_portable_asset_types_narrowed():
    upload = SimpleUploadedFile("doc.pdf", b"%PDF-1.4\n...")
    with pytest.raises(UnsupportedMediaType):
        services.media_asset_create(upload=upload, kind=MediaKind.PORTABLE, allowed_types=frozenset({"image/png"}))


def test_media_asset_update_and_delete():
    asset = services.media_asset_create(upload=SimpleUploadedFile("a.png", png_bytes()))
    asset = services.media_asset_update(asset=asset, alt_text={"en": "New", "de": "Neu"})
    assert asset.alt_text == {"en": "New", "de": "Neu"}
    services.media_asset_delete(asset=asset, now=NOW)
    assert asset.deleted_at == NOW
