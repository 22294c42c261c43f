"""Spec 004 sessions on bookings: create, list/get own (BOLA), cancel policy, accept by the researcher."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import Role
from bookings.models import BookingStatus, BookingType, ConsultationBooking
from consulting.tests.conftest import NOW, auth, make_researcher, make_user
from magnetiq.models import AuditLogEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

SESSIONS = "/api/v1/consulting/sessions"
START = "2026-06-02T08:00:00Z"  # Tuesday 10:00 in Berlin, 26 h after NOW


def book(api_client, user, researcher, start=START, **extra):
    payload = {"researcher_id": researcher.consultant_id, "start_time": start, **extra}
    return auth(api_client, user).post(SESSIONS, payload, format="json")


def test_anonymous_gets_401_everywhere(api_client, researcher):
    assert api_client.get(SESSIONS).status_code == 401
    assert api_client.post(SESSIONS, {}, format="json").status_code == 401
    assert api_client.get(f"{SESSIONS}/abc").status_code == 401
    assert api_client.post(f"{SESSIONS}/abc/cancel").status_code == 401
    assert api_client.post(f"{SESSIONS}/abc/accept").status_code == 401


def test_create_books_the_slot_and_a_second_create_gets_409(api_client, researcher, client_user, other_client):
    response = book(
        api_client, client_user, researcher, paper_id="https://doi.org/10.1234/DLA.2023", questions="What next?"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "Session created successfully."
    data = body["data"]
    booking = ConsultationBooking.objects.get()
    assert data["id"] == booking.reference
    assert data["user_id"] == client_user.pk
    assert data["researcher_id"] == researcher.consultant_id
    assert data["researcher_name"] == "Rita Researcher"
    assert data["paper_id"] == "10.1234/dla.2023"
    assert data["paper_title"] == "Deep Learning Applications"
    assert data["start_time"] == "2026-06-02T08:00:00Z"
    assert data["end_time"] == "2026-06-02T09:00:00Z"
    assert data["status"] == "scheduled"
    assert data["booking_status"] == "confirmed"
    assert data["payment_status"] == "not_required"
    assert data["accepted"] is False
    assert data["questions"] == ["What next?"]
    assert booking.client_user == client_user
    assert booking.client_email == "cleo@example.com"
    assert booking.booking_type == BookingType.CUSTOM
    assert booking.duration_minutes == 60

    second = book(api_client, other_client, researcher)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "BOOKING_UNAVAILABLE"
    assert ConsultationBooking.objects.count() == 1


def test_priced_researcher_session_waits_for_payment(api_client, client_user):
    researcher = make_researcher(first_name="Paula", rate=Decimal("150.00"))
    response = book(api_client, client_user, researcher, end_time="2026-06-02T08:30:00Z")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "scheduled"
    assert data["booking_status"] == "pending_payment"
    assert data["payment_status"] == "pending"
    assert data["payment_amount"] == "75.00"
    assert data["hold_expires_at"] == "2026-06-01T06:15:00Z"
    assert data["end_time"] == "2026-06-02T08:30:00Z"


def test_create_through_a_time_slot_id(api_client, researcher, client_user):
    response = auth(api_client, client_user).post(
        SESSIONS, {"time_slot_id": f"{researcher.consultant_id}-20260602T0800Z"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["start_time"] == "2026-06-02T08:00:00Z"


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"paper_id": "10.9999/unknown"}, 404, "PAPER_NOT_FOUND"),
        ({"end_time": "2026-06-02T07:00:00Z"}, 422, "VALIDATION_ERROR"),
        ({"end_time": "2026-06-02T14:00:00Z"}, 422, "VALIDATION_ERROR"),
        ({"start_time": "2026-06-02T03:00:00Z"}, 409, "BOOKING_UNAVAILABLE"),
        ({"timezone": "Mars/Olympus"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_create_rejects_bad_input(api_client, researcher, client_user, extra, status, code):
    response = book(api_client, client_user, researcher, **extra)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not ConsultationBooking.objects.exists()


def test_create_needs_a_researcher_and_a_time(api_client, researcher, client_user):
    response = auth(api_client, client_user).post(SESSIONS, {"paper_id": "W100"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "start_time"


def test_not_public_researcher_cannot_be_booked(api_client, client_user):
    researcher = make_researcher(first_name="Hidden")
    researcher.consultant.status = "pending"
    researcher.consultant.save()
    response = book(api_client, client_user, researcher)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "RESEARCHER_NOT_FOUND"


@pytest.fixture
def sessions(api_client, researcher, client_user, other_client):
    """Cleo's session with Rita, Otto's session with Rita, and Otto's with another researcher."""
    mine = book(api_client, client_user, researcher).json()["data"]["id"]
    ottos = book(api_client, other_client, researcher, start="2026-06-02T10:00:00Z").json()["data"]["id"]
    elsewhere = book(api_client, other_client, make_researcher(first_name="Erik")).json()["data"]["id"]
    api_client.credentials()
    return {"mine": mine, "ottos": ottos, "elsewhere": elsewhere}


def ids(response) -> set[str]:
    return {s["id"] for s in response.json()["data"]["sessions"]}


def test_each_caller_sees_only_their_sessions(api_client, sessions, client_user, other_client, researcher_user):
    assert ids(auth(api_client, client_user).get(SESSIONS)) == {sessions["mine"]}
    assert ids(auth(api_client, other_client).get(SESSIONS)) == {sessions["ottos"], sessions["elsewhere"]}
    assert ids(auth(api_client, researcher_user).get(SESSIONS)) == {sessions["mine"], sessions["ottos"]}
    staff = make_user("desk@magnetiq.example", Role.VIEWER, "bookings.view_consultationbooking")
    assert ids(auth(api_client, staff).get(SESSIONS)) == set(sessions.values())
    no_perm_staff = make_user("plain@magnetiq.example", Role.VIEWER)
    assert ids(auth(api_client, no_perm_staff).get(SESSIONS)) == set()
    listing = auth(api_client, client_user).get(SESSIONS).json()["data"]
    assert listing["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}
    assert listing["sessions"][0]["paper_title"] is None


def test_someone_elses_session_is_404(api_client, sessions, client_user, researcher_user):
    response = auth(api_client, client_user).get(f"{SESSIONS}/{sessions['ottos']}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "SESSION_NOT_FOUND"
    assert auth(api_client, client_user).get(f"{SESSIONS}/{sessions['mine']}").status_code == 200
    assert auth(api_client, researcher_user).get(f"{SESSIONS}/{sessions['elsewhere']}").status_code == 404
    assert auth(api_client, client_user).post(f"{SESSIONS}/{sessions['ottos']}/cancel").status_code == 404
    assert ConsultationBooking.objects.get(reference=sessions["ottos"]).status == BookingStatus.CONFIRMED


def test_client_logs_in_through_the_auth_endpoint(api_client, sessions):
    login = api_client.post(
        "/api/v1/auth/login", {"email": "cleo@example.com", "password": "Pw-0123456789!"}, format="json"
    )
    assert login.status_code == 200, login.json()
    token = login.json()["data"]["access_token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ids(api_client.get(SESSIONS)) == {sessions["mine"]}


def test_client_cancels_until_24_hours_before(api_client, sessions, client_user, clock):
    clock.move_to(NOW + timedelta(hours=2))  # 24 h before the 08:00 start
    response = auth(api_client, client_user).post(f"{SESSIONS}/{sessions['mine']}/cancel", {"reason": "Ill"})
    assert response.status_code == 200
    assert response.json()["message"] == "Session canceled successfully."
    assert response.json()["data"]["status"] == "canceled"
    booking = ConsultationBooking.objects.get(reference=sessions["mine"])
    assert booking.cancelled_by == "client"
    assert booking.cancellation_reason == "Ill"
    # the slot is free again
    assert book(api_client, client_user, booking.consultant.researcher_profile).status_code == 201


def test_client_cannot_cancel_within_24_hours_but_the_researcher_can(
    api_client, sessions, client_user, researcher_user, clock
):
    clock.move_to(NOW + timedelta(hours=2, minutes=1))
    late = auth(api_client, client_user).patch(f"{SESSIONS}/{sessions['mine']}/cancel")
    assert late.status_code == 400
    assert late.json()["error"]["code"] == "BOOKING_POLICY_WINDOW_CLOSED"
    response = auth(api_client, researcher_user).post(f"{SESSIONS}/{sessions['mine']}/cancel")
    assert response.status_code == 200
    assert ConsultationBooking.objects.get(reference=sessions["mine"]).cancelled_by == "consultant"


def test_view_only_staff_cannot_cancel(api_client, sessions):
    staff = make_user("desk@magnetiq.example", Role.VIEWER, "bookings.view_consultationbooking")
    response = auth(api_client, staff).post(f"{SESSIONS}/{sessions['mine']}/cancel")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "BOOKING_CHANGE_FORBIDDEN"
    assert ConsultationBooking.objects.get(reference=sessions["mine"]).status == "confirmed"
    editor = make_user(
        "boss@magnetiq.example",
        Role.VIEWER,
        "bookings.view_consultationbooking",
        "bookings.change_consultationbooking",
    )
    assert auth(api_client, editor).post(f"{SESSIONS}/{sessions['mine']}/cancel").status_code == 200
    assert ConsultationBooking.objects.get(reference=sessions["mine"]).cancelled_by == "staff"


def test_only_the_researcher_accepts(api_client, sessions, client_user, other_client, researcher_user):
    url = f"{SESSIONS}/{sessions['mine']}/accept"
    assert auth(api_client, client_user).post(url).status_code == 403
    assert auth(api_client, other_client).post(url).status_code == 404
    staff = make_user("desk@magnetiq.example", Role.VIEWER, "bookings.view_consultationbooking")
    assert auth(api_client, staff).post(url).status_code == 403
    response = auth(api_client, researcher_user).post(url)
    assert response.status_code == 200
    assert response.json()["message"] == "Session accepted successfully."
    data = response.json()["data"]
    assert data["accepted"] is True
    assert data["accepted_at"] == "2026-06-01T06:00:00Z"
    assert data["status"] == "scheduled"
    again = auth(api_client, researcher_user).post(url)
    assert again.status_code == 200
    assert AuditLogEntry.objects.filter(action="consulting.session.accepted").count() == 1


def test_a_cancelled_session_cannot_be_accepted(api_client, sessions, researcher_user):
    auth(api_client, researcher_user).post(f"{SESSIONS}/{sessions['ottos']}/cancel")
    response = auth(api_client, researcher_user).post(f"{SESSIONS}/{sessions['ottos']}/accept")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SESSION_NOT_ACCEPTABLE"


def test_session_status_mapping(api_client, sessions, researcher_user, clock):
    booking = ConsultationBooking.objects.get(reference=sessions["mine"])
    ConsultationBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.NO_SHOW)
    data = auth(api_client, researcher_user).get(f"{SESSIONS}/{sessions['mine']}").json()["data"]
    assert (data["status"], data["booking_status"]) == ("completed", "no_show")
    ConsultationBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.COMPLETED)
    data = auth(api_client, researcher_user).get(f"{SESSIONS}/{sessions['mine']}").json()["data"]
    assert (data["status"], data["booking_status"]) == ("completed", "completed")
