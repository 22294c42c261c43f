"""Background tasks of the payments app (django-tasks; they take ids and are idempotent)."""

from dataclasses import asdict

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bookings.models import ConsultationBooking
from magnetiq.mail import send_templated_mail

from .models import Refund


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
    """E-mail the booking's client that their payment was refunded (once: ``client_notified_at``)."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment__booking__consultant")
            .get(pk=refund_pk)
        )
        booking = refund.payment.booking
        if refund.client_notified_at is not None or booking is None:
            return False
        send_templated_mail(
            to=[booking.client_email],
            template="payments/email/late_payment_refunded",
            context={"booking": booking, "refund": refund, "consultant": booking.consultant},
            language=booking.language,
        )
        refund.client_notified_at = timezone.now()
        refund.save(update_fields=["client_notified_at", "updated_at"])
    return True


@task()
def process_webhook_events_task(limit: int = 100, max_attempts: int = 5) -> dict:
    """``manage.py process_webhook_events`` as a task: retry failed webhook events; returns the counts."""
    from .services.webhooks import webhook_events_retry

    return asdict(webhook_events_retry(limit=limit, max_attempts=max_attempts))
