"""Refunds: create at Stripe (full or partial, idempotent) and apply Stripe's refund state.

A refund row is written ``pending`` with its idempotency key BEFORE the Stripe call; the key goes
to Stripe and into the refund's metadata (``refund_key``), so a refund made by a retried call or
reported by a webhook first is matched to the same row. ``Payment.amount_refunded`` is always the
sum of the payment's ``succeeded`` refunds (S-7: summed per unique refund id), and the ledger gets
one ``refund`` row per refund id (and one ``refund_reversal`` when a refund later fails).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.services import booking_record_refund
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from payments.exceptions import (
    PaymentDeclined,
    PaymentError,
    PaymentNotFound,
    PaymentProviderUnavailable,
    RefundNotAllowed,
)
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentIntentStatus,
    Refund,
    RefundReason,
    RefundStatus,
    refund_can_move,
)
from payments.stripe_gateway import RefundInfo, get_gateway

from .ledger import ledger_record

logger = logging.getLogger(__name__)

#: Refunds that count against what is still refundable.
COMMITTED_REFUND_STATUSES = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)


def payment_refundable(payment: Payment) -> Decimal:
    """What may still be refunded of ``payment`` (Decimal, the payment's currency): its amount minus
    every refund Stripe has or may still pay out (:data:`COMMITTED_REFUND_STATUSES`: pending, requires
    action, succeeded), so two staff refunds in flight cannot together exceed the charge; ``0.00``
    for a payment that has not succeeded. The one definition: the admin, the staff API's
    ``refundable_amount`` and :func:`refund_create` all use it."""
    if payment.status != PaymentIntentStatus.SUCCEEDED:
        return Decimal("0.00")
    committed = payment.refunds.filter(status__in=COMMITTED_REFUND_STATUSES).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (committed or Decimal("0.00"))


def refund_create(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    reason: str = RefundReason.REQUESTED_BY_CUSTOMER,
    requested_by=None,
    note: str = "",
    idempotency_key: str | None = None,
    notify_client: bool = False,
) -> Refund:
    """Refund ``amount`` (default: everything still refundable) of a succeeded payment.

    ``idempotency_key``: give a fixed one for a refund that must happen at most once (the automatic
    refund uses ``refund-<payment id>-auto``; calling again returns that refund). Without one the key
    is ``refund-<payment id>-<n>`` (n = the payment's refund count + 1). ``notify_client``: e-mail the
    booking's client once the refund is recorded. Raises :class:`RefundNotAllowed` (409: not
    succeeded, nothing left), ``InvalidInput`` (422: amount ≤ 0 or above what is left); a Stripe
    refusal marks the refund ``failed`` and raises :class:`PaymentError`; an unreachable Stripe leaves
    it ``pending`` (retry with :func:`refund_submit`) and raises :class:`PaymentProviderUnavailable`.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if idempotency_key:
            existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        if payment.status != PaymentIntentStatus.SUCCEEDED:
            raise RefundNotAllowed(_("Only a succeeded payment can be refunded."))
        left = payment_refundable(payment)
        if left <= 0:
            raise RefundNotAllowed(_("This payment is already refunded in full."))
        amount = left if amount is None else Decimal(amount)
        if amount <= 0:
            raise InvalidInput(
                _("The refund must be more than 0."),
                details=[{"field": "amount", "message": _("Must be more than 0."), "code": "min_value"}],
            )
        if amount > left:
            raise InvalidInput(
                _("At most %(left)s %(currency)s can still be refunded.")
                % {"left": left, "currency": payment.currency},
                details=[{"field": "amount", "message": _("At most %(left)s.") % {"left": left}, "code": "max_value"}],
            )
        key = idempotency_key or f"refund-{payment.pk}-{payment.refunds.count() + 1}"
        refund = Refund(
            payment=payment,
            amount=amount,
            currency=payment.currency,
            status=RefundStatus.PENDING,
            reason=reason,
            note=note,
            idempotency_key=key,
            requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        )
        refund.full_clean(validate_constraints=False)
        refund.save()
        log_action(
            refund,
            "payments.refund.requested",
            actor=requested_by,
            data={"payment": payment.payment_intent_id, "amount": str(amount), "reason": reason},
        )
    refund = refund_submit(refund=refund)
    if notify_client:
        from payments.tasks import send_refund_notice_task

        transaction.on_commit(lambda: send_refund_notice_task.enqueue(refund.pk))
    return refund


def refund_submit(*, refund: Refund) -> Refund:
    """Send a ``pending`` refund without a Stripe id to Stripe (again) with its own key."""
    if refund.refund_id:
        return refund
    payment = refund.payment
    try:
        info = get_gateway().create_refund(
            payment_intent_id=payment.payment_intent_id,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.idempotency_key,
            metadata={"refund_key": refund.idempotency_key, "payment": payment.payment_intent_id},
        )
    except PaymentProviderUnavailable:
        raise
    except (PaymentDeclined, PaymentError) as exc:
        with transaction.atomic():
            locked = Refund.objects.select_for_update().get(pk=refund.pk)
            if locked.status == RefundStatus.PENDING and not locked.refund_id:
                locked.status = RefundStatus.FAILED
                locked.failure_reason = exc.message[:200]
                locked.save(update_fields=["status", "failure_reason", "updated_at"])
                log_action(locked, "payments.refund.failed", data={"error": exc.message})
        raise
    return refund_apply_stripe(info=info)


def _refund_for(info: RefundInfo, payment: Payment) -> Refund:
    refund = Refund.objects.select_for_update().filter(refund_id=info.id).first()
    if refund is None and info.metadata.get("refund_key"):
        refund = Refund.objects.select_for_update().filter(idempotency_key=info.metadata["refund_key"]).first()
    if refund is None:
        # A refund made outside the app (Stripe dashboard): record it as it is.
        refund = Refund(
            payment=payment,
            refund_id=info.id,
            amount=info.amount,
            currency=info.currency,
            status=info.status,
            reason=RefundReason.OTHER,
            note="Refund made at Stripe.",
        )
        refund.save()
        log_action(refund, "payments.refund.recorded", data={"refund_id": info.id, "status": info.status})
    return refund


def _sync_payment_refunded(payment: Payment) -> None:
    total = payment.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    Payment.objects.filter(pk=payment.pk).update(amount_refunded=total, updated_at=timezone.now())
    if payment.booking_id:
        booking_record_refund(booking_id=payment.booking_id, fully_refunded=total >= payment.amount)


def refund_apply_stripe(*, info: RefundInfo) -> Refund:
    """Apply a refund as Stripe has it now (from a fresh retrieve or a create answer).

    Moves the row only along :data:`payments.models.REFUND_TRANSITIONS`; records the ledger
    ``refund`` row (−amount, source = refund id) once Stripe has the refund (pending, requires
    action or succeeded: Stripe debits the balance at creation) and a ``refund_reversal`` (+amount)
    when such a refund then fails or is canceled (RELIABILITY S-7); keeps ``Payment.amount_refunded``
    and the booking's ``payment_status`` in step. Raises :class:`payments.exceptions.PaymentNotFound`
    for a refund of a payment we do not know.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(payment_intent_id=info.payment_intent_id).first()
        if payment is None and info.charge_id:
            payment = Payment.objects.select_for_update().filter(charge_id=info.charge_id).first()
        if payment is None:
            raise PaymentNotFound(_("No payment for refund %(id)s.") % {"id": info.id})
        refund = _refund_for(info, payment)
        old = refund.status
        if not refund.refund_id:
            refund.refund_id = info.id
        if info.status != old and refund_can_move(old, info.status):
            refund.status = info.status
            if info.status == RefundStatus.FAILED:
                refund.failure_reason = info.failure_reason[:200]
        refund.save()
        if refund.status != old:
            log_action(refund, f"payments.refund.{refund.status}", data={"from": old, "refund_id": refund.refund_id})
        occurred = info.created or timezone.now()
        if refund.status in COMMITTED_REFUND_STATUSES:
            # Stripe takes a refund from the balance when it creates it (also while pending).
            ledger_record(
                kind=LedgerKind.REFUND,
                amount=-refund.amount,
                currency=refund.currency,
                source_id=refund.refund_id,
                occurred_at=occurred,
                booking=payment.booking,
                payment=payment,
                memo=f"Refund {refund.refund_id} of {payment.payment_intent_id}",
            )
        elif LedgerEntry.objects.filter(kind=LedgerKind.REFUND, source_id=refund.refund_id).exists():
            # Failed or canceled after the money left: Stripe returns it to the balance.
            ledger_record(
                kind=LedgerKind.REFUND_REVERSAL,
                amount=refund.amount,
                currency=refund.currency,
                source_id=refund.refund_id,
                occurred_at=timezone.now(),
                booking=payment.booking,
                payment=payment,
                memo=f"Refund {refund.refund_id} {refund.status}; money back with the platform",
            )
        _sync_payment_refunded(payment)
    return refund


def refunds_sync_payment(*, payment_intent_id: str) -> list[Refund]:
    """Re-fetch every refund of a PaymentIntent (``charge.refunded``) and apply each."""
    return [refund_apply_stripe(info=info) for info in get_gateway().list_refunds(payment_intent_id)]
