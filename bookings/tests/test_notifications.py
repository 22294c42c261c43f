"""Booking e-mails: sent after commit through tasks, once per change, en/de, with the invite."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from bookings import notifications
from bookings.models import BookingNotification, BookingStatus, ConsultationBooking
from bookings.services import booking_cancel, booking_reschedule, bookings_release_expired_holds
from bookings.signals import booking_cancelled, booking_confirmed, booking_rescheduled
from bookings.tests.notify_utils import NOW, START, Booker, event_of, invite_of, to
from bookings.tokens import manage_token
from leads.models import Lead, LeadEvent

pytestmark = pytest.mark.django_db

CLIENT = "clara@example.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    return Booker(django_capture_on_commit_callbacks)


def manage_link(settings, booking, prefix=""):
    return f"{settings.SITE_URL}{prefix}/bookings/{booking.reference}/?token={manage_token(booking)}"


def test_confirmation_in_english_with_invite_and_consultant_copy(book, consultant, settings):
    booking = book(consultant, questions=["Where do we start?"])

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.confirmation_sent_at == NOW
    (message,) = to(mail.outbox, CLIENT)
    name = consultant.full_name
    assert message.subject == (
        f"Confirmed: 30-minute consultation with {name} on Tuesday, 2 June 2026, 3:00 AM (America/New_York, UTC-04:00)"
    )
    assert message.body.startswith("Hello Clara Client,\n\nyour booking is confirmed")
    assert "When: Tuesday, 2 June 2026, 3:00 AM (America/New_York, UTC-04:00) to 3:30 AM (30 minutes)" in message.body
    assert f"{name} will send you the meeting link before the meeting." in message.body
    assert "View, reschedule or cancel (until 24 hours before the start):" in message.body
    assert manage_link(settings, booking) in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "your booking is confirmed" in html
    assert message.reply_to == [consultant.email]

    calendar, content_type = invite_of(message)
    assert content_type == "text/calendar; method=REQUEST"
    event = event_of(calendar)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"booking-{booking.reference}@magnetiq"
    assert event["SEQUENCE"] == booking.sequence == 1
    assert event.decoded("DTSTART") == START
    assert manage_link(settings, booking) in str(event["DESCRIPTION"])

    (copy,) = to(mail.outbox, consultant.email)
    assert copy.subject == "New booking: Clara Client, Tuesday, 2 June 2026, 9:00 AM (Europe/Berlin, UTC+02:00)"
    assert "Client: Clara Client <clara@example.com>, Client GmbH" in copy.body
    assert "- Where do we start?" in copy.body
    assert "token=" not in copy.body
    assert copy.reply_to == [CLIENT]
    copy_calendar, _ = invite_of(copy)
    assert "DESCRIPTION" not in event_of(copy_calendar)
    assert len(mail.outbox) == 2


def test_confirmation_in_german(book, consultant, settings):
    booking = book(consultant, language="de", visitor_timezone="Europe/Berlin")

    (message,) = to(mail.outbox, CLIENT)
    assert message.subject == (
        f"Bestätigt: 30-minütige Beratung mit {consultant.full_name} am Dienstag, 2. Juni 2026, 09:00 "
        "(Europe/Berlin, UTC+02:00)"
    )
    assert message.body.startswith("Hallo Clara Client,\n\nIhr Termin ist bestätigt")
    assert manage_link(settings, booking, "/de") in message.body
    assert 'lang="de"' in message.alternatives[0][0]
    assert str(event_of(invite_of(message)[0])["SUMMARY"]) == f"30-minütige Beratung mit {consultant.full_name}"


def test_meeting_link_from_the_consultants_room(book, consultant):
    consultant.calendar_integration = {"meeting_url": "https://meet.example.com/anna-room"}
    consultant.save()
    booking = book(consultant)

    assert (booking.meeting_link, booking.meeting_platform) == ("https://meet.example.com/anna-room", "manual")
    (message,) = to(mail.outbox, CLIENT)
    assert "Meeting link: https://meet.example.com/anna-room" in message.body
    assert str(event_of(invite_of(message)[0])["LOCATION"]) == "https://meet.example.com/anna-room"


def test_default_meeting_room_setting(book, free_consultant, settings):
    settings.BOOKINGS = {"DEFAULT_MEETING_URL": "https://meet.example.com/magnetiq"}
    booking = book(free_consultant, start=START + timedelta(hours=2))
    assert booking.meeting_link == "https://meet.example.com/magnetiq"


def test_repeated_signals_and_task_runs_send_the_confirmation_once(
    book, consultant, django_capture_on_commit_callbacks
):
    booking = book(consultant)
    assert len(mail.outbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        booking_confirmed.send(sender=ConsultationBooking, booking_id=booking.pk)
    notifications.send_booking_confirmation.enqueue(booking.pk)
    assert notifications.deliver_confirmation(booking.pk) is False

    assert len(mail.outbox) == 2


def test_a_failed_send_releases_the_claim_so_a_retry_sends(book, consultant):
    with mock.patch("bookings.notifications.send_templated_mail", side_effect=OSError("SMTP down")):
        booking = book(consultant)
    assert booking.confirmation_sent_at is None
    assert mail.outbox == []
    assert not BookingNotification.objects.filter(booking=booking, kind="consultant_confirmed").exists()

    assert notifications.send_booking_confirmation.call(booking.pk) is True
    assert [m.to for m in mail.outbox] == [[CLIENT], [consultant.email]]
    booking.refresh_from_db()
    assert booking.confirmation_sent_at == NOW


def test_no_confirmation_for_a_booking_cancelled_before_the_task_ran(consultant):
    from bookings.tests.factories import BookingFactory

    booking = BookingFactory(consultant=consultant, start=START, status=BookingStatus.CANCELLED)
    assert notifications.deliver_confirmation(booking.pk) is False
    assert mail.outbox == []


def test_reschedule_sends_the_updated_invite_once_per_change(book, consultant, django_capture_on_commit_callbacks):
    booking = book(consultant)
    mail.outbox.clear()
    new_start = START + timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(booking=booking, new_start=new_start)
    with django_capture_on_commit_callbacks(execute=True):
        booking_rescheduled.send(
            sender=ConsultationBooking, booking_id=booking.pk, previous_start=START, previous_end=START
        )

    (message,) = to(mail.outbox, CLIENT)
    assert message.subject == (
        f"Rescheduled: 30-minute consultation with {consultant.full_name}, now on Tuesday, 2 June 2026, 5:00 AM "
        "(America/New_York, UTC-04:00)"
    )
    assert "Previously: Tuesday, 2 June 2026, 3:00 AM (America/New_York, UTC-04:00)" in message.body
    assert f"token={manage_token(booking)}" in message.body
    calendar, content_type = invite_of(message)
    event = event_of(calendar)
    assert content_type == "text/calendar; method=REQUEST"
    assert (calendar["METHOD"], event["SEQUENCE"], event.decoded("DTSTART")) == ("REQUEST", 2, new_start)
    assert str(event["UID"]) == booking.ics_uid
    (copy,) = to(mail.outbox, consultant.email)
    assert copy.subject == "Rescheduled: Clara Client, Tuesday, 2 June 2026, 11:00 AM (Europe/Berlin, UTC+02:00)"
    assert "Previously: Tuesday, 2 June 2026, 9:00 AM (Europe/Berlin, UTC+02:00)" in copy.body
    assert len(mail.outbox) == 2

    # A second move is a new change: told again, with the next sequence.
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(booking=booking, new_start=new_start + timedelta(hours=1))
    second = to(mail.outbox, CLIENT)[-1]
    assert event_of(invite_of(second)[0])["SEQUENCE"] == 3
    assert "Previously: Tuesday, 2 June 2026, 5:00 AM" in second.body
    assert len(mail.outbox) == 4


def test_stale_reschedule_task_does_nothing(book, consultant, django_capture_on_commit_callbacks):
    booking = book(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(booking=booking, new_start=START + timedelta(hours=2))
    sent = len(mail.outbox)
    assert notifications.deliver_reschedule(booking.pk, booking.sequence - 1) is False
    assert notifications.deliver_reschedule(booking.pk, booking.sequence) is False
    assert len(mail.outbox) == sent


def test_cancellation_sends_method_cancel_once(book, consultant, django_capture_on_commit_callbacks):
    booking = book(consultant)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_cancel(booking=booking, reason="Plans changed")
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancelled.send(sender=ConsultationBooking, booking_id=booking.pk, cancelled_by="client")

    (message,) = to(mail.outbox, CLIENT)
    assert message.subject == (
        f"Cancelled: 30-minute consultation with {consultant.full_name} on Tuesday, 2 June 2026, 3:00 AM "
        "(America/New_York, UTC-04:00)"
    )
    assert "has been cancelled as you asked." in message.body
    assert "Reason: Plans changed" in message.body
    calendar, content_type = invite_of(message)
    event = event_of(calendar)
    assert content_type == "text/calendar; method=CANCEL"
    assert (calendar["METHOD"], str(event["STATUS"]), event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 2)
    assert str(event["UID"]) == booking.ics_uid
    (copy,) = to(mail.outbox, consultant.email)
    assert copy.subject.startswith("Cancelled: Clara Client, Tuesday, 2 June 2026, 9:00 AM")
    assert "has been cancelled (by the client)." in copy.body
    assert len(mail.outbox) == 2


def test_cancelled_hold_is_told_without_invite_and_without_consultant_copy(
    book, consultant, django_capture_on_commit_callbacks
):
    booking = book(consultant, confirm=False, language="de")
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking)

    (message,) = mail.outbox
    assert message.to == [CLIENT]
    assert message.subject.startswith("Abgesagt: 30-minütige Beratung")
    assert message.attachments == []


def test_hold_expired_notice_once(book, consultant, clock, settings, django_capture_on_commit_callbacks):
    booking = book(consultant, confirm=False)
    clock.shift(timedelta(minutes=16))
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds() == 0
    assert notifications.send_booking_hold_expired.call(booking.pk) is False

    (message,) = mail.outbox
    assert message.to == [CLIENT]
    assert message.subject == f"Reservation expired: 30-minute consultation with {consultant.full_name}"
    assert "nothing was charged" in message.body
    assert f"{settings.SITE_URL}/consultants/{consultant.slug}/book/" in message.body
    assert message.attachments == []


def test_client_recorded_as_a_lead_once(book, consultant, django_capture_on_commit_callbacks):
    booking = book(consultant, language="de")
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirmed.send(sender=ConsultationBooking, booking_id=booking.pk)
    assert notifications.record_lead(booking.pk) is False

    lead = Lead.objects.get(email=CLIENT)
    assert (lead.first_name, lead.last_name, lead.company, lead.source, lead.language) == (
        "Clara",
        "Client",
        "Client GmbH",
        "booking",
        "de",
    )
    (event,) = LeadEvent.objects.filter(lead=lead)
    assert (event.action, event.data) == ("booking", {"booking_reference": booking.reference})


def test_no_lead_for_an_unconfirmed_hold(book, consultant):
    booking = book(consultant, confirm=False)
    assert notifications.record_lead(booking.pk) is False
    assert not Lead.objects.exists()


def test_manage_url_uses_the_page_route_when_it_exists(consultant, settings):
    from bookings.tests.factories import BookingFactory

    booking = BookingFactory(consultant=consultant, start=START)
    assert notifications.manage_url(booking).startswith(f"{settings.SITE_URL}/bookings/{booking.reference}/?token=")
    assert notifications.manage_url(booking, "de").startswith(
        f"{settings.SITE_URL}/de/bookings/{booking.reference}/?token="
    )


def test_time_shown_with_offset_across_zones():
    assert notifications.format_time(START, "Europe/Berlin", "en") == (
        "Tuesday, 2 June 2026, 9:00 AM (Europe/Berlin, UTC+02:00)"
    )
    assert notifications.format_time(START, "Asia/Kolkata", "de") == (
        "Dienstag, 2. Juni 2026, 12:30 (Asia/Kolkata, UTC+05:30)"
    )
    assert notifications.format_time(START, "UTC", "en") == "Tuesday, 2 June 2026, 7:00 AM (UTC, UTC+00:00)"


def test_commands_refuse_a_bad_now():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("send_booking_reminders", "--now", "tomorrow")
    with pytest.raises(CommandError, match="needs a UTC offset"):
        call_command("send_booking_follow_ups", "--now", "2026-06-01T08:00")


def test_the_cancellation_says_what_is_refunded_how_much_and_when(book, consultant, django_capture_on_commit_callbacks):
    booking = book(consultant)
    assert (booking.payment_status, booking.payment_amount) == ("completed", 100)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, reason="Plans changed")

    (message,) = to(mail.outbox, CLIENT)
    assert (
        "The full payment of $100.00 is refunded to your card; it reaches your account within 5–10 business days."
    ) in message.body
    [(html, _mimetype)] = message.alternatives
    assert "The full payment of $100.00 is refunded to your card" in html


def test_a_late_cancellation_in_german_says_nothing_is_refunded(
    book, consultant, clock, django_capture_on_commit_callbacks
):
    from bookings.models import CancelledBy

    booking = book(consultant, language="de")
    mail.outbox.clear()
    clock.move_to(START - timedelta(hours=2))
    # Only staff can cancel this late; they record it as the client's wish (no automatic refund).
    ConsultationBooking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CANCELLED, cancelled_by=CancelledBy.CLIENT, cancelled_at=START - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancelled.send(sender=ConsultationBooking, booking_id=booking.pk, cancelled_by="client")

    (message,) = to(mail.outbox, CLIENT)
    assert (
        "Sie wurde weniger als 24 Stunden vor Beginn storniert, daher wird die Zahlung von 100,00\xa0$ nicht erstattet."
    ) in message.body
    assert "erstattet; sie ist" not in message.body
