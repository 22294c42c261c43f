"""A worker killed in the middle of a booking e-mail: the e-mail arrives exactly once.

Each e-mail is recorded in the outbox under a deterministic key *before* its claim is written.
A worker that dies before the row exists leaves nothing claimed (the next run sends it); one that
dies after the row and before the claim leaves a row that is delivered, and the next run finds the
key and sends nothing more. ``SystemExit`` stands for the killed worker: it is no ``Exception``, so
no handler of ours runs on it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from bookings import notifications
from bookings.models import BookingNotification, BookingNotificationKind
from bookings.tests.factories import BookingFactory
from bookings.tests.notify_utils import NOW, START
from magnetiq.models import OutboundEmail
from magnetiq.tests import crash
from magnetiq.tests.parallel import run_together

CLIENT = "clara@example.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def kill_the_worker_once(monkeypatch, *, after_recording: bool) -> None:
    crash.kill_the_worker_once(monkeypatch, notifications, after_recording=after_recording)


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.mark.django_db
@pytest.mark.parametrize("after_recording", [False, True], ids=["before-the-row", "after-the-row"])
def test_confirmation_arrives_once_when_the_worker_dies_mid_send(consultant, monkeypatch, after_recording):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)
    kill_the_worker_once(monkeypatch, after_recording=after_recording)

    with pytest.raises(SystemExit):
        notifications.deliver_confirmation(booking.pk)
    booking.refresh_from_db()
    assert booking.confirmation_sent_at is None  # the claim was never written
    assert len(sent_to(CLIENT)) == (1 if after_recording else 0)

    assert notifications.send_booking_confirmation.call(booking.pk) is True
    assert notifications.deliver_confirmation(booking.pk) is False

    assert len(sent_to(CLIENT)) == 1
    assert len(sent_to(consultant.email)) == 1
    booking.refresh_from_db()
    assert booking.confirmation_sent_at == NOW
    assert OutboundEmail.objects.filter(idempotency_key=f"bookings.confirmation:{booking.pk}:0").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("after_recording", [False, True], ids=["before-the-row", "after-the-row"])
def test_reminder_arrives_once_when_the_worker_dies_mid_send(consultant, monkeypatch, after_recording):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)
    now = START - timedelta(hours=3)
    kill_the_worker_once(monkeypatch, after_recording=after_recording)

    with pytest.raises(SystemExit):
        notifications.deliver_reminder(booking.pk, "24h", now=now)
    booking.refresh_from_db()
    assert booking.reminder_24h_sent_at is None

    assert notifications.send_due_reminders(now=now) == {"sent": 1, "failed": 0}
    assert notifications.send_due_reminders(now=now) == {"sent": 0, "failed": 0}

    assert len(sent_to(CLIENT)) == 1
    booking.refresh_from_db()
    assert booking.reminder_24h_sent_at == now


@pytest.mark.django_db
def test_a_rescheduled_booking_gets_its_reminder_again_under_a_new_key(consultant):
    """The reminder key carries the sequence: a reschedule re-arms the reminder, and the new time's
    reminder is not mistaken for the one already sent."""
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)
    assert notifications.deliver_reminder(booking.pk, "24h", now=START - timedelta(hours=3)) is True
    later = START + timedelta(days=1)
    type(booking).objects.filter(pk=booking.pk).update(
        start=later, end=later + timedelta(minutes=30), sequence=1, reminder_24h_sent_at=None
    )

    assert notifications.deliver_reminder(booking.pk, "24h", now=later - timedelta(hours=3)) is True

    assert len(sent_to(CLIENT)) == 2
    keys = set(OutboundEmail.objects.values_list("idempotency_key", flat=True))
    assert {f"bookings.reminder_24h:{booking.pk}:0", f"bookings.reminder_24h:{booking.pk}:1"} <= keys


@pytest.mark.django_db
def test_hold_expired_notice_once_when_the_worker_dies_after_recording(consultant, monkeypatch):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT, status="cancelled")
    type(booking).objects.filter(pk=booking.pk).update(cancelled_by="system")
    kill_the_worker_once(monkeypatch, after_recording=True)

    with pytest.raises(SystemExit):
        notifications.deliver_hold_expired(booking.pk)
    assert not BookingNotification.objects.filter(booking=booking).exists()

    assert notifications.deliver_hold_expired(booking.pk) is True
    assert notifications.deliver_hold_expired(booking.pk) is False
    assert len(sent_to(CLIENT)) == 1
    assert (
        BookingNotification.objects.filter(booking=booking, kind=BookingNotificationKind.CLIENT_HOLD_EXPIRED).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_confirmation_send_one_email(consultant):
    booking = BookingFactory(consultant=consultant, start=START, client_email=CLIENT)

    results = run_together([lambda: notifications.deliver_confirmation(booking.pk) for _ in range(2)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [False, True]
    assert len(sent_to(CLIENT)) == 1
    assert len(sent_to(consultant.email)) == 1
    assert OutboundEmail.objects.filter(idempotency_key__startswith="bookings.confirmation:").count() == 1
    assert (
        BookingNotification.objects.filter(booking=booking, kind=BookingNotificationKind.CONSULTANT_CONFIRMED).count()
        == 1
    )
