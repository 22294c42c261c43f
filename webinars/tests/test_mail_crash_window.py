"""A worker killed in the middle of a registration e-mail: the e-mail arrives exactly once.

The e-mail is recorded in the outbox under ``webinars.<kind>:<registration>:<sequence>`` before its
``*_sent_at`` claim is written. ``SystemExit`` stands for the killed worker (no ``Exception``
handler runs on it): before the row exists nothing is claimed and the next run sends; after the row
the next run finds the key, sends nothing more and writes the claim.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from magnetiq.models import OutboundEmail
from magnetiq.tests import crash
from webinars import notifications
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def registration():
    with time_machine.travel(NOW, tick=False):
        return RegistrationFactory(webinar=WebinarFactory(starts_at=START), email="seat@example.com")


def kill_the_worker_once(monkeypatch, *, after_recording: bool) -> None:
    crash.kill_the_worker_once(monkeypatch, notifications, after_recording=after_recording)


@pytest.mark.parametrize("after_recording", [False, True], ids=["before-the-row", "after-the-row"])
def test_confirmation_arrives_once_when_the_worker_dies_mid_send(registration, monkeypatch, after_recording):
    kill_the_worker_once(monkeypatch, after_recording=after_recording)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(SystemExit):
            notifications.deliver(registration.pk, "confirmation")
        registration.refresh_from_db()
        assert registration.confirmation_sent_at is None
        assert len(mail.outbox) == (1 if after_recording else 0)

        assert notifications.deliver(registration.pk, "confirmation") is True
        assert notifications.deliver(registration.pk, "confirmation") is False

    assert [message.to for message in mail.outbox] == [["seat@example.com"]]
    registration.refresh_from_db()
    assert registration.confirmation_sent_at == NOW
    assert OutboundEmail.objects.get().idempotency_key == f"webinars.confirmation:{registration.pk}:0"


@pytest.mark.parametrize("after_recording", [False, True], ids=["before-the-row", "after-the-row"])
def test_reminder_arrives_once_when_the_worker_dies_mid_send(registration, monkeypatch, after_recording):
    kill_the_worker_once(monkeypatch, after_recording=after_recording)
    with time_machine.travel(START - timedelta(hours=12), tick=False):
        with pytest.raises(SystemExit):
            notifications.deliver(registration.pk, "reminder_1d")
        assert notifications.deliver(registration.pk, "reminder_1d") is True
        assert notifications.deliver(registration.pk, "reminder_1d") is False

    assert len(mail.outbox) == 1
    registration.refresh_from_db()
    assert registration.reminder_1d_sent_at is not None


def test_reschedule_notice_arrives_once_when_the_worker_dies_after_recording(registration, monkeypatch):
    webinar = registration.webinar
    type(webinar).objects.filter(pk=webinar.pk).update(sequence=1, starts_at=START + timedelta(hours=1))
    kill_the_worker_once(monkeypatch, after_recording=True)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(SystemExit):
            notifications.deliver_reschedule(registration.pk, 1)
        assert notifications.deliver_reschedule(registration.pk, 1) is True
        assert notifications.deliver_reschedule(registration.pk, 1) is False

    assert len(mail.outbox) == 1
    registration.refresh_from_db()
    assert registration.reschedule_sequence_sent == 1
    assert OutboundEmail.objects.get().idempotency_key == f"webinars.reschedule:{registration.pk}:1"
