"""Admin smoke tests and the actions (through the services)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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


def webinar_form(speaker, **overrides) -> dict:
    """The webinar form as the browser posts it (one box per language, the start in the webinar's zone)."""
    return {
        "title__en": "Admin Webinar",
        "title__de": "",
        "description__en": "",
        "description__de": "",
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
    } | overrides


def test_add_goes_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:webinars_webinar_add"),
        webinar_form(ConsultantFactory(), description__en="Join **us**.", tags="AI, Data"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    webinar = Webinar.objects.get()
    assert (webinar.slug, webinar.meeting_link) == ("admin-webinar", "https://meet.example.com/x")
    assert webinar.tags == ["AI", "Data"]
    assert webinar.title == {"en": "Admin Webinar"}
    assert [child["text"] for child in webinar.description["en"][0]["children"]] == ["Join ", "us", "."]
    # 14:00 in Berlin in January (UTC+1).
    assert webinar.starts_at == datetime(2030, 1, 15, 13, 0, tzinfo=UTC)


def test_the_start_is_entered_in_the_webinars_zone(admin_client):
    response = admin_client.post(
        reverse("admin:webinars_webinar_add"),
        webinar_form(ConsultantFactory(), starts_at_0="2030-01-15", starts_at_1="10:00", timezone="America/New_York"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    webinar = Webinar.objects.get()
    assert webinar.starts_at == datetime(2030, 1, 15, 15, 0, tzinfo=UTC)

    html = admin_client.get(reverse("admin:webinars_webinar_change", args=[webinar.pk])).content.decode()
    assert 'name="starts_at_1" value="10:00:00"' in html
    assert '<span class="zoned-time-suffix">America/New_York</span>' in html


def test_a_time_the_clocks_skip_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:webinars_webinar_add"),
        webinar_form(ConsultantFactory(), starts_at_0="2030-03-10", starts_at_1="02:30", timezone="America/New_York"),
    )
    assert response.status_code == 200
    assert "2030-03-10 02:30 does not exist in America/New_York" in response.content.decode()
    assert not Webinar.objects.exists()


def test_an_unchanged_start_is_not_a_change(admin_client):
    webinar = WebinarFactory(timezone="America/New_York")
    url = reverse("admin:webinars_webinar_change", args=[webinar.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name not in ("starts_at", "title", "description")}
    local = webinar.starts_at.astimezone(ZoneInfo("America/New_York"))
    data.update(
        starts_at_0=f"{local:%Y-%m-%d}",
        starts_at_1=f"{local:%H:%M:%S}",
        title__en=webinar.title["en"],
        tags=", ".join(webinar.tags),
        speaker=webinar.speaker_id,
        **{"registrations-TOTAL_FORMS": "0", "registrations-INITIAL_FORMS": "0"},
    )
    data = {name: ("" if value is None else value) for name, value in data.items()}
    bound = type(form)(data=data, instance=webinar)

    assert bound.is_valid(), bound.errors
    assert "starts_at" not in bound.changed_data


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
