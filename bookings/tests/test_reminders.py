"""Reminders (24 h and 1 h before) and follow-ups: due windows, exactly once across cron runs."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from bookings import notifications
from bookings.models import BookingStatus
from bookings.services import booking_cancel, booking_complete, booking_reschedule
from bookings.tests.conftest import staff_user
from bookings.tests.factories import BookingFactory
from bookings.tests.notify_utils import NOW, START, Booker, to

pytestmark = pytest.mark.django_db

CLIENT = "clara@example.com"


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    return Booker(django_capture_on_commit_callbacks)


def staff():
    """Staff may change a booking inside the last 24 hours."""
    return staff_user("bookings.change_consultationbooking")


def run(command: str, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().strip()


def reminder_subjects(outbox=None) -> list[str]:
    return [m.subject.split(" (")[0] for m in (outbox or mail.outbox) if m.subject.startswith("Reminder")]


@pytest.mark.parametrize(
    ("before_start", "expected"),
    [
        (timedelta(hours=24, minutes=1), None),
        (timedelta(hours=24), "24h"),
        (timedelta(hours=1, minutes=1), "24h"),
        (timedelta(hours=1), "1h"),
        (timedelta(minutes=1), "1h"),
        (timedelta(0), None),
        (-timedelta(minutes=5), None),
    ],
)
def test_reminder_windows(consultant, before_start, expected):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)

    result = notifications.send_due_reminders(now=START - before_start)

    assert result == {"sent": 1 if expected else 0, "failed": 0}
    booking.refresh_from_db()
    assert (booking.reminder_24h_sent_at is not None, booking.reminder_1h_sent_at is not None) == (
        expected == "24h",
        expected == "1h",
    )
    if expected:
        (message,) = mail.outbox
        label = "in 24 hours" if expected == "24h" else "in one hour"
        assert message.subject == (
            f"Reminder: 30-minute consultation with {consultant.full_name} {label} "
            "(Tuesday, 2 June 2026, 9:00 AM (Europe/Berlin, UTC+02:00))"
        )
        assert message.attachments == []


def test_each_reminder_goes_exactly_once_across_cron_runs(book, consultant):
    with time_machine.travel(NOW, tick=False) as clock:
        booking = book(consultant)
        mail.outbox.clear()
        outputs = []
        # Every 5 minutes from 25 h before the start to 1 h after, plus the exact edges twice.
        moments = [NOW + timedelta(minutes=5 * i) for i in range(26 * 12 + 1)]
        moments += [START - timedelta(hours=24)] * 2 + [START - timedelta(hours=1)] * 2
        for moment in sorted(moments):
            clock.move_to(moment)
            outputs.append(run("send_booking_reminders"))

    assert reminder_subjects() == [
        f"Reminder: 30-minute consultation with {consultant.full_name} in 24 hours",
        f"Reminder: 30-minute consultation with {consultant.full_name} in one hour",
    ]
    assert outputs.count("Reminders sent: 1, failed: 0") == 2
    assert set(outputs) == {"Reminders sent: 0, failed: 0", "Reminders sent: 1, failed: 0"}
    booking.refresh_from_db()
    assert booking.reminder_24h_sent_at == START - timedelta(hours=24)
    assert booking.reminder_1h_sent_at == START - timedelta(hours=1)


def test_now_option_picks_the_moment(book, consultant):
    with time_machine.travel(NOW, tick=False):
        book(consultant)
        mail.outbox.clear()
        assert run("send_booking_reminders", "--now", "2026-06-01T07:00:00Z") == "Reminders sent: 1, failed: 0"
        assert run("send_booking_reminders", "--now", "2026-06-01T07:00:00+00:00") == "Reminders sent: 0, failed: 0"
    assert len(reminder_subjects()) == 1


def test_cancelled_pending_and_finished_bookings_get_no_reminder(consultant):
    for offset, status in enumerate(
        [BookingStatus.CANCELLED, BookingStatus.PENDING_PAYMENT, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
    ):
        BookingFactory(
            consultant=consultant,
            start=START + timedelta(minutes=30 * offset),
            status=status,
            hold_expires_at=START if status == BookingStatus.PENDING_PAYMENT else None,
        )
    assert notifications.send_due_reminders(now=START - timedelta(hours=2)) == {"sent": 0, "failed": 0}
    assert notifications.send_due_reminders(now=START - timedelta(minutes=30)) == {"sent": 0, "failed": 0}
    assert mail.outbox == []


def test_booking_cancelled_after_its_24h_reminder_gets_no_1h_reminder(
    book, consultant, django_capture_on_commit_callbacks
):
    with time_machine.travel(START - timedelta(hours=25), tick=False) as clock:
        booking = book(consultant)
        clock.move_to(START - timedelta(hours=23))
        assert run("send_booking_reminders") == "Reminders sent: 1, failed: 0"
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=booking, actor=staff(), now=START - timedelta(hours=23))
        clock.move_to(START - timedelta(minutes=30))
        assert run("send_booking_reminders") == "Reminders sent: 0, failed: 0"
    assert len(reminder_subjects()) == 1


def test_rescheduled_booking_is_reminded_again_for_its_new_time(book, consultant, django_capture_on_commit_callbacks):
    new_start = START + timedelta(days=1)
    with time_machine.travel(NOW, tick=False) as clock:
        booking = book(consultant)
        clock.move_to(START - timedelta(hours=24, minutes=-10))
        assert run("send_booking_reminders") == "Reminders sent: 1, failed: 0"
        with django_capture_on_commit_callbacks(execute=True):
            booking = booking_reschedule(booking=booking, new_start=new_start, actor=staff())
        assert booking.reminder_24h_sent_at is None
        clock.move_to(new_start - timedelta(hours=23))
        assert run("send_booking_reminders") == "Reminders sent: 1, failed: 0"
        assert run("send_booking_reminders") == "Reminders sent: 0, failed: 0"
    assert len(reminder_subjects()) == 2
    last = [m for m in mail.outbox if m.subject.startswith("Reminder")][-1]
    assert "(Wednesday, 3 June 2026, 3:00 AM" in last.subject


def test_confirmation_within_24_hours_stands_in_for_the_24h_reminder(book, free_consultant):
    booked_at = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    start = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)  # 20 h later
    with time_machine.travel(booked_at, tick=False) as clock:
        booking = book(free_consultant, start=start, language="de")
        assert booking.reminder_24h_sent_at == booked_at
        for hours in (1, 10, 18):
            clock.move_to(booked_at + timedelta(hours=hours))
            run("send_booking_reminders")
        clock.move_to(start - timedelta(minutes=45))
        assert run("send_booking_reminders") == "Reminders sent: 1, failed: 0"

    (reminder,) = [m for m in to(mail.outbox, CLIENT) if m.subject.startswith("Erinnerung")]
    assert reminder.subject == (
        f"Erinnerung: 30-minütige Beratung mit {free_consultant.full_name} in einer Stunde "
        "(Dienstag, 2. Juni 2026, 05:00 (America/New_York, UTC-04:00))"
    )
    assert "beginnt in einer Stunde" in reminder.body


def test_failed_reminder_is_released_and_retried(consultant):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)
    now = START - timedelta(hours=3)
    with (
        mock.patch("bookings.notifications.send_templated_mail", side_effect=OSError("SMTP down")),
        pytest.raises(CommandError, match="1 reminder"),
    ):
        call_command("send_booking_reminders", "--now", now.isoformat(), stdout=StringIO())
    booking.refresh_from_db()
    assert booking.reminder_24h_sent_at is None

    assert run("send_booking_reminders", "--now", now.isoformat()) == "Reminders sent: 1, failed: 0"
    assert len(mail.outbox) == 1


def test_periodic_reminder_task(consultant):
    BookingFactory(consultant=consultant, start=START, client_email=CLIENT)
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        assert notifications.send_due_booking_reminders.call() == {"sent": 1, "failed": 0}
        assert notifications.send_due_booking_reminders.enqueue().return_value == {"sent": 0, "failed": 0}


# --- follow-up ----------------------------------------------------------------------------------


def test_follow_up_once_after_completion(book, consultant, settings, django_capture_on_commit_callbacks):
    end = START + timedelta(minutes=30)
    with time_machine.travel(NOW, tick=False) as clock:
        booking = book(consultant)
        clock.move_to(end)
        with django_capture_on_commit_callbacks(execute=True):
            booking_complete(booking=booking)
        clock.move_to(end + timedelta(minutes=59))
        assert run("send_booking_follow_ups") == "Follow-ups sent: 0, failed: 0"
        clock.move_to(end + timedelta(minutes=60))
        assert run("send_booking_follow_ups") == "Follow-ups sent: 1, failed: 0"
        assert run("send_booking_follow_ups") == "Follow-ups sent: 0, failed: 0"
        assert notifications.send_booking_follow_up.call(booking.pk) is False
        clock.move_to(end + timedelta(days=2))
        assert run("send_booking_follow_ups") == "Follow-ups sent: 0, failed: 0"

    (message,) = [m for m in to(mail.outbox, CLIENT) if "How was" in m.subject]
    assert message.subject == f"How was your consultation with {consultant.full_name}?"
    assert "Please rate it from 1 to 5 stars and tell us" in message.body
    assert f"/bookings/{booking.reference}/review/?token=" in message.body
    assert f"/bookings/{booking.reference}/review/?token=" in message.alternatives[0][0]
    assert message.reply_to == [settings.CONTACT_EMAIL]
    assert f"/bookings/{booking.reference}/?token=" in message.body
    booking.refresh_from_db()
    assert booking.follow_up_sent_at == end + timedelta(minutes=60)


def test_follow_up_sent_by_the_completion_task_when_already_due(book, consultant, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False) as clock:
        booking = book(consultant, language="de")
        clock.move_to(START + timedelta(hours=3))
        with django_capture_on_commit_callbacks(execute=True):
            booking_complete(booking=booking)
    (message,) = [m for m in to(mail.outbox, CLIENT) if m.subject.startswith("Wie war")]
    assert message.subject == f"Wie war Ihr Termin mit {consultant.full_name}?"
    assert "Bitte bewerten Sie das Gespräch" in message.body


def test_no_follow_up_for_confirmed_past_or_old_bookings(consultant):
    past_confirmed = BookingFactory(consultant=consultant, start=START)
    old_completed = BookingFactory(
        consultant=consultant, start=START - timedelta(days=20), status=BookingStatus.COMPLETED
    )
    now = START + timedelta(days=1)
    assert notifications.send_due_follow_ups(now=now) == {"sent": 0, "failed": 0}
    assert run("send_booking_follow_ups", "--now", now.isoformat()) == "Follow-ups sent: 0, failed: 0"
    past_confirmed.refresh_from_db()
    old_completed.refresh_from_db()
    assert past_confirmed.status == BookingStatus.CONFIRMED
    assert (past_confirmed.follow_up_sent_at, old_completed.follow_up_sent_at) == (None, None)
    assert mail.outbox == []


def test_follow_up_delay_setting_and_periodic_task(consultant, settings):
    settings.BOOKINGS = {"FOLLOW_UP_DELAY_MINUTES": 0}
    BookingFactory(consultant=consultant, start=START, status=BookingStatus.COMPLETED, client_email=CLIENT)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert notifications.send_due_booking_follow_ups.call() == {"sent": 1, "failed": 0}
        assert notifications.send_due_booking_follow_ups.call() == {"sent": 0, "failed": 0}
