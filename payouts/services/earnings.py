"""What a consultant earned per session, what is held back, and what is owed (reads, no writes).

Every figure of a session comes from the ledger (:class:`payments.models.LedgerEntry`): gross is its
``payment`` rows, refunds its ``refund`` + ``refund_reversal`` rows, disputes its ``dispute`` +
``dispute_reversal`` rows (a won dispute nets to zero, a lost one to its amount). So the payouts
and every report built from the ledger add up to the same totals.

Per session (amounts rounded ROUND_HALF_UP to cents, spec 000 ``ConsultantPayout`` breakdown)::

    collected = gross − refunds − disputes
    fee       = collected × PLATFORM_FEE_PERCENT / 100
    tax       = (collected − fee) × TAX_WITHHOLDING_PERCENT / 100
    net       = collected − fee − tax

A session is *payable* when its booking is ``completed`` with a ``succeeded`` payment and it is not
held back. It is held back while a dispute on it is open (an open dispute holds back the
consultant's payout for that booking), while a refund of it is still in flight (its amount is not
known yet), or when the ledger has no payment row for it yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from bookings.discounts import FundedBy
from bookings.models import BookingStatus, ConsultationBooking
from payments.models import Dispute, LedgerEntry, LedgerKind, PaymentIntentStatus, Refund, RefundStatus
from payouts.conf import payouts_setting
from payouts.exceptions import InvalidPeriod
from payouts.models import ZERO, ConsultantPayout, PayoutItem

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
IN_FLIGHT_REFUND_STATUSES = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_period(value: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → ``(2026-11-01 00:00 UTC, 2026-12-01 00:00 UTC)`` (end exclusive).
    Raises :class:`InvalidPeriod` for anything else (``2026-13``, ``11/2026``, ``""``)."""
    text = (value or "").strip()
    try:
        year_text, month_text = text.split("-")
        if len(year_text) != 4 or len(month_text) != 2:
            raise ValueError(text)
        start = datetime(int(year_text), int(month_text), 1, tzinfo=UTC)
    except ValueError as exc:
        raise InvalidPeriod(
            _("%(value)s is not a period: give it as YYYY-MM (e.g. 2026-11).") % {"value": repr(value)}
        ) from exc
    end = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class SessionEarning:
    """One session's share. ``held_back``: why it is not payable now ("" when it is)."""

    booking: ConsultationBooking
    currency: str
    gross: Decimal
    refunds: Decimal
    disputes: Decimal
    fee: Decimal
    tax: Decimal
    net: Decimal
    held_back: str = ""


def paid_sessions():
    """Completed bookings with a succeeded payment, or made free by a discount code the platform
    funds (the platform pays the list price): the sessions a consultant earns from."""
    free_by_platform = Q(payment_amount=0, discount_amount__gt=0, discount_funded_by=FundedBy.PLATFORM)
    return (
        ConsultationBooking.objects.filter(status=BookingStatus.COMPLETED)
        .filter(Q(payments__status=PaymentIntentStatus.SUCCEEDED) | free_by_platform)
        .select_related("consultant")
        .distinct()
    )


def unpaid_sessions(*, consultant, before: datetime):
    """The consultant's paid sessions that started before ``before`` and are in no payout yet."""
    return paid_sessions().filter(consultant=consultant, start__lt=before, payout_item__isnull=True)


def session_earnings(bookings) -> list[SessionEarning]:
    """The share of each booking in ``bookings`` (oldest first), with the current percentages.

    ``gross`` is what the client paid (the ledger's payment rows) plus a discount the platform funds
    (``discount_funded_by="platform"``: the consultant earns on the list price); a discount the
    consultant funds stays off their gross."""
    bookings = sorted(bookings, key=lambda b: (b.start, b.pk))
    ids = [b.pk for b in bookings]
    if not ids:
        return []
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    currencies: dict[int, str] = {}
    rows = (
        LedgerEntry.objects.filter(booking_id__in=ids)
        .values("booking_id", "kind", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        sums[row["booking_id"]][row["kind"]] += cents(row["total"])
        if row["kind"] == LedgerKind.PAYMENT:
            currencies[row["booking_id"]] = row["currency"]
    disputed = set(
        Dispute.objects.open().filter(payment__booking_id__in=ids).values_list("payment__booking_id", flat=True)
    )
    refunding = set(
        Refund.objects.filter(payment__booking_id__in=ids, status__in=IN_FLIGHT_REFUND_STATUSES).values_list(
            "payment__booking_id", flat=True
        )
    )
    fee_percent = payouts_setting("PLATFORM_FEE_PERCENT")
    tax_percent = payouts_setting("TAX_WITHHOLDING_PERCENT")
    result = []
    for booking in bookings:
        kinds = sums[booking.pk]
        credit = booking.discount_amount if booking.discount_funded_by == FundedBy.PLATFORM else ZERO
        paid = kinds[LedgerKind.PAYMENT]
        gross = paid + credit
        refunds = -(kinds[LedgerKind.REFUND] + kinds[LedgerKind.REFUND_REVERSAL])
        disputes = -(kinds[LedgerKind.DISPUTE] + kinds[LedgerKind.DISPUTE_REVERSAL])
        collected = gross - refunds - disputes
        held = ""
        if booking.pk in disputed:
            held = "open dispute"
        elif booking.pk in refunding:
            held = "refund in progress"
        elif (paid <= 0 and booking.payment_amount > 0) or gross <= 0:
            held = "payment not in the ledger yet"
        elif collected < 0:
            held = "more refunded or disputed than paid"
        if held:
            fee = tax = net = ZERO
        else:
            fee = cents(collected * fee_percent / HUNDRED)
            tax = cents((collected - fee) * tax_percent / HUNDRED)
            net = collected - fee - tax
        result.append(
            SessionEarning(
                booking=booking,
                currency=currencies.get(booking.pk, booking.payment_currency),
                gross=cents(gross),
                refunds=cents(refunds),
                disputes=cents(disputes),
                fee=fee,
                tax=tax,
                net=cents(net),
                held_back=held,
            )
        )
    return result


def payout_balance(*, consultant, currency: str, exclude_payout_id: int | None = None) -> Decimal:
    """Sessions already put in payouts minus what those payouts (pending, processing, completed)
    pay: positive when a failed payout's sessions are still owed, negative while a manual payout
    paid ahead (an advance, recovered from the next payouts)."""
    items = PayoutItem.objects.filter(payout__consultant=consultant, payout__currency=currency)
    payouts = ConsultantPayout.objects.committed().filter(consultant=consultant, currency=currency)
    if exclude_payout_id is not None:
        items = items.exclude(payout_id=exclude_payout_id)
        payouts = payouts.exclude(pk=exclude_payout_id)
    earned = cents(items.aggregate(total=Sum("net"))["total"] or ZERO)
    paid = cents(payouts.aggregate(total=Sum("amount"))["total"] or ZERO)
    return earned - paid


def consultant_owed(*, consultant, currency: str, now: datetime) -> Decimal:
    """What the consultant may still be paid in ``currency``: payable sessions in no payout yet,
    plus :func:`payout_balance` (never below zero)."""
    unpaid = [
        s
        for s in session_earnings(unpaid_sessions(consultant=consultant, before=now))
        if not s.held_back and s.currency == currency
    ]
    return max(ZERO, sum((s.net for s in unpaid), ZERO) + payout_balance(consultant=consultant, currency=currency))


def consultant_earnings(*, consultant, now: datetime) -> list[dict]:
    """The earnings summary per currency (``GET …/earnings``).

    Keys: ``currency``, ``completed_paid_sessions``, ``held_back_sessions``, ``gross``,
    ``platform_fee``, ``refunds``, ``disputes``, ``tax_withholding``, ``net_earned`` (payable
    sessions, whether in a payout or not), ``paid_out`` (the ledger's payout rows, reversals added
    back), ``in_flight`` (pending and processing payouts), ``owed``. Sessions already in a payout
    keep the figures of their payout item; the others use the current percentages.
    """
    sessions = list(paid_sessions().filter(consultant=consultant, start__lt=now).select_related("payout_item__payout"))
    in_items = {s.pk: s.payout_item for s in sessions if hasattr(s, "payout_item")}
    fresh = {e.booking.pk: e for e in session_earnings([s for s in sessions if s.pk not in in_items])}
    currencies = {e.currency for e in fresh.values()} | set(
        consultant.payouts.values_list("currency", flat=True).distinct()
    )
    for item in in_items.values():
        currencies.add(item.payout.currency)
    summary = []
    for currency in sorted(currencies):
        row: dict[str, Any] = {
            "currency": currency,
            "completed_paid_sessions": 0,
            "held_back_sessions": 0,
            "gross": ZERO,
            "platform_fee": ZERO,
            "refunds": ZERO,
            "disputes": ZERO,
            "tax_withholding": ZERO,
            "net_earned": ZERO,
        }
        for item in in_items.values():
            if item.payout.currency != currency:
                continue
            row["completed_paid_sessions"] += 1
            row["gross"] += item.gross
            row["platform_fee"] += item.fee
            row["refunds"] += item.refunds
            row["disputes"] += item.disputes
            row["tax_withholding"] += item.tax
            row["net_earned"] += item.net
        for earning in fresh.values():
            if earning.currency != currency:
                continue
            row["completed_paid_sessions"] += 1
            if earning.held_back:
                row["held_back_sessions"] += 1
                continue
            row["gross"] += earning.gross
            row["platform_fee"] += earning.fee
            row["refunds"] += earning.refunds
            row["disputes"] += earning.disputes
            row["tax_withholding"] += earning.tax
            row["net_earned"] += earning.net
        ledger = LedgerEntry.objects.filter(
            consultant=consultant, currency=currency, kind__in=(LedgerKind.PAYOUT, LedgerKind.PAYOUT_REVERSAL)
        ).aggregate(total=Sum("amount"))["total"]
        row["paid_out"] = -cents(ledger or ZERO)
        row["in_flight"] = (
            consultant.payouts.filter(Q(status="pending") | Q(status="processing"), currency=currency).aggregate(
                total=Sum("amount")
            )["total"]
            or ZERO
        )
        committed = consultant.payouts.committed().filter(currency=currency).aggregate(total=Sum("amount"))["total"]
        row["owed"] = max(ZERO, row["net_earned"] - cents(committed or ZERO))
        summary.append(row)
    return summary
