"""Admin smoke tests: every registered model's pages, the add form through the service, the actions."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from whitepapers import services
from whitepapers.models import EmailSubmission, SubmissionStatus, Whitepaper

from .factories import PDF_BYTES, WhitepaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(email="root@magnetiq.example", password="x" * 12)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["whitepaper", "downloadtoken", "emailsubmission"])
def test_changelists_and_search(admin_client, whitepaper, model):
    services.download_request(whitepaper=whitepaper, email="a@example.com", consent_terms=True)
    url = reverse(f"admin:whitepapers_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "title"}).status_code == 200


def test_add_form_goes_through_the_service(admin_client):
    data = {
        "slug": "admin-paper",
        "title__en": "Admin paper",
        "title__de": "",
        "summary__en": "",
        "body__en": "",
        "body_markdown__en": "# Hello",
        "author": "",
        "category": "Ops",
        "tags": "",
        "language": "en",
        "cover_image": "",
        "file": SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
        "is_active": "on",
        "published_at_0": "",
        "published_at_1": "",
    }
    response = admin_client.post(reverse("admin:whitepapers_whitepaper_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    whitepaper = Whitepaper.objects.get(slug="admin-paper")
    assert whitepaper.summary == {} and whitepaper.tags == []
    assert whitepaper.title == {"en": "Admin paper"} and whitepaper.body_markdown == {"en": "# Hello"}
    assert whitepaper.is_visible() and whitepaper.search_text.startswith("Admin paper")
    change = admin_client.get(reverse("admin:whitepapers_whitepaper_change", args=[whitepaper.pk]))
    assert change.status_code == 200


def last_message(response) -> str:
    """The newest admin message (earlier ones stay queued until a page shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


def test_actions(admin_client, monkeypatch):
    papers = [WhitepaperFactory(is_active=False, file="") for _ in range(2)]
    url = reverse("admin:whitepapers_whitepaper_changelist")
    ids = [str(paper.pk) for paper in papers]
    assert (
        last_message(admin_client.post(url, {"action": "activate", "_selected_action": ids}))
        == "2 whitepapers activated."
    )
    assert (
        last_message(admin_client.post(url, {"action": "feature", "_selected_action": ids[:1]}))
        == "1 whitepaper featured."
    )
    admin_client.post(url, {"action": "feature", "_selected_action": ids})
    assert Whitepaper.objects.filter(is_active=True, is_featured=True).count() == 2
    monkeypatch.setattr("whitepapers.pdf.render_pdf", lambda wp, language=None: b"%PDF-1.7 admin")
    response = admin_client.post(url, {"action": "generate_pdf", "_selected_action": ids})
    assert last_message(response) == "2 PDFs generated."
    assert Whitepaper.objects.exclude(pdf_generated_at=None).count() == 2
    admin_client.post(url, {"action": "delete_selected", "_selected_action": ids[:1], "post": "yes"})
    assert Whitepaper.objects.alive().count() == 1


def test_email_submission_actions(admin_client):
    first = EmailSubmission.objects.create(
        message_id="<1@x>", sender_email="a@x.example", subject="Paper one", body="Summary.\n\nBody."
    )
    second = EmailSubmission.objects.create(message_id="<2@x>", sender_email="b@x.example", subject="Paper two")
    url = reverse("admin:whitepapers_emailsubmission_changelist")
    admin_client.post(url, {"action": "approve", "_selected_action": [first.pk, second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SubmissionStatus.APPROVED and first.whitepaper.title == {"en": "Paper one"}
    assert second.status == SubmissionStatus.FAILED
    assert second.error == "Neither a PDF attachment nor a body to publish."
    response = admin_client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    assert last_message(response) == "1 submission rejected."
    second.refresh_from_db()
    assert second.status == SubmissionStatus.REJECTED
    assert admin_client.get(reverse("admin:whitepapers_emailsubmission_change", args=[first.pk])).status_code == 200


def test_the_body_is_written_in_markdown_and_tags_comma_separated(admin_client):
    whitepaper = WhitepaperFactory(tags=["Old"])
    url = reverse("admin:whitepapers_whitepaper_change", args=[whitepaper.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if isinstance(value, str)}
    data.update(
        {
            "title__en": "Paper",
            "body__en": "# Intro\n\nWe **measured** it.",
            "tags": "AI, Operations",
            "language": "en",
            "published_at_0": "",
            "published_at_1": "",
        }
    )
    data.pop("file", None)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    whitepaper.refresh_from_db()
    assert whitepaper.tags == ["AI", "Operations"]
    assert [block["style"] for block in whitepaper.body["en"]] == ["h1", "normal"]
    assert whitepaper.body["en"][1]["children"][1] == {"_type": "span", "text": "measured", "marks": ["strong"]}
