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
    """E-mail the booking's client that their payment was refunded (once: ``client_notified_at``):
    the late-payment notice for a refund of a payment that came after its time was taken
    (``slot_taken``), else the refund notice (how much of how much, and when it arrives).

    The notice is claimed by one conditional UPDATE of ``client_notified_at`` and sent with no
    transaction open (SMTP may take ``EMAIL_TIMEOUT`` seconds); a failed send clears the claim and
    raises, so the task can be run again.
    """
    refund = Refund.objects.select_related("payment__booking__consultant").get(pk=refund_pk)
    booking = refund.payment.booking
    if booking is None:
        return False
    claimed_at = timezone.now()
    if not Refund.objects.filter(pk=refund_pk, client_notified_at__isnull=True).update(
        client_notified_at=claimed_at, updated_at=claimed_at
    ):
        return False
    try:
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
        )
    except Exception:
        Refund.objects.filter(pk=refund_pk, client_notified_at=claimed_at).update(client_notified_at=None)
        raise
    return True


@task()
def process_webhook_events_task(limit: int = 100, max_attempts: int = 5) -> dict:
    """``manage.py process_webhook_events`` as a task: retry failed webhook events; returns the counts."""
    from .services.webhooks import webhook_events_retry

    return asdict(webhook_events_retry(limit=limit, max_attempts=max_attempts))
