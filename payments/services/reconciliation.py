"""Reconciliation: our payments, refunds and ledger against what Stripe has now (spec 000
``GET /admin/payments/reconciliation``).

For each Stripe payment created in the range (a bounded page, see :data:`MAX_PAGE`) the PaymentIntent
and its refunds are re-fetched through the gateway and compared with our rows:

- ``status`` / ``amount``: the Payment's status, amount or currency differs from the PaymentIntent's;
- ``amount_refunded``: our ``Payment.amount_refunded`` differs from the sum of Stripe's succeeded refunds;
- ``refund_missing_here``: a refund at Stripe we have no row for; ``refund_missing_at_stripe``: one
  of our refunds with a Stripe id that Stripe does not list; ``refund_status``: the statuses differ;
- ``ledger``: our ledger for the payment (payment + refund + refund_reversal rows) differs from what
  Stripe implies (the amount if succeeded, minus the succeeded refunds). Fees and disputes are left
  out of this comparison (Stripe's fee needs the balance transaction, a dispute its own object);
- ``missing_at_stripe``: Stripe does not know the PaymentIntent; ``stripe_error``: Stripe refused
  or could not be reached for it (the row says why; the rest of the page is still checked).

The opposite direction for PaymentIntents (one at Stripe we never recorded) needs a list call the
gateway does not offer; such a payment shows up when its webhook arrives (the inbox records it as
failed with "No payment for …").
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import InvalidInput
from payments.exceptions import PaymentError, PaymentNotConfigured, PaymentProviderUnavailable
from payments.models import LedgerKind, Payment, PaymentIntentStatus, Provider, RefundStatus
from payments.stripe_gateway import get_gateway

from .reports import ZERO, _check_range, _day_start, discount_summary

#: Payments re-fetched per request at most (each costs two Stripe calls).
MAX_PAGE = 100

_LEDGER_KINDS = (LedgerKind.PAYMENT, LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _check_payment(payment: Payment, gateway) -> tuple[list[dict], Decimal, Decimal]:
    """The mismatches of one payment, our ledger sum and Stripe's implied sum."""
    ours_ledger = payment.ledger_entries.filter(kind__in=_LEDGER_KINDS).aggregate(s=Sum("amount"))["s"] or ZERO
    found: list[dict] = []

    def mismatch(kind: str, ours, stripe, detail: str = "") -> None:
        found.append({"kind": kind, "ours": ours, "stripe": stripe, "detail": detail})

    try:
        intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
        stripe_refunds = gateway.list_refunds(payment.payment_intent_id)
    except (PaymentProviderUnavailable, PaymentNotConfigured) as exc:
        mismatch("stripe_error", payment.payment_intent_id, None, str(exc.message))
        return found, ours_ledger, ZERO
    except PaymentError as exc:
        # Stripe answers a retrieve with a plain refusal only when it has no such object (404).
        mismatch("missing_at_stripe", payment.payment_intent_id, None, str(exc.message))
        return found, ours_ledger, ZERO
    if intent.status != payment.status:
        mismatch("status", payment.status, intent.status)
    if intent.amount != payment.amount or intent.currency != payment.currency:
        mismatch("amount", f"{_money(payment.amount)} {payment.currency}", f"{_money(intent.amount)} {intent.currency}")
    stripe_refunded = sum((r.amount for r in stripe_refunds if r.status == RefundStatus.SUCCEEDED), ZERO)
    if stripe_refunded != payment.amount_refunded:
        mismatch("amount_refunded", _money(payment.amount_refunded), _money(stripe_refunded))
    ours_by_id = {r.refund_id: r for r in payment.refunds.exclude(refund_id="")}
    stripe_by_id = {r.id: r for r in stripe_refunds}
    for refund_id in sorted(stripe_by_id.keys() - ours_by_id.keys()):
        mismatch("refund_missing_here", None, refund_id, f"{_money(stripe_by_id[refund_id].amount)} at Stripe")
    for refund_id in sorted(ours_by_id.keys() - stripe_by_id.keys()):
        mismatch("refund_missing_at_stripe", refund_id, None, f"{_money(ours_by_id[refund_id].amount)} here")
    for refund_id in sorted(ours_by_id.keys() & stripe_by_id.keys()):
        if ours_by_id[refund_id].status != stripe_by_id[refund_id].status:
            mismatch("refund_status", ours_by_id[refund_id].status, stripe_by_id[refund_id].status, refund_id)
    stripe_ledger = (intent.amount if intent.status == PaymentIntentStatus.SUCCEEDED else ZERO) - stripe_refunded
    if stripe_ledger != ours_ledger:
        mismatch("ledger", _money(ours_ledger), _money(stripe_ledger))
    return found, ours_ledger, stripe_ledger


def reconciliation_report(*, first: date, last: date, page: int = 1, limit: int = MAX_PAGE) -> dict:
    """Compare the Stripe payments created on the UTC days ``first`` … ``last`` with Stripe.

    ``page``/``limit`` (≤ :data:`MAX_PAGE`) select the payments checked by this request, oldest
    first. Shape: ``{"from", "to", "page", "limit", "pages", "total_payments", "checked",
    "note", "payments": [{"id", "payment_intent_id", "booking_reference", "currency", "status",
    "mismatches": [{"kind", "ours", "stripe", "detail"}]}] (only payments with mismatches),
    "totals": [{"currency", "ledger", "stripe", "difference"}]}`` (the checked payments' sums).
    Raises ``InvalidInput`` (422) for a bad range or page.
    """
    _check_range(first, last)
    limit = max(1, min(limit, MAX_PAGE))
    payments = (
        Payment.objects.filter(
            provider=Provider.STRIPE,
            created_at__gte=_day_start(first),
            created_at__lt=_day_start(last + timedelta(days=1)),
        )
        .select_related("booking")
        .order_by("created_at", "id")
    )
    total = payments.count()
    pages = max(1, math.ceil(total / limit))
    if page < 1 or page > pages:
        raise InvalidInput(
            _("That page does not exist."),
            details=[{"field": "page", "message": _("Between 1 and %(pages)s.") % {"pages": pages}, "code": "invalid"}],
        )
    checked = list(payments[(page - 1) * limit : page * limit])
    gateway = get_gateway() if checked else None
    rows = []
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for payment in checked:
        found, ours, stripe = _check_payment(payment, gateway)
        sums[payment.currency][0] += ours
        sums[payment.currency][1] += stripe
        if found:
            rows.append(
                {
                    "id": payment.pk,
                    "payment_intent_id": payment.payment_intent_id,
                    "booking_reference": payment.booking.reference if payment.booking else None,
                    "currency": payment.currency,
                    "status": payment.status,
                    "mismatches": found,
                }
            )
    note = (
        f"Checked {len(checked)} of {total} Stripe payments created {first.isoformat()} … {last.isoformat()} "
        f"(page {page} of {pages}, at most {MAX_PAGE} per request). Fees and disputes are not compared."
    )
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "page": page,
        "limit": limit,
        "pages": pages,
        "total_payments": total,
        "checked": len(checked),
        "note": note,
        "payments": rows,
        # Discount codes of the same days (list gross, discount, charged, who funded it): the charged
        # amounts are what Stripe was asked for.
        "discounts": discount_summary(first, last),
        "totals": [
            {
                "currency": currency,
                "ledger": _money(ours),
                "stripe": _money(stripe),
                "difference": _money(ours - stripe),
            }
            for currency, (ours, stripe) in sorted(sums.items())
        ],
    }


RECONCILIATION_CSV_HEADER = [
    "payment_id",
    "payment_intent_id",
    "booking_reference",
    "currency",
    "kind",
    "ours",
    "stripe",
    "detail",
]


def reconciliation_to_rows(report: dict) -> list[list]:
    """One CSV row per mismatch (header first)."""
    rows: list[list] = [RECONCILIATION_CSV_HEADER]
    for item in report["payments"]:
        for m in item["mismatches"]:
            rows.append(
                [
                    item["id"],
                    item["payment_intent_id"],
                    item["booking_reference"] or "",
                    item["currency"],
                    m["kind"],
                    "" if m["ours"] is None else m["ours"],
                    "" if m["stripe"] is None else m["stripe"],
                    m["detail"],
                ]
            )
    return rows
