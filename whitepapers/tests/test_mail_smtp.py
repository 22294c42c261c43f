"""The download-link e-mail through a real SMTP server (magnetiq/tests/smtp.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from magnetiq.mail import outbound_email_deliver_due
from magnetiq.models import OutboundEmail, OutboundEmailStatus
from whitepapers import services
from whitepapers.models import DownloadToken

pytestmark = pytest.mark.django_db


def request_link(whitepaper, django_capture_on_commit_callbacks, **extra):
    values = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "consent_terms": True}
    with django_capture_on_commit_callbacks(execute=True):
        return services.download_request(whitepaper=whitepaper, **{**values, **extra})


def test_the_download_link_arrives_with_text_and_html(
    whitepaper, smtp_server, settings, django_capture_on_commit_callbacks
):
    token, raw = request_link(whitepaper, django_capture_on_commit_callbacks)

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.message["To"] == "ada@example.com"
    assert received.message["From"] == settings.DEFAULT_FROM_EMAIL
    assert received.message["Message-ID"].startswith("<")
    assert received.message.get_content_type() == "multipart/alternative"
    link = f"/api/v1/public/whitepapers/download/{raw}"
    assert link in received.text()
    assert link in received.html()
    assert received.attachments() == []
    assert OutboundEmail.objects.get().idempotency_key == f"whitepapers.download_link:{token.pk}:{token.nonce}"


def test_a_relay_that_is_busy_gets_the_link_on_the_retry_once(
    whitepaper, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.fail_next(1, code=421, text="4.7.0 Try again later, closing connection")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token, _ = request_link(whitepaper, django_capture_on_commit_callbacks)
        assert smtp_server.messages == []
        assert DownloadToken.objects.get(pk=token.pk).email_sent_at is not None  # claimed: not queued again

        clock.shift(timedelta(minutes=1))
        outbound_email_deliver_due()
        clock.shift(timedelta(minutes=30))
        outbound_email_deliver_due()

    assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.com"]]
    assert OutboundEmail.objects.get().status == OutboundEmailStatus.SENT
