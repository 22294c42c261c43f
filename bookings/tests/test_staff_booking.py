"""Staff book for a client (a phone booking): ``POST``/``PUT /api/v1/business/bookings`` and the
admin's "Book for a client", through the public path's services (slot rules, 409, e-mails), with the
staff member on the booking, in its history and in the audit log."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from bookings.models import BookingChange, BookingChangeKind, BookingStatus, ConsultationBooking
from bookings.services import booking_create
from bookings.tests.notify_utils import NOW, START, to
from bookings.tokens import manage_token
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db

CLIENT = "phone.client@example.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _api(role: str) -> tuple[APIClient, User]:
    user = User.objects.create_user(f"{role}@example.com", "pw-0123456789", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client, user


def _body(consultant, start=START, **extra) -> dict:
    return {
        "consultant_id": consultant.pk,
        "scheduled_date": start.isoformat(),
        "timezone": "Europe/Berlin",
        "client_name": "Paula Phone",
        "client_email": CLIENT,
        "client_phone": "+49 30 1234567",
        "language": "de",
        **extra,
    }


def test_priced_phone_booking_is_held_and_the_client_gets_the_payment_link(
    consultant, django_capture_on_commit_callbacks
):
    client, staff = _api(Role.CONSULTANT_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/business/bookings", _body(consultant), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["status"], data["payment_amount"], data["created_by_staff"]) == ("pending_payment", "100.00", staff.pk)
    booking = ConsultationBooking.objects.get(pk=data["id"])
    # Held for 48 hours but never past the start (25 hours away).
    assert booking.hold_expires_at == START
    change = BookingChange.objects.get(booking=booking)
    assert (change.kind, change.actor) == (BookingChangeKind.CREATED, staff)
    assert AuditLogEntry.objects.get(action="bookings.booking.created").actor == staff

    (message,) = to(mail.outbox, CLIENT)
    token = manage_token(booking)
    assert f"/de/bookings/{booking.reference}/pay/?token={token}" in message.body
    assert "Bitte zahlen Sie" in message.body
    assert message.subject.startswith("Bitte bezahlen")


def test_free_phone_booking_is_confirmed_with_the_usual_e_mail(free_consultant, django_capture_on_commit_callbacks):
    client, staff = _api(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/business/bookings",
            _body(free_consultant, start=START + timedelta(hours=3), language="en"),
            format="json",
        )
    assert response.status_code == 201, response.content
    booking = ConsultationBooking.objects.get(pk=response.json()["data"]["id"])
    assert (booking.status, booking.created_by_staff) == (BookingStatus.CONFIRMED, staff)
    subjects = [message.subject for message in to(mail.outbox, CLIENT)]
    assert len(subjects) == 1 and "pay" not in subjects[0].lower()


def test_a_taken_time_is_the_same_409_as_on_the_public_path(consultant):
    booking_create(consultant=consultant, start=START, client_name="First", client_email="first@example.com")
    client, _ = _api(Role.CONSULTANT_MANAGER)
    response = client.post("/api/v1/business/bookings", _body(consultant), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BOOKING_UNAVAILABLE"
    # Outside the consultant's hours (03:00 Berlin) as well.
    response = client.post(
        "/api/v1/business/bookings", _body(consultant, start=START - timedelta(hours=6)), format="json"
    )
    assert response.status_code == 409


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PAYMENT_MANAGER, Role.EDITOR, Role.CONSULTANT])
def test_roles_without_the_add_permission_are_refused(consultant, role):
    client, _ = _api(role)
    response = client.post("/api/v1/business/bookings", _body(consultant), format="json")
    assert response.status_code == 403
    assert not ConsultationBooking.objects.exists()


def test_bad_fields_are_422(consultant):
    client, _ = _api(Role.CONSULTANT_MANAGER)
    response = client.post("/api/v1/business/bookings", _body(consultant, client_email="nope"), format="json")
    assert response.status_code == 422
    response = client.post("/api/v1/business/bookings", {"consultant_id": consultant.pk}, format="json")
    assert response.status_code == 422


def test_put_moves_the_booking_and_changes_its_status(consultant, django_capture_on_commit_callbacks):
    client, staff = _api(Role.CONSULTANT_MANAGER)
    booking = booking_create(consultant=consultant, start=START, client_name="Ann", client_email=CLIENT)
    later = START + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            f"/api/v1/business/bookings/{booking.pk}",
            {"scheduled_date": later.isoformat(), "status": "cancelled", "reason": "Client called"},
            format="json",
        )
    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert (booking.start, booking.status, booking.cancellation_reason) == (later, "cancelled", "Client called")
    kinds = list(BookingChange.objects.filter(booking=booking, actor=staff).values_list("kind", flat=True))
    assert kinds == [BookingChangeKind.RESCHEDULED, BookingChangeKind.CANCELLED]
    assert client.put(f"/api/v1/business/bookings/{booking.pk}", {}, format="json").status_code == 422


def test_put_to_a_taken_time_is_409(consultant):
    client, _ = _api(Role.ADMIN)
    first = booking_create(consultant=consultant, start=START, client_name="A", client_email="a@example.com")
    booking_create(consultant=consultant, start=START + timedelta(hours=1), client_name="B", client_email="b@x.com")
    response = client.put(
        f"/api/v1/business/bookings/{first.pk}",
        {"scheduled_date": (START + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BOOKING_UNAVAILABLE"


# --- admin ------------------------------------------------------------------------------------


def _admin_form(consultant, **extra) -> dict:
    # START is 09:00 in Berlin.
    return {
        "consultant": consultant.pk,
        "booking_type": "30for30",
        "duration_minutes": "",
        "start_date": "2026-06-02",
        "start_time": "09:00",
        "timezone": "Europe/Berlin",
        "client_name": "Paula Phone",
        "client_email": CLIENT,
        "language": "en",
        **extra,
    }


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("cm@example.com", "pw-0123456789", role=Role.CONSULTANT_MANAGER)
    client.force_login(user)
    client.user = user
    return client


def test_admin_book_for_a_client(staff_client, consultant, django_capture_on_commit_callbacks):
    url = reverse("admin:bookings_consultationbooking_add")
    assert staff_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, _admin_form(consultant))
    booking = ConsultationBooking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:bookings_consultationbooking_change", args=[booking.pk])
    assert (booking.start, booking.status, booking.created_by_staff) == (START, "pending_payment", staff_client.user)
    assert BookingChange.objects.get(booking=booking).actor == staff_client.user
    assert f"/bookings/{booking.reference}/pay/?token=" in to(mail.outbox, CLIENT)[0].body
    assert staff_client.get(response.url).status_code == 200


def test_admin_shows_a_taken_time_as_a_form_error(staff_client, consultant):
    booking_create(consultant=consultant, start=START, client_name="First", client_email="first@example.com")
    response = staff_client.post(reverse("admin:bookings_consultationbooking_add"), _admin_form(consultant))
    assert response.status_code == 200
    assert "no longer available" in str(response.context["form"].errors["start_time"])
    assert ConsultationBooking.objects.count() == 1


def test_admin_refuses_staff_without_the_add_permission(client, consultant):
    viewer = User.objects.create_user("viewer@example.com", "pw-0123456789", role=Role.VIEWER)
    client.force_login(viewer)
    assert client.post(reverse("admin:bookings_consultationbooking_add"), _admin_form(consultant)).status_code == 403
    assert not ConsultationBooking.objects.exists()


def test_staff_cannot_confirm_a_held_priced_booking_without_its_payment(consultant):
    """Only the online payment confirms a held priced booking: no "paid" booking without a payment in
    the ledger and the reports."""
    client, _ = _api(Role.ADMIN)
    booking = booking_create(consultant=consultant, start=START, client_name="Ann", client_email=CLIENT)
    for url in (f"/api/v1/business/bookings/{booking.pk}", f"/api/v1/business/bookings/{booking.pk}/status"):
        response = client.put(url, {"status": "confirmed"}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BOOKING_PAYMENT_REQUIRED"
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == ("pending_payment", "pending")
