"""The loopback SMTP server the mail tests send through (magnetiq/tests/smtp.py)."""

import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail

from magnetiq.tests.smtp import SMTPTestServer


def test_a_message_sent_by_django_arrives_parsed_with_its_envelope(smtp_server):
    message = EmailMultiAlternatives(
        subject="Grüße", body="plain text", from_email="Magnetiq <noreply@example.com>", to=["Ada <ada@example.com>"]
    )
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.send()

    (received,) = smtp_server.messages
    assert received.mail_from == "noreply@example.com"
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.subject == "Grüße"
    assert received.message["To"] == "Ada <ada@example.com>"
    assert received.text().strip() == "plain text"
    assert received.html().strip() == "<p>html</p>"
    assert received.attachments() == [("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")]
    assert received.login is None


def test_messages_over_one_connection_share_a_peer(smtp_server):
    with get_connection() as connection:
        for n in range(3):
            send_mail(f"n{n}", "body", "a@example.com", [f"r{n}@example.com"], connection=connection)
    send_mail("other", "body", "a@example.com", ["x@example.com"])

    assert [m.subject for m in smtp_server.wait_for(4)] == ["n0", "n1", "n2", "other"]
    assert len({m.peer for m in smtp_server.messages[:3]}) == 1
    assert smtp_server.messages[3].peer != smtp_server.messages[0].peer


@pytest.mark.parametrize(("code", "error"), [(451, smtplib.SMTPDataError), (554, smtplib.SMTPDataError)])
def test_fail_next_answers_the_next_deliveries_with_the_code_then_accepts(smtp_server, code, error):
    smtp_server.fail_next(2, code=code)

    for _ in range(2):
        with pytest.raises(error) as caught:
            send_mail("s", "b", "a@example.com", ["ada@example.com"])
        assert caught.value.smtp_code == code
    send_mail("s", "b", "a@example.com", ["ada@example.com"])

    assert smtp_server.attempts == 3
    assert len(smtp_server.messages) == 1


def test_a_rejected_recipient_is_refused_at_rcpt_and_others_still_get_the_message(smtp_server):
    smtp_server.reject_recipient("Gone@Example.com")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send_mail("s", "b", "a@example.com", ["gone@example.com"])
    assert caught.value.recipients["gone@example.com"][0] == 550
    send_mail("s", "b", "a@example.com", ["gone@example.com", "ada@example.com"])

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["ada@example.com"]
    assert smtp_server.received_by("gone@example.com") == []


def test_fail_next_refuses_codes_that_are_not_failures(smtp_server):
    with pytest.raises(ValueError, match="4xx or 5xx"):
        smtp_server.fail_next(1, code=250)


def test_with_credentials_mail_waits_for_a_login_and_a_wrong_password_is_refused(settings):
    with SMTPTestServer(credentials=("relay-user", "s3cret")) as server:
        for name, value in server.django_settings().items():
            setattr(settings, name, value)
        send_mail("s", "b", "a@example.com", ["ada@example.com"])
        settings.EMAIL_HOST_PASSWORD = "wrong"
        connection = get_connection()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            connection.open()
        # The backend keeps the half-open connection after a failed login until it is closed.
        connection.close()
        settings.EMAIL_HOST_USER = ""
        with pytest.raises(smtplib.SMTPSenderRefused) as caught:
            send_mail("s", "b", "a@example.com", ["ada@example.com"])
        assert caught.value.smtp_code == 530

    (received,) = server.messages
    assert received.login == "relay-user"


def test_wait_for_times_out_naming_how_many_arrived(smtp_server):
    with pytest.raises(TimeoutError, match="0 of 1 messages"):
        smtp_server.wait_for(1, timeout=0.1)


def test_the_port_is_closed_after_the_block():
    with SMTPTestServer() as server:
        port = server.port
        smtplib.SMTP(server.host, port, timeout=5).quit()

    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=5)
