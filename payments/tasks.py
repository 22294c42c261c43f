"""Background tasks of the payments app (django-tasks; they take ids and are idempotent)."""

from dataclasses import asdict

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from bookings.models import ConsultationBooking
from magnetiq.mail import send_templated_mail

from .models import Refund, RefundReason


@task()
def process_webhook_event_task(event_pk: int) -> str:
    """Apply one stored webhook event (once); returns its status afterwards."""
    from .services.webhooks import webhook_process

    return webhook_process(event_pk=event_pk).status


@task()
def cancel_open_payments_task(booking_id: int) -> int:
    """Cancel the unpaid PaymentIntents of a booking whose hold expired or that was cancelled."""
    from .services.checkout import payment_cancel_open

    booking = ConsultationBooking.objects.filter(pk=booking_id).first()
    if booking is None:
        return 0
    return len(payment_cancel_open(booking=booking))


@task()
def send_refund_notice_task(refund_pk: int) -> bool:
    """E-mail the booking's client that their payment was refunded (once): the late-payment notice
    for a refund of a payment that came after its time was taken (``slot_taken``), else the refund
    notice (how much of how much, and when it arrives). Returns whether this run recorded it.

    Once per refund by the outbox key ``payments.refund_notice:<refund id>`` (:mod:`magnetiq.mail`):
    the e-mail is recorded first, then ``client_notified_at`` is set by a conditional UPDATE, so a
    run that dies in between is repeated without a second e-mail, and two runs at once record one.
    """
    refund = Refund.objects.select_related("payment__booking__consultant").get(pk=refund_pk)
    booking = refund.payment.booking
    if booking is None or refund.client_notified_at is not None:
        return False
    send_templated_mail(
        to=[booking.client_email],
        template="payments/email/late_payment_refunded"
        if refund.reason == RefundReason.SLOT_TAKEN
        else "payments/email/refunded",
        context={
            "booking": booking,
            "refund": refund,
            "payment": refund.payment,
            "consultant": booking.consultant,
            "full": refund.amount >= refund.payment.amount,
            "contact_email": settings.CONTACT_EMAIL,
        },
        language=booking.language,
        key=f"payments.refund_notice:{refund_pk}",
    )
    notified_at = timezone.now()
    return bool(
        Refund.objects.filter(pk=refund_pk, client_notified_at__isnull=True).update(
            client_notified_at=notified_at, updated_at=notified_at
        )
    )


@task()
def process_webhook_events_task(limit: int = 100, max_attempts: int = 5) -> dict:
    """``manage.py process_webhook_events`` as a task: retry failed webhook events; returns the counts."""
    from .services.webhooks import webhook_events_retry

    return asdict(webhook_events_retry(limit=limit, max_attempts=max_attempts))
