"""The outbox (magnetiq/mail.py) delivering through a real SMTP server on loopback
(magnetiq/tests/smtp.py): arrival, retries with backoff, permanent failures, one send per row
with two workers, nothing for a rolled-back change, stalled sends taken back, staff's retry."""

import smtplib
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from magnetiq.mail import (
    STALLED_ERROR,
    is_permanent_failure,
    outbound_email_create,
    outbound_email_deliver,
    outbound_email_deliver_due,
    outbound_email_failed,
    retry_delay,
)
from magnetiq.models import OutboundEmail, OutboundEmailStatus
from magnetiq.tests.parallel import run_together

pytestmark = pytest.mark.django_db

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def failures():
    """The ``outbound_email_failed`` signals sent during the test, as ``(key, error)``."""
    seen: list[tuple[str, str]] = []

    def receive(sender, email_id, key, error, **kwargs):
        seen.append((key, error))

    outbound_email_failed.connect(receive, dispatch_uid="test-outbox-failures")
    yield seen
    outbound_email_failed.disconnect(dispatch_uid="test-outbox-failures")


def record(**extra) -> OutboundEmail:
    values = {"to": ["ada@example.com"], "subject": "Grüße aus Berlin", "text": "plain text", "html": "<p>html</p>"}
    return outbound_email_create(**{**values, **extra})


def reload(email: OutboundEmail) -> OutboundEmail:
    return OutboundEmail.objects.get(pk=email.pk)


def test_a_recorded_email_arrives_with_its_parts_attachment_and_message_id(smtp_server, settings):
    email = record(
        attachments=[("invite.ics", ICS, "text/calendar; method=REQUEST")],
        reply_to=["consultant@example.com"],
        headers={"X-Magnetiq-Kind": "test"},
        key="test:arrives",
    )

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.message["From"] == settings.DEFAULT_FROM_EMAIL
    assert received.message["Reply-To"] == "consultant@example.com"
    assert received.message["Message-ID"] == email.message_id
    assert email.message_id.endswith(f"@{settings.DEFAULT_FROM_EMAIL.rpartition('@')[2]}")  # "…@example.com>"
    assert received.message["X-Magnetiq-Kind"] == "test"
    assert received.subject == "Grüße aus Berlin"
    assert received.text().strip() == "plain text"
    assert received.html().strip() == "<p>html</p>"
    (attachment,) = received.attachments()
    assert attachment[:2] == ("invite.ics", "text/calendar")
    assert attachment[2].replace(b"\r\n", b"\n") == ICS.replace(b"\r\n", b"\n")
    email = reload(email)
    assert (email.status, email.attempts, email.last_error) == (OutboundEmailStatus.SENT, 1, "")
    assert email.sent_at is not None


def test_the_same_key_records_and_sends_one_email(smtp_server):
    first = record(key="test:once")
    second = record(key="test:once", subject="another subject")

    assert second.pk == first.pk
    assert OutboundEmail.objects.count() == 1
    assert [m.subject for m in smtp_server.messages] == ["Grüße aus Berlin"]


def test_a_transient_failure_is_retried_with_backoff_and_arrives_once(smtp_server, clock):
    start = timezone.now()
    smtp_server.fail_next(2, code=451)

    email = reload(record())
    assert (email.status, email.attempts) == (OutboundEmailStatus.PENDING, 1)
    assert email.next_attempt_at == start + timedelta(minutes=1)
    assert "451" in email.last_error

    clock.shift(timedelta(seconds=59))
    assert outbound_email_deliver_due() == {"reclaimed": 0, "sent": 0, "retrying": 0, "failed": 0}
    clock.shift(timedelta(seconds=1))
    assert outbound_email_deliver_due()["retrying"] == 1
    email = reload(email)
    assert email.next_attempt_at == start + timedelta(minutes=1 + 4)

    clock.shift(timedelta(minutes=4))
    assert outbound_email_deliver_due()["sent"] == 1
    assert outbound_email_deliver_due()["sent"] == 0

    assert len(smtp_server.messages) == 1
    assert smtp_server.attempts == 3
    email = reload(email)
    assert (email.status, email.attempts) == (OutboundEmailStatus.SENT, 3)
    assert "451" in email.last_error  # why it was late stays visible


def test_backoff_is_one_four_and_sixteen_minutes():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=4), timedelta(minutes=16)]


def test_after_three_retries_the_email_fails_and_the_owner_is_told(smtp_server, clock, failures):
    smtp_server.fail_next(4, code=452)
    email = record(key="test:retries")
    for minutes in (1, 4, 16):
        clock.shift(timedelta(minutes=minutes))
        outbound_email_deliver_due()

    email = reload(email)
    assert (email.status, email.attempts, email.next_attempt_at) == (OutboundEmailStatus.FAILED, 4, None)
    assert smtp_server.messages == []
    assert failures == [("test:retries", email.last_error)]
    clock.shift(timedelta(days=1))
    assert outbound_email_deliver_due()["sent"] == 0
    assert smtp_server.attempts == 4


def test_a_permanent_refusal_fails_at_once(smtp_server, failures):
    smtp_server.fail_next(1, code=554, text="5.7.1 Message rejected")

    email = reload(record(key="test:refused"))

    assert (email.status, email.attempts) == (OutboundEmailStatus.FAILED, 1)
    assert email.last_error == "SMTPDataError: (554, b'5.7.1 Message rejected')"
    assert failures == [("test:refused", email.last_error)]
    assert smtp_server.messages == []


def test_a_recipient_refused_for_good_fails_at_once(smtp_server):
    smtp_server.reject_recipient("gone@example.com")

    email = reload(record(to=["gone@example.com"]))

    assert email.status == OutboundEmailStatus.FAILED
    assert email.last_error.startswith("SMTPRecipientsRefused")


def test_a_relay_that_cannot_be_reached_is_a_transient_failure(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2

    email = reload(record())

    assert (email.status, email.attempts) == (OutboundEmailStatus.PENDING, 1)
    assert email.last_error.startswith("ConnectionRefusedError")


def test_which_failures_are_permanent():
    assert is_permanent_failure(smtplib.SMTPDataError(550, b"no"))
    assert not is_permanent_failure(smtplib.SMTPDataError(451, b"later"))
    assert is_permanent_failure(smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no")}))
    assert not is_permanent_failure(
        smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no"), "b@x.example": (450, b"busy")})
    )
    assert not is_permanent_failure(smtplib.SMTPServerDisconnected("gone"))
    assert not is_permanent_failure(TimeoutError("timed out"))


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        record()
        raise RuntimeError("the booking could not be saved")

    assert OutboundEmail.objects.count() == 0
    assert smtp_server.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_an_email_recorded_in_a_transaction_leaves_after_the_commit(smtp_server):
    with transaction.atomic():
        email = record()
        assert smtp_server.attempts == 0
        assert reload(email).status == OutboundEmailStatus.PENDING

    smtp_server.wait_for(1)
    assert reload(email).status == OutboundEmailStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_one_email_at_once_send_it_once(smtp_server, clock):
    smtp_server.fail_next(1, code=451)
    email = record()
    clock.shift(timedelta(minutes=1))

    results = run_together([lambda: outbound_email_deliver(email_id=email.pk) for _ in range(4)])

    # The others found it claimed ("sending") or already sent.
    assert set(results) <= {"sent", "sending"}
    assert len(smtp_server.messages) == 1
    assert reload(email).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_delivery_commands_at_once_send_each_email_once(smtp_server, clock):
    smtp_server.fail_next(5, code=451)
    emails = [record(to=[f"r{n}@example.com"]) for n in range(5)]
    clock.shift(timedelta(minutes=1))

    results = run_together([outbound_email_deliver_due, outbound_email_deliver_due])

    assert sum(result["sent"] for result in results) == 5
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == [f"r{n}@example.com" for n in range(5)]
    assert {reload(e).status for e in emails} == {OutboundEmailStatus.SENT}


def test_a_send_a_dead_worker_left_is_taken_back_and_sent_again(smtp_server, clock, settings):
    smtp_server.fail_next(1, code=451)
    email = record()
    clock.shift(timedelta(minutes=1))
    # A worker claims the retry and dies before talking to the relay.
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    assert outbound_email_deliver_due() == {"reclaimed": 0, "sent": 0, "retrying": 0, "failed": 0}

    clock.shift(timedelta(minutes=settings.OUTBOUND_EMAIL_STALE_MINUTES, seconds=1))
    assert outbound_email_deliver_due() == {"reclaimed": 1, "sent": 1, "retrying": 0, "failed": 0}

    email = reload(email)
    assert (email.status, email.attempts, email.last_error) == (OutboundEmailStatus.SENT, 3, STALLED_ERROR)
    assert len(smtp_server.messages) == 1


def test_a_stalled_send_without_retries_left_fails(clock, settings, failures):
    email = record(key="test:stalled")
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENDING, claimed_at=timezone.now(), attempts=settings.OUTBOUND_EMAIL_MAX_RETRIES + 1
    )
    clock.shift(timedelta(minutes=settings.OUTBOUND_EMAIL_STALE_MINUTES + 1))

    assert outbound_email_deliver_due()["reclaimed"] == 1
    assert reload(email).status == OutboundEmailStatus.FAILED
    assert failures == [("test:stalled", STALLED_ERROR)]


def test_the_command_reports_what_it_did(smtp_server, clock, capsys):
    smtp_server.fail_next(1, code=451)
    record()
    clock.shift(timedelta(minutes=1))

    call_command("deliver_outbound_email")

    assert capsys.readouterr().out.strip() == "reclaimed 0, sent 1, retrying 0, failed 0"


def test_staff_retry_a_failed_email_now_and_sent_ones_are_left_alone(admin_client, smtp_server):
    smtp_server.fail_next(1, code=550)
    failed = record(to=["failed@example.com"])
    sent = record(to=["sent@example.com"])
    assert reload(failed).status == OutboundEmailStatus.FAILED

    url = reverse("admin:magnetiq_outboundemail_changelist")
    response = admin_client.post(url, {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]}, follow=True)

    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert "1 e-mail will be sent again now." in texts
    assert "1 e-mail was left alone: it was sent or is being sent." in texts
    assert [m.rcpt_tos for m in smtp_server.messages] == [["sent@example.com"], ["failed@example.com"]]
    assert reload(failed).status == OutboundEmailStatus.SENT


def test_the_admin_lists_and_filters_outbound_emails(admin_client, smtp_server):
    smtp_server.fail_next(1, code=550)
    record(subject="refused one")
    record(subject="delivered one")
    url = reverse("admin:magnetiq_outboundemail_changelist")

    failed_only = admin_client.get(url, {"status__exact": "failed"}).content.decode()
    detail = admin_client.get(reverse("admin:magnetiq_outboundemail_change", args=[OutboundEmail.objects.first().pk]))

    assert "refused one" in failed_only and "delivered one" not in failed_only
    assert detail.status_code == 200


def test_the_outbox_is_listed_with_the_technical_records(admin_client):
    response = admin_client.get("/admin/")

    (technical,) = response.context["technical_apps"]
    assert "OutboundEmail" in {model["object_name"] for model in technical["models"]}
    assert not any(
        model["object_name"] == "OutboundEmail" for app in response.context["business_apps"] for model in app["models"]
    )
