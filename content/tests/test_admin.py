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
    """The page form as the browser posts it: one box per language, named ``<field>__<code>``."""
    data = {
        "slug": "services",
        "title__en": "Services",
        "title__de": "Leistungen",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "excerpt__en": "",
        "excerpt__de": "",
        "content__en": "We help.",
        "content__de": "",
        "meta_description__en": "",
        "meta_description__de": "",
        "seo_title__en": "",
        "seo_title__de": "",
        "seo_keywords__en": "",
        "seo_keywords__de": "",
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
    response = admin_client.post(
        reverse("admin:content_page_add"),
        page_form(status="published", content__en="## Offer\n\nWe **help**.", seo_keywords__en="AI, strategy"),
    )
    assert response.status_code == 302
    page = Page.objects.get(slug="services")
    assert page.status == PageStatus.PUBLISHED
    assert page.published_at is not None
    assert page.title == {"en": "Services", "de": "Leistungen"}
    assert page.seo_keywords == {"en": ["AI", "strategy"]}
    assert [(block["style"], [c["text"] for c in block["children"]]) for block in page.content["en"]] == [
        ("h2", ["Offer"]),
        ("normal", ["We ", "help", "."]),
    ]
    assert page.structured_data["en"]["name"] == "Services"


def test_markdown_the_editor_cannot_store_is_a_form_error_naming_it(admin_client):
    response = admin_client.post(reverse("admin:content_page_add"), page_form(content__de="Text\n\n![Logo](/logo.png)"))
    assert response.status_code == 200
    assert "Deutsch: Images (“![Logo](/logo.png)”) cannot be added here" in response.content.decode()
    unsafe = admin_client.post(reverse("admin:content_page_add"), page_form(content__en="<script>x</script>"))
    assert "English: HTML is not supported (“&lt;script&gt;x&lt;/script&gt;”)" in unsafe.content.decode()
    reserved = admin_client.post(reverse("admin:content_page_add"), page_form(slug="admin"))
    assert "is reserved" in reserved.content.decode()
    assert Page.objects.count() == 0


def test_change_view_shows_markdown_and_rendered_content_and_saves(admin_client):
    page = PageFactory(slug="about", content={"en": [paragraph("Rendered body")]})
    url = reverse("admin:content_page_change", args=[page.pk])
    html = admin_client.get(url).content.decode()
    assert "<p>Rendered body</p>" in html
    assert ">Rendered body</textarea>" in html
    assert "No content in this language" in html
    response = admin_client.post(url, page_form(slug="about", title__en="About Magnetiq", title__de=""))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == {"en": "About Magnetiq"}
    assert page.status == PageStatus.DRAFT


def test_saving_keeps_the_keys_of_unchanged_blocks(admin_client):
    first = {"_key": "intro", **paragraph("Intro.")}
    second = {"_key": "details", **paragraph("Details.")}
    page = PageFactory(slug="about", content={"en": [first, second]})
    url = reverse("admin:content_page_change", args=[page.pk])

    admin_client.post(url, page_form(slug="about", content__en="Intro, changed.\n\nDetails."))

    page.refresh_from_db()
    changed, unchanged = page.content["en"]
    assert unchanged == second
    assert changed["_key"] not in ("intro", "details")
    assert changed["children"][0]["text"] == "Intro, changed."


def test_a_language_the_editor_cannot_show_is_kept_as_stored(admin_client):
    image = {"_type": "image", "_key": "img", "asset": {"_ref": "abc"}, "alt": "Logo"}
    page = PageFactory(slug="about", content={"en": [paragraph("Body")], "de": [paragraph("Text"), image]})
    url = reverse("admin:content_page_change", args=[page.pk])

    html = admin_client.get(url).content.decode()
    assert "This text contains a “image” block, which the editor cannot show." in html
    assert 'name="content__de"' not in html

    response = admin_client.post(url, page_form(slug="about", content__en="New body", content__de="Ignored"))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.content["de"] == [paragraph("Text"), image]
    assert page.content["en"][0]["children"][0]["text"] == "New body"


def test_every_language_of_the_settings_gets_a_box(admin_client, settings):
    settings.LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French")]
    html = admin_client.get(reverse("admin:content_page_add")).content.decode()
    for field in ("title", "content", "excerpt", "meta_description", "seo_title", "seo_keywords"):
        for code in ("en", "de", "fr"):
            assert f'name="{field}__{code}"' in html
    assert html.count('<fieldset class="translation" data-language="fr">') == 6
    assert "French (fr)" in html
    assert "js/admin-translations.js" in html


def test_markdown_preview_renders_with_the_site_renderer(admin_client):
    url = reverse("admin:content_markdown_preview")
    response = admin_client.post(url, {"markdown": "# Hi\n\nA **bold** [link](https://example.com)."})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == (
        '<h1>Hi</h1><p>A <strong>bold</strong> <a href="https://example.com">link</a>.</p>'
    )
    refused = admin_client.post(url, {"markdown": "<iframe src=x></iframe>"})
    assert refused.status_code == 400
    assert refused.content.decode() == "HTML is not supported (“<iframe src=x></iframe>”); use Markdown."
    assert admin_client.get(url).status_code == 405


def test_markdown_preview_is_for_staff_only(client):
    url = reverse("admin:content_markdown_preview")
    anonymous = client.post(url, {"markdown": "x"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    visitor = User.objects.create_user("visitor@example.com", "Correct-Horse-9")
    client.force_login(visitor)
    refused = client.post(url, {"markdown": "x"})
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("admin:login"))


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
            "alt_text__en": "Logo",
            "caption__en": "",
        },
    )
    assert response.status_code == 302
    created = MediaAsset.objects.exclude(pk=asset.pk).get()
    assert (created.width, created.height, created.original_filename) == (6, 2, "logo.png")
    assert (created.alt_text, created.caption) == ({"en": "Logo"}, {})
    assert admin_client.get(reverse("admin:content_mediaasset_change", args=[created.pk])).status_code == 200


def test_media_upload_refuses_html(admin_client):
    response = admin_client.post(
        reverse("admin:content_mediaasset_add"),
        {
            "upload": SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>"),
            "kind": "general",
            "alt_text__en": "",
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
