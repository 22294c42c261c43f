import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from content.models import MediaAsset, Page, PageStatus

from .factories import MediaAssetFactory, PageFactory, paragraph, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root@example.com", "Correct-Horse-9")
    client.force_login(user)
    return client


def page_form(**overrides) -> dict:
    data = {
        "slug": "services",
        "title": json.dumps({"en": "Services", "de": "Leistungen"}),
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "excerpt": "{}",
        "content": json.dumps({"en": [paragraph("We help.")]}),
        "meta_description": "{}",
        "seo_title": "{}",
        "seo_keywords": "{}",
    }
    return data | overrides


@pytest.mark.parametrize("name", ["page", "mediaasset"])
def test_changelist_search_add_render(admin_client, name):
    PageFactory(slug="about")
    MediaAssetFactory()
    url = reverse(f"admin:content_{name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "about"}).status_code == 200
    assert admin_client.get(reverse(f"admin:content_{name}_add")).status_code == 200


def test_page_changelist_columns_and_filters(admin_client):
    PageFactory(slug="about", title={"en": "About us"})
    html = admin_client.get(reverse("admin:content_page_changelist"), {"status__exact": "published"}).content.decode()
    assert "About us" in html
    assert "Title (en)" in html


def test_add_page_through_service(admin_client):
    response = admin_client.post(reverse("admin:content_page_add"), page_form(status="published"))
    assert response.status_code == 302
    page = Page.objects.get(slug="services")
    assert page.status == PageStatus.PUBLISHED
    assert page.published_at is not None
    assert page.structured_data["en"]["name"] == "Services"


def test_invalid_portable_text_is_a_form_error(admin_client):
    bad = json.dumps({"en": [paragraph("ok"), {"_type": "block", "children": [{"_type": "span"}]}]})
    response = admin_client.post(reverse("admin:content_page_add"), page_form(content=bad))
    assert response.status_code == 200
    assert "EN block 1: child 0 needs a text string" in response.content.decode()
    broken = admin_client.post(reverse("admin:content_page_add"), page_form(content="{not json"))
    assert broken.status_code == 200
    assert "Enter a valid JSON." in broken.content.decode()
    reserved = admin_client.post(reverse("admin:content_page_add"), page_form(slug="admin"))
    assert "is reserved" in reserved.content.decode()
    assert Page.objects.count() == 0


def test_change_view_shows_rendered_content_and_saves(admin_client):
    page = PageFactory(slug="about", content={"en": [paragraph("Rendered body")]})
    url = reverse("admin:content_page_change", args=[page.pk])
    html = admin_client.get(url).content.decode()
    assert "<p>Rendered body</p>" in html
    assert "No content in this language" in html
    response = admin_client.post(url, page_form(slug="about", title=json.dumps({"en": "About Magnetiq"})))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == {"en": "About Magnetiq"}
    assert page.status == PageStatus.DRAFT


def test_publish_unpublish_and_soft_delete_actions(admin_client):
    page = PageFactory(draft=True)
    url = reverse("admin:content_page_changelist")
    response = admin_client.post(url, {"action": "publish_pages", "_selected_action": [page.pk]})
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["1 page published."]
    page.refresh_from_db()
    assert (page.status, page.published_at is not None) == (PageStatus.PUBLISHED, True)
    admin_client.post(url, {"action": "unpublish_pages", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.status == PageStatus.DRAFT
    admin_client.post(url, {"action": "soft_delete_pages", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.deleted_at is not None
    assert Page.objects.filter(pk=page.pk).exists()


def test_delete_view_is_soft(admin_client):
    page = PageFactory()
    response = admin_client.post(reverse("admin:content_page_delete", args=[page.pk]), {"post": "yes"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.deleted_at is not None


def test_media_thumbnail_and_upload(admin_client):
    asset = MediaAssetFactory()
    html = admin_client.get(reverse("admin:content_mediaasset_changelist")).content.decode()
    assert f'<img src="/api/v1/media/{asset.pk}"' in html
    response = admin_client.post(
        reverse("admin:content_mediaasset_add"),
        {
            "upload": SimpleUploadedFile("logo.png", png_bytes(6, 2)),
            "kind": "general",
            "alt_text": json.dumps({"en": "Logo"}),
            "caption": "{}",
        },
    )
    assert response.status_code == 302
    created = MediaAsset.objects.exclude(pk=asset.pk).get()
    assert (created.width, created.height, created.original_filename) == (6, 2, "logo.png")
    assert admin_client.get(reverse("admin:content_mediaasset_change", args=[created.pk])).status_code == 200


def test_media_upload_refuses_html(admin_client):
    response = admin_client.post(
        reverse("admin:content_mediaasset_add"),
        {
            "upload": SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>"),
            "kind": "general",
            "alt_text": "{}",
            "caption": "{}",
        },
    )
    assert response.status_code == 200
    assert "HTML, SVG and XML files are not accepted" in response.content.decode()
    assert MediaAsset.objects.count() == 0


def test_media_delete_is_soft(admin_client):
    asset = MediaAssetFactory()
    admin_client.post(reverse("admin:content_mediaasset_delete", args=[asset.pk]), {"post": "yes"})
    asset.refresh_from_db()
    assert asset.deleted_at is not None
