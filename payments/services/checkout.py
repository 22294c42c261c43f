"""Paying a booking: create the PaymentIntent with the hold, confirm a card, apply Stripe's state.

Flow: a priced booking is held (``pending_payment`` until
``hold_expires_at``) → :func:`payment_create_for_booking` creates one PaymentIntent (idempotency key
``booking-<reference>-pi-v<attempt>``) and returns the :class:`Payment` with its ``client_secret`` →
the card is confirmed (Stripe.js, or :func:`payment_confirm_card` server-side) → whoever learns of
the outcome first (the page's ``confirm`` call or the webhook) runs :func:`payment_refresh`, which
RE-FETCHES the PaymentIntent from Stripe and applies it; a succeeded payment is fulfilled once by
:func:`payment_apply_succeeded` (``booking_confirm``, or an automatic refund when the time is gone).

No Stripe call runs inside a database transaction (``magnetiq.vendors`` refuses it): a write that
needs Stripe reads under a short lock, calls Stripe with no transaction open and records the answer
in another short transaction that re-checks the state. Every create for a booking attempt carries
the same key, so concurrent "pay" clicks and a retry after a crash get the same PaymentIntent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import discounts
from bookings.exceptions import BookingStateConflict, BookingUnavailable
from bookings.models import BookingStatus, ConsultationBooking
from bookings.services import (
    booking_apply_discount,
    booking_confirm,
    booking_mark_payment_failed,
    booking_revivable_by_payment,
    booking_set_payment_intent,
)
from magnetiq.audit import log_action
from payments.exceptions import (
    PaymentDeclined,
    PaymentMismatch,
    PaymentNotCompleted,
    PaymentNotFound,
    PaymentNotRequired,
)
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentIntentStatus,
    Provider,
    RefundReason,
    payment_can_move,
)
from payments.stripe_gateway import IntentInfo, get_gateway

from .ledger import ledger_record

logger = logging.getLogger(__name__)
#: Money that needs a human: ERROR records here are alerts (route them to on-call in production).
alerts = logging.getLogger("payments.alerts")


def _lock_booking(booking_id: int) -> ConsultationBooking:
    return ConsultationBooking.objects.select_for_update().select_related("consultant").get(pk=booking_id)


def booking_payment_key(booking: ConsultationBooking, attempt: int) -> str:
    """The idempotency key of the booking's ``attempt``-th PaymentIntent (1 for the first)."""
    return f"booking-{booking.reference}-pi-v{attempt}"


@dataclass(frozen=True)
class _IntentRequest:
    """What the Stripe calls of one payment attempt need, read under the booking lock."""

    booking_id: int
    reference: str
    email: str
    name: str
    amount: Decimal
    currency: str
    key: str


def _payment_open_or_plan(booking_id: int, now: datetime) -> Payment | _IntentRequest:
    """Under the booking lock: the Payment to hand back, or what to ask Stripe for. Raises
    :class:`PaymentNotRequired`. Must run inside a transaction."""
    booking = _lock_booking(booking_id)
    existing = booking.payments.exclude(status=PaymentIntentStatus.CANCELED).order_by("-created_at").first()
    if existing is not None and (
        existing.status == PaymentIntentStatus.SUCCEEDED or booking.status == BookingStatus.PENDING_PAYMENT
    ):
        return existing
    if booking.payment_amount <= 0 or booking.status != BookingStatus.PENDING_PAYMENT:
        raise PaymentNotRequired()
    if booking.hold_expires_at and booking.hold_expires_at <= now:
        raise PaymentNotRequired(
            _("The time was held for you until %(hold_expires_at)s UTC; that hold expired. Please book again.")
            % {"hold_expires_at": format(booking.hold_expires_at, "%H:%M")},
            code="PAYMENT_HOLD_EXPIRED",
        )
    return _IntentRequest(
        booking_id=booking.pk,
        reference=booking.reference,
        email=booking.client_email,
        name=booking.client_name,
        amount=booking.payment_amount,
        currency=booking.payment_currency,
        key=booking_payment_key(booking, booking.payments.count() + 1),
    )


def payment_create_for_booking(*, booking: ConsultationBooking, now: datetime | None = None) -> Payment:
    """The booking's open PaymentIntent, created at Stripe the first time (idempotent).

    Amount = ``booking.payment_amount`` (rate × duration, from the bookings core) in
    ``booking.payment_currency``; metadata carries the booking reference. Returns the existing
    Payment when one is open or already succeeded; a canceled one is replaced by attempt v<n+1>.
    Raises :class:`PaymentNotRequired` (409: free, confirmed, cancelled or hold expired) and the
    gateway's errors (nothing is stored then).

    Three steps, so no database lock is held while Stripe answers (``magnetiq.vendors``): read the
    booking and choose the key under its lock; create the customer and PaymentIntent at Stripe with
    no transaction open; record the Payment under the lock again, re-checking the booking. Concurrent
    "pay" clicks all send the same key, so Stripe hands each the same PaymentIntent and the first
    to record it wins; the others return that Payment (RELIABILITY S-9). When the booking stopped
    waiting for payment meanwhile (hold expired, cancelled), the fresh PaymentIntent is canceled at
    Stripe and :class:`PaymentNotRequired` raised.
    """
    now = now or timezone.now()
    with transaction.atomic():
        plan = _payment_open_or_plan(booking.pk, now)
    if isinstance(plan, Payment):
        return plan
    gateway = get_gateway()
    customer_id = gateway.create_customer(
        email=plan.email,
        name=plan.name,
        idempotency_key=f"booking-{plan.reference}-customer",
        metadata={"booking_reference": plan.reference},
    )
    info = gateway.create_payment_intent(
        amount=plan.amount,
        currency=plan.currency,
        idempotency_key=plan.key,
        customer_id=customer_id,
        metadata={"booking_reference": plan.reference, "booking_id": str(plan.booking_id)},
    )
    try:
        with transaction.atomic():
            recorded = Payment.objects.filter(payment_intent_id=info.id).first()
            if recorded is not None:
                return recorded
            current = _payment_open_or_plan(plan.booking_id, now)
            if isinstance(current, Payment):
                return current
            locked = ConsultationBooking.objects.get(pk=plan.booking_id)
            payment = Payment(
                booking=locked,
                user=locked.client_user,
                provider=Provider.STRIPE,
                payment_intent_id=info.id,
                client_secret=info.client_secret,
                customer_id=customer_id,
                amount=plan.amount,
                currency=plan.currency,
                status=info.status,
                idempotency_key=plan.key,
                metadata={"booking_reference": plan.reference},
            )
            payment.full_clean()
            payment.save()
            booking_set_payment_intent(booking_id=plan.booking_id, payment_intent_id=info.id)
            log_action(
                payment,
                "payments.payment.created",
                data={"booking": plan.reference, "payment_intent_id": info.id, "amount": str(payment.amount)},
            )
    except PaymentNotRequired:
        # Nobody will pay the PaymentIntent just made for a booking that no longer waits for it.
        gateway.cancel_payment_intent(payment_intent_id=info.id, idempotency_key=f"{plan.key}-cancel")
        raise
    return payment


def payment_restart_with_discount(
    *, booking: ConsultationBooking, coupon_code: str, context: dict[str, str] | None = None
) -> ConsultationBooking:
    """A discount code entered on the payment page: the booking's open PaymentIntent (made for the
    full amount when the page opened) is canceled at Stripe and the code applied to the held booking
    (``bookings.services.booking_apply_discount``: the use is reserved with the hold), so the next
    visit of the page creates attempt v<n+1> for the discounted amount.

    The code is checked first (its refusal is raised and nothing changes). Raises
    :class:`PaymentNotRequired` (409) when the booking no longer waits for payment or a payment is
    already under way (processing or succeeded at Stripe), and the code's refusal. No Stripe call
    runs inside a transaction.
    """
    code = (coupon_code or "").strip()
    quote = discounts.DiscountRequest.for_booking(booking, code=code, context=context)
    if not code:
        raise PaymentNotRequired(_("Enter a discount code."), code="DISCOUNT_CODE_REQUIRED", status=422)
    discounts.get_provider().quote(quote)
    if booking.status != BookingStatus.PENDING_PAYMENT or booking.discount_code:
        raise PaymentNotRequired(_("A discount code can no longer be added to this booking."))
    under_way = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.PROCESSING)
    if booking.payments.filter(status__in=under_way).exists() or any(
        payment.status != PaymentIntentStatus.CANCELED for payment in payment_cancel_open(booking=booking)
    ):
        raise PaymentNotRequired(_("Your payment is already under way; a discount code can no longer be added."))
    booking_set_payment_intent(booking_id=booking.pk, payment_intent_id="")
    return booking_apply_discount(
        booking=ConsultationBooking.objects.get(pk=booking.pk), coupon_code=code, coupon_context=context
    )


def payment_confirm_card(*, payment: Payment, card_token: str = "", payment_method_id: str = "") -> Payment:
    """Attach a card to the PaymentIntent and confirm it at Stripe, then apply the outcome.

    ``card_token``: a Stripe.js token (``tok_…``) from the payment page; ``payment_method_id``: a
    PaymentMethod (``pm_…``, e.g. Stripe's test ``pm_card_visa``). The confirm's idempotency key is
    the payment's key + the card, so a double click charges once and a second card is a new attempt.
    Raises :class:`PaymentDeclined` (402; the payment records the decline and the booking stays held)
    and :class:`PaymentNotRequired` when the payment is no longer open.
    """
    if payment.status in (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED):
        if payment.status == PaymentIntentStatus.SUCCEEDED:
            return payment_refresh(payment_intent_id=payment.payment_intent_id)
        raise PaymentNotRequired(_("This payment was canceled."))
    gateway = get_gateway()
    try:
        gateway.confirm_payment_intent(
            payment_intent_id=payment.payment_intent_id,
            idempotency_key=f"{payment.idempotency_key}-confirm-{card_token or payment_method_id}",
            customer_id=payment.customer_id,
            card_token=card_token,
            payment_method_id=payment_method_id,
        )
    except PaymentDeclined as exc:
        _record_decline(payment, exc)
        raise
    return payment_refresh(payment_intent_id=payment.payment_intent_id)


def _record_decline(payment: Payment, exc: PaymentDeclined) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.last_error_code = exc.decline_code[:100]
        locked.last_error_message = exc.message[:500]
        locked.save(update_fields=["last_error_code", "last_error_message", "updated_at"])
        if locked.booking_id:
            booking_mark_payment_failed(booking_id=locked.booking_id)
        log_action(locked, "payments.payment.declined", data={"code": locked.last_error_code})


def _flag_mismatch(payment: Payment, info: IntentInfo) -> None:
    """Record that Stripe's PaymentIntent is not what we asked for (once per distinct reason)."""
    reason = f"Stripe has {info.amount} {info.currency}, we expect {payment.amount} {payment.currency.upper()}"
    alerts.error(
        "PaymentIntent %s mismatch: %s; payment %s not fulfilled (booking %s)",
        info.id,
        reason,
        payment.pk,
        payment.booking_id,
    )
    if payment.flagged_reason == reason:
        return
    payment.flagged_reason = reason
    payment.save(update_fields=["flagged_reason", "updated_at"])
    log_action(
        payment,
        "payments.payment.mismatch",
        data={"stripe_amount": str(info.amount), "stripe_currency": info.currency, "stripe_status": info.status},
    )


def payment_apply_intent(*, info: IntentInfo, event_created: datetime | None = None) -> Payment:
    """Apply a PaymentIntent as Stripe has it now (``info`` must come from a fresh retrieve).

    The status only moves forward (:func:`payments.models.payment_can_move`): an older state
    (a late ``processing`` after ``succeeded``) changes nothing. An amount or currency that differs
    from ours flags the payment (``flagged_reason``), logs an ERROR on the ``payments.alerts`` logger
    and changes nothing else: the booking is not confirmed (RELIABILITY S-5). The flag is committed
    (no exception), so a webhook delivery records it too; :func:`payment_confirm_paid` answers 409
    :class:`PaymentMismatch` for a flagged payment. A payment that reaches ``succeeded`` is fulfilled
    (:func:`payment_apply_succeeded`) in the SAME transaction as its status change: when confirming
    the booking fails (a lock timeout), nothing is recorded and the next attempt starts afresh.
    The charge's fee is read from Stripe before that transaction, an automatic refund sent after it.
    Raises :class:`payments.exceptions.PaymentNotFound` for a PaymentIntent we never created.
    """
    now = timezone.now()
    charge_fee = _stripe_fee(info.charge_id) if info.status == PaymentIntentStatus.SUCCEEDED else None
    refund_due = False
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(payment_intent_id=info.id).first()
        if payment is None:
            raise PaymentNotFound(_("No payment for %(id)s.") % {"id": info.id})
        if info.amount != payment.amount or info.currency != payment.currency.upper():
            _flag_mismatch(payment, info)
            return payment
        old = payment.status
        changed = []
        if info.status != old and payment_can_move(old, info.status):
            payment.status = info.status
            changed.append("status")
            if info.status == PaymentIntentStatus.SUCCEEDED:
                payment.succeeded_at = now
                changed.append("succeeded_at")
            elif info.status == PaymentIntentStatus.CANCELED:
                payment.canceled_at = now
                changed.append("canceled_at")
        if payment.status not in (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED):
            payment.last_error_code = info.last_error_code[:100]
            payment.last_error_message = info.last_error_message[:500]
            changed += ["last_error_code", "last_error_message"]
        if info.charge_id and info.charge_id != payment.charge_id:
            payment.charge_id = info.charge_id
            changed.append("charge_id")
        if event_created and (payment.last_event_at is None or event_created > payment.last_event_at):
            payment.last_event_at = event_created
            changed.append("last_event_at")
        if changed:
            payment.save(update_fields=[*set(changed), "updated_at"])
        if payment.status != old:
            log_action(payment, f"payments.payment.{payment.status}", data={"from": old})
            if (
                payment.booking_id
                and payment.status == PaymentIntentStatus.REQUIRES_PAYMENT_METHOD
                and info.last_error_code
            ):
                booking_mark_payment_failed(booking_id=payment.booking_id)
        if payment.status == PaymentIntentStatus.SUCCEEDED:
            refund_due = _fulfil(payment, charge_fee)
    if refund_due:
        _refund_unfulfillable(payment)
    return payment


def payment_refresh(*, payment_intent_id: str, event_created: datetime | None = None) -> Payment:
    """Re-fetch the PaymentIntent from Stripe and apply it (:func:`payment_apply_intent`)."""
    info = get_gateway().retrieve_payment_intent(payment_intent_id)
    return payment_apply_intent(info=info, event_created=event_created)


def payment_confirm_paid(*, payment: Payment) -> Payment:
    """The client says "I paid" (``/payment/confirm``): believe Stripe, not the client.

    Re-fetches and applies; when the PaymentIntent has not succeeded raises
    :class:`PaymentNotCompleted` (409) and nothing is fulfilled (RELIABILITY C-12); a payment
    flagged for an amount/currency mismatch raises :class:`PaymentMismatch` (409, S-5).
    """
    payment = payment_refresh(payment_intent_id=payment.payment_intent_id)
    if payment.flagged_reason:
        raise PaymentMismatch(
            _("The payment does not match the booking; our staff will look into it."),
            details=[{"field": "payment_intent_id", "message": payment.flagged_reason, "code": "mismatch"}],
        )
    if payment.status != PaymentIntentStatus.SUCCEEDED:
        raise PaymentNotCompleted(
            _("The payment has not been completed (status %(status)s).") % {"status": payment.status},
            details=[{"field": "payment_intent_id", "message": payment.status, "code": payment.status}],
        )
    return payment


def _fee_for(payment: Payment, charge_fee: Decimal | None) -> tuple[Decimal, str]:
    if charge_fee is not None and charge_fee > 0:
        return charge_fee, "Stripe fee (balance transaction)"
    percent = Decimal(str(settings.STRIPE_FEE_PERCENT or 0))
    fixed = Decimal(str(settings.STRIPE_FEE_FIXED or "0"))
    if charge_fee is None or percent or fixed:
        estimate = (payment.amount * percent / Decimal(100) + fixed).quantize(Decimal("0.01"))
        return estimate, "Stripe fee estimated from STRIPE_FEE_PERCENT/STRIPE_FEE_FIXED (Stripe reported none)"
    return Decimal("0.00"), "Stripe fee (balance transaction: none)"


def _stripe_fee(charge_id: str) -> Decimal | None:
    """The charge's fee from Stripe, read before any transaction (``None``: no charge, or the fee
    is already in the ledger so it is not needed)."""
    if not charge_id or LedgerEntry.objects.filter(kind=LedgerKind.FEE, source_id=charge_id).exists():
        return None
    return get_gateway().retrieve_charge(charge_id).fee


def payment_record_ledger(*, payment: Payment, charge_fee: Decimal | None = None) -> None:
    """The payment's ledger rows, once: ``payment`` (+amount, source = charge id) and ``fee``
    (−``charge_fee``, the fee of the charge's balance transaction as :func:`_stripe_fee` read it
    from Stripe; when Stripe reports none — localstripe — the ``STRIPE_FEE_PERCENT``/``STRIPE_FEE_FIXED``
    estimate, else 0, said so in the memo). Calls no vendor, so it may run inside a transaction."""
    source = payment.charge_id or payment.payment_intent_id
    occurred = payment.succeeded_at or timezone.now()
    booking = payment.booking
    ledger_record(
        kind=LedgerKind.PAYMENT,
        amount=payment.amount,
        currency=payment.currency,
        source_id=source,
        occurred_at=occurred,
        booking=booking,
        payment=payment,
        memo=f"Payment {payment.payment_intent_id}" + (f" for booking {booking.reference}" if booking else ""),
    )
    if LedgerEntry.objects.filter(kind=LedgerKind.FEE, source_id=source).exists():
        return
    fee, memo = _fee_for(payment, charge_fee)
    ledger_record(
        kind=LedgerKind.FEE,
        amount=-fee,
        currency=payment.currency,
        source_id=source,
        occurred_at=occurred,
        booking=booking,
        payment=payment,
        memo=memo,
    )
    Payment.objects.filter(pk=payment.pk).update(fee_amount=fee)


def _fulfil(payment: Payment, charge_fee: Decimal | None) -> bool:
    """The database part of fulfilling a succeeded payment (ledger, ``booking_confirm``); returns
    whether the payment must be refunded because its booking can no longer be confirmed. Runs inside
    the caller's transaction and calls no vendor."""
    payment_record_ledger(payment=payment, charge_fee=charge_fee)
    if not payment.booking_id:
        return False
    booking = ConsultationBooking.objects.get(pk=payment.booking_id)
    if booking.status == BookingStatus.PENDING_PAYMENT or booking_revivable_by_payment(booking):
        try:
            with transaction.atomic():
                booking_confirm(booking=booking, payment_intent_id=payment.payment_intent_id)
            return False
        except (BookingStateConflict, BookingUnavailable):
            booking.refresh_from_db()
    if booking.status == BookingStatus.CONFIRMED:
        return not (booking.payment_intent_id == payment.payment_intent_id or not booking.payment_intent_id)
    # Paid for a time the client no longer holds (or a second PaymentIntent for a paid booking).
    return booking.status == BookingStatus.CANCELLED


def _refund_unfulfillable(payment: Payment) -> None:
    """The automatic full refund of a payment whose booking cannot be confirmed (after commit of
    the fulfilment, with no transaction open: it calls Stripe)."""
    from .refunds import refund_create

    refund_create(
        payment=payment,
        reason=RefundReason.SLOT_TAKEN,
        idempotency_key=f"refund-{payment.pk}-auto",
        note="Paid after the hold expired and the time was no longer free (or the booking was cancelled); "
        "refunded automatically.",
        notify_client=True,
    )


def payment_apply_succeeded(*, payment: Payment) -> Payment:
    """Fulfil a succeeded payment, once whatever calls it how often (webhook, page, hold-expiry task).

    Records the ledger rows, then for a booking: ``pending_payment``, or cancelled only because its
    hold expired (:func:`bookings.services.booking_revivable_by_payment`) → :func:`booking_confirm`
    (the core re-checks the time under the consultant lock and confirms if it is still free); when
    the booking can no longer be confirmed (time taken, or cancelled by the client, consultant or
    staff) the payment is refunded in full automatically (key ``refund-<payment id>-auto``) and the
    client is e-mailed. A confirmed booking is left alone. Ledger and confirmation share one
    transaction; the fee is read from Stripe before it and the refund sent after it.
    """
    charge_fee = _stripe_fee(payment.charge_id)
    with transaction.atomic():
        refund_due = _fulfil(payment, charge_fee)
    if refund_due:
        _refund_unfulfillable(payment)
    return payment


def payment_cancel_open(*, booking: ConsultationBooking) -> list[Payment]:
    """Cancel the booking's unpaid PaymentIntents at Stripe (hold expired or booking cancelled).

    A PaymentIntent that turns out to have succeeded meanwhile is applied instead (and, since the
    booking no longer holds its time, refunded by :func:`payment_apply_succeeded`).
    """
    done = []
    for payment in Payment.objects.filter(booking=booking).open():
        info = get_gateway().cancel_payment_intent(
            payment_intent_id=payment.payment_intent_id, idempotency_key=f"{payment.idempotency_key}-cancel"
        )
        done.append(payment_apply_intent(info=info))
    return done
