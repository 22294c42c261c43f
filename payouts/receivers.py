"""Keep each consultant's totals (sessions held, revenue) in step with bookings and refunds: every
change that can move them enqueues a recount after the transaction commits."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from bookings.models import ConsultationBooking
from bookings.signals import booking_cancelled, booking_completed
from payments.models import Refund

from .tasks import refresh_consultant_totals


def _refresh_later(consultant_id: int | None) -> None:
    if consultant_id is not None:
        transaction.on_commit(lambda: refresh_consultant_totals.enqueue(consultant_id))


@receiver(booking_completed, dispatch_uid="payouts.totals.completed")
@receiver(booking_cancelled, dispatch_uid="payouts.totals.cancelled")
def _on_booking_change(sender, booking_id: int, **kwargs) -> None:
    _refresh_later(ConsultationBooking.objects.filter(pk=booking_id).values_list("consultant_id", flat=True).first())


@receiver(post_save, sender=Refund, dispatch_uid="payouts.totals.refund")
def _on_refund_saved(sender, instance: Refund, **kwargs) -> None:
    _refresh_later(
        ConsultationBooking.objects.filter(payments=instance.payment_id).values_list("consultant_id", flat=True).first()
    )
