"""The staff dashboard on the admin's index page: the figures and the server-side SVG charts.

Shown to staff holding ``analytics.analytics_view``; others see the plain index. Everything is read
through :mod:`analytics.selectors` (UTC months, money from the ledger net of refunds), so the
dashboard and the API agree. Charts are SVG drawn here (no JavaScript, no CDN), each with the same
figures as a table for readers without images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import selectors
from analytics.models import VIEW_PERMISSION

CHART_WIDTH = 640
CHART_HEIGHT = 220
_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 8, 8, 16, 28


@dataclass
class Bar:
    label: str
    value: Decimal | int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    """A bar chart: ``bars`` in SVG units of a ``width`` × ``height`` view box; ``baseline`` is the
    y of zero; ``currency`` is set for money (the table formats the values as money)."""

    key: str
    title: str
    bars: list[Bar] = field(default_factory=list)
    currency: str = ""
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: float = 0.0


def bar_chart(key: str, title: str, points: list[tuple[str, Decimal | int]], *, currency: str = "") -> Chart:
    """Scale ``points`` (label, value) into bars; negative values (a month with more refunds than
    payments) hang below the zero line."""
    chart = Chart(key=key, title=str(title), currency=currency)
    top = max([Decimal(v) for _, v in points] + [Decimal(0)])
    bottom = min([Decimal(v) for _, v in points] + [Decimal(0)])
    span = (top - bottom) or Decimal(1)
    plot_height = CHART_HEIGHT - _PAD_TOP - _PAD_BOTTOM
    step = (CHART_WIDTH - _PAD_LEFT - _PAD_RIGHT) / max(len(points), 1)
    chart.baseline = round(_PAD_TOP + float(top / span) * plot_height, 2)
    for index, (label, value) in enumerate(points):
        size = float(abs(Decimal(value)) / span) * plot_height
        y = chart.baseline - size if value >= 0 else chart.baseline
        chart.bars.append(
            Bar(
                label=label,
                value=value,
                x=round(_PAD_LEFT + index * step + step * 0.15, 2),
                y=round(y, 2),
                width=round(step * 0.7, 2),
                height=round(size, 2),
            )
        )
    return chart


def _changelist(model: str) -> str:
    app_label, model_name = model.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return ""


def dashboard(now: datetime | None = None) -> dict:
    """The dashboard's figures: ``{"this", "last" (periods), "compare": [{"label", "this", "last",
    "currency"}], "charts": [Chart], "top_consultants", "currency", "upcoming", "failing"}``."""
    now = now or timezone.now()
    this = selectors.current_month(now)
    last = selectors.previous_month(this)
    year = selectors.last_months(12, now)
    revenue_now = selectors.revenue_map(selectors.money_totals(this))
    revenue_before = selectors.revenue_map(selectors.money_totals(last))
    funnel_now, funnel_before = selectors.conversion(this), selectors.conversion(last)
    compare: list[dict] = [
        {
            "key": "bookings",
            "label": _("Bookings"),
            "this": selectors.booking_summary(this)["total"],
            "last": selectors.booking_summary(last)["total"],
        },
    ]
    for currency in sorted(set(revenue_now) | set(revenue_before)) or ["USD"]:
        compare.append(
            {
                "key": f"revenue-{currency}",
                "label": _("Revenue net of refunds (%(currency)s)") % {"currency": currency},
                "this": revenue_now.get(currency, selectors.ZERO),
                "last": revenue_before.get(currency, selectors.ZERO),
                "currency": currency,
            }
        )
    compare += [
        {"key": "leads", "label": _("New leads"), "this": funnel_now["leads"], "last": funnel_before["leads"]},
        {
            "key": "conversion",
            "label": _("Conversion, lead to paid booking (%)"),
            "this": funnel_now["rates"]["lead_to_paid"],
            "last": funnel_before["rates"]["lead_to_paid"],
        },
    ]
    series = selectors.bookings_series(year, "month")
    by_month = selectors.money_by_month(year)
    yearly: dict[str, Decimal] = {}
    for items in by_month.values():
        for item in items:
            yearly[item["currency"]] = yearly.get(item["currency"], selectors.ZERO) + item["revenue"]
    currencies = sorted(yearly, key=lambda c: (-yearly[c], c)) or ["USD"]
    charts = [bar_chart("bookings", _("Bookings per month"), [(step["period"], step["total"]) for step in series])]
    for currency in currencies:
        points = [
            (month, selectors.revenue_map(items).get(currency, selectors.ZERO)) for month, items in by_month.items()
        ]
        charts.append(
            bar_chart(
                f"revenue-{currency}",
                _("Revenue net of refunds per month (%(currency)s)") % {"currency": currency},
                points,
                currency=currency,
            )
        )
    main_currency = currencies[0]
    top = [
        selectors.performance_row(c, main_currency)
        for c in selectors.consultant_performance(this, currency=main_currency, order_by="revenue")[:5]
    ]
    failing = [{**item, "url": _changelist(item["model"])} for item in selectors.failing_jobs()]
    return {
        "this": this,
        "last": last,
        "compare": compare,
        "charts": charts,
        "currency": main_currency,
        "top_consultants": [row for row in top if row["bookings"] or row["revenue"]],
        "upcoming": list(selectors.upcoming_sessions(limit=10, now=now)),
        "failing": failing,
    }


def index_context(request) -> dict:
    """``MagnetiqAdminSite`` index panel: ``{"dashboard": …}`` for staff with the view permission."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return {}
    return {"dashboard": dashboard()}


def register(site: admin.AdminSite) -> None:
    """Put the dashboard on ``site``'s index page."""
    site.index_template = "analytics/admin/index.html"
    add = getattr(site, "add_index_context", None)
    if add is not None:
        add(index_context)
