"""Every figure of the analytics endpoints and the admin dashboard, as database aggregation.

Conventions (spec 000 "Analytics & Statistics", ``PlatformAnalytics``, ``ConsultantStatistics``):

- **Time zone: UTC.** A period is a range of UTC calendar days, ``first`` … ``last`` inclusive, and
  months are UTC months (``TruncMonth``/``TruncDay`` with ``tzinfo=UTC``), exactly as the payment
  reports (``payments.services.reports``) count them, so a month here and there is the same set of
  rows.
- **Money comes from the ledger only** (``payments.models.LedgerEntry``), per currency (currencies
  are never added together), ``Decimal`` with two places, signed from the platform's point of view:
  ``gross`` = Σ payments, ``refunds`` = Σ refunds and refund reversals (≤ 0), ``revenue`` = gross +
  refunds (**net of refunds**), ``fees``, ``disputes``, ``payouts`` and ``net`` (the sum of every
  row) as in the monthly payment report. ``revenue`` of a month equals that report's ``gross +
  refunds`` to the cent.
- **A booking** is a ``ConsultationBooking`` counted in the UTC day it was *made* (``created_at``);
  a hold that expired unpaid (cancelled by the system) never was one and is left out. A booking is
  **paid** when the ledger holds a ``payment`` row for it.
- **A lead** counts in the day it was first captured (``Lead.created_at``). A lead *booked* when a
  booking (any time up to the period's end) carries its e-mail address (case-insensitive); the
  leads app records no other link between the two.
- **Visitors are not recorded.** Page views are not counted anywhere; the only view counts are the
  whitepapers' (``Whitepaper.view_count``, buffered by ``magnetiq.counters`` and written each minute
  by ``flush_whitepaper_views``), and they are all-time totals per whitepaper with no date, so no
  period has a visitor number. The funnel says so instead of inventing one.

Rates are percentages with two places as strings (``"12.50"``), ``None`` when the denominator is 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower, TruncDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from bookings.discounts import FundedBy
from bookings.models import BookingStatus, CancelledBy, ConsultationBooking
from consultants.models import Consultant, ConsultantStatus, ScrapingJob, ScrapingJobStatus
from consultants.selectors import expertise_categories
from consulting.models import CollectionJob, CollectionStatus
from coupons.models import CouponUsage, UsageStatus
from leads.models import Lead, LeadEvent, OdooStatus
from payments.models import LedgerEntry, LedgerKind, WebhookEvent, WebhookStatus
from webinars.models import RegistrationStatus, WebinarRegistration
from whitepapers.models import EmailSubmission, SubmissionStatus, Whitepaper, WhitepaperDownload
from whitepapers.services.view_counts import VIEW_COUNTS

from .exceptions import ConsultantNotFound, InvalidPeriod

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: The longest period one request may ask for (three years of days; every figure is one query).
MAX_PERIOD_DAYS = 1096
#: A daily series is offered up to this many days; longer periods are summed per month.
MAX_DAILY_DAYS = 92

VISITORS_NOTE = _(
    "Page views are not recorded, so visitors cannot be counted. Whitepaper views are counted only as "
    "all-time totals per whitepaper (buffered and written every minute), without a date."
)

_MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "gross": (LedgerKind.PAYMENT,),
    "refunds": (LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL),
    "fees": (LedgerKind.FEE,),
    "disputes": (LedgerKind.DISPUTE, LedgerKind.DISPUTE_REVERSAL),
    "payouts": (LedgerKind.PAYOUT, LedgerKind.PAYOUT_REVERSAL),
}
_REVENUE_KINDS = (LedgerKind.PAYMENT, LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL)


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """UTC days ``first`` … ``last`` (inclusive); ``start``/``end`` are the instants bounding them."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[str]:
        """Every ``YYYY-MM`` the period touches, in order."""
        keys, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            keys.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return keys

    def dates(self) -> list[str]:
        return [(self.first + timedelta(days=n)).isoformat() for n in range(self.days)]

    def as_dict(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "timezone": "UTC"}


def period_of_month(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def current_month(now: datetime | None = None) -> Period:
    """This UTC month, the default period of every endpoint."""
    today = (now or timezone.now()).astimezone(UTC).date()
    return period_of_month(today.year, today.month)


def previous_month(period: Period) -> Period:
    before = period.first - timedelta(days=1)
    return period_of_month(before.year, before.month)


def last_months(count: int, now: datetime | None = None) -> Period:
    """The ``count`` UTC months up to and including this one."""
    this = current_month(now)
    year, month = this.first.year, this.first.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), this.last)


def period_make(*, first: date | None, last: date | None, now: datetime | None = None) -> Period:
    """The period of ``from``/``to``: both given, one given (the other from this month), or neither
    (this UTC month). Raises :class:`InvalidPeriod` (422) when ``last`` is before ``first`` or the
    period is longer than :data:`MAX_PERIOD_DAYS`."""
    default = current_month(now)
    first = first or (default.first if last is None or last >= default.first else last.replace(day=1))
    last = last or (default.last if first <= default.last else period_of_month(first.year, first.month).last)
    if last < first:
        raise InvalidPeriod(
            _("The end date is before the start date."),
            details=[{"field": "to", "message": str(_("Must be on or after 'from'.")), "code": "invalid"}],
        )
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidPeriod(
            _("At most %(days)s days per request.") % {"days": MAX_PERIOD_DAYS},
            details=[{"field": "to", "message": str(_("Too far after 'from'.")), "code": "max_value"}],
        )
    return Period(first, last)


# --- small helpers ------------------------------------------------------------------------------


def _cents(value: Any) -> Decimal:
    # SQLite sums decimals as floats; the ledger is kept in cents, so round back to them.
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> str | None:
    """``part / whole`` as a percentage string with two places, ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP))


def _money_aggregates() -> dict[str, Any]:
    money = DecimalField(max_digits=14, decimal_places=2)
    sums: dict[str, Any] = {
        column: Coalesce(Sum("amount", filter=Q(kind__in=kinds)), Value(ZERO), output_field=money)
        for column, kinds in _MONEY_COLUMNS.items()
    }
    sums["net"] = Coalesce(Sum("amount"), Value(ZERO), output_field=money)
    sums["payments_count"] = Count("id", filter=Q(kind=LedgerKind.PAYMENT))
    sums["refunds_count"] = Count("id", filter=Q(kind=LedgerKind.REFUND))
    return sums


def _money_row(row: Mapping[str, Any]) -> dict:
    out = {"currency": row["currency"]}
    out |= {column: _cents(row[column]) for column in (*_MONEY_COLUMNS, "net")}
    out["revenue"] = out["gross"] + out["refunds"]
    out["payments_count"] = row["payments_count"]
    out["refunds_count"] = row["refunds_count"]
    out["average_payment"] = (
        (out["gross"] / row["payments_count"]).quantize(CENT, rounding=ROUND_HALF_UP) if row["payments_count"] else ZERO
    )
    return out


def ledger_in(period: Period, consultant_id: int | None = None) -> QuerySet[LedgerEntry]:
    """Ledger rows that occurred in ``period`` (optionally of one consultant)."""
    rows = LedgerEntry.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)
    if consultant_id is not None:
        rows = rows.filter(consultant_id=consultant_id)
    return rows


# --- money --------------------------------------------------------------------------------------


def money_totals(period: Period, consultant_id: int | None = None) -> list[dict]:
    """Totals of ``period`` per currency (one grouped query), sorted by currency.

    Each item: ``{"currency", "gross", "refunds", "revenue", "fees", "disputes", "payouts", "net",
    "payments_count", "refunds_count", "average_payment"}``; amounts ``Decimal`` (major units, two
    places), ``revenue`` = gross + refunds, ``average_payment`` = gross / payments_count.
    """
    rows = ledger_in(period, consultant_id).order_by().values("currency").annotate(**_money_aggregates())
    return sorted((_money_row(row) for row in rows), key=lambda item: item["currency"])


def money_by_month(period: Period, consultant_id: int | None = None) -> dict[str, list[dict]]:
    """``{"YYYY-MM": [money_totals item…]}`` for every UTC month ``period`` touches (empty months
    hold ``[]``), one grouped query."""
    rows = (
        ledger_in(period, consultant_id)
        .annotate(month=TruncMonth("occurred_at", tzinfo=UTC))
        .order_by()
        .values("month", "currency")
        .annotate(**_money_aggregates())
    )
    months: dict[str, list[dict]] = {key: [] for key in period.months()}
    for row in rows:
        months[row["month"].astimezone(UTC).strftime("%Y-%m")].append(_money_row(row))
    for items in months.values():
        items.sort(key=lambda item: item["currency"])
    return months


def revenue_map(items: list[dict]) -> dict[str, Decimal]:
    """``{currency: revenue}`` of a list of :func:`money_totals` items."""
    return {item["currency"]: item["revenue"] for item in items}


# --- bookings -----------------------------------------------------------------------------------


def _abandoned_hold() -> Q:
    return Q(status=BookingStatus.CANCELLED, cancelled_by=CancelledBy.SYSTEM)


def _paid() -> Exists:
    return Exists(LedgerEntry.objects.filter(booking=OuterRef("pk"), kind=LedgerKind.PAYMENT))


def bookings_made(period: Period | None, consultant_id: int | None = None) -> QuerySet[ConsultationBooking]:
    """Bookings made in ``period`` (all time when ``None``), abandoned holds left out."""
    rows = ConsultationBooking.objects.exclude(_abandoned_hold())
    if period is not None:
        rows = rows.filter(created_at__gte=period.start, created_at__lt=period.end)
    if consultant_id is not None:
        rows = rows.filter(consultant_id=consultant_id)
    return rows


def _booking_aggregates() -> dict[str, Any]:
    counts: dict[str, Any] = {"total": Count("id"), "paid": Count("id", filter=Q(is_paid=True))}
    counts |= {str(status): Count("id", filter=Q(status=status)) for status in BookingStatus.values}
    counts["free"] = Count("id", filter=Q(payment_amount=0))
    counts["rescheduled"] = Count("id", filter=Q(reschedule_count__gt=0))
    counts["ratings"] = Count("client_rating")
    counts["average_rating"] = Avg("client_rating")
    return counts


def _booking_row(row: dict) -> dict:
    average = row["average_rating"]
    return {
        "total": row["total"],
        "paid": row["paid"],
        "free": row["free"],
        "by_status": {str(status): row[str(status)] for status in BookingStatus.values},
        "rescheduled": row["rescheduled"],
        "ratings": row["ratings"],
        "average_rating": None if average is None else Decimal(average).quantize(CENT, rounding=ROUND_HALF_UP),
        "completion_rate": rate(row[BookingStatus.COMPLETED], row["total"]),
        "payment_rate": rate(row["paid"], row["total"]),
    }


def booking_summary(period: Period, consultant_id: int | None = None) -> dict:
    """Bookings made in ``period``: ``{"total", "paid", "free", "by_status": {status: n},
    "rescheduled", "ratings", "average_rating" (Decimal 1–5 or None), "completion_rate",
    "payment_rate"}`` (one query)."""
    row = bookings_made(period, consultant_id).annotate(is_paid=_paid()).aggregate(**_booking_aggregates())
    return _booking_row(row)


def booking_breakdown(period: Period, consultant_id: int | None = None) -> dict:
    """``{"by_type": {type: n}, "by_language": {code: n}}`` of the bookings made in ``period``."""
    rows = bookings_made(period, consultant_id).order_by()
    by_type = rows.values("booking_type").annotate(n=Count("id")).order_by("booking_type")
    by_language = rows.values("language").annotate(n=Count("id")).order_by("language")
    return {
        "by_type": {row["booking_type"]: row["n"] for row in by_type},
        "by_language": {row["language"]: row["n"] for row in by_language},
    }


def bookings_series(period: Period, interval: str, consultant_id: int | None = None) -> list[dict]:
    """Bookings made per UTC ``interval`` (``"day"`` or ``"month"``) of ``period``, every step listed:
    ``[{"period": "2026-11-03" | "2026-11", "total", "paid"}]`` (one grouped query)."""
    trunc = TruncDay if interval == "day" else TruncMonth
    rows = (
        bookings_made(period, consultant_id)
        .annotate(step=trunc("created_at", tzinfo=UTC), is_paid=_paid())
        .order_by()
        .values("step")
        .annotate(total=Count("id"), paid_count=Count("id", filter=Q(is_paid=True)))
    )
    fmt = "%Y-%m-%d" if interval == "day" else "%Y-%m"
    found = {row["step"].astimezone(UTC).strftime(fmt): row for row in rows}
    keys = period.dates() if interval == "day" else period.months()
    empty = {"total": 0, "paid_count": 0}
    steps = [(key, found.get(key, empty)) for key in keys]
    return [{"period": key, "total": row["total"], "paid": row["paid_count"]} for key, row in steps]


def upcoming_sessions(*, limit: int = 10, now: datetime | None = None) -> QuerySet[ConsultationBooking]:
    """The next ``limit`` confirmed sessions from ``now`` on, soonest first."""
    return (
        ConsultationBooking.objects.filter(status=BookingStatus.CONFIRMED, start__gte=now or timezone.now())
        .select_related("consultant")
        .order_by("start", "id")[:limit]
    )


# --- leads and the funnel -----------------------------------------------------------------------


def leads_captured(period: Period) -> QuerySet[Lead]:
    return Lead.objects.filter(created_at__gte=period.start, created_at__lt=period.end)


def whitepaper_views_all_time() -> int:
    """Every whitepaper's stored view count plus the counts still buffered (all time, no date)."""
    stored = Whitepaper.objects.aggregate(n=Coalesce(Sum("view_count"), 0))["n"]
    ids = list(Whitepaper.objects.values_list("pk", flat=True))
    return int(stored) + sum(VIEW_COUNTS.pending(ids).values())


def conversion(period: Period) -> dict:
    """The funnel visitor → lead → booking → paid of ``period``.

    ``{"visitors": {"count": None, "recorded": False, "note"}, "whitepaper_views_all_time",
    "whitepaper_downloads", "webinar_registrations", "leads", "leads_booked", "leads_paid",
    "bookings", "paid_bookings", "rates": {"lead_to_booking", "lead_to_paid", "booking_to_paid"}}``.
    ``leads_booked``/``leads_paid``: leads captured in the period with a booking (a paid one) under
    their e-mail address made by the period's end. See the module docstring for why there is no
    visitor count.
    """
    bookings_by_email = bookings_made(None).filter(created_at__lt=period.end).annotate(email=Lower("client_email"))
    matching = bookings_by_email.filter(email=OuterRef("email"))
    leads = (
        leads_captured(period)
        .annotate(has_booking=Exists(matching), has_paid=Exists(matching.filter(_paid())))
        .aggregate(
            total=Count("id"),
            booked=Count("id", filter=Q(has_booking=True)),
            paid=Count("id", filter=Q(has_paid=True)),
        )
    )
    bookings = (
        bookings_made(period)
        .annotate(is_paid=_paid())
        .aggregate(total=Count("id"), paid=Count("id", filter=Q(is_paid=True)))
    )
    return {
        "period": period.as_dict(),
        "visitors": {"count": None, "recorded": False, "note": str(VISITORS_NOTE)},
        "whitepaper_views_all_time": whitepaper_views_all_time(),
        "whitepaper_downloads": WhitepaperDownload.objects.filter(
            downloaded_at__gte=period.start, downloaded_at__lt=period.end
        ).count(),
        "webinar_registrations": WebinarRegistration.objects.filter(
            created_at__gte=period.start, created_at__lt=period.end
        ).count(),
        "leads": leads["total"],
        "leads_booked": leads["booked"],
        "leads_paid": leads["paid"],
        "bookings": bookings["total"],
        "paid_bookings": bookings["paid"],
        "rates": {
            "lead_to_booking": rate(leads["booked"], leads["total"]),
            "lead_to_paid": rate(leads["paid"], leads["total"]),
            "booking_to_paid": rate(bookings["paid"], bookings["total"]),
        },
    }


def user_behavior(period: Period, *, top: int = 10) -> dict:
    """What people did in ``period``: lead actions, whitepaper downloads, webinar registrations,
    and the kinds and languages of bookings.

    ``{"lead_actions": [{"action", "count", "leads"}], "whitepaper_downloads": {"total",
    "top": [{"whitepaper_id", "slug", "title", "downloads"}]}, "webinar_registrations": {"total",
    "by_status": {status: n}, "attended"}, "bookings": {"by_type", "by_language"}, "visitors": {…},
    "whitepaper_views_all_time"}``.
    """
    actions = (
        LeadEvent.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)
        .order_by()
        .values("action")
        .annotate(count=Count("id"), leads=Count("lead", distinct=True))
        .order_by("-count", "action")
    )
    downloads = WhitepaperDownload.objects.filter(downloaded_at__gte=period.start, downloaded_at__lt=period.end)
    top_downloads = (
        downloads.order_by()
        .values("whitepaper_id", "whitepaper__slug", "whitepaper__title")
        .annotate(downloads=Count("id"))
        .order_by("-downloads", "whitepaper_id")[:top]
    )
    registrations = WebinarRegistration.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    reg = registrations.aggregate(
        total=Count("id"),
        attended=Count("id", filter=Q(attended=True)),
        **{str(status): Count("id", filter=Q(status=status)) for status in RegistrationStatus.values},
    )
    return {
        "period": period.as_dict(),
        "lead_actions": [{"action": a["action"], "count": a["count"], "leads": a["leads"]} for a in actions],
        "whitepaper_downloads": {
            "total": downloads.count(),
            "top": [
                {
                    "whitepaper_id": row["whitepaper_id"],
                    "slug": row["whitepaper__slug"],
                    "title": row["whitepaper__title"],
                    "downloads": row["downloads"],
                }
                for row in top_downloads
            ],
        },
        "webinar_registrations": {
            "total": reg["total"],
            "attended": reg["attended"],
            "by_status": {str(status): reg[str(status)] for status in RegistrationStatus.values},
        },
        "bookings": booking_breakdown(period),
        "visitors": {"count": None, "recorded": False, "note": str(VISITORS_NOTE)},
        "whitepaper_views_all_time": whitepaper_views_all_time(),
    }


# --- platform overview ---------------------------------------------------------------------------


def monthly_growth(period: Period, consultant_id: int | None = None) -> dict[str, dict]:
    """``{"YYYY-MM": {"bookings", "paid_bookings", "leads", "new_consultants", "revenue": {currency:
    Decimal}}}`` for every UTC month of ``period`` (four grouped queries)."""
    months = {
        key: {"bookings": 0, "paid_bookings": 0, "leads": 0, "new_consultants": 0, "revenue": {}}
        for key in period.months()
    }
    for row in bookings_series(period, "month", consultant_id):
        months[row["period"]]["bookings"] = row["total"]
        months[row["period"]]["paid_bookings"] = row["paid"]
    if consultant_id is None:
        for model, key in ((Lead, "leads"), (Consultant, "new_consultants")):
            rows = (
                model.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
                .annotate(month=TruncMonth("created_at", tzinfo=UTC))
                .order_by()
                .values("month")
                .annotate(n=Count("id"))
            )
            for count in rows:
                months[count["month"].astimezone(UTC).strftime("%Y-%m")][key] = count["n"]
    for month, items in money_by_month(period, consultant_id).items():
        months[month]["revenue"] = revenue_map(items)
    return months


def top_expertise_areas(limit: int = 10) -> list[dict]:
    """The most common expertise areas of public consultants: ``[{"name", "slug", "count"}]``."""
    return [{"name": c.name, "slug": c.slug, "count": c.count} for c in expertise_categories()[:limit]]


def coupon_totals(period: Period, consultant_id: int | None = None) -> list[dict]:
    """Coupon uses redeemed in ``period`` (by ``redeemed_at``, including those a refund later gave
    back, as the ledger keeps the payment and books the refund apart; not a free session that was
    cancelled, which never took place; a reserved use is not money yet and a released one never
    was), per currency: ``[{"currency", "redemptions", "gross", "discount",
    "net", "platform_funded", "consultant_funded"}]``, amounts as ``Decimal`` in major units.
    ``gross`` is the list price, ``net`` what was charged (``gross − discount``); the funders split
    ``discount``. One query."""
    uses = CouponUsage.objects.filter(
        Q(status=UsageStatus.REDEEMED) | Q(status=UsageStatus.REFUNDED, final_amount__gt=0),
        redeemed_at__gte=period.start,
        redeemed_at__lt=period.end,
    )
    if consultant_id is not None:
        uses = uses.filter(booking__consultant_id=consultant_id)
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    rows = (
        uses.values("currency")
        .annotate(
            redemptions=Count("id"),
            gross=Coalesce(Sum("list_amount"), zero),
            discount=Coalesce(Sum("discount_amount"), zero),
            net=Coalesce(Sum("final_amount"), zero),
            platform_funded=Coalesce(Sum("discount_amount", filter=Q(funded_by=FundedBy.PLATFORM)), zero),
            consultant_funded=Coalesce(Sum("discount_amount", filter=Q(funded_by=FundedBy.CONSULTANT)), zero),
        )
        .order_by("currency")
    )
    return [
        {key: (_cents(value) if isinstance(value, Decimal) else value) for key, value in row.items()} for row in rows
    ]


def platform_overview(period: Period) -> dict:
    """Spec 000 ``PlatformAnalytics`` for ``period``: ``{"period", "total_consultants",
    "active_consultants", "total_bookings", "paid_bookings", "total_revenue": [money_totals item…],
    "average_booking_value": {currency: Decimal}, "conversion_rate" (lead → paid booking, %),
    "new_leads", "top_expertise_areas", "monthly_growth", "coupons": [coupon_totals item…]}``.
    Consultant counts are of now (not soft-deleted; active = listed publicly)."""
    consultants = Consultant.objects.alive().aggregate(
        total=Count("id"), active=Count("id", filter=Q(status=ConsultantStatus.ACTIVE))
    )
    bookings = booking_summary(period)
    money = money_totals(period)
    funnel = conversion(period)
    return {
        "period": period.as_dict(),
        "total_consultants": consultants["total"],
        "active_consultants": consultants["active"],
        "total_bookings": bookings["total"],
        "paid_bookings": bookings["paid"],
        "total_revenue": money,
        "average_booking_value": {item["currency"]: item["average_payment"] for item in money},
        "conversion_rate": funnel["rates"]["lead_to_paid"],
        "new_leads": funnel["leads"],
        "top_expertise_areas": top_expertise_areas(),
        "monthly_growth": monthly_growth(period),
        "coupons": coupon_totals(period),
    }


# --- consultants ----------------------------------------------------------------------------------


def _period_bookings_q(period: Period, prefix: str = "bookings__") -> Q:
    return Q(**{f"{prefix}created_at__gte": period.start, f"{prefix}created_at__lt": period.end}) & ~Q(
        **{f"{prefix}status": BookingStatus.CANCELLED, f"{prefix}cancelled_by": CancelledBy.SYSTEM}
    )


def _revenue_subquery(period: Period, currency: str) -> Subquery:
    rows = (
        ledger_in(period)
        .filter(consultant=OuterRef("pk"), currency=currency, kind__in=_REVENUE_KINDS)
        .order_by()
        .values("consultant")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(rows, output_field=DecimalField(max_digits=14, decimal_places=2))


PERFORMANCE_ORDERINGS = {
    "revenue": ("-revenue", "-completed", "-bookings_count", "id"),
    "bookings": ("-bookings_count", "-revenue", "id"),
    "completed": ("-completed", "-revenue", "id"),
    "rating": (F("period_rating").desc(nulls_last=True), "-ratings", "id"),
}


def consultant_performance(period: Period, *, currency: str, order_by: str = "revenue") -> QuerySet[Consultant]:
    """Consultants (not soft-deleted) ranked for ``period``: each annotated with ``bookings_count``,
    ``completed``, ``no_shows``, ``cancelled``, ``ratings``, ``period_rating`` (average of the ratings
    of the bookings made in the period) and ``revenue`` (net of refunds, in ``currency``, from the
    ledger, ``Decimal`` or 0). ``order_by``: a key of :data:`PERFORMANCE_ORDERINGS`. One query (the revenue is a
    correlated subquery, so the two relations never multiply each other's rows)."""
    in_period = _period_bookings_q(period)
    return (
        Consultant.objects.alive()
        .annotate(
            bookings_count=Count("bookings", filter=in_period),
            completed=Count("bookings", filter=in_period & Q(bookings__status=BookingStatus.COMPLETED)),
            no_shows=Count("bookings", filter=in_period & Q(bookings__status=BookingStatus.NO_SHOW)),
            cancelled=Count("bookings", filter=in_period & Q(bookings__status=BookingStatus.CANCELLED)),
            ratings=Count("bookings__client_rating", filter=in_period),
            period_rating=Avg("bookings__client_rating", filter=in_period),
            revenue=Coalesce(
                _revenue_subquery(period, currency),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
        )
        .order_by(*PERFORMANCE_ORDERINGS[order_by])
    )


def performance_row(consultant: Consultant, currency: str) -> dict:
    """One ranked consultant of :func:`consultant_performance` as a plain dict."""
    average = consultant.period_rating  # type: ignore[attr-defined]
    return {
        "consultant_id": consultant.pk,
        "name": consultant.full_name,
        "status": consultant.status,
        "bookings": consultant.bookings_count,  # type: ignore[attr-defined]
        "completed": consultant.completed,  # type: ignore[attr-defined]
        "no_shows": consultant.no_shows,  # type: ignore[attr-defined]
        "cancelled": consultant.cancelled,  # type: ignore[attr-defined]
        "completion_rate": rate(consultant.completed, consultant.bookings_count),  # type: ignore[attr-defined]
        "ratings": consultant.ratings,  # type: ignore[attr-defined]
        "average_rating": None if average is None else Decimal(average).quantize(CENT, rounding=ROUND_HALF_UP),
        "currency": currency,
        "revenue": _cents(consultant.revenue),  # type: ignore[attr-defined]
    }


def _retention_rows(period: Period, consultant_id: int | None = None) -> QuerySet[ConsultationBooking]:
    """Bookings of ``period`` with the client's lower-cased e-mail and whether the same client had
    booked the same consultant before (``earlier``)."""
    earlier = (
        bookings_made(None)
        .filter(consultant=OuterRef("consultant"), created_at__lt=OuterRef("created_at"))
        .annotate(email=Lower("client_email"))
        .filter(email=OuterRef("email"))
    )
    return bookings_made(period, consultant_id).annotate(email=Lower("client_email")).annotate(earlier=Exists(earlier))


def consultant_retention(period: Period) -> dict:
    """Client retention of ``period`` (spec 000 ``ConsultantStatistics.client_retention_rate``).

    A consultant's *clients* are the distinct e-mail addresses (case-insensitive) of the bookings
    made with them in the period; a client *returns* when they had booked the same consultant
    before that booking (any time earlier). ``{"period", "totals": {"clients", "returning_clients",
    "retention_rate"}, "consultants": QuerySet of {"consultant_id", "first_name", "last_name",
    "clients", "returning_clients"}}`` ordered by most clients; the totals count a client once per
    consultant. Two grouped queries.
    """
    rows = _retention_rows(period)
    per_consultant = (
        rows.order_by()
        .values("consultant_id", "consultant__first_name", "consultant__last_name")
        .annotate(
            clients=Count("email", distinct=True),
            returning_clients=Count("email", distinct=True, filter=Q(earlier=True)),
        )
        .order_by("-clients", "-returning_clients", "consultant_id")
    )
    # ``email`` and ``earlier`` are annotations, which the type checker's model fields do not list.
    pairs = rows.order_by().values("consultant_id", "email").distinct()  # type: ignore[misc]
    totals = {
        "clients": pairs.count(),
        "returning_clients": pairs.filter(earlier=True).count(),  # type: ignore[misc]
    }
    totals["retention_rate"] = rate(totals["returning_clients"], totals["clients"])  # type: ignore[assignment]
    return {"period": period.as_dict(), "totals": totals, "consultants": per_consultant}


def client_retention_of(period: Period, consultant_id: int) -> dict:
    """``{"clients", "returning_clients", "retention_rate"}`` of one consultant in ``period``."""
    row = _retention_rows(period, consultant_id).aggregate(
        clients=Count("email", distinct=True),
        returning_clients=Count("email", distinct=True, filter=Q(earlier=True)),
    )
    return {**row, "retention_rate": rate(row["returning_clients"], row["clients"])}


def _engagement_aggregates() -> dict[str, Any]:
    return {
        "bookings": Count("id"),
        "ratings": Count("client_rating"),
        "average_rating": Avg("client_rating"),
        "rescheduled": Count("id", filter=Q(reschedule_count__gt=0)),
        "reschedules": Coalesce(Sum("reschedule_count"), 0, output_field=IntegerField()),
        "client_cancellations": Count("id", filter=Q(status=BookingStatus.CANCELLED, cancelled_by=CancelledBy.CLIENT)),
        "no_shows": Count("id", filter=Q(status=BookingStatus.NO_SHOW)),
        "with_questions": Count("id", filter=~Q(questions=[])),
    }


def engagement_row(row: dict) -> dict:
    average = row["average_rating"]
    return {
        **{key: row[key] for key in row if key not in ("average_rating",)},
        "average_rating": None if average is None else Decimal(average).quantize(CENT, rounding=ROUND_HALF_UP),
        "rating_rate": rate(row["ratings"], row["bookings"]),
        "no_show_rate": rate(row["no_shows"], row["bookings"]),
        "client_cancellation_rate": rate(row["client_cancellations"], row["bookings"]),
    }


def consultant_engagement(period: Period) -> dict:
    """How clients engage with consultants in ``period`` (bookings made in it): ratings given and
    their average, reschedules, cancellations by the client, no-shows, questions sent with the
    booking. ``{"period", "totals": {…}, "consultants": QuerySet of the same per consultant
    (``consultant_id``, ``consultant__first_name``, ``consultant__last_name`` added)}``, busiest first."""
    rows = bookings_made(period)
    totals = engagement_row(rows.aggregate(**_engagement_aggregates()))
    per_consultant = (
        rows.order_by()
        .values("consultant_id", "consultant__first_name", "consultant__last_name")
        .annotate(**_engagement_aggregates())
        .order_by("-bookings", "consultant_id")  # type: ignore[misc]
    )
    return {"period": period.as_dict(), "totals": totals, "consultants": per_consultant}


def consultant_statistics_overview(period: Period) -> dict:
    """System-wide consultant statistics: ``{"period", "total_consultants", "by_status": {status:
    n}, "verified", "featured", "with_bookings" (consultants with a booking made in the period),
    "average_rating" (of the consultants' stored ratings), "top_expertise_areas"}``."""
    row = Consultant.objects.alive().aggregate(
        total=Count("id"),
        verified=Count("id", filter=Q(is_verified=True)),
        featured=Count("id", filter=Q(is_featured=True)),
        average_rating=Avg("average_rating"),
        **{str(status): Count("id", filter=Q(status=status)) for status in ConsultantStatus.values},
    )
    average = row["average_rating"]
    return {
        "period": period.as_dict(),
        "total_consultants": row["total"],
        "by_status": {str(status): row[str(status)] for status in ConsultantStatus.values},
        "verified": row["verified"],
        "featured": row["featured"],
        "with_bookings": bookings_made(period).values("consultant_id").distinct().count(),
        "average_rating": None if average is None else Decimal(average).quantize(CENT, rounding=ROUND_HALF_UP),
        "top_expertise_areas": top_expertise_areas(),
    }


def consultant_statistics(consultant: Consultant, period: Period) -> dict:
    """Spec 000 ``ConsultantStatistics`` of one consultant for ``period``.

    ``{"consultant_id", "period", "currency", "total_consultations" (bookings made in the period),
    "completed_consultations", "total_revenue" (net of refunds, in the consultant's currency),
    "revenue_in_other_currencies": {currency: Decimal} (ledger rows in other currencies, usually
    empty), "average_rating", "total_reviews" (stored on the profile), "response_time_hours",
    "completion_rate", "client_retention_rate", "monthly_bookings": {"YYYY-MM": n},
    "revenue_by_month": {"YYYY-MM": Decimal}}``.
    """
    summary = booking_summary(period, consultant.pk)
    revenue = revenue_map(money_totals(period, consultant.pk))
    by_month = money_by_month(period, consultant.pk)
    return {
        "consultant_id": consultant.pk,
        "period": period.as_dict(),
        "currency": consultant.currency,
        "total_consultations": summary["total"],
        "completed_consultations": summary["by_status"][BookingStatus.COMPLETED],
        "total_revenue": revenue.get(consultant.currency, ZERO),
        "revenue_in_other_currencies": {c: v for c, v in revenue.items() if c != consultant.currency},
        "average_rating": consultant.average_rating,
        "total_reviews": consultant.total_reviews,
        "response_time_hours": consultant.response_time_hours,
        "completion_rate": summary["completion_rate"],
        "client_retention_rate": client_retention_of(period, consultant.pk)["retention_rate"],
        "monthly_bookings": {row["period"]: row["total"] for row in bookings_series(period, "month", consultant.pk)},
        "revenue_by_month": {
            month: revenue_map(items).get(consultant.currency, ZERO) for month, items in by_month.items()
        },
    }


def consultant_analytics(consultant: Consultant, period: Period, *, now: datetime | None = None) -> dict:
    """Everything about one consultant in ``period``: ``{"consultant_id", "name", "period",
    "bookings": booking_summary, "breakdown": booking_breakdown, "money": [money_totals item…],
    "retention": {…}, "engagement": {…}, "monthly": monthly_growth (bookings and revenue),
    "upcoming_sessions" (confirmed, from now on)}``."""
    engagement = engagement_row(bookings_made(period, consultant.pk).aggregate(**_engagement_aggregates()))
    return {
        "consultant_id": consultant.pk,
        "name": consultant.full_name,
        "period": period.as_dict(),
        "bookings": booking_summary(period, consultant.pk),
        "breakdown": booking_breakdown(period, consultant.pk),
        "money": money_totals(period, consultant.pk),
        "retention": client_retention_of(period, consultant.pk),
        "engagement": engagement,
        "monthly": {
            month: {key: values[key] for key in ("bookings", "paid_bookings", "revenue")}
            for month, values in monthly_growth(period, consultant.pk).items()
        },
        "upcoming_sessions": ConsultationBooking.objects.filter(
            consultant=consultant, status=BookingStatus.CONFIRMED, start__gte=now or timezone.now()
        ).count(),
    }


def consultant_get(pk: int) -> Consultant:
    """The consultant ``pk`` (soft-deleted ones too: their history stays readable); raises
    :class:`~analytics.exceptions.ConsultantNotFound` (404)."""
    consultant = Consultant.objects.filter(pk=pk).first()
    if consultant is None:
        raise ConsultantNotFound()
    return consultant


# --- what failed ----------------------------------------------------------------------------------


def failing_jobs() -> list[dict]:
    """Background work that failed or keeps retrying, one item per kind: ``[{"key", "label",
    "count", "model"}]`` where ``model`` is ``"app_label.model_name"`` (for the admin link). Kinds:
    webhook events failed and being retried, lead exports to Odoo, LinkedIn scraping jobs, OpenAlex
    collection jobs, author e-mail submissions, and background tasks (django-tasks-db results)."""
    webhooks = WebhookEvent.objects.aggregate(
        failed=Count("id", filter=Q(status=WebhookStatus.FAILED)),
        retrying=Count("id", filter=Q(status=WebhookStatus.RECEIVED, attempts__gt=0)),
    )
    return [
        {
            "key": "webhooks_failed",
            "label": str(_("Webhook events failed")),
            "count": webhooks["failed"],
            "model": "payments.webhookevent",
        },
        {
            "key": "webhooks_retrying",
            "label": str(_("Webhook events being retried")),
            "count": webhooks["retrying"],
            "model": "payments.webhookevent",
        },
        {
            "key": "lead_exports_failed",
            "label": str(_("Lead exports to Odoo failed")),
            "count": Lead.objects.filter(odoo_status=OdooStatus.FAILED).count(),
            "model": "leads.lead",
        },
        {
            "key": "scraping_jobs_failed",
            "label": str(_("LinkedIn scraping jobs failed")),
            "count": ScrapingJob.objects.filter(status=ScrapingJobStatus.FAILED).count(),
            "model": "consultants.scrapingjob",
        },
        {
            "key": "collection_jobs_failed",
            "label": str(_("OpenAlex collection jobs failed")),
            "count": CollectionJob.objects.filter(status=CollectionStatus.FAILED).count(),
            "model": "consulting.collectionjob",
        },
        {
            "key": "submissions_failed",
            "label": str(_("Whitepaper e-mail submissions failed")),
            "count": _submissions_failed(),
            "model": "whitepapers.emailsubmission",
        },
        {
            "key": "tasks_failed",
            "label": str(_("Background tasks failed")),
            "count": DBTaskResult.objects.filter(status="FAILED").count(),
            "model": "django_tasks_database.dbtaskresult",
        },
    ]


def _submissions_failed() -> int:
    return EmailSubmission.objects.filter(status=SubmissionStatus.FAILED).count()
