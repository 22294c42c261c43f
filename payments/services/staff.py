"""Staff operations on payments that the admin and ``/api/v1/admin/payments`` share.

- :func:`staff_refund` — a staff refund of a payment found by id, PaymentIntent id or booking
  reference, through the core's :func:`payments.services.refund_create`.
- :func:`payment_status_correct` — the "status correction" of spec 000
  ``PUT /admin/payments/transactions/{id}/status``. A payment's status mirrors Stripe's
  PaymentIntent, so staff cannot type a new one in: the correction RE-FETCHES the PaymentIntent
  (:func:`payments.services.payment_refresh`, which only ever moves a status forward) and records
  the staff note in the audit log. When staff name the status they expect, it must be reachable
  from the current one (never backwards) and Stripe must report it, otherwise the call is refused.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from payments.exceptions import (
    PaymentNotFound,
    PaymentNotRefreshable,
    PaymentStatusBackwards,
    PaymentStatusNotConfirmed,
    RefundNotAllowed,
)
from payments.models import Payment, PaymentIntentStatus, Provider, Refund, RefundReason, payment_can_move

from .checkout import payment_refresh
from .refunds import payment_refundable, refund_create


def payment_for_refund(
    *, payment_id: int | None = None, payment_intent_id: str = "", booking_reference: str = ""
) -> Payment:
    """The payment a staff refund is about. By id or PaymentIntent id: that payment. By booking
    reference: the booking's succeeded payment with the most left to refund (a booking has at most a
    few payments). Raises :class:`PaymentNotFound` (404) when nothing matches,
    :class:`RefundNotAllowed` (409) when the booking has no succeeded payment."""
    if payment_id is not None:
        payment = Payment.objects.filter(pk=payment_id).first()
    elif payment_intent_id:
        payment = Payment.objects.filter(payment_intent_id=payment_intent_id).first()
    elif booking_reference:
        payments = list(Payment.objects.filter(booking__reference=booking_reference))
        if not payments:
            raise PaymentNotFound(_("That booking has no payment."))
        succeeded = [p for p in payments if p.status == PaymentIntentStatus.SUCCEEDED]
        if not succeeded:
            raise RefundNotAllowed(_("That booking has no succeeded payment."))
        payment = max(succeeded, key=lambda p: (payment_refundable(p), p.pk))
    else:
        raise InvalidInput(
            _("Name the payment: payment_id, payment_intent_id or booking_reference."),
            details=[{"field": "payment_id", "message": _("One of these is required."), "code": "required"}],
        )
    if payment is None:
        raise PaymentNotFound()
    return payment


def staff_refund(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    reason: str = RefundReason.REQUESTED_BY_CUSTOMER,
    note: str = "",
    actor=None,
) -> Refund:
    """Refund ``amount`` (None: everything still refundable) of ``payment`` on staff's behalf.

    The booking's client is e-mailed once the refund is recorded (after commit, a task taking the
    refund's id: how much and when it reaches their account). Errors are the core's:
    :class:`RefundNotAllowed` 409 (not succeeded / nothing left), ``InvalidInput`` 422 (amount ≤ 0
    or more than refundable), ``PaymentError`` 400/402 (Stripe refused) and
    ``PaymentProviderUnavailable`` 503 (the refund stays pending; retry).
    """
    return refund_create(
        payment=payment, amount=amount, reason=reason, note=note, requested_by=actor, notify_client=True
    )


def payment_status_correct(*, payment: Payment, expected_status: str = "", note: str = "", actor=None) -> Payment:
    """Re-fetch ``payment`` from Stripe (the status follows the PaymentIntent, forward only) and
    record staff's ``note``.

    ``expected_status`` (optional): the status staff believe is right. Refused with
    :class:`PaymentStatusBackwards` (409) when it is not reachable from the current status, and with
    :class:`PaymentStatusNotConfirmed` (409) when Stripe reports another one after the refresh (the
    refresh itself is kept: it is Stripe's truth). :class:`PaymentNotRefreshable` (409) for a
    payment of another provider; the gateway's errors (503 unreachable) pass through.
    """
    if expected_status and expected_status not in PaymentIntentStatus.values:
        raise InvalidInput(
            _("Unknown status %(expected_status)s.") % {"expected_status": repr(expected_status)},
            details=[{"field": "status", "message": _("Not a valid choice."), "code": "invalid_choice"}],
        )
    if payment.provider != Provider.STRIPE:
        raise PaymentNotRefreshable()
    old = payment.status
    if expected_status and not payment_can_move(old, expected_status):
        raise PaymentStatusBackwards(
            _("A %(old)s payment cannot become %(expected_status)s.")
            % {"old": old, "expected_status": expected_status},
            details=[
                {
                    "field": "status",
                    "message": _("Not reachable from %(old)s.") % {"old": old},
                    "code": "invalid_transition",
                }
            ],
        )
    refreshed = payment_refresh(payment_intent_id=payment.payment_intent_id)
    log_action(
        refreshed,
        "payments.payment.status_checked",
        actor=actor,
        data={"from": old, "to": refreshed.status, "expected": expected_status, "note": note[:500]},
    )
    if expected_status and refreshed.status != expected_status:
        raise PaymentStatusNotConfirmed(
            _("Stripe reports %(status)s, not %(expected_status)s; the payment keeps Stripe's status.")
            % {"status": refreshed.status, "expected_status": expected_status},
            details=[
                {
                    "field": "status",
                    "message": _("Stripe reports %(status)s.") % {"status": refreshed.status},
                    "code": "not_confirmed",
                }
            ],
        )
    return refreshed
