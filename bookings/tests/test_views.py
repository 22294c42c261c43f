"""Booking pages: the book flow (slots in the visitor's zone, details, taken slot), the manage page
(token checks, owner access, 24 h policy, reschedule, cancel), my bookings and German labels.

The clock stands at ``NOW`` (Monday 2026-06-01 08:00 Berlin): with 12 h notice the first free day of
a 09:00–17:00 Berlin schedule is Tuesday 2 June.
"""

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from accounts.models import Role, User
from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.services import booking_create, booking_reschedule, bookings_release_expired_holds
from bookings.tests.conftest import NOW
from bookings.tests.factories import BookingFactory, weekday_rules
from bookings.tokens import manage_token
from consultants.tests.factories import ConsultantFactory
from payments.models import Payment, PaymentIntentStatus

pytestmark = pytest.mark.django_db

TUESDAY_9_BERLIN = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
DETAILS = {"name": "Clara Client", "email": "Clara@Example.com", "phone": "+49 30 1", "company": "ACME"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book_url(consultant, lang=""):
    return f"{lang}/consultants/{consultant.slug}/book/"


def post_booking(client, consultant, start=TUESDAY_9_BERLIN, **extra):
    data = {"type": "30for30", "tz": "Europe/Berlin", "start": start.strftime("%Y-%m-%dT%H:%MZ"), **DETAILS, **extra}
    return client.post(book_url(consultant), data)


def make_booking(consultant, start=TUESDAY_9_BERLIN, **extra):
    fields = {"client_name": "Clara Client", "client_email": "clara@example.com", "visitor_timezone": "Europe/Berlin"}
    return booking_create(consultant=consultant, start=start, **{**fields, **extra})


def slot_values(response) -> list[str]:
    return [slot["value"] for slot in response.context["picker"]["slots"]]


def slot_labels(response) -> list[str]:
    """The slots' wall-clock times in the picker's zone (the page writes them on the visitor's clock)."""
    return [f"{slot['start']:%H:%M}" for slot in response.context["picker"]["slots"]]


# --- step 1 -------------------------------------------------------------------------------------


def test_step1_shows_the_first_free_day_in_the_consultants_zone_with_its_offset(client, consultant):
    response = client.get(book_url(consultant))

    assert response.status_code == 200
    picker = response.context["picker"]
    assert picker["day"].isoformat() == "2026-06-02"
    assert slot_labels(response)[:3] == ["09:00", "09:30", "10:00"]
    assert slot_labels(response)[-1] == "16:30"
    assert len(picker["slots"]) == 16
    assert picker["slots"][0] == {
        "value": "2026-06-02T07:00Z",
        "start": datetime(2026, 6, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        "offset": "UTC+02:00",
        "late": False,  # 07:00Z on 2 June is 25 h after NOW: still inside the change window
    }
    assert picker["times_in"] == "Times in Europe/Berlin (UTC+02:00)"
    # The month of June 2026, Monday first: 1 June is a Monday, the grid ends on Sunday 5 July.
    assert picker["month_label"] == "June 2026"
    assert picker["weekdays"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert len(picker["weeks"]) == 5
    assert [picker["weeks"][0][0]["date"].isoformat(), picker["weeks"][-1][-1]["date"].isoformat()] == [
        "2026-06-01",
        "2026-07-05",
    ]
    # Monday (today) has nothing left after the 12 h notice, so it has no link; every other day has 16.
    first_week = picker["weeks"][0]
    assert [day["count"] for day in first_week] == [0, 16, 16, 16, 16, 16, 16]
    assert first_week[0]["url"] == ""
    assert first_week[1]["url"] == "?type=30for30&tz=Europe%2FBerlin&date=2026-06-02"
    assert first_week[1]["selected"] is True
    assert first_week[1]["free_label"] == "16 free times"
    assert [day["in_month"] for day in picker["weeks"][-1]] == [True, True, False, False, False, False, False]
    assert picker["previous_month_url"] == ""
    assert picker["next_month_url"] == "?type=30for30&tz=Europe%2FBerlin&date=2026-07-01"
    content = response.content.decode()
    assert 'name="start" value="2026-06-02T07:00Z"' in content
    assert 'src="/static/js/booking-timezone.js"' in content  # the optional zone script


def test_slots_are_shown_in_the_visitors_zone(client, consultant):
    response = client.get(book_url(consultant), {"tz": "America/New_York", "date": "2026-06-02"})

    assert slot_labels(response)[:2] == ["03:00", "03:30"]  # 09:00 Berlin
    assert response.context["picker"]["slots"][0]["offset"] == "UTC-04:00"
    assert response.context["picker"]["times_in"] == "Times in America/New York (UTC-04:00)"
    assert "booking-timezone.js" not in response.content.decode()  # the zone was given


def test_unknown_zone_and_bad_values_fall_back_to_defaults(client, consultant):
    response = client.get(book_url(consultant), {"tz": "Mars/Olympus", "date": "not-a-day", "type": "gold"})

    assert response.status_code == 200
    assert response.context["picker"]["zone"] == "Europe/Berlin"
    assert response.context["picker"]["day"].isoformat() == "2026-06-02"
    assert response.context["params"]["type"] == "30for30"


def test_other_types_offer_a_duration_and_their_price(client, consultant):
    consultant.consultation_types = ["30for30", "strategy", "unknown"]
    consultant.save()

    response = client.get(book_url(consultant), {"type": "strategy", "duration": "90", "date": "2026-06-02"})

    content = response.content.decode()
    assert [value for value, _ in response.context["picker_form"].fields["type"].choices] == ["30for30", "strategy"]
    assert '<option value="90" selected>90 minutes</option>' in content
    assert '<option value="240">240 minutes</option>' in content
    assert response.context["price"] == "$300.00"  # 200/h × 1.5 h
    assert slot_labels(response)[-1] == "15:30"  # the last 90-minute slot ends at 17:00
    assert response.context["picker"]["hidden"] == {
        "type": "strategy",
        "tz": "Europe/Berlin",
        "duration": 90,
        "date": "2026-06-02",
    }


def test_a_type_the_consultant_does_not_offer_falls_back_to_30_for_30(client, consultant):
    response = client.get(book_url(consultant), {"type": "audit", "duration": "60"})

    assert response.context["params"] == {"type": "30for30", "tz": "Europe/Berlin"}
    assert response.context["has_duration"] is False
    content = response.content.decode()
    assert '<span id="duration-field" hidden>' in content
    assert "(other types)" not in content and "per hour" not in content


def test_month_links_move_by_a_month_and_stop_at_today_and_the_window(client, consultant):
    response = client.get(book_url(consultant), {"date": "2026-07-10", "tz": "Europe/Berlin"})

    picker = response.context["picker"]
    assert picker["month_label"] == "July 2026"
    assert picker["weeks"][0][0]["date"].isoformat() == "2026-06-29"
    assert picker["previous_month_url"] == "?type=30for30&tz=Europe%2FBerlin&date=2026-06-01"
    # The 60-day window ends on 31 July: no link to August, and no day after it has a link.
    assert picker["next_month_url"] == ""
    days = [day for week in picker["weeks"] for day in week]
    assert [day["url"] for day in days if day["date"].isoformat() >= "2026-07-31"] == ["", "", ""]
    content = response.content.decode()
    assert '<span class="day empty" data-date="2026-08-01" aria-disabled="true">' in content


def test_a_slot_inside_the_24_hour_window_says_so_before_it_is_chosen(client, consultant):
    # At 10:00Z on 1 June the slots of 2 June before 10:00Z (09:00–11:30 Berlin) start within 24 hours.
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False):
        response = client.get(book_url(consultant), {"date": "2026-06-02", "tz": "Europe/Berlin"})
    slots = response.context["picker"]["slots"]
    assert [slot["value"] for slot in slots if slot["late"]] == [
        "2026-06-02T07:00Z",
        "2026-06-02T07:30Z",
        "2026-06-02T08:00Z",
        "2026-06-02T08:30Z",
        "2026-06-02T09:00Z",
        "2026-06-02T09:30Z",
    ]
    assert len(slots) == 16
    content = response.content.decode()
    assert "Times marked * are inside 24 h: cannot be changed or refunded." in content
    assert content.count('<small class="late-note">inside 24 h: cannot be changed or refunded</small>') == 6
    assert "9:00 AM *<small>UTC+02:00</small>" in content


def test_a_day_without_slots_says_so(client, consultant):
    response = client.get(book_url(consultant), {"date": "2026-06-01", "tz": "Europe/Berlin"})

    assert response.context["picker"]["slots"] == []
    assert "No free times on this day — please pick another day." in response.content.decode()


def test_unknown_or_hidden_consultant_is_404(client):
    assert client.get("/consultants/nobody/book/").status_code == 404
    hidden = ConsultantFactory(status="inactive")
    assert client.get(book_url(hidden)).status_code == 404


# --- step 2 and confirm -------------------------------------------------------------------------


def test_picking_a_slot_shows_the_details_form_with_both_times(client, consultant):
    response = client.get(
        book_url(consultant), {"type": "30for30", "tz": "America/New_York", "start": "2026-06-02T07:00Z"}
    )

    assert response.context["step"] == 2
    assert response.context["your_time"] == "Tuesday, 2 June 2026, 3:00 AM (UTC-04:00)"
    assert response.context["consultant_time"] == "Tuesday, 2 June 2026, 9:00 AM (UTC+02:00)"
    content = response.content.decode()
    assert 'name="start" value="2026-06-02T07:00Z"' in content
    assert "the time is held for you for 15 minutes while you pay by card on the next page" in content
    assert response.context["change_url"] == "?type=30for30&tz=America%2FNew_York&date=2026-06-02"


def test_free_booking_is_confirmed_and_lands_on_the_manage_page(client, free_consultant):
    start = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
    response = post_booking(
        client, free_consultant, start, tz="UTC", message="Cloud costs", questions="First?\n\n Second? "
    )

    booking = ConsultationBooking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/{booking.reference}/?token={manage_token(booking)}"
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.start, booking.timezone, booking.language) == (start, "UTC", "en")
    assert (booking.client_name, booking.client_email, booking.client_company) == (
        "Clara Client",
        "clara@example.com",
        "ACME",
    )
    assert booking.questions == ["First?", "Second?"]
    assert booking.client_message[0]["children"][0]["text"] == "Cloud costs"
    assert booking.client_user is None

    page = client.get(response["Location"])
    content = page.content.decode()
    assert "Your booking is confirmed. We have sent the details with a calendar invite to clara@example.com." in content
    assert page.context["status_label"] == "Confirmed"
    assert page.context["can_change"] is True


def test_priced_booking_is_held_and_goes_straight_to_the_payment_page(client, consultant):
    response = post_booking(client, consultant)

    booking = ConsultationBooking.objects.get()
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/{booking.reference}/pay/?token={manage_token(booking)}"


def test_manage_page_of_a_held_booking_offers_pay_now_with_the_expiry(client, consultant):
    booking = make_booking(consultant)

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    content = page.content.decode()
    assert page.context["amount"] == "$100.00"
    assert page.context["hold_text"] == (
        "Reserved for you until Monday, 1 June 2026, 8:15 AM (UTC+02:00). Pay before then to confirm your booking; "
        "the time is yours once it is paid."
    )
    assert page.context["status_label"] == "Awaiting payment"
    pay = f"/bookings/{booking.reference}/pay/?token={manage_token(booking)}"
    assert f'<a class="button" id="pay-link" href="{pay}">Pay now ($100.00)</a>' in content
    assert 'id="hold-expired"' not in content and "complete payment" not in content


@pytest.mark.parametrize("released", [False, True])
def test_manage_page_after_the_hold_expired_says_book_again(client, consultant, clock, released):
    booking = make_booking(consultant)
    clock.move_to(NOW + timedelta(minutes=16))
    if released:
        assert bookings_release_expired_holds() == 1

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    content = page.content.decode()
    assert page.context["status_label"] == "Hold expired"
    assert (
        '<p class="notice" id="hold-expired">The hold on this time expired before it was paid, so the time was '
        "released. Please book again.</p>"
    ) in content
    assert f'<a class="button" id="book-again" href="/consultants/{consultant.slug}/book/">Book again</a>' in content
    assert 'id="pay-link"' not in content and 'id="hold"' not in content
    assert "This booking was cancelled." not in content
    assert page.context["can_change"] is False


def test_manage_page_after_expiry_with_a_refunded_late_payment(client, consultant, clock):
    booking = make_booking(consultant)
    clock.move_to(NOW + timedelta(minutes=16))
    bookings_release_expired_holds()
    ConsultationBooking.objects.filter(pk=booking.pk).update(payment_status=BookingPaymentStatus.REFUNDED)

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    assert "Please book again. Your payment was refunded in full.</p>" in page.content.decode()


def test_manage_page_while_a_payment_is_processing_after_expiry(client, consultant, clock):
    booking = make_booking(consultant)
    Payment.objects.create(
        booking=booking,
        payment_intent_id="pi_processing",
        amount=booking.payment_amount,
        currency=booking.payment_currency,
        status=PaymentIntentStatus.PROCESSING,
        idempotency_key="k-processing",
    )
    clock.move_to(NOW + timedelta(minutes=16))
    bookings_release_expired_holds()

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    content = page.content.decode()
    assert page.context["status_label"] == "Awaiting payment"
    assert (
        '<p class="notice" id="payment-processing">Your payment is being processed. This page shows the result '
        "once your bank has confirmed it; we will e-mail you as well.</p>"
    ) in content
    assert 'id="hold-expired"' not in content and 'id="book-again"' not in content
    assert 'id="pay-link"' not in content and "This booking was cancelled." not in content


def test_a_strategy_session_keeps_its_duration(client, consultant):
    consultant.consultation_types = ["strategy"]
    consultant.save()

    post_booking(client, consultant, type="strategy", duration="90")

    booking = ConsultationBooking.objects.get()
    assert (booking.booking_type, booking.duration_minutes) == ("strategy", 90)
    assert booking.end == TUESDAY_9_BERLIN + timedelta(minutes=90)


def test_a_slot_taken_meanwhile_shows_the_picker_again_with_fresh_slots(client, consultant):
    make_booking(consultant, client_email="first@example.com")

    response = post_booking(client, consultant)

    assert response.status_code == 409
    assert ConsultationBooking.objects.count() == 1
    assert "That time was just taken — please pick another." in response.content.decode()
    assert response.context["step"] == 1
    assert response.context["picker"]["day"].isoformat() == "2026-06-02"
    assert "2026-06-02T07:00Z" not in slot_values(response)
    assert slot_values(response)[0] == "2026-06-02T07:30Z"


def test_a_taken_slot_in_the_link_is_refused_before_the_details(client, consultant):
    make_booking(consultant)

    response = client.get(book_url(consultant), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})

    assert response.context["step"] == 1
    assert "That time is no longer available — please pick another." in response.content.decode()


def test_missing_details_are_form_errors(client, consultant):
    response = post_booking(client, consultant, name="", email="not-an-email")

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "email"}
    assert ConsultationBooking.objects.count() == 0


def test_a_forged_start_goes_back_to_the_picker(client, consultant):
    response = client.post(
        book_url(consultant), {"type": "30for30", "tz": "Europe/Berlin", "start": "yesterday", **DETAILS}
    )

    assert response.status_code == 200
    assert response.context["step"] == 1
    assert ConsultationBooking.objects.count() == 0


def test_a_signed_in_client_is_prefilled_and_linked(client, consultant):
    user = User.objects.create_user(
        "kim@example.com", "pw-0123456789", role=Role.CLIENT, first_name="Kim", last_name="Ko"
    )
    client.force_login(user)

    step2 = client.get(book_url(consultant), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})
    assert step2.context["form"].initial["name"] == "Kim Ko"
    assert step2.context["form"].initial["email"] == "kim@example.com"

    post_booking(client, consultant, email="kim@example.com")
    assert ConsultationBooking.objects.get().client_user == user


# --- manage -------------------------------------------------------------------------------------


def manage(client, booking, token=None, **params):
    query = {"token": manage_token(booking) if token is None else token, **params}
    return client.get(reverse("bookings:manage", args=[booking.reference]), query)


def test_manage_needs_the_current_token(client, consultant):
    booking = make_booking(consultant)

    assert manage(client, booking).status_code == 200
    assert manage(client, booking, token="forged").status_code == 404
    assert client.get(f"/bookings/{booking.reference}/").status_code == 404
    assert client.get("/bookings/nope/", {"token": manage_token(booking)}).status_code == 404


def test_manage_shows_both_zones(client, consultant):
    booking = make_booking(consultant, visitor_timezone="America/New_York")

    response = manage(client, booking)

    assert response.context["your_time"] == "Tuesday, 2 June 2026, 3:00 AM (UTC-04:00)"
    assert response.context["consultant_time"] == "Tuesday, 2 June 2026, 9:00 AM (UTC+02:00)"
    assert f"{consultant.full_name}&#x27;s time" in response.content.decode()


def test_the_owner_needs_no_token_and_others_do(client, consultant):
    owner = User.objects.create_user("owner@example.com", "pw-0123456789", role=Role.CLIENT)
    other = User.objects.create_user("other@example.com", "pw-0123456789", role=Role.CLIENT)
    booking = make_booking(consultant, client_user=owner)

    client.force_login(other)
    assert client.get(f"/bookings/{booking.reference}/").status_code == 404
    client.force_login(owner)
    assert client.get(f"/bookings/{booking.reference}/").status_code == 200


FREE_START = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)


def test_inside_24_hours_the_guest_is_told_to_contact_us(client, free_consultant, clock):
    booking = make_booking(free_consultant, start=FREE_START)
    clock.move_to(FREE_START - timedelta(hours=23, minutes=59))

    response = manage(client, booking)

    assert response.context["can_change"] is False
    assert response.context["policy_text"] == (
        "This booking starts in less than 24 hours, so it can no longer be changed or cancelled online. "
        f"Please contact us at hello@magnetiq.local and quote the reference {booking.reference}."
    )
    assert "/cancel/" not in response.content.decode()
    cancel = client.post(reverse("bookings:cancel", args=[booking.reference]), {"token": manage_token(booking)})
    assert cancel.status_code == 302
    shown = [str(m) for m in client.get(cancel["Location"]).context["messages"]]
    assert shown == [response.context["policy_text"]]
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at) == (BookingStatus.CONFIRMED, None)


def test_exactly_24_hours_before_the_guest_may_still_change(client, free_consultant, clock):
    booking = make_booking(free_consultant, start=FREE_START)
    clock.move_to(FREE_START - timedelta(hours=24))

    response = manage(client, booking)

    assert (response.context["can_change"], response.context["policy_text"]) == (True, "")


def test_the_policy_applies_to_the_reschedule_page_too(client, free_consultant, clock):
    booking = make_booking(free_consultant, start=FREE_START)
    clock.move_to(FREE_START - timedelta(hours=2))

    response = client.get(reverse("bookings:reschedule", args=[booking.reference]), {"token": manage_token(booking)})

    assert response.status_code == 302
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert messages[0].startswith("This booking starts in less than 24 hours")


def test_reschedule_flow_moves_the_booking_and_the_old_link_still_works(client, consultant):
    booking = make_booking(consultant)
    old_token = manage_token(booking)
    url = reverse("bookings:reschedule", args=[booking.reference])

    picker = client.get(url, {"token": old_token, "date": "2026-06-02"})
    assert picker.status_code == 200
    assert "2026-06-02T07:00Z" not in slot_values(picker)  # its own time is not offered
    assert slot_values(picker)[0] == "2026-06-02T07:30Z"

    confirm = client.get(url, {"token": old_token, "tz": "Europe/Berlin", "new_start": "2026-06-03T12:00Z"})
    assert confirm.context["step"] == "confirm"
    assert confirm.context["new_time"] == "Wednesday, 3 June 2026, 2:00 PM (UTC+02:00)"

    moved = client.post(url, {"token": old_token, "tz": "Europe/Berlin", "new_start": "2026-06-03T12:00Z"})

    booking.refresh_from_db()
    assert booking.start == datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    assert moved.status_code == 302
    assert parse_qs(urlsplit(moved["Location"]).query) == {"token": [manage_token(booking)]}
    page = client.get(moved["Location"])
    assert (
        "Your booking was moved to Wednesday, 3 June 2026, 2:00 PM (UTC+02:00). "
        "The links in our earlier e-mails still lead here."
    ) in page.content.decode()
    old_link = manage(client, booking, token=old_token)
    assert old_link.status_code == 200
    assert old_link.context["your_time"] == "Wednesday, 3 June 2026, 2:00 PM (UTC+02:00)"


def test_reschedule_to_a_taken_time_says_so(client, consultant):
    booking = make_booking(consultant)
    make_booking(consultant, start=datetime(2026, 6, 3, 12, 0, tzinfo=UTC), client_email="x@example.com")
    url = reverse("bookings:reschedule", args=[booking.reference])

    response = client.post(url, {"token": manage_token(booking), "new_start": "2026-06-03T12:00Z"})

    assert response.status_code == 409
    assert "That time was just taken — please pick another." in response.content.decode()
    assert response.context["picker"]["day"].isoformat() == "2026-06-03"
    booking.refresh_from_db()
    assert booking.start == TUESDAY_9_BERLIN


def test_cancel_asks_first_then_cancels(client, consultant):
    booking = make_booking(consultant)
    url = reverse("bookings:cancel", args=[booking.reference])

    ask = client.get(url, {"token": manage_token(booking)})
    assert ask.context["cancel_text"] == (
        "Do you want to cancel your booking on Tuesday, 2 June 2026, 9:00 AM (UTC+02:00)? "
        "The time is released for others."
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT

    done = client.post(url, {"token": manage_token(booking), "reason": "Plans changed"})

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason, booking.cancelled_by) == (
        BookingStatus.CANCELLED,
        "Plans changed",
        "client",
    )
    page = client.get(done["Location"])
    assert "Your booking is cancelled." in page.content.decode()
    assert page.context["can_change"] is False
    assert "This booking was cancelled." in page.content.decode()


def test_a_cancelled_booking_cannot_be_rescheduled(client, consultant):
    booking = BookingFactory(consultant=consultant, start=TUESDAY_9_BERLIN, status=BookingStatus.CANCELLED)

    response = client.post(
        reverse("bookings:reschedule", args=[booking.reference]),
        {"token": manage_token(booking), "new_start": "2026-06-03T12:00Z"},
    )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.start == TUESDAY_9_BERLIN


# --- my bookings --------------------------------------------------------------------------------


def test_my_bookings_moved_to_the_account_page(client):
    """The old address sends to the account page (portal's tests cover its content)."""
    response = client.get("/account/bookings/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/de/account/bookings/")["Location"] == "/de/account/"


# --- links and German ---------------------------------------------------------------------------


def test_the_profile_links_to_the_booking_page(client, consultant):
    response = client.get(f"/consultants/{consultant.slug}/")

    assert f'href="/consultants/{consultant.slug}/book/">Book a consultation</a>' in response.content.decode()


def test_german_labels_under_de(client, consultant):
    response = client.get(book_url(consultant, "/de"))

    content = response.content.decode()
    assert "Beratung mit" in content and "1. Zeit wählen" in content and "Zeiten anzeigen" in content
    assert response.context["picker"]["day_label"] == "Dienstag, 2. Juni 2026"
    assert response.context["picker"]["month_label"] == "Juni 2026"
    assert response.context["picker"]["weekdays"][:2] == ["Mo", "Di"]
    assert response.context["picker"]["weeks"][0][1]["free_label"] == "16 freie Zeiten"
    step2 = client.get(book_url(consultant, "/de"), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})
    assert step2.context["your_time"] == "Dienstag, 2. Juni 2026, 09:00 (UTC+02:00)"
    assert "Worüber möchten Sie sprechen?" in step2.content.decode()
    assert 'action="/de/consultants/' in step2.content.decode()


@pytest.mark.parametrize(
    ("lang", "cookie", "first", "last"),
    [
        ("", None, "9:00 AM", "4:30 PM"),  # English: CLDR's 12-hour clock
        ("", "24h", "09:00", "16:30"),
        ("/de", None, "09:00", "16:30"),  # German: 24-hour
        ("/de", "12h", "9:00\u202fAM", "4:30\u202fPM"),
    ],
)
def test_slot_buttons_follow_the_visitors_clock(client, consultant, lang, cookie, first, last):
    if cookie:
        client.cookies["time_format"] = cookie

    content = client.get(book_url(consultant, lang), {"date": "2026-06-02"}).content.decode()

    assert f'value="2026-06-02T07:00Z">{first}<small>UTC+02:00</small></button>' in content
    assert f'value="2026-06-02T14:30Z">{last}<small>UTC+02:00</small></button>' in content
    assert '<form class="time-format" method="post" action="/time-format/">' in content


def test_the_clock_toggle_sets_the_cookie_and_returns_to_the_booking_page(client, consultant):
    page = f"/de/consultants/{consultant.slug}/book/?date=2026-06-02"

    response = client.post("/time-format/", {"time_format": "12h", "next": page})
    content = client.get(response["Location"]).content.decode()

    assert response["Location"] == page
    assert 'value="2026-06-02T07:00Z">9:00\u202fAM<small>' in content
    assert 'value="12h" aria-pressed="true" disabled>12 Stunden</button>' in content


def test_the_manage_page_writes_times_on_the_visitors_clock(client, consultant):
    booking = make_booking(consultant)
    client.cookies["time_format"] = "24h"

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    assert page.context["your_time"] == "Tuesday, 2 June 2026, 09:00 (UTC+02:00)"
    assert '<dd id="your-time">Tuesday, 2 June 2026, 09:00 (UTC+02:00)</dd>' in page.content.decode()


def test_german_manage_page_texts(client, consultant):
    booking = make_booking(consultant, language="de")

    page = client.get(f"/de/bookings/{booking.reference}/?token={manage_token(booking)}")

    content = page.content.decode()
    assert page.context["heading"] == f"Ihre Buchung bei {consultant.full_name}"
    assert "<dt>Art</dt><dd>30-für-30-Beratung, 30 Minuten</dd>" in content
    assert '<dd id="your-time">Dienstag, 2. Juni 2026, 09:00 (UTC+02:00)</dd>' in content
    assert ">Verschieben</a>" in content and ">Buchung stornieren</a>" in content


def test_a_booking_made_in_german_keeps_the_language_and_german_manage_page(client, free_consultant):
    data = {"type": "30for30", "tz": "UTC", "start": "2026-06-02T10:00Z", **DETAILS}
    response = client.post(book_url(free_consultant, "/de"), data)

    booking = ConsultationBooking.objects.get()
    assert booking.language == "de"
    assert response["Location"].startswith(f"/de/bookings/{booking.reference}/?token=")
    page = client.get(response["Location"])
    assert "Ihre Buchung ist bestätigt." in page.content.decode()
    assert page.context["status_label"] == "Bestätigt"


def test_a_priced_booking_in_german_goes_to_the_german_payment_page(client, consultant, clock):
    data = {"type": "30for30", "tz": "Europe/Berlin", "start": "2026-06-02T07:00Z", **DETAILS}
    step2 = client.get(book_url(consultant, "/de"), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})
    assert "während Sie auf der nächsten Seite mit Karte bezahlen" in step2.content.decode()

    response = client.post(book_url(consultant, "/de"), data)

    booking = ConsultationBooking.objects.get()
    assert response["Location"] == f"/de/bookings/{booking.reference}/pay/?token={manage_token(booking)}"
    manage = client.get(f"/de/bookings/{booking.reference}/?token={manage_token(booking)}")
    content = manage.content.decode()
    assert (
        f'href="/de/bookings/{booking.reference}/pay/?token={manage_token(booking)}">Jetzt bezahlen (100,00\xa0$)'
        in (content)
    )
    assert manage.context["hold_text"].startswith("Für Sie reserviert bis Montag, 1. Juni 2026, 08:15 (UTC+02:00).")
    clock.move_to(NOW + timedelta(minutes=16))
    expired = client.get(f"/de/bookings/{booking.reference}/?token={manage_token(booking)}")
    content = expired.content.decode()
    assert expired.context["status_label"] == "Reservierung abgelaufen"
    assert "Bitte buchen Sie erneut." in content
    assert f'href="/de/consultants/{consultant.slug}/book/">Erneut buchen</a>' in content


def test_a_consultant_without_schedule_has_no_slots(client):
    lonely = ConsultantFactory()

    response = client.get(book_url(lonely))

    assert response.status_code == 200
    assert response.context["picker"]["slots"] == []


def test_reschedule_of_an_owner_booking_without_token(client, consultant):
    owner = User.objects.create_user("owner@example.com", "pw-0123456789", role=Role.CLIENT)
    booking = make_booking(consultant, client_user=owner)
    client.force_login(owner)

    response = client.post(reverse("bookings:reschedule", args=[booking.reference]), {"new_start": "2026-06-03T12:00Z"})

    booking.refresh_from_db()
    assert booking.start == datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    assert response["Location"] == f"/bookings/{booking.reference}/?token={manage_token(booking)}"


def test_booking_reschedule_by_service_keeps_the_page_link(client, consultant):
    booking = make_booking(consultant)
    old = manage_token(booking)
    booking_reschedule(booking=booking, new_start=datetime(2026, 6, 4, 8, tzinfo=UTC))

    page = manage(client, booking, token=old)
    assert page.status_code == 200
    assert page.context["booking"].start == datetime(2026, 6, 4, 8, tzinfo=UTC)


def test_the_page_link_of_a_booking_over_for_14_days_is_the_404_page(client, consultant):
    booking = make_booking(consultant)
    with time_machine.travel(booking.end + timedelta(days=14), tick=False):
        assert manage(client, booking).status_code == 404
    with time_machine.travel(booking.end + timedelta(days=13), tick=False):
        assert manage(client, booking).status_code == 200


def test_weekday_rules_helper_used_for_a_second_interval(client, consultant):
    weekday_rules(consultant, start=time(18), end=time(19), weekdays=[1])

    response = client.get(book_url(consultant), {"tz": "Europe/Berlin", "date": "2026-06-02"})

    assert slot_labels(response)[-2:] == ["18:00", "18:30"]


def test_reschedule_without_a_valid_time_shows_the_picker(client, consultant):
    booking = make_booking(consultant)

    response = client.post(
        reverse("bookings:reschedule", args=[booking.reference]), {"token": manage_token(booking), "new_start": "soon"}
    )

    assert response.status_code == 422
    assert "That time is no longer available — please pick another." in response.content.decode()
    booking.refresh_from_db()
    assert (booking.start, booking.reschedule_count) == (TUESDAY_9_BERLIN, 0)


def test_a_language_added_to_the_settings_books_in_that_language(client, free_consultant, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("fr", "Français")]
    data = {"type": "30for30", "tz": "UTC", "start": "2026-06-02T10:00Z", **DETAILS}

    response = client.post(book_url(free_consultant, "/fr"), data)

    booking = ConsultationBooking.objects.get()
    assert booking.language == "fr"
    assert response["Location"].startswith(f"/fr/bookings/{booking.reference}/?token=")
    page = client.get(response["Location"])
    # No French catalogue yet: the text stays English, the dates are Django's French.
    assert page.context["your_time"] == "mardi, 2 juin 2026, 10:00 (UTC+00:00)"


# --- price, policy, confirmation, refunds -------------------------------------------------------

POLICY_EN = (
    "You can reschedule or cancel online until 24 hours before the start; a cancellation by then is refunded "
    "in full. Later the booking can no longer be changed, cancelled or refunded."
)
POLICY_DE = (
    "Sie können online bis 24 Stunden vor Beginn umbuchen oder stornieren; eine Stornierung bis dahin wird "
    "vollständig erstattet. Danach kann die Buchung nicht mehr geändert, storniert oder erstattet werden."
)


def test_step1_shows_one_price_for_the_session_and_the_policy_beside_it(client, consultant):
    consultant.consultation_types = ["30for30", "strategy"]
    consultant.save()

    response = client.get(book_url(consultant), {"date": "2026-06-02", "tz": "Europe/Berlin"})

    content = response.content.decode()
    assert '<strong id="price">$100.00</strong> <span id="price-minutes">(30 minutes)</span>' in content
    assert f'<p class="notice" id="policy">{POLICY_EN}</p>' in content
    assert "per hour" not in content and "(other types)" not in content
    # Each type's price for each duration, computed by the rule that charges, for the script.
    table = json.loads(response.context["prices_json"])
    assert table["30for30"] == {"has_duration": False, "prices": {"30": "$100.00"}}
    assert table["strategy"]["has_duration"] is True
    assert (table["strategy"]["prices"]["15"], table["strategy"]["prices"]["90"]) == ("$50.00", "$300.00")
    assert json.loads(response.context["minute_labels_json"])["90"] == "90 minutes"
    assert 'data-prices="{&quot;30for30&quot;: {&quot;has_duration&quot;: false' in content
    assert 'src="/static/js/booking-price.js"' in content


def test_step1_in_german_shows_the_price_and_the_policy_in_german(client, consultant):
    response = client.get(book_url(consultant, "/de"), {"date": "2026-06-02", "tz": "Europe/Berlin"})

    content = response.content.decode()
    assert '<strong id="price">100,00\xa0$</strong> <span id="price-minutes">(30 Minuten)</span>' in content
    assert f'<p class="notice" id="policy">{POLICY_DE}</p>' in content
    assert "Mit * markierte Zeiten" not in content  # no slot of 2 June is inside 24 hours at NOW


def test_step1_time_zone_is_a_searchable_input_with_every_zone(client, consultant):
    response = client.get(book_url(consultant), {"tz": "America/New_York"})

    content = response.content.decode()
    assert (
        '<input type="text" name="tz" id="id_tz" list="tz-list" value="America/New_York" autocomplete="off"' in content
    )
    assert '<option value="Europe/Berlin"></option>' in content
    assert '<option value="Pacific/Auckland"></option>' in content


def test_step2_of_a_slot_inside_24_hours_warns_before_booking(client, consultant):
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False):
        late = client.get(book_url(consultant), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})
        early = client.get(book_url(consultant), {"tz": "Europe/Berlin", "start": "2026-06-02T12:00Z"})
        german = client.get(book_url(consultant, "/de"), {"tz": "Europe/Berlin", "start": "2026-06-02T07:00Z"})

    assert late.context["late_text"] == (
        "This time starts in less than 24 hours: once booked, it cannot be changed, cancelled or refunded."
    )
    assert f'<p class="notice" id="policy">{POLICY_EN}</p>' in late.content.decode()
    assert early.context["late_text"] == ""
    assert german.context["late_text"] == (
        "Dieser Termin beginnt in weniger als 24 Stunden: Einmal gebucht, kann er nicht mehr geändert, storniert "
        "oder erstattet werden."
    )
    assert '<li class="current" aria-current="step">2. Ihre Angaben</li>' in german.content.decode()


def test_the_payment_page_repeats_consultant_time_steps_and_policy(client, consultant, clock):
    booking = make_booking(consultant)
    pay = f"/bookings/{booking.reference}/pay/?token={manage_token(booking)}"
    with mock.patch("payments.pages.payment_create_for_booking") as create:
        create.return_value = Payment(amount=Decimal("100.00"), currency="USD")
        page = client.get(pay)
        german = client.get("/de" + pay)

    content = page.content.decode()
    assert f'<dd id="consultant">{consultant.full_name}</dd>' in content
    assert '<dd id="your-time">Tuesday, 2 June 2026, 9:00 AM (UTC+02:00)</dd>' in content
    assert '<dd id="amount">$100.00</dd>' in content
    assert f'<p class="notice" id="policy">{POLICY_EN}</p>' in content
    assert '<li class="current" aria-current="step">3. Pay</li>' in content
    german_content = german.content.decode()
    assert '<dd id="your-time">Dienstag, 2. Juni 2026, 09:00 (UTC+02:00)</dd>' in german_content
    assert f'<p class="notice" id="policy">{POLICY_DE}</p>' in german_content
    assert '<li class="current" aria-current="step">3. Bezahlen</li>' in german_content


def test_the_confirmed_page_says_where_the_mail_went_and_offers_calendars(
    client, free_consultant, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(client, free_consultant, datetime(2026, 6, 2, 10, 0, tzinfo=UTC), tz="UTC")
    booking = ConsultationBooking.objects.get()

    page = client.get(response["Location"])

    assert booking.confirmation_sent_at is not None  # the test settings run tasks at once
    content = page.content.decode()
    assert page.context["emailed_text"] == "We e-mailed the confirmation with a calendar invite to clara@example.com."
    assert page.context["meeting_text"] == (
        f"{free_consultant.full_name} will e-mail you the meeting link before the meeting starts."
    )
    assert '<li class="current" aria-current="step">4. Done</li>' in content
    link = f"{settings.SITE_URL}/bookings/{booking.reference}/?token={manage_token(booking)}"
    assert page.context["google_calendar_url"] == "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": f"30-minute consultation with {free_consultant.full_name}",
            "dates": "20260602T100000Z/20260602T103000Z",
            "details": f"View, reschedule or cancel: {link}",
        }
    )
    assert page.context["outlook_calendar_url"] == "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": f"30-minute consultation with {free_consultant.full_name}",
            "startdt": "2026-06-02T10:00:00Z",
            "enddt": "2026-06-02T10:30:00Z",
            "body": f"View, reschedule or cancel: {link}",
        }
    )
    assert page.context["ics_url"] == f"/bookings/{booking.reference}/invite.ics?token={manage_token(booking)}"
    assert (
        '<p id="manage-link">Your link to view, reschedule or cancel this booking (the e-mail has it too): '
        f'<a href="{link}">{link}</a></p>'
    ) in content.replace("&amp;", "&")


def test_the_confirmed_page_shows_the_meeting_link_and_german_texts(client, consultant):
    booking = make_booking(consultant, language="de")
    ConsultationBooking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED, meeting_link="https://meet.example/room", hold_expires_at=None
    )

    page = client.get(f"/de/bookings/{booking.reference}/?token={manage_token(booking)}")

    content = page.content.decode()
    assert '<dd id="meeting"><a href="https://meet.example/room">https://meet.example/room</a></dd>' in content
    assert page.context["meeting_text"] == ""
    assert page.context["emailed_text"] == (
        "Wir schicken die Bestätigung mit Kalendereinladung gerade an clara@example.com."
    )
    assert ">Google Kalender</a>" in content and ">Kalenderdatei (.ics)</a>" in content


def test_the_ics_download_is_the_bookings_invite_in_utc(client, consultant):
    booking = make_booking(consultant)
    url = f"/bookings/{booking.reference}/invite.ics"

    response = client.get(url, {"token": manage_token(booking)})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{booking.reference}.ics"'
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    assert event.to_ical().decode().count("DTSTART:20260602T070000Z") == 1
    assert str(event["UID"]) == booking.ics_uid
    assert client.get(url).status_code == 404
    assert client.get(url, {"token": "forged"}).status_code == 404


def test_cancelling_a_paid_booking_says_what_is_refunded_how_much_and_when(client, consultant):
    booking = BookingFactory(consultant=consultant, start=TUESDAY_9_BERLIN, client_email="clara@example.com")
    url = reverse("bookings:cancel", args=[booking.reference])

    ask = client.get(url, {"token": manage_token(booking)})
    assert ask.context["refund_preview"] == (
        "If you cancel now, the full payment of $100.00 is refunded to your card; it reaches your account "
        "within 5–10 business days."
    )
    done = client.post(url, {"token": manage_token(booking)}, follow=True)

    content = done.content.decode()
    assert (
        '<p class="notice" id="cancelled">This booking was cancelled. <span id="refund">The full payment of $100.00 '
        "is refunded to your card; it reaches your account within 5–10 business days.</span></p>"
    ) in content


def test_the_german_cancelled_page_after_the_refund_and_a_late_cancellation(client, consultant):
    refunded = BookingFactory(
        consultant=consultant,
        start=TUESDAY_9_BERLIN,
        language="de",
        status=BookingStatus.CANCELLED,
        cancelled_by="client",
        cancelled_at=NOW,
        payment_status=BookingPaymentStatus.REFUNDED,
    )
    late = BookingFactory(
        consultant=consultant,
        start=TUESDAY_9_BERLIN + timedelta(hours=1),
        language="de",
        status=BookingStatus.CANCELLED,
        cancelled_by="client",
        cancelled_at=TUESDAY_9_BERLIN - timedelta(hours=2),
    )

    first = client.get(f"/de/bookings/{refunded.reference}/?token={manage_token(refunded)}")
    second = client.get(f"/de/bookings/{late.reference}/?token={manage_token(late)}")

    assert first.context["refund_text"] == (
        "Die volle Zahlung von 100,00\xa0$ wurde auf Ihre Karte erstattet; sie ist innerhalb von 5–10 Werktagen "
        "auf Ihrem Konto."
    )
    assert second.context["refund_text"] == (
        "Sie wurde weniger als 24 Stunden vor Beginn storniert, daher wird die Zahlung von 100,00\xa0$ nicht erstattet."
    )


def test_the_policy_message_names_the_contact_address_setting(client, consultant, settings):
    settings.CONTACT_EMAIL = "help@magnetiq.example"
    booking = BookingFactory(consultant=consultant, start=NOW + timedelta(hours=20))

    page = client.get(f"/bookings/{booking.reference}/?token={manage_token(booking)}")

    assert page.context["policy_text"] == (
        "This booking starts in less than 24 hours, so it can no longer be changed or cancelled online. "
        f"Please contact us at help@magnetiq.example and quote the reference {booking.reference}."
    )
