import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from content.models import MediaAsset, MediaKind, Page

from .factories import MediaAssetFactory, PageFactory, paragraph, png_bytes

pytestmark = pytest.mark.django_db

PAGES = "/api/v1/content/pages"


def payload(**overrides) -> dict:
    return {
        "slug": "services",
        "title": {"en": "Services", "de": "Leistungen"},
        "content": {"en": [paragraph("We help.")], "de": [paragraph("Wir helfen.")]},
        **overrides,
    }


def test_create_list_get_update_delete(editor_client, editor):
    response = editor_client.post(PAGES, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "Page created."
    page_id = body["data"]["id"]
    assert body["data"]["status"] == "draft"
    assert body["data"]["urls"] == {"en": "/services/", "de": "/de/services/"}
    assert body["data"]["author"] == {"id": editor.pk, "email": "editor@example.com"}

    listing = editor_client.get(PAGES).json()["data"]
    assert [p["slug"] for p in listing["pages"]] == ["services"]
    assert listing["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}

    assert editor_client.get(f"{PAGES}/{page_id}").json()["data"]["title"]["de"] == "Leistungen"

    put = editor_client.put(
        f"{PAGES}/{page_id}", payload(title={"en": "Our services"}, status="published"), format="json"
    )
    assert put.status_code == 200
    assert put.json()["data"]["title"] == {"en": "Our services"}
    assert put.json()["data"]["published_at"] is not None

    patch = editor_client.patch(f"{PAGES}/{page_id}", {"status": "draft"}, format="json")
    assert patch.status_code == 200
    assert patch.json()["data"]["status"] == "draft"
    assert patch.json()["data"]["title"] == {"en": "Our services"}

    assert editor_client.delete(f"{PAGES}/{page_id}").status_code == 204
    assert Page.objects.get(pk=page_id).deleted_at is not None
    assert editor_client.get(f"{PAGES}/{page_id}").status_code == 404
    assert editor_client.get(PAGES).json()["data"]["pagination"]["total"] == 0


def test_put_requires_all_fields(editor_client):
    page = PageFactory()
    response = editor_client.put(f"{PAGES}/{page.pk}", {"slug": page.slug}, format="json")
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"title", "content"}


def test_invalid_portable_text_is_422_with_block_index(editor_client):
    content = {"en": [paragraph("1"), paragraph("2"), paragraph("3"), {"_type": "block", "children": [{"_type": "x"}]}]}
    response = editor_client.post(PAGES, payload(content=content), format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_PORTABLE_TEXT"
    assert error["details"][0]["field"] == "content.en.3"
    assert Page.objects.count() == 0


def test_duplicate_slug_409_and_reserved_slug_422(editor_client):
    PageFactory(slug="services")
    response = editor_client.post(PAGES, payload(), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "PAGE_SLUG_TAKEN"
    response = editor_client.post(PAGES, payload(slug="api"), format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "slug"


def test_list_filters_status_and_search(editor_client):
    PageFactory(slug="about", title={"en": "About us", "de": "Über uns"})
    PageFactory(slug="draft-one", draft=True, title={"en": "Draft"})
    PageFactory(slug="gone", deleted_at=timezone.now())
    drafts = editor_client.get(PAGES, {"status": "draft"}).json()["data"]["pages"]
    assert [p["slug"] for p in drafts] == ["draft-one"]
    for term in ("ABOUT", "uns", "abo"):
        found = editor_client.get(PAGES, {"search": term}).json()["data"]["pages"]
        assert [p["slug"] for p in found] == ["about"], term


def test_admin_pages_alias(editor_client):
    response = editor_client.post("/api/v1/admin/pages", payload(slug="alias"), format="json")
    assert response.status_code == 201
    page_id = response.json()["data"]["id"]
    assert editor_client.get("/api/v1/admin/pages").json()["data"]["pages"][0]["slug"] == "alias"
    assert editor_client.put(f"/api/v1/admin/pages/{page_id}", payload(slug="alias"), format="json").status_code == 200
    assert editor_client.delete(f"/api/v1/admin/pages/{page_id}").status_code == 204


@pytest.mark.parametrize(
    ("suffix", "key", "expected_de", "expected_en"),
    [
        ("html", "content_html", "<p>Deutscher Text</p>", "<p>English text</p>"),
        ("markdown", "content_markdown", "Deutscher Text", "English text"),
        ("plain-text", "content_text", "Deutscher Text", "English text"),
    ],
)
def test_render_endpoints_with_language_fallback(editor_client, suffix, key, expected_de, expected_en):
    page = PageFactory(
        content={"en": [paragraph("English text")], "de": [paragraph("Deutscher Text")]},
        excerpt={"en": [paragraph("Summary")]},
    )
    de = editor_client.get(f"{PAGES}/{page.pk}/{suffix}", {"language": "de"}).json()["data"]
    assert (de["language"], de["requested_language"], de[key]) == ("de", "de", expected_de)
    assert de["title"] == f"Titel {page.slug}"

    english_only = PageFactory(content={"en": [paragraph("English text")]}, title={"en": "Only English"})
    fallback = editor_client.get(f"{PAGES}/{english_only.pk}/{suffix}", {"language": "de"}).json()["data"]
    assert (fallback["language"], fallback["requested_language"], fallback[key]) == ("en", "de", expected_en)
    assert fallback["title"] == "Only English"


def test_render_html_escapes_and_excerpt(editor_client):
    page = PageFactory(content={"en": [paragraph("<script>x</script>")]}, excerpt={})
    data = editor_client.get(f"{PAGES}/{page.pk}/html").json()["data"]
    assert data["content_html"] == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert data["excerpt_html"] is None


def test_render_markdown_escapes_raw_html(editor_client):
    page = PageFactory(
        content={"en": [paragraph("<script>alert(1)</script> <b>x</b> &amp; & *y*")]},
        excerpt={"en": [paragraph("# <i>z</i>")]},
    )
    data = editor_client.get(f"{PAGES}/{page.pk}/markdown").json()["data"]
    assert data["content_markdown"] == "\\<script>alert(1)\\</script> \\<b>x\\</b> \\&amp; & \\*y\\*"
    assert data["excerpt_markdown"] == "\\# \\<i>z\\</i>"


def test_unknown_language_is_422(editor_client):
    page = PageFactory()
    response = editor_client.get(f"{PAGES}/{page.pk}/html", {"language": "fr"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "language"


def test_public_page(api_client):
    PageFactory(slug="about", seo_keywords={"en": ["consulting"]})
    response = api_client.get("/api/v1/public/pages/about", {"language": "de"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["language"], data["title"], data["url"]) == ("de", "Titel about", "/de/about/")
    assert data["content_html"] == "<p>Deutscher Text von about</p>"
    assert data["seo"]["description"] == "Deutsche Beschreibung"
    assert data["seo"]["keywords"] == ["consulting"]
    assert data["seo"]["alternates"] == {
        "en": "http://127.0.0.1:3036/about/",
        "de": "http://127.0.0.1:3036/de/about/",
    }


def test_public_page_404_for_draft_deleted_missing(api_client):
    PageFactory(slug="draft", draft=True)
    PageFactory(slug="gone", deleted_at=timezone.now())
    for slug in ("draft", "gone", "missing"):
        response = api_client.get(f"/api/v1/public/pages/{slug}")
        assert response.status_code == 404
        assert response.json()["success"] is False


def test_permissions(api_client, outsider):
    page = PageFactory()
    assert api_client.get(PAGES).status_code == 401
    api_client.force_authenticate(outsider)
    assert api_client.get(PAGES).status_code == 403
    assert api_client.post(PAGES, payload(), format="json").status_code == 403
    assert api_client.get(f"{PAGES}/{page.pk}/html").status_code == 403
    assert api_client.delete(f"{PAGES}/{page.pk}").status_code == 403
    assert api_client.get("/api/v1/admin/pages").status_code == 403
    assert api_client.get("/api/v1/content/media").status_code == 403
    assert api_client.post("/api/v1/content/portable-assets", {}).status_code == 403


def test_view_only_user_cannot_write(api_client, outsider, content_group):
    from django.contrib.auth.models import Group, Permission

    viewers = Group.objects.create(name="viewers-test")
    viewers.permissions.set(Permission.objects.filter(codename="view_page"))
    outsider.groups.add(viewers)
    api_client.force_authenticate(outsider)
    assert api_client.get(PAGES).status_code == 200
    assert api_client.post(PAGES, payload(), format="json").status_code == 403


def upload(client, url, name, data, **fields):
    return client.post(url, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_media_upload_png(editor_client):
    response = upload(editor_client, "/api/v1/content/media", "photo.png", png_bytes(5, 4), alt_text="A photo")
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["mime_type"], data["width"], data["height"]) == ("image/png", 5, 4)
    assert data["alt_text"] == {"en": "A photo"}
    assert data["original_filename"] == "photo.png"
    assert data["url"] == f"/api/v1/media/{data['id']}"
    served = editor_client.get(data["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == png_bytes(5, 4)


def test_media_upload_alt_text_json(editor_client):
    response = upload(
        editor_client, "/api/v1/content/media", "p.png", png_bytes(), alt_text='{"en": "Team", "de": "Team-Foto"}'
    )
    assert response.json()["data"]["alt_text"] == {"en": "Team", "de": "Team-Foto"}


def test_media_upload_html_named_png_refused(editor_client):
    response = upload(editor_client, "/api/v1/content/media", "cat.png", b"<!doctype html><script>alert(1)</script>")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert MediaAsset.objects.count() == 0


def test_media_upload_oversize_refused(editor_client, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 80
    response = upload(editor_client, "/api/v1/content/media", "big.png", png_bytes(60, 60))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert "80 bytes" in response.json()["error"]["message"]


def test_media_upload_path_traversal_name(editor_client):
    response = upload(editor_client, "/api/v1/content/media", "../../x.php", png_bytes())
    assert response.status_code == 201
    asset = MediaAsset.objects.get()
    assert asset.original_filename == "x.php"
    assert asset.file.name.startswith("assets/")
    assert asset.file.name.endswith(".png")
    assert "x.php" not in asset.file.name


def test_media_list_and_delete(editor_client):
    asset = MediaAssetFactory()
    MediaAssetFactory(deleted_at=timezone.now())
    listing = editor_client.get("/api/v1/content/media").json()["data"]
    assert [a["id"] for a in listing["media_assets"]] == [asset.pk]
    assert editor_client.delete(f"/api/v1/content/media/{asset.pk}").status_code == 204
    assert editor_client.get("/api/v1/content/media").json()["data"]["pagination"]["total"] == 0
    assert editor_client.get(f"/api/v1/media/{asset.pk}").status_code == 404


def test_portable_assets(editor_client):
    MediaAssetFactory()
    response = upload(editor_client, "/api/v1/content/portable-assets", "p.png", png_bytes(), alt_text="Chart")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["kind"] == MediaKind.PORTABLE
    assert data["asset"] == {
        "_type": "reference",
        "_ref": str(data["id"]),
        "url": f"/api/v1/media/{data['id']}",
        "alt": "Chart",
        "caption": "",
        "mimeType": "image/png",
    }
    listing = editor_client.get("/api/v1/content/portable-assets").json()["data"]
    assert [a["id"] for a in listing["media_assets"]] == [data["id"]]
    pdf = upload(editor_client, "/api/v1/content/portable-assets", "a.pdf", b"%PDF-1.4\n...")
    assert pdf.status_code == 422


def test_media_file_pdf_is_attachment(api_client):
    from django.core.files.base import ContentFile

    asset = MediaAssetFactory(
        file=ContentFile(b"%PDF-1.4\n", name="x.pdf"), mime_type="application/pdf", original_filename="brochure.pdf"
    )
    response = api_client.get(f"/api/v1/media/{asset.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="brochure.pdf"'


def test_media_file_documents_every_type_it_serves(api_client):
    """The schema said application/octet-stream; the file goes out with its detected type."""
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    content = schema["paths"]["/api/v1/media/{id}"]["get"]["responses"]["200"]["content"]
    assert sorted(content) == ["application/pdf", "image/gif", "image/jpeg", "image/png", "image/webp", "video/mp4"]
