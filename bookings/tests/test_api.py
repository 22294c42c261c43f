"""API shapes and errors: availability, booking (spec 000 and 001), visitor links, staff views."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from bookings.models import BookingStatus, ConsultationBooking
from bookings.tests.conftest import NOW, staff_user
from bookings.tests.factories import BookingFactory
from consultants.models import ConsultantStatus

pytestmark = pytest.mark.django_db
SLOT = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def auth(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def book_payload(**extra):
    return {
        "scheduled_date": "2026-06-03T08:00:00Z",
        "timezone": "America/New_York",
        "client_name": "Clara Client",
        "client_email": "clara@example.com",
        "client_message": "Let us talk.",
        "questions": ["Scope?"],
        **extra,
    }


def test_availability_response_shape(api_client, consultant):
    response = api_client.get(
        f"/api/v1/public/consultants/{consultant.pk}/availability", {"date": "2026-06-03", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert {k: data[k] for k in ("consultant_id", "date", "timezone", "booking_type", "duration_minutes")} == {
        "consultant_id": consultant.pk,
        "date": "2026-06-03",
        "timezone": "Europe/Berlin",
        "booking_type": "30for30",
        "duration_minutes": 30,
    }
    assert data["time_slots"][0] == {
        "start_time": "2026-06-03T07:00:00Z",
        "end_time": "2026-06-03T07:30:00Z",
        "start_local": "2026-06-03T09:00:00+02:00",
        "end_local": "2026-06-03T09:30:00+02:00",
        "is_available": True,
        "booking_id": None,
    }
    spec001 = api_client.get(
        "/api/v1/public/availability",
        {"consultant_id": consultant.pk, "date": "2026-06-03", "timezone": "Europe/Berlin"},
    )
    assert spec001.json()["data"] == data


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-13-01"},
        {"date": "2026-06-03", "timezone": "Nowhere/City"},
        {"date": "2026-06-03", "booking_type": "x"},
    ],
)
def test_availability_bad_input_is_422(api_client, consultant, params):
    response = api_client.get(f"/api/v1/public/consultants/{consultant.pk}/availability", params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_availability_of_a_hidden_consultant_is_404(api_client, consultant):
    consultant.status = ConsultantStatus.INACTIVE
    consultant.save()
    response = api_client.get(f"/api/v1/public/consultants/{consultant.pk}/availability", {"date": "2026-06-03"})
    assert response.status_code == 404


def test_time_slots_over_several_days(api_client, consultant):
    BookingFactory(consultant=consultant, start=SLOT)
    response = api_client.get(
        f"/api/v1/public/consultants/{consultant.pk}/time-slots",
        {"from": "2026-06-03", "to": "2026-06-04", "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 200
    days = response.json()["data"]["days"]
    assert [d["date"] for d in days] == ["2026-06-03", "2026-06-04"]
    assert [len(d["time_slots"]) for d in days] == [15, 16]
    too_long = api_client.get(
        f"/api/v1/public/consultants/{consultant.pk}/time-slots", {"from": "2026-06-01", "to": "2026-07-15"}
    )
    assert too_long.status_code == 422


def test_book_then_view_reschedule_cancel_with_the_manage_token(api_client, consultant):
    created = api_client.post(f"/api/v1/public/consultants/{consultant.pk}/book-30for30", book_payload(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert data["status"] == "pending_payment"
    assert data["payment_amount"] == "100.00"
    assert (data["scheduled_date"], data["start_local"]) == ("2026-06-03T08:00:00Z", "2026-06-03T04:00:00-04:00")
    assert "id" not in data
    reference, token = data["reference"], data["manage_token"]

    assert api_client.get(f"/api/v1/public/bookings/{reference}").status_code == 404
    assert api_client.get(f"/api/v1/public/bookings/{reference}", {"token": "nope"}).status_code == 404
    assert api_client.get(f"/api/v1/public/bookings/{reference}", {"token": token}).json()["data"]["can_change"] is True

    confirm = api_client.post(f"/api/v1/public/bookings/{reference}/confirm", {"token": token}, format="json")
    assert (confirm.status_code, confirm.json()["error"]["code"]) == (400, "BOOKING_PAYMENT_REQUIRED")

    moved = api_client.put(
        f"/api/v1/public/bookings/{reference}/reschedule?token={token}",
        {"scheduled_date": "2026-06-03T12:00:00+02:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    new_token = moved.json()["data"]["manage_token"]
    assert moved.json()["data"]["scheduled_date"] == "2026-06-03T10:00:00Z"
    assert new_token == token  # the link of the first e-mail still opens the booking
    old = api_client.get(f"/api/v1/public/bookings/{reference}", {"token": token})
    assert (old.status_code, old.json()["data"]["scheduled_date"]) == (200, "2026-06-03T10:00:00Z")

    cancelled = api_client.delete(f"/api/v1/public/bookings/{reference}/cancel?token={new_token}")
    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["status"] == "cancelled"
    again = api_client.post(
        f"/api/v1/public/bookings/{reference}/reschedule",
        {"scheduled_date": "2026-06-03T12:00:00Z", "token": new_token},
        format="json",
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "BOOKING_NOT_RESCHEDULABLE")


def test_reschedule_to_the_same_time_is_422(api_client, consultant):
    booking = BookingFactory(consultant=consultant, start=SLOT)
    from bookings.tokens import manage_token

    response = api_client.post(
        f"/api/v1/public/bookings/{booking.reference}/reschedule",
        {"scheduled_date": "2026-06-03T08:00:00Z", "token": manage_token(booking)},
        format="json",
    )
    assert response.status_code == 422


def test_taken_slot_is_409_and_guest_late_cancel_is_400(api_client, consultant):
    BookingFactory(consultant=consultant, start=SLOT)
    taken = api_client.post(f"/api/v1/public/consultants/{consultant.pk}/book-30for30", book_payload(), format="json")
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "BOOKING_UNAVAILABLE")

    soon = BookingFactory(consultant=consultant, start=NOW + timedelta(hours=23, minutes=59))
    from bookings.tokens import manage_token

    late = api_client.post(
        f"/api/v1/public/bookings/{soon.reference}/cancel", {"token": manage_token(soon)}, format="json"
    )
    assert (late.status_code, late.json()["error"]["code"]) == (400, "BOOKING_POLICY_WINDOW_CLOSED")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"booking_type": "30for30", "duration_minutes": 60}, "duration_minutes"),
        ({"scheduled_date": "2026-06-03T08:00:00"}, "scheduled_date"),
        ({"client_email": "not-an-email"}, "client_email"),
        ({"client_message": [{"_type": "block", "children": "x"}]}, "client_message.0"),
    ],
)
def test_booking_validation_errors(api_client, consultant, extra, field):
    response = api_client.post(
        f"/api/v1/public/consultants/{consultant.pk}/book-30for30", book_payload(**extra), format="json"
    )
    assert response.status_code == 422, response.json()
    assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_spec001_booking_shape_and_signed_in_owner(api_client, free_consultant):
    client = User.objects.create_user("owner@example.com", "pw-0123456789", role=Role.CLIENT)
    auth(api_client, client)
    response = api_client.post(
        "/api/v1/public/bookings",
        {
            "consultant_id": free_consultant.pk,
            "datetime": "2026-06-03T10:00:00Z",
            "duration": 60,
            "timezone": "Europe/Berlin",
            "client": {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "company": "ACME"},
            "meeting_type": "phone",
            "message": "AI automation.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    booking = ConsultationBooking.objects.get()
    assert (booking.client_name, booking.booking_type, booking.duration_minutes, booking.meeting_platform) == (
        "John Doe",
        "custom",
        60,
        "phone",
    )
    assert (booking.status, booking.client_user) == (BookingStatus.CONFIRMED, client)
    # The owner needs no token; someone else's JWT does not open it.
    assert api_client.get(f"/api/v1/public/bookings/{booking.reference}").status_code == 200
    stranger = User.objects.create_user("stranger@example.com", "pw-0123456789", role=Role.CLIENT)
    assert auth(api_client, stranger).get(f"/api/v1/public/bookings/{booking.reference}").status_code == 404
    confirm = auth(api_client, client).post(f"/api/v1/public/bookings/{booking.reference}/confirm")
    assert confirm.status_code == 200


def test_calendar_sync_and_feed(api_client, consultant):
    booking = BookingFactory(consultant=consultant, start=SLOT, client_name="Feed Client")
    BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1), status=BookingStatus.CANCELLED)
    assert api_client.post(f"/api/v1/public/consultants/{consultant.pk}/calendar-sync").status_code == 401
    client = User.objects.create_user("c@example.com", "pw-0123456789", role=Role.CLIENT)
    assert auth(api_client, client).post(f"/api/v1/public/consultants/{consultant.pk}/calendar-sync").status_code == 403

    consultant.user = User.objects.create_user("me@example.com", "pw-0123456789", role=Role.CONSULTANT)
    consultant.save()
    sync = auth(api_client, consultant.user).post(f"/api/v1/public/consultants/{consultant.pk}/calendar-sync")
    assert sync.status_code == 200
    url = sync.json()["data"]["feed_url"]
    assert url.startswith(f"http://testserver/api/v1/public/consultants/{consultant.pk}/calendar.ics?token=")

    api_client.credentials()
    feed = api_client.get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    body = feed.content.decode()
    assert f"UID:booking-{booking.reference}@magnetiq" in body
    assert body.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20260603T080000Z" in body
    bad = api_client.get(f"/api/v1/public/consultants/{consultant.pk}/calendar.ics", {"token": "x"})
    assert bad.status_code == 404


# --- staff ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["business", "admin"])
def test_staff_list_filters_and_permissions(api_client, consultant, prefix):
    BookingFactory(consultant=consultant, start=SLOT, client_name="Alice Example")
    BookingFactory(
        consultant=consultant, start=SLOT + timedelta(days=2), status=BookingStatus.CANCELLED, client_name="Bob"
    )
    assert api_client.get(f"/api/v1/{prefix}/bookings").status_code == 401
    nobody = staff_user(email="nobody@example.com")
    assert auth(api_client, nobody).get(f"/api/v1/{prefix}/bookings").status_code == 403

    viewer = staff_user("bookings.view_consultationbooking", email="viewer@example.com")
    auth(api_client, viewer)
    listing = api_client.get(f"/api/v1/{prefix}/bookings").json()["data"]
    assert listing["pagination"]["total"] == 2
    assert [b["client_name"] for b in listing["bookings"]] == ["Bob", "Alice Example"]
    filtered = api_client.get(f"/api/v1/{prefix}/bookings", {"status": "confirmed", "search": "alice"}).json()["data"]
    assert [b["client_name"] for b in filtered["bookings"]] == ["Alice Example"]
    by_date = api_client.get(f"/api/v1/{prefix}/bookings", {"date_from": "2026-06-04", "consultant": consultant.pk})
    assert [b["client_name"] for b in by_date.json()["data"]["bookings"]] == ["Bob"]
    assert api_client.get(f"/api/v1/{prefix}/bookings", {"status": "bogus"}).status_code == 422


def test_staff_status_update_and_message_html(api_client, consultant):
    booking = BookingFactory(
        consultant=consultant,
        start=NOW + timedelta(hours=2),
        client_message=[{"_type": "block", "children": [{"_type": "span", "text": "<b>Hi</b>", "marks": ["strong"]}]}],
    )
    viewer = staff_user("bookings.view_consultationbooking", email="viewer@example.com")
    auth(api_client, viewer)
    assert api_client.put(f"/api/v1/business/bookings/{booking.pk}/status", {"status": "cancelled"}).status_code == 403
    html = api_client.get(f"/api/v1/business/bookings/{booking.pk}/message-html").json()["data"]
    assert html == {"id": booking.pk, "html": "<p><strong>&lt;b&gt;Hi&lt;/b&gt;</strong></p>"}

    editor = staff_user(
        "bookings.view_consultationbooking", "bookings.change_consultationbooking", email="ed@example.com"
    )
    auth(api_client, editor)
    # Staff are not bound by the 24 h rule.
    response = api_client.put(
        f"/api/v1/business/bookings/{booking.pk}/status", {"status": "cancelled", "reason": "Ill"}
    )
    assert response.status_code == 200
    assert (response.json()["data"]["status"], response.json()["data"]["cancelled_by"]) == ("cancelled", "staff")
    again = api_client.put(f"/api/v1/business/bookings/{booking.pk}/status", {"status": "completed"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "BOOKING_INVALID_STATE")
    bad = api_client.put(f"/api/v1/business/bookings/{booking.pk}/status", {"status": "pending_payment"})
    assert bad.status_code == 422
    assert api_client.get("/api/v1/business/bookings/999999").status_code == 404


def test_staff_weekly_schedule_read_and_replace(api_client, consultant):
    url = f"/api/v1/business/consultants/{consultant.pk}/schedule"
    reader = staff_user("bookings.view_availabilityrule", email="reader@example.com")
    auth(api_client, reader)
    current = api_client.get(url).json()["data"]
    assert (current["timezone"], current["schedule"]["monday"]) == ("Europe/Berlin", ["09:00-17:00"])
    assert api_client.put(url, {"schedule": {}}, format="json").status_code == 403

    writer = staff_user("bookings.change_availabilityrule", email="writer@example.com")
    auth(api_client, writer)
    saved = api_client.put(url, {"schedule": {"Monday": ["13:00-17:00", "09:00-12:00"]}}, format="json")
    assert saved.status_code == 200
    assert saved.json()["data"]["schedule"]["monday"] == ["09:00-12:00", "13:00-17:00"]
    assert saved.json()["data"]["schedule"]["tuesday"] == []
    for bad in ({"funday": ["09:00-10:00"]}, {"monday": ["10:00-09:00"]}, {"monday": ["09:00-11:00", "10:00-12:00"]}):
        response = api_client.put(url, {"schedule": bad}, format="json")
        assert response.status_code == 422, bad
    assert consultant.availability_rules.count() == 2


# --- a consultant's own schedule -------------------------------------------------------------


def test_consultant_reads_and_replaces_own_schedule(api_client):
    from accounts.models import Role, User
    from bookings.models import AvailabilityRule
    from consultants.tests.factories import ConsultantFactory

    user = User.objects.create_user("own@example.com", "pw", role=Role.CONSULTANT)
    consultant = ConsultantFactory(user=user, timezone="Europe/Berlin")
    api_client.force_authenticate(user)
    response = api_client.put(
        "/api/v1/consultant/schedule", {"schedule": {"monday": ["09:00-12:00", "13:00-17:00"]}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["schedule"]["monday"] == ["09:00-12:00", "13:00-17:00"]
    assert AvailabilityRule.objects.filter(consultant=consultant).count() == 2
    assert api_client.get("/api/v1/consultant/schedule").json()["data"]["timezone"] == "Europe/Berlin"
    bad = api_client.put("/api/v1/consultant/schedule", {"schedule": {"monday": ["17:00-09:00"]}}, format="json")
    assert bad.status_code == 422


def test_own_schedule_needs_a_consultant_profile(api_client):
    from accounts.models import User

    assert api_client.get("/api/v1/consultant/schedule").status_code == 401
    api_client.force_authenticate(User.objects.create_user("client@example.com", "pw"))
    response = api_client.get("/api/v1/consultant/schedule")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONSULTANT_PROFILE_NOT_FOUND"
