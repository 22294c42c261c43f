"""Admin smoke tests and the actions (through the services)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from consultants.tests.factories import ConsultantFactory
from webinars.models import RegistrationStatus, Webinar
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(email="root@magnetiq.example", password="x" * 12)
    client.force_login(user)
    return client


def test_changelists_search_and_change_pages(admin_client):
    registration = RegistrationFactory()
    for name in ("webinar", "webinarregistration"):
        url = reverse(f"admin:webinars_{name}_changelist")
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": "ada"}).status_code == 200
    assert admin_client.get(reverse("admin:webinars_webinar_add")).status_code == 200
    assert admin_client.get(reverse("admin:webinars_webinar_change", args=[registration.webinar_id])).status_code == 200
    change = reverse("admin:webinars_webinarregistration_change", args=[registration.pk])
    assert admin_client.get(change).status_code == 200


def test_add_goes_through_the_service(admin_client):
    speaker = ConsultantFactory()
    response = admin_client.post(
        reverse("admin:webinars_webinar_add"),
        {
            "title": '{"en": "Admin Webinar"}',
            "description": "",
            "slug": "",
            "speaker": speaker.pk,
            "starts_at_0": "2030-01-15",
            "starts_at_1": "14:00:00",
            "timezone": "Europe/Berlin",
            "duration_minutes": "60",
            "capacity": "20",
            "price": "0",
            "currency": "EUR",
            "tags": "",
            "language": "en",
            "status": "draft",
            "meeting_link": "meet.example.com/x",
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    webinar = Webinar.objects.get()
    assert (webinar.slug, webinar.meeting_link, webinar.tags) == ("admin-webinar", "https://meet.example.com/x", [])


def last_message(response) -> str:
    """The newest admin message (earlier ones stay queued until a page shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


def test_registration_actions(admin_client):
    webinar = WebinarFactory(capacity=1)
    seated = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status=RegistrationStatus.WAITLISTED)
    url = reverse("admin:webinars_webinarregistration_changelist")
    response = admin_client.post(url, {"action": "mark_attended", "_selected_action": [seated.pk]})
    assert last_message(response) == "1 registration marked as attended."
    seated.refresh_from_db()
    assert seated.attended is True
    response = admin_client.post(url, {"action": "cancel_registrations", "_selected_action": [seated.pk]})
    assert last_message(response) == "1 registration cancelled."
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": [seated.pk, waiting.pk]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().count("\n") == 3


def test_webinar_actions(admin_client):
    draft = WebinarFactory(status="draft")
    url = reverse("admin:webinars_webinar_changelist")
    admin_client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published"
    response = admin_client.post(url, {"action": "cancel", "_selected_action": [draft.pk]})
    assert last_message(response) == "1 webinar cancelled."
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    others = [WebinarFactory(status="draft").pk for _ in range(2)]
    response = admin_client.post(url, {"action": "publish", "_selected_action": others})
    assert last_message(response) == "2 webinars published."
