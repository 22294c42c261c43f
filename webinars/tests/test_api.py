"""Public, business and staff webinar endpoints: shapes, filters, pagination, errors, permissions."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import Role, User
from consultants.models import ConsultantStatus
from consultants.tests.factories import ConsultantFactory, bio_blocks
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

PUBLIC = "/api/v1/public/webinars"
SESSIONS = "/api/v1/admin/webinars/sessions"
BUSINESS = "/api/v1/business/webinars"

LIST_KEYS = {
    "id",
    "title",
    "description",
    "slug",
    "url",
    "speaker",
    "datetime",
    "duration",
    "timezone",
    "price",
    "currency",
    "capacity",
    "registered_count",
    "seats_left",
    "status",
    "tags",
    "language",
    "is_featured",
}


def body(email="john@example.com", **extra):
    return {
        "attendee": {"first_name": "John", "last_name": "Doe", "email": email, "company": "ACME Corp"},
        "terms_accepted": True,
        "marketing_consent": False,
        **extra,
    }


# --- public list --------------------------------------------------------------------------------


def test_list_shape_and_pagination_as_spec_001(api_client):
    for _ in range(12):
        WebinarFactory()
    response = api_client.get(PUBLIC)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 10, "total": 12, "pages": 2}
    first = data["webinars"][0]
    assert set(first) == LIST_KEYS
    assert set(first["speaker"]) == {"id", "slug", "name", "title", "company", "photo", "biography", "url"}
    assert "meeting_link" not in first
    page2 = api_client.get(PUBLIC, {"page": 2, "limit": 10}).json()["data"]
    assert len(page2["webinars"]) == 2


def test_list_shows_only_published_upcoming_by_default(api_client):
    upcoming = WebinarFactory()
    WebinarFactory(status=WebinarStatus.DRAFT)
    WebinarFactory(starts_at=datetime.now(UTC) - timedelta(days=1))
    deleted = WebinarFactory()
    Webinar.objects.filter(pk=deleted.pk).update(deleted_at=datetime.now(UTC))
    ids = [w["id"] for w in api_client.get(PUBLIC).json()["data"]["webinars"]]
    assert ids == [upcoming.pk]
    all_ids = [w["id"] for w in api_client.get(PUBLIC, {"filter": "all"}).json()["data"]["webinars"]]
    assert len(all_ids) == 2


@time_machine.travel(datetime(2026, 3, 11, 12, 0, tzinfo=UTC), tick=False)  # a Wednesday
def test_this_week_and_this_month_filters(api_client):
    def at(day, hour=10):
        return WebinarFactory(starts_at=datetime(2026, 3, day, hour, 0, tzinfo=UTC))

    earlier_today = at(11, 9)
    friday = at(13)
    sunday_night = WebinarFactory(starts_at=datetime(2026, 3, 15, 23, 30, tzinfo=UTC))
    next_monday = at(16)
    end_of_month = at(31)
    april = WebinarFactory(starts_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC))

    def ids(**params):
        return [w["id"] for w in api_client.get(PUBLIC, params).json()["data"]["webinars"]]

    assert ids(filter="this-week") == [friday.pk, sunday_night.pk]
    assert ids(filter="this-month") == [friday.pk, sunday_night.pk, next_monday.pk, end_of_month.pk]
    assert ids(filter="upcoming") == [friday.pk, sunday_night.pk, next_monday.pk, end_of_month.pk, april.pk]
    assert earlier_today.pk in ids(filter="all")


def test_search_topic_and_language_filters(api_client):
    cloud = WebinarFactory(title={"en": "Cloud cost control"}, tags=["Cloud", "FinOps"], language="en")
    german = WebinarFactory(title={"en": "AI for SMEs", "de": "KI für KMU"}, tags=["AI"], language="de")
    WebinarFactory(title={"en": "Leadership"}, tags=["People"])

    def ids(**params):
        return [w["id"] for w in api_client.get(PUBLIC, params).json()["data"]["webinars"]]

    assert ids(search="cloud") == [cloud.pk]
    assert ids(search="KMU") == [german.pk]
    assert ids(topic="finops") == [cloud.pk]
    assert ids(topic="Fin") == []
    assert ids(language="de") == [german.pk]


def test_list_rejects_unknown_filter_values(api_client):
    response = api_client.get(PUBLIC, {"filter": "tomorrow"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "filter"
    assert api_client.get(PUBLIC, {"language": "fr"}).status_code == 422
    assert api_client.get(PUBLIC, {"limit": 101}).status_code == 422


def test_detail_by_slug_with_seats_and_html(api_client):
    webinar = WebinarFactory(
        capacity=5, description={"en": bio_blocks("Hello <b>world</b>"), "de": bio_blocks("Hallo Welt")}
    )
    RegistrationFactory.create_batch(2, webinar=webinar)
    RegistrationFactory(webinar=webinar, status=RegistrationStatus.CANCELLED)
    data = api_client.get(f"{PUBLIC}/{webinar.slug}", {"language": "de"}).json()["data"]
    assert (data["registered_count"], data["seats_left"], data["registration_open"]) == (2, 3, True)
    assert data["description_html"] == "<p>Hallo Welt</p>"
    assert data["local_datetime"] == webinar.local_start().isoformat()
    en = api_client.get(f"{PUBLIC}/{webinar.slug}").json()["data"]
    assert en["description_html"] == "<p>Hello &lt;b&gt;world&lt;/b&gt;</p>"
    draft = WebinarFactory(status=WebinarStatus.DRAFT)
    assert api_client.get(f"{PUBLIC}/{draft.slug}").status_code == 404


# --- public register / cancel ------------------------------------------------------------------------


def test_register_then_waitlist_then_duplicate(api_client, django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(f"{PUBLIC}/{webinar.pk}/register", body(), format="json")
    assert first.status_code == 201
    data = first.json()["data"]
    assert (data["status"], data["waitlist_position"]) == ("registered", None)
    assert data["cancel_url"] == f"/webinars/registrations/{data['reference']}/cancel/"
    (message,) = mail.outbox
    assert message.attachments[0][0] == "invite.ics"

    second = api_client.post(f"{PUBLIC}/{webinar.pk}/register", body("jane@example.com"), format="json")
    assert second.status_code == 201
    assert (second.json()["data"]["status"], second.json()["data"]["waitlist_position"]) == ("waitlisted", 1)
    assert second.json()["message"] == "The webinar is full: you are number 1 on the waiting list."

    duplicate = api_client.post(f"{PUBLIC}/{webinar.pk}/register", body("JOHN@example.com"), format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "ALREADY_REGISTERED"


def test_register_errors(api_client):
    cancelled = WebinarFactory(status=WebinarStatus.CANCELLED)
    response = api_client.post(f"{PUBLIC}/{cancelled.pk}/register", body(), format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "WEBINAR_CANCELLED")
    past = WebinarFactory(starts_at=datetime.now(UTC) - timedelta(hours=1))
    response = api_client.post(f"{PUBLIC}/{past.pk}/register", body(), format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "WEBINAR_PAST")
    draft = WebinarFactory(status=WebinarStatus.DRAFT)
    assert api_client.post(f"{PUBLIC}/{draft.pk}/register", body(), format="json").status_code == 404
    webinar = WebinarFactory()
    response = api_client.post(f"{PUBLIC}/{webinar.pk}/register", body(terms_accepted=False), format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "terms_accepted"
    response = api_client.post(f"{PUBLIC}/{webinar.pk}/register", {"attendee": {"email": "x"}}, format="json")
    assert response.status_code == 422
    fields = {detail["field"] for detail in response.json()["error"]["details"]}
    assert {"attendee.first_name", "attendee.last_name", "attendee.email", "terms_accepted"} <= fields
    assert not WebinarRegistration.objects.exists()


def test_honeypot_is_refused_and_nothing_stored(api_client):
    webinar = WebinarFactory()
    response = api_client.post(f"{PUBLIC}/{webinar.pk}/register", body(nickname="bot"), format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "REGISTRATION_REJECTED")
    assert not WebinarRegistration.objects.exists()


def test_registration_is_throttled(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "webinar_register": "2/min"},
    }
    webinar = WebinarFactory()
    codes = [
        api_client.post(f"{PUBLIC}/{webinar.pk}/register", body(f"p{i}@example.com"), format="json").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


def test_visitor_cancel_by_reference_promotes(api_client):
    webinar = WebinarFactory(capacity=1)
    seated = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status=RegistrationStatus.WAITLISTED)
    url = f"{PUBLIC}/registrations/{seated.reference}/cancel"
    response = api_client.post(url)
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    assert api_client.post(url).status_code == 200
    assert api_client.post(f"{PUBLIC}/registrations/not-a-real-reference/cancel").status_code == 404


def test_consultant_webinars_upcoming_and_past(api_client):
    speaker = ConsultantFactory()
    soon = WebinarFactory(speaker=speaker)
    later = WebinarFactory(speaker=speaker, starts_at=datetime.now(UTC) + timedelta(days=40))
    done = WebinarFactory(speaker=speaker, starts_at=datetime.now(UTC) - timedelta(days=3), status="completed")
    WebinarFactory(speaker=speaker, status=WebinarStatus.DRAFT)
    WebinarFactory()
    data = api_client.get(f"/api/v1/public/consultants/{speaker.pk}/webinars").json()["data"]
    assert [w["id"] for w in data["upcoming"]] == [soon.pk, later.pk]
    assert [w["id"] for w in data["past"]] == [done.pk]
    hidden = ConsultantFactory(status=ConsultantStatus.PENDING)
    assert api_client.get(f"/api/v1/public/consultants/{hidden.pk}/webinars").status_code == 404


# --- staff ------------------------------------------------------------------------------------------------


def session_body(speaker, **extra):
    return {
        "title": {"en": "Data Strategy", "de": "Datenstrategie"},
        "description": {"en": bio_blocks("Why data matters.")},
        "speaker_id": speaker.pk,
        "starts_at": "2030-01-15T14:00:00Z",
        "duration_minutes": 60,
        "capacity": 25,
        "timezone": "Europe/Berlin",
        "tags": ["Data"],
        **extra,
    }


def test_staff_permissions(api_client, viewer, make_staff):
    webinar = WebinarFactory()
    assert api_client.get(SESSIONS).status_code == 401
    nobody = make_staff("nobody@magnetiq.example")
    api_client.force_authenticate(nobody)
    assert api_client.get(SESSIONS).status_code == 403
    api_client.force_authenticate(viewer)
    assert api_client.get(SESSIONS).status_code == 200
    assert api_client.get(f"{BUSINESS}/{webinar.pk}").status_code == 200
    assert api_client.get(f"{SESSIONS}/{webinar.pk}/registrations").status_code == 200
    assert api_client.post(SESSIONS, session_body(webinar.speaker), format="json").status_code == 403
    assert api_client.patch(f"{SESSIONS}/{webinar.pk}", {"capacity": 5}, format="json").status_code == 403
    assert api_client.delete(f"{SESSIONS}/{webinar.pk}").status_code == 403
    assert api_client.post(f"{BUSINESS}/{webinar.pk}/register", body(), format="json").status_code == 403
    only_webinars = make_staff("half@magnetiq.example", "view_webinar")
    api_client.force_authenticate(only_webinars)
    assert api_client.get(f"{SESSIONS}/{webinar.pk}/registrations").status_code == 403


def test_sessions_list_has_counts_and_create_update_delete(api_client, manager):
    webinar = WebinarFactory(capacity=3)
    RegistrationFactory.create_batch(2, webinar=webinar)
    RegistrationFactory(webinar=webinar, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(webinar=webinar, status=RegistrationStatus.REGISTERED, attended=True)
    api_client.force_authenticate(manager)
    listed = api_client.get(SESSIONS).json()["data"]
    assert listed["pagination"]["total"] == 1
    row = listed["webinars"][0]
    assert (row["registered_count"], row["waitlisted_count"], row["attended_count"], row["seats_left"]) == (3, 1, 1, 0)

    created = api_client.post(SESSIONS, session_body(webinar.speaker), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert (data["slug"], data["status"], data["speaker"]["id"]) == ("data-strategy", "draft", webinar.speaker.pk)

    updated = api_client.patch(f"{SESSIONS}/{data['id']}", {"status": "published", "capacity": 30}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["data"]["status"], updated.json()["data"]["capacity"]) == ("published", 30)
    assert api_client.delete(f"{SESSIONS}/{data['id']}").status_code == 204
    assert api_client.get(f"{SESSIONS}/{data['id']}").status_code == 404


def test_create_validation_errors_are_422(api_client, manager):
    speaker = ConsultantFactory()
    api_client.force_authenticate(manager)
    response = api_client.post(
        SESSIONS, session_body(speaker, description={"en": [{"_type": "bogus"}]}, capacity=0), format="json"
    )
    assert response.status_code == 422
    fields = {detail["field"] for detail in response.json()["error"]["details"]}
    assert {"description", "capacity"} <= fields
    response = api_client.post(SESSIONS, session_body(speaker, title={"fr": "x"}), format="json")
    assert response.status_code == 422


def test_business_endpoints(api_client, manager):
    webinar = WebinarFactory(description={"en": bio_blocks("English"), "de": bio_blocks("Deutsch")})
    api_client.force_authenticate(manager)
    assert api_client.get(BUSINESS).json()["data"]["pagination"]["total"] == 1
    html = api_client.get(f"{BUSINESS}/{webinar.pk}/description-html", {"language": "de"}).json()["data"]
    assert html == {
        "id": webinar.pk,
        "language": "de",
        "html": "<p>Deutsch</p>",
        "translations": {"en": "<p>English</p>", "de": "<p>Deutsch</p>"},
    }
    response = api_client.post(f"{BUSINESS}/{webinar.pk}/register", body(), format="json")
    assert response.status_code == 201
    registration = WebinarRegistration.objects.get()
    assert registration.email == "john@example.com"


def test_registrations_json_and_csv(api_client, viewer):
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar, email="a@example.com", company="=HYPERLINK()")
    RegistrationFactory(webinar=webinar, email="b@example.com", status=RegistrationStatus.WAITLISTED)
    api_client.force_authenticate(viewer)
    data = api_client.get(f"{SESSIONS}/{webinar.pk}/registrations").json()["data"]
    assert [r["email"] for r in data["registrations"]] == ["a@example.com", "b@example.com"]
    assert data["registrations"][1]["waitlist_position"] == 1
    waiting = api_client.get(f"{SESSIONS}/{webinar.pk}/registrations", {"status": "waitlisted"}).json()["data"]
    assert [r["email"] for r in waiting["registrations"]] == ["b@example.com"]
    response = api_client.get(f"{SESSIONS}/{webinar.pk}/registrations", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["email"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("a@example.com", "registered", ""),
        ("b@example.com", "waitlisted", "1"),
    ]
    assert rows[0]["company"] == "'=HYPERLINK()"


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("client", 403), ("viewer", 404)])
def test_registrations_csv_errors_are_json(api_client, viewer, who, status):
    """Asked for CSV, a refusal is still the JSON error envelope with a JSON content type."""
    users = {"viewer": viewer, "client": User.objects.create_user("c@example.com", "x" * 12, role=Role.CLIENT)}
    if who:
        api_client.force_authenticate(users[who])
    response = api_client.get(f"{SESSIONS}/999999/registrations", {"format": "csv"})
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is False
