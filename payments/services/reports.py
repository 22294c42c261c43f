"""Financial reports read from the ledger only (spec 000 "Financial Reporting").

Every figure is a sum of :class:`payments.models.LedgerEntry` rows, never of payments or refunds,
so the daily, monthly and tax reports add up to the same totals by construction:

- ``gross`` = Σ ``payment``; ``fees`` = Σ ``fee``; ``refunds`` = Σ ``refund`` + ``refund_reversal``;
  ``disputes`` = Σ ``dispute`` + ``dispute_reversal``; ``payouts`` = Σ ``payout`` + ``payout_reversal``;
- ``net`` = the sum of every row (= gross + fees + refunds + disputes + payouts);
- amounts are signed from the platform's point of view (money out is negative), ``Decimal`` with two
  places, and always per currency: different currencies are never added together.

A day is a UTC calendar day (``occurred_at`` is stored in UTC; the accountant's books are kept in
UTC too). Ranges are inclusive of both dates. :func:`report_to_rows` flattens a report to CSV rows.

"Tax report" here means the revenue totals per period and currency (and per consultant time zone,
since consultants have no country on file) that the accountant needs to file; no VAT is computed.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from bookings.models import ConsultationBooking
from magnetiq.exceptions import InvalidInput
from payments.models import LedgerEntry, LedgerKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

#: Report column → the ledger kinds summed into it (every kind belongs to exactly one column).
BUCKETS: dict[str, tuple[str, ...]] = {
    "gross": (LedgerKind.PAYMENT,),
    "fees": (LedgerKind.FEE,),
    "refunds": (LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL),
    "disputes": (LedgerKind.DISPUTE, LedgerKind.DISPUTE_REVERSAL),
    "payouts": (LedgerKind.PAYOUT, LedgerKind.PAYOUT_REVERSAL),
}
_COLUMN_OF = {kind: column for column, kinds in BUCKETS.items() for kind in kinds}
COLUMNS = (*BUCKETS, "net")

#: The longest range the daily report and the reconciliation accept (one quarter).
MAX_RANGE_DAYS = 92


@dataclass
class Totals:
    """The report columns of one currency (signed ``Decimal``) and the number of payments/refunds."""

    currency: str
    gross: Decimal = ZERO
    fees: Decimal = ZERO
    refunds: Decimal = ZERO
    disputes: Decimal = ZERO
    payouts: Decimal = ZERO
    payments_count: int = 0
    refunds_count: int = 0

    @property
    def net(self) -> Decimal:
        return self.gross + self.fees + self.refunds + self.disputes + self.payouts

    def add(self, other: Totals) -> None:
        for column in BUCKETS:
            setattr(self, column, getattr(self, column) + getattr(other, column))
        self.payments_count += other.payments_count
        self.refunds_count += other.refunds_count

    def as_dict(self) -> dict[str, str | int]:
        """JSON shape: amounts as strings with two decimals (``"150.00"``), counts as integers."""
        data: dict[str, str | int] = {"currency": self.currency}
        data |= {column: f"{getattr(self, column):.2f}" for column in COLUMNS}
        data |= {"payments_count": self.payments_count, "refunds_count": self.refunds_count}
        return data


@dataclass
class TotalsByCurrency:
    by_currency: dict[str, Totals] = field(default_factory=dict)

    def get(self, currency: str) -> Totals:
        if currency not in self.by_currency:
            self.by_currency[currency] = Totals(currency=currency)
        return self.by_currency[currency]

    def add_row(self, *, currency: str, kind: str, amount: Decimal, count: int) -> None:
        totals = self.get(currency)
        column = _COLUMN_OF[kind]
        # SQLite sums decimals as floats; the ledger is kept in cents, so round back to them.
        setattr(totals, column, getattr(totals, column) + Decimal(amount).quantize(CENT))
        if kind == LedgerKind.PAYMENT:
            totals.payments_count += count
        elif kind == LedgerKind.REFUND:
            totals.refunds_count += count

    def add(self, other: TotalsByCurrency) -> None:
        for currency, totals in other.by_currency.items():
            self.get(currency).add(totals)

    def as_list(self) -> list[dict]:
        return [self.by_currency[c].as_dict() for c in sorted(self.by_currency)]


def ledger_totals(entries: QuerySet[LedgerEntry]) -> TotalsByCurrency:
    """Sum ``entries`` into the report columns, per currency (one grouped query)."""
    result = TotalsByCurrency()
    rows = entries.order_by().values("currency", "kind").annotate(total=Sum("amount"), n=Count("id"))
    for row in rows:
        result.add_row(currency=row["currency"], kind=row["kind"], amount=row["total"] or ZERO, count=row["n"])
    return result


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def entries_between(first: date, last: date) -> QuerySet[LedgerEntry]:
    """Ledger rows that occurred on the UTC days ``first`` … ``last`` (inclusive)."""
    return LedgerEntry.objects.filter(
        occurred_at__gte=_day_start(first), occurred_at__lt=_day_start(last + timedelta(days=1))
    )


def discount_summary(first: date, last: date) -> list[dict]:
    """Discount codes in the UTC days ``first`` … ``last``, per currency: the payments received for
    discounted bookings (their ledger ``payment`` rows) with the list price and the discount beside
    them, and the bookings a code made free (no payment; counted on the day they were confirmed).

    Shape: ``[{"currency", "list_gross", "discounts", "charged", "platform_funded",
    "consultant_funded", "discounted_payments", "free_sessions"}]`` (amounts as ``"0.00"`` strings):
    ``list_gross`` = ``charged`` + ``discounts``; ``charged`` is part of the report's ``gross``;
    ``platform_funded`` + ``consultant_funded`` = ``discounts``.
    """
    summary: dict[str, dict] = {}

    def row(currency: str) -> dict:
        return summary.setdefault(
            currency,
            {
                "currency": currency,
                "charged": ZERO,
                "discounts": ZERO,
                "platform_funded": ZERO,
                "consultant_funded": ZERO,
                "discounted_payments": 0,
                "free_sessions": 0,
            },
        )

    paid = (
        entries_between(first, last)
        .filter(kind=LedgerKind.PAYMENT, booking__discount_amount__gt=0)
        .order_by()
        .values("currency", "booking__discount_funded_by")
        .annotate(charged=Sum("amount"), discount=Sum("booking__discount_amount"), n=Count("id"))
    )
    for entry in paid:
        totals = row(entry["currency"])
        discount = Decimal(entry["discount"] or 0).quantize(CENT)
        totals["charged"] += Decimal(entry["charged"] or 0).quantize(CENT)
        totals["discounts"] += discount
        totals["platform_funded" if entry["booking__discount_funded_by"] != "consultant" else "consultant_funded"] += (
            discount
        )
        totals["discounted_payments"] += entry["n"]
    free = (
        ConsultationBooking.objects.filter(
            payment_amount=0,
            discount_amount__gt=0,
            confirmed_at__gte=_day_start(first),
            confirmed_at__lt=_day_start(last + timedelta(days=1)),
        )
        .order_by()
        .values("payment_currency", "discount_funded_by")
        .annotate(discount=Sum("discount_amount"), n=Count("id"))
    )
    for booking in free:
        totals = row(booking["payment_currency"])
        discount = Decimal(booking["discount"] or 0).quantize(CENT)
        totals["discounts"] += discount
        totals["platform_funded" if booking["discount_funded_by"] != "consultant" else "consultant_funded"] += discount
        totals["free_sessions"] += booking["n"]
    result = []
    for currency in sorted(summary):
        totals = summary[currency]
        money = ("charged", "discounts", "platform_funded", "consultant_funded")
        result.append(
            {
                **totals,
                **{key: f"{totals[key]:.2f}" for key in money},
                "list_gross": f"{totals['charged'] + totals['discounts']:.2f}",
            }
        )
    return result


def _check_range(first: date, last: date, *, max_days: int = MAX_RANGE_DAYS) -> None:
    if last < first:
        raise InvalidInput(
            _("The end date is before the start date."),
            details=[{"field": "to", "message": _("Must be on or after 'from'."), "code": "invalid"}],
        )
    if (last - first).days + 1 > max_days:
        raise InvalidInput(
            _("At most %(max_days)s days per request.") % {"max_days": max_days},
            details=[
                {
                    "field": "to",
                    "message": _("At most %(max_days)s days after 'from'.") % {"max_days": max_days},
                    "code": "max_value",
                }
            ],
        )


def _per_day(first: date, last: date) -> dict[date, TotalsByCurrency]:
    """Totals per UTC day (one grouped query over the whole range)."""
    days: dict[date, TotalsByCurrency] = defaultdict(TotalsByCurrency)
    rows = (
        entries_between(first, last)
        .order_by()
        .values("occurred_at", "currency", "kind", "amount")
        .iterator(chunk_size=2000)
    )
    for row in rows:
        day = row["occurred_at"].astimezone(UTC).date()
        days[day].add_row(currency=row["currency"], kind=row["kind"], amount=row["amount"], count=1)
    return days


def report_daily(*, first: date, last: date | None = None) -> dict:
    """The daily report: one entry per UTC day from ``first`` to ``last`` (default: ``first``), each
    with its totals per currency, plus the totals of the whole range.

    Shape: ``{"from", "to", "days": [{"date", "totals": [Totals…]}], "totals": [Totals…], "discounts":
    [Discounts…]}`` (``discounts``: :func:`discount_summary`, gross / discount / net of the codes) where a
    ``Totals`` is ``{"currency", "gross", "fees", "refunds", "disputes", "payouts", "net",
    "payments_count", "refunds_count"}``. Days without movements are listed with ``totals: []``.
    Raises ``InvalidInput`` (422) for a reversed range or one longer than :data:`MAX_RANGE_DAYS`.
    """
    last = last or first
    _check_range(first, last)
    per_day = _per_day(first, last)
    overall = TotalsByCurrency()
    days = []
    day = first
    while day <= last:
        totals = per_day.get(day, TotalsByCurrency())
        overall.add(totals)
        days.append({"date": day.isoformat(), "totals": totals.as_list()})
        day += timedelta(days=1)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": days,
        "totals": overall.as_list(),
        "discounts": discount_summary(first, last),
    }


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _by_consultant(first: date, last: date) -> list[dict]:
    rows = (
        entries_between(first, last)
        .order_by()
        .values("consultant_id", "consultant__first_name", "consultant__last_name", "currency", "kind")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    grouped: dict[int | None, dict] = {}
    for row in rows:
        key = row["consultant_id"]
        if key not in grouped:
            name = " ".join(filter(None, [row["consultant__first_name"], row["consultant__last_name"]]))
            grouped[key] = {"consultant_id": key, "name": name, "totals": TotalsByCurrency()}
        grouped[key]["totals"].add_row(currency=row["currency"], kind=row["kind"], amount=row["total"], count=row["n"])
    ordered = sorted(grouped.values(), key=lambda g: (g["consultant_id"] is None, g["consultant_id"] or 0))
    return [{**g, "totals": g["totals"].as_list()} for g in ordered]


def report_monthly(*, year: int, month: int) -> dict:
    """The monthly report of ``year``-``month`` (UTC): totals per currency, the same per consultant
    (``consultant_id`` None: movements of no consultant, e.g. subscriptions), and per day.

    Shape: ``{"month": "2026-11", "from", "to", "totals": [Totals…], "by_consultant": [{"consultant_id",
    "name", "totals": [Totals…]}], "days": [{"date", "totals": [Totals…]}], "discounts": [Discounts…]}``.
    """
    first, last = month_bounds(year, month)
    daily = report_daily(first=first, last=last)
    return {
        "month": f"{year:04d}-{month:02d}",
        "from": daily["from"],
        "to": daily["to"],
        "totals": daily["totals"],
        "by_consultant": _by_consultant(first, last),
        "days": daily["days"],
        "discounts": daily["discounts"],
    }


def report_tax(*, year: int, quarter: int | None = None) -> dict:
    """Revenue totals for the accountant: per month of the quarter (or of the year when ``quarter``
    is None), per currency, and per consultant time zone (consultants have no country on file; the
    time zone is the closest we have to where the service was provided). No VAT is computed.

    Shape: ``{"year", "quarter", "from", "to", "periods": [{"month", "totals": [Totals…]}],
    "by_consultant_timezone": [{"timezone", "totals": [Totals…]}], "totals": [Totals…]}``;
    ``timezone`` is ``""`` for movements of no consultant.
    """
    months = range(3 * quarter - 2, 3 * quarter + 1) if quarter else range(1, 13)
    overall = TotalsByCurrency()
    periods = []
    for month in months:
        first, last = month_bounds(year, month)
        totals = ledger_totals(entries_between(first, last))
        overall.add(totals)
        periods.append({"month": f"{year:04d}-{month:02d}", "totals": totals.as_list()})
    first = month_bounds(year, months[0])[0]
    last = month_bounds(year, months[-1])[1]
    zones: dict[str, TotalsByCurrency] = defaultdict(TotalsByCurrency)
    rows = (
        entries_between(first, last)
        .order_by()
        .values("consultant__timezone", "currency", "kind")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    for row in rows:
        zones[row["consultant__timezone"] or ""].add_row(
            currency=row["currency"], kind=row["kind"], amount=row["total"], count=row["n"]
        )
    return {
        "year": year,
        "quarter": quarter,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "periods": periods,
        "by_consultant_timezone": [{"timezone": z, "totals": zones[z].as_list()} for z in sorted(zones)],
        "totals": overall.as_list(),
        "discounts": discount_summary(first, last),
    }


CSV_HEADER = ["section", "period", "group", *(["currency", *COLUMNS, "payments_count", "refunds_count"])]


def _totals_rows(section: str, period: str, group: str, totals: list[dict]) -> list[list]:
    return [
        [section, period, group, t["currency"], *(t[c] for c in COLUMNS), t["payments_count"], t["refunds_count"]]
        for t in totals
    ]


def report_to_rows(report: dict) -> list[list]:
    """Flatten a daily, monthly or tax report to CSV rows (header first).

    Columns: ``section`` (``day``, ``month``, ``consultant``, ``timezone``, ``total``), ``period``
    (a date or ``YYYY-MM``), ``group`` (consultant id or time zone), then the :class:`Totals` fields.
    The ``total`` rows are the report's totals; the other sections break them down.
    """
    rows: list[list] = [CSV_HEADER]
    period = report.get("month") or f"{report['from']}..{report['to']}"
    for day in report.get("days", []):
        rows += _totals_rows("day", day["date"], "", day["totals"])
    for item in report.get("periods", []):
        rows += _totals_rows("month", item["month"], "", item["totals"])
    for item in report.get("by_consultant", []):
        group = "" if item["consultant_id"] is None else str(item["consultant_id"])
        rows += _totals_rows("consultant", period, group, item["totals"])
    for item in report.get("by_consultant_timezone", []):
        rows += _totals_rows("timezone", period, item["timezone"], item["totals"])
    rows += _totals_rows("total", period, "", report["totals"])
    return rows
