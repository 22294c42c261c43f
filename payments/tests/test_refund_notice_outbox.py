"""The refund notice is one outbox e-mail per refund, also when a run dies half-way."""

import pytest

from magnetiq.models import OutboundEmail, OutboundEmailStatus
from payments.models import Refund
from payments.tasks import send_refund_notice_task

from .test_emails import refund_for

pytestmark = pytest.mark.django_db


def test_a_run_that_died_before_recording_the_notice_is_repeated_without_a_second_email(consultant, smtp_server):
    refund = refund_for(consultant, "en")
    assert send_refund_notice_task.enqueue(refund.pk).return_value is True
    # The worker died after the outbox row was written and before client_notified_at was.
    Refund.objects.filter(pk=refund.pk).update(client_notified_at=None)

    assert send_refund_notice_task.enqueue(refund.pk).return_value is True

    (email,) = OutboundEmail.objects.all()
    assert (email.idempotency_key, email.status) == (f"payments.refund_notice:{refund.pk}", OutboundEmailStatus.SENT)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["clara@example.com"]
    assert received.subject == "Your payment has been refunded"
    assert Refund.objects.get(pk=refund.pk).client_notified_at is not None
