"""The booking confirmation through a real SMTP server (magnetiq/tests/smtp.py): what a relay
receives for the client and the consultant, and a transient failure retried once."""

from datetime import timedelta

import pytest
import time_machine
from icalendar import Calendar

from bookings.tests.notify_utils import NOW, Booker
from magnetiq.mail import outbound_email_deliver_due
from magnetiq.models import OutboundEmail, OutboundEmailStatus

pytestmark = pytest.mark.django_db

CLIENT = "clara@example.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    return Booker(django_capture_on_commit_callbacks)


def test_the_confirmation_arrives_with_headers_text_html_and_the_invite(book, consultant, smtp_server, settings):
    booking = book(consultant)

    (client,) = smtp_server.received_by(CLIENT)
    assert client.mail_from in settings.DEFAULT_FROM_EMAIL
    assert client.message["From"] == settings.DEFAULT_FROM_EMAIL
    assert client.message["To"] == CLIENT
    assert client.message["Reply-To"] == consultant.email
    assert client.subject.startswith(f"Confirmed: 30-minute consultation with {consultant.full_name}")
    assert client.message.get_content_type() == "multipart/mixed"
    assert client.text().startswith("Hello Clara Client,")
    assert "your booking is confirmed" in client.html()
    ((filename, content_type, content),) = client.attachments()
    assert (filename, content_type) == ("invite.ics", "text/calendar")
    assert client.message.get_payload()[-1].get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == booking.start

    (copy,) = smtp_server.received_by(consultant.email)
    assert copy.message["Reply-To"] == CLIENT
    assert [name for name, _, _ in copy.attachments()] == ["invite.ics"]
    assert OutboundEmail.objects.filter(status=OutboundEmailStatus.SENT).count() == 2


def test_a_transient_failure_of_the_confirmation_is_retried_and_arrives_once(book, consultant, smtp_server, clock):
    smtp_server.fail_next(1, code=451)
    book(consultant)

    assert smtp_server.received_by(CLIENT) == []
    clock.shift(timedelta(minutes=1))
    outbound_email_deliver_due()
    clock.shift(timedelta(minutes=20))
    outbound_email_deliver_due()

    assert len(smtp_server.received_by(CLIENT)) == 1
    assert len(smtp_server.received_by(consultant.email)) == 1
    assert smtp_server.attempts == 3
