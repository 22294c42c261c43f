"""Who may read and who may change a booking, walked over every role and every booking route.

The rule (``bookings.access``): reading needs the owner (client user), the booking's consultant,
staff holding ``bookings.view_consultationbooking`` or the manage token; changing (reschedule,
cancel, confirm, status, the payment step) needs the owner, the consultant, staff holding
``bookings.change_consultationbooking`` or the manage token. Staff who may only read get 403 on a
change, everyone else 404 (the booking's existence is not revealed), and a refused change leaves
the booking exactly as it was.

The clock stands at ``NOW``; the booking starts two days later, so the 24 h guest rule never
interferes.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.models import BookingChange, BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.tests.conftest import NOW
from bookings.tests.factories import BookingFactory
from bookings.tokens import manage_token
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

START = NOW + timedelta(days=2, hours=2)  # Wednesday 10:00 Berlin
NEW_START = START + timedelta(hours=2)

#: Staff holding the change permission, the booking's own parties and the manage link.
WRITERS = ("super_admin", "admin", "consultant_manager", "own_consultant", "owner", "token_holder")
#: Staff who hold the view permission only.
READERS = ("payment_manager", "analytics_viewer", "viewer")
#: Nothing to do with this booking.
STRANGERS = ("editor", "other_consultant", "other_client", "anonymous")
ACTORS = WRITERS + READERS + STRANGERS
STAFF_WRITERS = ("super_admin", "admin", "consultant_manager")

ROLE_OF = {
    "super_admin": Role.SUPER_ADMIN,
    "admin": Role.ADMIN,
    "consultant_manager": Role.CONSULTANT_MANAGER,
    "payment_manager": Role.PAYMENT_MANAGER,
    "analytics_viewer": Role.ANALYTICS_VIEWER,
    "editor": Role.EDITOR,
    "viewer": Role.VIEWER,
    "other_consultant": Role.CONSULTANT,
    "other_client": Role.CLIENT,
}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booking(consultant) -> ConsultationBooking:
    """A confirmed free booking of ``consultant`` (who has a user) by a signed-in client."""
    consultant.user = UserFactory(role=Role.CONSULTANT, email="own-consultant@example.com")
    consultant.save()
    return BookingFactory(
        consultant=consultant,
        start=START,
        client_user=UserFactory(role=Role.CLIENT, email="owner@example.com"),
        payment_amount=0,
        payment_status=BookingPaymentStatus.NOT_REQUIRED,
    )


def actor_user(actor: str, booking: ConsultationBooking):
    """The user acting as ``actor`` (None for the anonymous visitors)."""
    if actor == "owner":
        return booking.client_user
    if actor == "own_consultant":
        return booking.consultant.user
    if actor in ROLE_OF:
        user = UserFactory(role=ROLE_OF[actor], email=f"{actor}@example.com")
        if actor == "other_consultant":
            ConsultantFactory(user=user)
        return user
    return None


def api_as(actor: str, booking: ConsultationBooking) -> APIClient:
    client = APIClient()
    user = actor_user(actor, booking)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def page_as(actor: str, booking: ConsultationBooking) -> Client:
    client = Client()
    user = actor_user(actor, booking)
    if user is not None:
        client.force_login(user)
    return client


def token_query(actor: str, booking: ConsultationBooking) -> str:
    return f"?token={manage_token(booking)}" if actor == "token_holder" else ""


def snapshot(booking: ConsultationBooking) -> tuple:
    booking = ConsultationBooking.objects.get(pk=booking.pk)
    return (
        booking.status,
        booking.start,
        booking.end,
        booking.sequence,
        booking.reschedule_count,
        booking.cancelled_at,
        booking.cancelled_by,
        booking.attendance_confirmed_at,
        booking.updated_at,
    )


def refused_status(actor: str) -> int:
    return 403 if actor in READERS else 404


# --- the visitor API ----------------------------------------------------------------------------

API_WRITES = {
    "reschedule (POST)": ("post", "reschedule", {"scheduled_date": NEW_START.isoformat()}),
    "reschedule (PUT)": ("put", "reschedule", {"scheduled_date": NEW_START.isoformat()}),
    "cancel (POST)": ("post", "cancel", {"reason": "Changed plans"}),
    "cancel (DELETE)": ("delete", "cancel", {}),
    "confirm attendance": ("post", "confirm", {}),
}


def changed_as_asked(path: str, booking: ConsultationBooking) -> bool:
    booking = ConsultationBooking.objects.get(pk=booking.pk)
    if path.startswith("reschedule"):
        return booking.start == NEW_START and booking.reschedule_count == 1
    if path.startswith("cancel"):
        return booking.status == BookingStatus.CANCELLED
    return booking.attendance_confirmed_at == NOW


@pytest.mark.parametrize("path", list(API_WRITES))
@pytest.mark.parametrize("actor", ACTORS)
def test_api_writes_by_role(booking, actor, path):
    method, action, body = API_WRITES[path]
    client = api_as(actor, booking)
    before = snapshot(booking)
    url = f"/api/v1/public/bookings/{booking.reference}/{action}{token_query(actor, booking)}"

    response = getattr(client, method)(url, body, format="json")

    if actor in WRITERS:
        assert response.status_code == 200, response.json()
        assert changed_as_asked(path, booking)
        return
    assert response.status_code == refused_status(actor), response.json()
    code = "BOOKING_CHANGE_FORBIDDEN" if actor in READERS else "BOOKING_NOT_FOUND"
    assert response.json()["error"]["code"] == code
    assert snapshot(booking) == before
    assert not BookingChange.objects.filter(booking=booking).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_staff_status_endpoint_by_role(booking, actor):
    client = api_as(actor, booking)
    before = snapshot(booking)

    response = client.put(
        f"/api/v1/business/bookings/{booking.pk}/status{token_query(actor, booking)}",
        {"status": "cancelled", "reason": "Ill"},
        format="json",
    )

    if actor in STAFF_WRITERS:
        assert response.status_code == 200, response.json()
        assert ConsultationBooking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
        return
    # A staff endpoint addressed by id: no JWT → 401, a JWT without the change permission → 403.
    assert response.status_code == (401 if actor in ("anonymous", "token_holder") else 403)
    assert snapshot(booking) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_api_read_by_role(booking, actor):
    response = api_as(actor, booking).get(f"/api/v1/public/bookings/{booking.reference}{token_query(actor, booking)}")

    if actor in STRANGERS:
        assert (response.status_code, response.json()["error"]["code"]) == (404, "BOOKING_NOT_FOUND")
        return
    assert response.status_code == 200
    assert response.json()["data"]["reference"] == booking.reference
    # A reader is not offered a change the API would refuse.
    assert response.json()["data"]["can_change"] is (actor in WRITERS)


@pytest.mark.parametrize("actor", ACTORS)
def test_session_payment_intent_by_role(booking, actor):
    """Spec 004's session payment (by reference with a JWT): past the rule a confirmed booking has
    nothing to pay (409), so no Stripe call is made by this test."""
    response = api_as(actor, booking).post(
        "/api/v1/consulting/payments/intent", {"type": "session", "session_id": booking.reference}, format="json"
    )

    if actor in ("anonymous", "token_holder"):
        assert response.status_code == 401
    elif actor in WRITERS:
        assert (response.status_code, response.json()["error"]["code"]) == (409, "PAYMENT_NOT_REQUIRED")
    else:
        assert response.status_code == refused_status(actor), response.json()


# --- the pages ----------------------------------------------------------------------------------

PAGE_WRITES = {
    "reschedule page": ("get", "reschedule", {}, 200),
    "reschedule (POST)": ("post", "reschedule", {"new_start": NEW_START.strftime("%Y-%m-%dT%H:%MZ")}, 302),
    "cancel page": ("get", "cancel", {}, 200),
    "cancel (POST)": ("post", "cancel", {"reason": "Changed plans"}, 302),
    "pay page": ("get", "pay", {}, 302),
}


@pytest.mark.parametrize("path", list(PAGE_WRITES))
@pytest.mark.parametrize("actor", ACTORS)
def test_page_writes_by_role(booking, actor, path):
    method, action, data, allowed_status = PAGE_WRITES[path]
    client = page_as(actor, booking)
    before = snapshot(booking)

    response = getattr(client, method)(f"/bookings/{booking.reference}/{action}/{token_query(actor, booking)}", data)

    if actor in WRITERS:
        assert response.status_code == allowed_status
        after = ConsultationBooking.objects.get(pk=booking.pk)
        if path == "reschedule (POST)":
            assert (after.start, after.reschedule_count) == (NEW_START, 1)
        elif path == "cancel (POST)":
            assert after.status == BookingStatus.CANCELLED
        else:
            assert snapshot(booking) == before
        if allowed_status == 302:
            assert response["Location"].startswith(f"/bookings/{booking.reference}/?token=")
        return
    assert response.status_code == refused_status(actor)
    assert manage_token(booking) not in response.content.decode()
    assert snapshot(booking) == before
    assert not BookingChange.objects.filter(booking=booking).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_manage_page_by_role(booking, actor):
    response = page_as(actor, booking).get(f"/bookings/{booking.reference}/{token_query(actor, booking)}")

    if actor in STRANGERS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response.context["can_change"] is (actor in WRITERS)
    if actor in READERS:
        # The manage token opens the change pages: a reader never sees it.
        assert manage_token(booking) not in response.content.decode()
        assert f"/bookings/{booking.reference}/cancel/" not in response.content.decode()
