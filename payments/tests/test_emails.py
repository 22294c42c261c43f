"""The late-payment refund e-mail (payments/templates/payments/email/late_payment_refunded*) in the
booking's language, sent once."""

from decimal import Decimal

import pytest
from django.core import mail

from bookings.services import booking_create
from payments.models import Payment, PaymentIntentStatus, Refund, RefundReason, RefundStatus
from payments.tasks import send_refund_notice_task

from .conftest import next_slot

pytestmark = pytest.mark.django_db


def refund_for(consultant, language: str) -> Refund:
    booking = booking_create(
        consultant=consultant,
        start=next_slot(),
        client_name="Clara Client",
        client_email="clara@example.com",
        language=language,
    )
    payment = Payment.objects.create(
        booking=booking,
        payment_intent_id=f"pi_mail_{language}",
        amount=Decimal("100.00"),
        currency="EUR",
        status=PaymentIntentStatus.SUCCEEDED,
        idempotency_key=f"booking-{booking.reference}-pi-v1",
    )
    return Refund.objects.create(
        payment=payment,
        refund_id=f"re_mail_{language}",
        amount=Decimal("100.00"),
        currency="EUR",
        status=RefundStatus.SUCCEEDED,
        reason=RefundReason.SLOT_TAKEN,
    )


def test_german(consultant):
    refund = refund_for(consultant, "de")
    assert send_refund_notice_task.enqueue(refund.pk).return_value is True
    [message] = mail.outbox
    assert message.to == ["clara@example.com"]
    assert message.subject == "Ihre Zahlung wurde erstattet"
    assert message.body == (
        "Hallo Clara Client,\n\n"
        f"Ihre Zahlung für die Beratung mit {consultant} kam an, nachdem die Reservierung des Termins "
        "abgelaufen war, und der Termin war inzwischen vergeben. Wir haben Ihnen den vollen Betrag von "
        "100,00\xa0€ erstattet; je nach Bank ist er in 5–10 Tagen auf Ihrem Konto.\n\n"
        "Buchen Sie gern einen anderen Termin.\n"
    )
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="de">' in html
    assert "<strong>100,00\xa0€</strong> erstattet" in html
    assert "Hello" not in html


def test_english(consultant):
    refund = refund_for(consultant, "en")
    send_refund_notice_task.enqueue(refund.pk)
    [message] = mail.outbox
    assert message.subject == "Your payment has been refunded"
    assert message.body == (
        "Hello Clara Client,\n\n"
        f"Your payment for the consultation with {consultant} arrived after the hold on the time had expired, "
        "and the time had been taken in the meantime. We have refunded the full €100.00; depending on your "
        "bank it reaches your account within 5–10 days.\n\n"
        "You are welcome to book another time.\n"
    )
    assert '<html lang="en">' in message.alternatives[0][0]


def test_sent_once(consultant):
    refund = refund_for(consultant, "de")
    send_refund_notice_task.enqueue(refund.pk)
    assert send_refund_notice_task.enqueue(refund.pk).return_value is False
    assert len(mail.outbox) == 1
    refund.refresh_from_db()
    assert refund.client_notified_at is not None


def test_a_full_staff_refund_in_german_says_how_much_and_when(consultant, settings):
    settings.CONTACT_EMAIL = "hilfe@magnetiq.example"
    refund = refund_for(consultant, "de")
    refund.reason = RefundReason.REQUESTED_BY_CUSTOMER
    refund.save()

    assert send_refund_notice_task.enqueue(refund.pk).return_value is True

    [message] = mail.outbox
    assert message.subject == "Ihre Zahlung wurde erstattet"
    reference = refund.payment.booking.reference
    assert message.body == (
        "Hallo Clara Client,\n\n"
        f"wir haben Ihre Zahlung von 100,00\xa0€ für die Beratung mit {consultant} (Referenz {reference}) "
        "vollständig erstattet.\n\n"
        "Die Erstattung geht auf die Karte, mit der Sie bezahlt haben, und ist je nach Bank innerhalb von "
        "5–10 Werktagen auf Ihrem Konto.\n\n"
        "Fragen? Schreiben Sie uns an hilfe@magnetiq.example.\n"
    )
    assert send_refund_notice_task.enqueue(refund.pk).return_value is False  # once
