"""Whitepaper API: public catalogue, lead capture and download, staff endpoints and permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from leads.models import Lead
from whitepapers import services
from whitepapers.models import DownloadToken, Whitepaper

from .factories import PDF_BYTES, WhitepaperFactory, block

pytestmark = pytest.mark.django_db

LEAD = {"lead": {"name": "Ada Lovelace", "email": "ada@example.com", "company": "ACME"}, "terms_accepted": True}


def data(response):
    return response.json()["data"]


# --- public catalogue -----------------------------------------------------------------------------


def test_list_shows_only_published_with_filters(api_client):
    shown = WhitepaperFactory(category="Cloud", tags=["finops"], is_featured=True)
    WhitepaperFactory(category="AI")
    WhitepaperFactory(is_active=False)
    Whitepaper.objects.filter(pk=WhitepaperFactory().pk).update(deleted_at="2026-01-01T00:00:00Z")
    response = api_client.get("/api/v1/public/whitepapers")
    assert response.status_code == 200
    assert data(response)["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}
    for query in ("category=Cloud", "tag=finops", "featured=true", f"author={shown.author_id}"):
        listed = data(api_client.get(f"/api/v1/public/whitepapers?{query}"))["whitepapers"]
        assert [item["id"] for item in listed] == [shown.pk], query
    card = data(api_client.get("/api/v1/public/whitepapers?category=Cloud&language=de"))["whitepapers"][0]
    assert card["title"] == f"Titel {shown.slug}"
    assert "file" not in card and "body" not in card


def test_detail_by_id_and_slug_counts_views(api_client, whitepaper):
    first = api_client.get(f"/api/v1/public/whitepapers/{whitepaper.pk}")
    second = api_client.get(f"/api/v1/public/whitepapers/{whitepaper.slug}?language=de")
    assert first.status_code == second.status_code == 200
    assert data(first)["view_count"] == 1 and data(second)["view_count"] == 2
    assert "<h2>Einleitung</h2>" in data(second)["body_html"]
    assert data(api_client.get(f"/api/v1/public/whitepapers/analytics/{whitepaper.pk}")) == {
        "id": whitepaper.pk,
        "view_count": 2,
        "download_count": 0,
    }


def test_hidden_whitepapers_are_404(api_client):
    hidden = WhitepaperFactory(is_active=False)
    for path in (f"{hidden.pk}", hidden.slug, f"analytics/{hidden.pk}"):
        assert api_client.get(f"/api/v1/public/whitepapers/{path}").status_code == 404
    assert api_client.post(f"/api/v1/public/whitepapers/{hidden.pk}/download", LEAD, format="json").status_code == 404


def test_categories_tags_search_featured_recent(api_client):
    WhitepaperFactory(category="Cloud", tags=["finops", "cost"], is_featured=True)
    WhitepaperFactory(category="Cloud", tags=["finops"])
    old = WhitepaperFactory(category="AI", tags=[], published_at="2020-01-01T00:00:00Z")
    services.whitepaper_update(whitepaper=old, body={"en": [block("Quantum annealing explained.")]})
    assert data(api_client.get("/api/v1/public/whitepapers/categories")) == {
        "categories": [{"name": "Cloud", "count": 2}, {"name": "AI", "count": 1}]
    }
    assert data(api_client.get("/api/v1/public/whitepapers/tags")) == {
        "tags": [{"name": "finops", "count": 2}, {"name": "cost", "count": 1}]
    }
    found = data(api_client.get("/api/v1/public/whitepapers/search?q=quantum annealing"))["whitepapers"]
    assert [item["id"] for item in found] == [old.pk]
    assert api_client.get("/api/v1/public/whitepapers/search").status_code == 422
    assert len(data(api_client.get("/api/v1/public/whitepapers/featured"))["whitepapers"]) == 1
    assert len(data(api_client.get("/api/v1/public/whitepapers/recent"))["whitepapers"]) == 2
    assert api_client.get("/api/v1/public/whitepapers/recent?days=0").status_code == 422


def test_consultant_whitepapers(api_client, whitepaper):
    WhitepaperFactory()
    listed = data(api_client.get(f"/api/v1/public/consultants/{whitepaper.author_id}/whitepapers"))["whitepapers"]
    assert [item["id"] for item in listed] == [whitepaper.pk]
    assert api_client.get("/api/v1/public/consultants/999999/whitepapers").status_code == 404


# --- lead capture and download -------------------------------------------------------------------


def test_download_request_then_file(api_client, whitepaper):
    body = {**LEAD, "utm_source": "newsletter", "marketing_consent": True}
    response = api_client.post(f"/api/v1/public/whitepapers/{whitepaper.pk}/download", body, format="json")
    assert response.status_code == 201
    answer = data(response)
    assert answer["remaining_downloads"] == 5
    assert answer["download_url"].startswith("http://testserver/api/v1/public/whitepapers/download/")
    lead = Lead.objects.get(email="ada@example.com")
    assert (lead.first_name, lead.last_name, lead.company) == ("Ada", "Lovelace", "ACME")
    download = api_client.get(answer["download_url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{whitepaper.slug}.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert DownloadToken.objects.get().remaining_downloads == 4


def test_business_download_path_is_the_same_view(api_client, whitepaper):
    response = api_client.post(f"/api/v1/business/whitepapers/{whitepaper.pk}/download", LEAD, format="json")
    assert response.status_code == 201


def test_download_request_validation(api_client, whitepaper):
    url = f"/api/v1/public/whitepapers/{whitepaper.pk}/download"
    no_terms = api_client.post(url, {**LEAD, "terms_accepted": False}, format="json")
    assert no_terms.status_code == 422
    assert no_terms.json()["error"]["details"][0]["field"] == "consent_terms"
    bad_email = api_client.post(url, {**LEAD, "lead": {"email": "nope"}}, format="json")
    assert bad_email.status_code == 422
    assert bad_email.json()["error"]["details"][0]["field"] == "lead.email"
    assert Lead.objects.count() == 0


def test_honeypot_answers_like_success_and_stores_nothing(api_client, whitepaper):
    response = api_client.post(
        f"/api/v1/public/whitepapers/{whitepaper.pk}/download",
        {**LEAD, "website_url": "http://spam.example"},
        format="json",
    )
    assert response.status_code == 201
    assert set(data(response)) == {"download_url", "thanks_url", "expires_at", "remaining_downloads"}
    assert Lead.objects.count() == 0 and DownloadToken.objects.count() == 0
    fake = data(response)["download_url"].removeprefix("http://testserver")
    assert api_client.get(fake).status_code == 404


@override_settings(WHITEPAPER_DOWNLOAD_THROTTLE="3/min")
def test_download_request_is_throttled_per_ip(api_client, whitepaper):
    url = f"/api/v1/public/whitepapers/{whitepaper.pk}/download"
    codes = [api_client.post(url, LEAD, format="json").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    other_ip = api_client.post(url, LEAD, format="json", REMOTE_ADDR="198.51.100.9")
    assert other_ip.status_code == 201


def test_used_up_and_forged_links(api_client, whitepaper, settings):
    settings.WHITEPAPER_DOWNLOAD_MAX_USES = 1
    _, raw = services.download_request(whitepaper=whitepaper, email="a@example.com", consent_terms=True)
    url = f"/api/v1/public/whitepapers/download/{raw}"
    first = api_client.get(url)
    assert first.status_code == 200
    assert b"".join(first.streaming_content) == PDF_BYTES  # consuming it closes the file
    gone = api_client.get(url)
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "DOWNLOAD_LIMIT_REACHED"
    assert gone.json()["error"]["details"][0] == {
        "field": "request_new_link",
        "message": f"http://testserver/whitepapers/{whitepaper.slug}/",
        "code": "request_new_link",
    }
    forged = api_client.get("/api/v1/public/whitepapers/download/" + "a" * 64)
    assert forged.status_code == 404
    assert forged.json()["error"]["code"] == "DOWNLOAD_LINK_NOT_FOUND"


def test_file_is_not_served_at_any_public_url(client, whitepaper, private_root):
    stored = whitepaper.file.name
    assert (private_root / stored).is_file()
    with pytest.raises(ValueError):
        whitepaper.file.storage.url(stored)
    assert whitepaper.file.storage.base_url is None
    from django.conf import settings

    assert not str(private_root / stored).startswith(str(settings.MEDIA_ROOT))
    for prefix in (settings.MEDIA_URL, settings.STATIC_URL, "/", "/private/", "/var/private/"):
        response = client.get(f"{prefix}{stored}")
        assert response.status_code == 404, prefix
        assert PDF_BYTES not in response.content


# --- staff ------------------------------------------------------------------------------------------


def test_staff_endpoints_need_permissions(api_client, make_staff, whitepaper):
    assert api_client.get("/api/v1/admin/whitepapers").status_code == 401
    nobody = make_staff("nobody@magnetiq.example")
    api_client.force_authenticate(nobody)
    for method, path in (
        ("get", "/api/v1/admin/whitepapers"),
        ("post", "/api/v1/admin/whitepapers"),
        ("put", f"/api/v1/admin/whitepapers/{whitepaper.pk}/activate"),
        ("get", f"/api/v1/admin/whitepapers/{whitepaper.pk}/leads"),
        ("get", "/api/v1/admin/whitepapers/email-queue"),
        ("post", "/api/v1/admin/whitepapers/email-submission"),
        ("post", "/api/v1/admin/whitepapers/bulk-action"),
        ("get", "/api/v1/business/whitepapers"),
    ):
        assert getattr(api_client, method)(path).status_code == 403, path
    viewer = make_staff("viewer@magnetiq.example", "whitepapers.view_whitepaper")
    api_client.force_authenticate(viewer)
    assert api_client.get("/api/v1/admin/whitepapers").status_code == 200
    assert api_client.put(f"/api/v1/admin/whitepapers/{whitepaper.pk}/deactivate").status_code == 403
    assert api_client.delete(f"/api/v1/admin/whitepapers/{whitepaper.pk}").status_code == 403
    assert api_client.get(f"/api/v1/admin/whitepapers/{whitepaper.pk}/leads").status_code == 403


def test_create_with_multipart_pdf_and_crud(api_client, editor, django_capture_on_commit_callbacks):
    api_client.force_authenticate(editor)
    payload = {
        "slug": "edge-ai",
        "title": '{"en": "Edge AI", "de": "Edge-KI"}',
        "tags": '["edge"]',
        "category": "AI",
        "file": SimpleUploadedFile("edge.pdf", PDF_BYTES, content_type="application/pdf"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/admin/whitepapers", payload, format="multipart")
    assert response.status_code == 201, response.json()
    created = data(response)
    assert created["has_file"] is True and created["has_generated_pdf"] is False
    assert created["title"] == {"en": "Edge AI", "de": "Edge-KI"}
    assert "file" not in created
    pk = created["id"]
    duplicate = api_client.post(
        "/api/v1/admin/whitepapers", {"slug": "edge-ai", "title": {"en": "Again"}}, format="json"
    )
    assert duplicate.status_code == 422
    updated = api_client.patch(f"/api/v1/admin/whitepapers/{pk}", {"is_featured": True}, format="json")
    assert data(updated)["is_featured"] is True
    activated = api_client.put(f"/api/v1/admin/whitepapers/{pk}/activate")
    assert data(activated)["is_active"] is True and data(activated)["published_at"] is not None
    assert api_client.get(f"/api/v1/business/whitepapers/{pk}").status_code == 200
    assert api_client.delete(f"/api/v1/admin/whitepapers/{pk}").status_code == 204
    assert api_client.get(f"/api/v1/admin/whitepapers/{pk}").status_code == 404
    assert Whitepaper.objects.get(pk=pk).deleted_at is not None


def test_not_a_pdf_is_refused(api_client, editor):
    api_client.force_authenticate(editor)
    fake = SimpleUploadedFile("evil.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = api_client.post(
        "/api/v1/admin/whitepapers", {"slug": "x", "title": '{"en": "X"}', "file": fake}, format="multipart"
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "file"
    assert not Whitepaper.objects.exists()


def test_invalid_portable_text_is_422(api_client, editor):
    api_client.force_authenticate(editor)
    response = api_client.post(
        "/api/v1/admin/whitepapers",
        {"slug": "x", "title": {"en": "X"}, "body": {"en": [{"_type": "block", "children": "nope"}]}},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body"


def test_markdown_content_and_generate_pdf(api_client, editor, whitepaper, monkeypatch):
    api_client.force_authenticate(editor)
    response = api_client.put(
        f"/api/v1/admin/whitepapers/{whitepaper.pk}/content",
        {"markdown": {"en": "# Edge\n\nRuns **locally**."}},
        format="json",
    )
    assert response.status_code == 200, response.json()["error"]
    assert data(response)["body_markdown"] == {"en": "# Edge\n\nRuns **locally**."}
    assert data(response)["body_html"] == "<h1>Edge</h1>\n<p>Runs <strong>locally</strong>.</p>"
    assert data(response)["body"] == {"de": whitepaper.body["de"]}
    assert (
        api_client.put(
            f"/api/v1/admin/whitepapers/{whitepaper.pk}/content", {"markdown": {"fr": "x"}}, format="json"
        ).status_code
        == 422
    )
    monkeypatch.setattr("whitepapers.pdf.render_pdf", lambda wp, language=None: b"%PDF-1.7 generated")
    generated = api_client.post(f"/api/v1/admin/whitepapers/{whitepaper.pk}/generate-pdf")
    assert generated.status_code == 200
    assert data(generated)["has_generated_pdf"] is True and data(generated)["pdf_generated_at"] is not None


def test_analytics_and_leads(api_client, editor, whitepaper):
    _, raw_a = services.download_request(whitepaper=whitepaper, email="a@example.com", consent_terms=True)
    services.download_request(whitepaper=whitepaper, email="b@example.com", consent_terms=True)
    services.download_consume(raw_token=raw_a)
    services.download_consume(raw_token=raw_a)
    for _ in range(4):
        services.whitepaper_register_view(whitepaper=whitepaper)
    api_client.force_authenticate(editor)
    stats = data(api_client.get(f"/api/v1/admin/whitepapers/{whitepaper.pk}/analytics"))
    assert {key: stats[key] for key in ("views", "downloads", "leads", "conversion_rate")} == {
        "views": 4,
        "downloads": 2,
        "leads": 2,
        "conversion_rate": 0.5,
    }
    assert [row["downloads"] for row in stats["downloads_per_day"]] == [2]
    leads = data(api_client.get(f"/api/v1/admin/whitepapers/{whitepaper.pk}/leads"))
    assert leads["pagination"]["total"] == 2
    by_email = {row["email"]: row["downloads"] for row in leads["leads"]}
    assert by_email == {"a@example.com": 2, "b@example.com": 0}


def test_bulk_action(api_client, editor, make_staff):
    papers = [WhitepaperFactory(is_active=False) for _ in range(2)]
    empty = WhitepaperFactory(is_active=False, file="", body={}, body_markdown={})
    api_client.force_authenticate(editor)
    ids = [paper.pk for paper in papers] + [empty.pk, 999999]
    response = api_client.post(
        "/api/v1/admin/whitepapers/bulk-action", {"action": "activate", "ids": ids}, format="json"
    )
    assert response.status_code == 200
    assert data(response)["processed"] == [papers[0].pk, papers[1].pk]
    assert [item["id"] for item in data(response)["failed"]] == [empty.pk, 999999]
    assert Whitepaper.objects.filter(is_active=True).count() == 2
    changer = make_staff("changer@magnetiq.example", "whitepapers.change_whitepaper")
    api_client.force_authenticate(changer)
    denied = api_client.post("/api/v1/admin/whitepapers/bulk-action", {"action": "delete", "ids": ids}, format="json")
    assert denied.status_code == 403
    feature = api_client.post(
        "/api/v1/admin/whitepapers/bulk-action", {"action": "feature", "ids": ids[:1]}, format="json"
    )
    assert data(feature)["processed"] == [papers[0].pk]
    bad = api_client.post("/api/v1/admin/whitepapers/bulk-action", {"action": "explode", "ids": ids}, format="json")
    assert bad.status_code == 422
