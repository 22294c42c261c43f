"""Analytics endpoints for staff (spec 000 "Analytics & Statistics"): platform analytics under
``/admin/analytics`` and consultant statistics under ``/admin/consultants/…``.

Every endpoint needs ``analytics.analytics_view`` (spec ``ANALYTICS_VIEW``: super admins, admins,
consultant managers, payment managers, analytics viewers); no token → 401, without it → 403.

Query parameters: ``from``/``to`` (``YYYY-MM-DD``, UTC days, inclusive; default this UTC month,
one given → the other from its month; at most 1096 days; a bad or out-of-range date, ``to`` before
``from`` → 422 in the error shape), ``consultant`` (an id, where listed; unknown → 404
``CONSULTANT_NOT_FOUND``), ``format``.

**Export convention: ``?format=csv``** (as the payment reports) answers ``text/csv`` as an attachment
instead of the JSON envelope and needs ``analytics.analytics_export`` too (spec ``ANALYTICS_EXPORT``:
super admins) → 403 without it. Summaries export one row per figure (``metric``, ``value``; nested
figures as dotted paths such as ``total_revenue.USD.revenue``); the consultant lists export one row
per consultant (every page). Errors stay JSON.

The figures and their definitions (UTC months, money from the ledger net of refunds, what counts as
a booking, why there is no visitor count) are in :mod:`analytics.selectors`.
"""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from analytics import selectors
from analytics.exceptions import InvalidPeriod
from analytics.models import EXPORT_PERMISSION, VIEW_PERMISSION
from magnetiq.api.pagination import PagePagination
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.renderers import EnvelopeJSONRenderer
from magnetiq.api.responses import ok

from . import serializers as s

TAGS = ["admin-analytics"]
CONSULTANT_TAGS = ["admin-consultant-analytics"]

PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day (default: the 1st of this month)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last UTC day, inclusive (default: end of this month)."),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=["json", "csv"],
        description="csv: a CSV download instead of JSON (needs analytics.analytics_export).",
    ),
]
CONSULTANT_PARAMETER = OpenApiParameter("consultant", OpenApiTypes.INT, description="Only this consultant (id).")
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page, from 1."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Rows per page, 1–100 (default 20)."),
]
#: The longest period whose bookings may be asked per day (``interval=day``).
MAX_DAILY_SERIES_DAYS = 366
CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="CSV attachment (format=csv).")


def flatten(data, prefix: str = "") -> list[list[str]]:
    """``[[metric, value], …]`` of nested serialized data: dict keys joined with dots; lists of
    money totals keyed by their currency, other lists by position."""
    rows: list[list[str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            rows += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            key = item.get("currency") or item.get("month") if isinstance(item, dict) else None
            rows += flatten(item, f"{prefix}.{key if key else index}")
    else:
        rows.append([prefix, "" if data is None else str(data)])
    return rows


class AnalyticsView(APIView):
    """Base: the permission, the period, JSON or CSV. A subclass sets ``query_class``,
    ``output_class`` and ``csv_name`` and implements ``build(query, period, **kwargs)``."""

    permission_classes = [HasRolePermissions]
    required_permissions = [VIEW_PERMISSION]
    query_class: type = s.PeriodQuery
    output_class: type = s.PlatformAnalyticsSerializer
    csv_name = "analytics"
    resource_name = "consultants"

    def perform_content_negotiation(self, request, force=False):
        # ``format`` is our query parameter (validated by the query serializer), not DRF's
        # renderer override: the CSV body is built by the view, errors are always the JSON envelope.
        if "format" in request.query_params:
            return EnvelopeJSONRenderer(), EnvelopeJSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def get(self, request, **kwargs):
        payload = self.query_class(data=request.query_params)
        payload.is_valid(raise_exception=True)
        query = payload.validated_data
        period = selectors.period_make(first=query.get("from"), last=query.get("to"))
        as_csv = query["format"] == "csv"
        if as_csv and not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied(_("Your role does not allow exporting analytics."))
        if query.get("consultant") is not None:
            selectors.consultant_get(query["consultant"])
        data = self.build(query, period, as_csv=as_csv, **kwargs)
        if as_csv:
            return self.csv_response(self.csv_rows(data), f"{self.csv_name}-{period.first}-{period.last}.csv")
        return ok(data)

    def build(self, query: dict, period: selectors.Period, *, as_csv: bool, **kwargs) -> dict:
        raise NotImplementedError

    def csv_rows(self, data: dict) -> list[list[str]]:
        return [["metric", "value"], *flatten(data)]

    @staticmethod
    def csv_response(rows: list[list], filename: str) -> HttpResponse:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def paginated(self, rows, *, as_csv: bool) -> dict:
        """``{"consultants": [...], "pagination": {...}}`` of ``rows`` (every row for CSV)."""
        if as_csv:
            items = list(rows)
            count = len(items)
            return {"consultants": items, "pagination": {"page": 1, "limit": count, "total": count, "pages": 1}}
        paginator = PagePagination()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return dict(paginator.get_paginated_response(page).data)


class ConsultantListView(AnalyticsView):
    """A ranked list of consultants: CSV has one row per consultant."""

    list_fields: tuple[str, ...] = ()

    def csv_rows(self, data: dict) -> list[list[str]]:
        rows = [list(self.list_fields)]
        for item in data["consultants"]:
            rows.append(["" if item[name] is None else str(item[name]) for name in self.list_fields])
        return rows


# --- platform -------------------------------------------------------------------------------------


@extend_schema(tags=TAGS)
class OverviewView(AnalyticsView):
    """Spec 000 ``PlatformAnalytics`` of the period: consultants (now), bookings made, revenue per
    currency net of refunds (the ledger), average booking value, conversion (lead → paid booking,
    %), new leads, top expertise areas and the growth per UTC month."""

    csv_name = "analytics-overview"

    @extend_schema(
        summary="Platform analytics",
        operation_id="admin_analytics",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.PlatformAnalyticsSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        return s.PlatformAnalyticsSerializer(selectors.platform_overview(period)).data


@extend_schema(tags=TAGS)
class BookingsView(AnalyticsView):
    """Bookings made in the period (abandoned holds left out): totals by status, paid, free, ratings,
    completion and payment rates, by type and language, and a series per UTC day or month."""

    query_class = s.BookingsQuery
    csv_name = "analytics-bookings"

    @extend_schema(
        summary="Booking statistics",
        operation_id="admin_analytics_bookings",
        parameters=[
            *PERIOD_PARAMETERS,
            CONSULTANT_PARAMETER,
            OpenApiParameter("interval", OpenApiTypes.STR, enum=["day", "month"]),
        ],
        responses={200: s.BookingsAnalyticsSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        consultant = query.get("consultant")
        interval = query.get("interval") or ("day" if period.days <= selectors.MAX_DAILY_DAYS else "month")
        if interval == "day" and period.days > MAX_DAILY_SERIES_DAYS:
            raise InvalidPeriod(
                _("A daily series covers at most %(days)s days.") % {"days": MAX_DAILY_SERIES_DAYS},
                details=[{"field": "interval", "message": str(_("Use month for this period.")), "code": "invalid"}],
            )
        data = {
            "period": period.as_dict(),
            "interval": interval,
            "summary": selectors.booking_summary(period, consultant),
            "breakdown": selectors.booking_breakdown(period, consultant),
            "series": selectors.bookings_series(period, interval, consultant),
        }
        return s.BookingsAnalyticsSerializer(data).data


@extend_schema(tags=TAGS)
class RevenueView(AnalyticsView):
    """Money of the period from the ledger, per currency: gross, refunds, revenue (= gross + refunds,
    net of refunds), fees, disputes, payouts and net, as the monthly payment report counts them
    (UTC months); the same per month."""

    query_class = s.ConsultantPeriodQuery
    csv_name = "analytics-revenue"

    @extend_schema(
        summary="Revenue analytics",
        operation_id="admin_analytics_revenue",
        parameters=[*PERIOD_PARAMETERS, CONSULTANT_PARAMETER],
        responses={200: s.RevenueAnalyticsSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        consultant = query.get("consultant")
        by_month = selectors.money_by_month(period, consultant)
        data = {
            "period": period.as_dict(),
            "totals": selectors.money_totals(period, consultant),
            "by_month": [{"month": month, "totals": totals} for month, totals in by_month.items()],
        }
        return s.RevenueAnalyticsSerializer(data).data


@extend_schema(tags=TAGS)
class ConversionView(AnalyticsView):
    """The funnel visitor → lead → booking → paid. Visitors are not recorded (no page views are
    counted; whitepaper views exist only as all-time totals), so ``visitors.count`` is null and
    ``visitors.note`` says why; the funnel starts at the leads captured in the period."""

    query_class = s.PeriodQuery
    csv_name = "analytics-conversion"

    @extend_schema(
        summary="Conversion funnel",
        operation_id="admin_analytics_conversion",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.ConversionSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        return s.ConversionSerializer(selectors.conversion(period)).data


@extend_schema(tags=TAGS)
class UserBehaviorView(AnalyticsView):
    """What people did in the period: lead actions (downloads, registrations, attendance, bookings,
    e-mail opens and clicks), the most downloaded whitepapers, webinar registrations, and the kinds
    and languages of bookings. Page views are not recorded (``visitors``)."""

    csv_name = "analytics-user-behavior"

    @extend_schema(
        summary="User behaviour analytics",
        operation_id="admin_analytics_user_behavior",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.UserBehaviorSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        return s.UserBehaviorSerializer(selectors.user_behavior(period)).data


# --- consultants ----------------------------------------------------------------------------------


@extend_schema(tags=CONSULTANT_TAGS)
class ConsultantsStatisticsView(AnalyticsView):
    """System-wide consultant statistics: consultants by status (now), verified, featured, how many
    had bookings made in the period, their average stored rating and the top expertise areas."""

    csv_name = "consultant-statistics"

    @extend_schema(
        summary="Consultant statistics (system-wide)",
        operation_id="admin_consultants_statistics",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.ConsultantsOverviewSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        return s.ConsultantsOverviewSerializer(selectors.consultant_statistics_overview(period)).data


@extend_schema(tags=CONSULTANT_TAGS)
class PerformanceView(ConsultantListView):
    """Consultants ranked for the period (``order_by``: revenue, bookings, completed, rating):
    bookings made, completed, no-shows, cancelled, completion rate, ratings and revenue net of
    refunds in ``currency`` (default USD) from the ledger. Paginated (``page``, ``limit``)."""

    query_class = s.PerformanceQuery
    csv_name = "consultant-performance"
    list_fields = tuple(s.PerformanceRowSerializer().fields)

    @extend_schema(
        summary="Consultant performance ranking",
        operation_id="admin_consultants_performance",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("currency", OpenApiTypes.STR, description="Revenue currency (default USD)."),
            OpenApiParameter("order_by", OpenApiTypes.STR, enum=list(selectors.PERFORMANCE_ORDERINGS)),
            *PAGE_PARAMETERS,
        ],
        responses={200: s.PerformanceSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        currency = (query.get("currency") or "USD").upper()
        ranked = selectors.consultant_performance(period, currency=currency, order_by=query["order_by"])
        page = self.paginated(ranked, as_csv=as_csv)
        page["consultants"] = [selectors.performance_row(c, currency) for c in page["consultants"]]
        return s.PerformanceSerializer({"period": period.as_dict(), **page}).data


def _named(row: dict) -> dict:
    name = " ".join(filter(None, [row.pop("consultant__first_name"), row.pop("consultant__last_name")]))
    return {**row, "name": name}


@extend_schema(tags=CONSULTANT_TAGS)
class RetentionView(ConsultantListView):
    """Client retention of the period: per consultant the distinct clients (e-mail addresses) of the
    bookings made in it and how many had booked that consultant before; totals over all. Paginated."""

    query_class = s.ConsultantPeriodQuery
    csv_name = "consultant-retention"
    list_fields = tuple(s.RetentionRowSerializer().fields)

    @extend_schema(
        summary="Client retention per consultant",
        operation_id="admin_consultants_retention",
        parameters=[*PERIOD_PARAMETERS, CONSULTANT_PARAMETER, *PAGE_PARAMETERS],
        responses={200: s.RetentionSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        result = selectors.consultant_retention(period)
        rows = result["consultants"]
        if query.get("consultant") is not None:
            rows = rows.filter(consultant_id=query["consultant"])
        page = self.paginated(rows, as_csv=as_csv)
        page["consultants"] = [
            {**_named(dict(row)), "retention_rate": selectors.rate(row["returning_clients"], row["clients"])}
            for row in page["consultants"]
        ]
        return s.RetentionSerializer({"period": result["period"], "totals": result["totals"], **page}).data


@extend_schema(tags=CONSULTANT_TAGS)
class EngagementView(ConsultantListView):
    """Client engagement of the period: ratings given and their average, reschedules, cancellations
    by clients, no-shows and questions sent, over all bookings made and per consultant. Paginated."""

    query_class = s.ConsultantPeriodQuery
    csv_name = "consultant-engagement"
    list_fields = tuple(s.EngagementRowSerializer().fields)

    @extend_schema(
        summary="Client engagement per consultant",
        operation_id="admin_consultants_engagement",
        parameters=[*PERIOD_PARAMETERS, CONSULTANT_PARAMETER, *PAGE_PARAMETERS],
        responses={200: s.EngagementSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, **kwargs):
        result = selectors.consultant_engagement(period)
        rows = result["consultants"]
        if query.get("consultant") is not None:
            rows = rows.filter(consultant_id=query["consultant"])
        page = self.paginated(rows, as_csv=as_csv)
        page["consultants"] = [selectors.engagement_row(_named(dict(row))) for row in page["consultants"]]
        return s.EngagementSerializer({"period": result["period"], "totals": result["totals"], **page}).data


@extend_schema(tags=CONSULTANT_TAGS)
class ConsultantStatisticsView(AnalyticsView):
    """Spec 000 ``ConsultantStatistics`` of one consultant for the period (bookings made, completion
    and client retention rates, revenue net of refunds in the consultant's currency, per UTC month).
    Unknown id → 404 ``CONSULTANT_NOT_FOUND``."""

    csv_name = "consultant-statistics"

    @extend_schema(
        summary="One consultant's statistics",
        operation_id="admin_consultant_statistics",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.ConsultantStatisticsSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, pk=None, **kwargs):
        consultant = selectors.consultant_get(pk)
        return s.ConsultantStatisticsSerializer(selectors.consultant_statistics(consultant, period)).data


@extend_schema(tags=CONSULTANT_TAGS)
class ConsultantAnalyticsView(AnalyticsView):
    """One consultant's metrics for the period: bookings by status, type and language, money per
    currency (the ledger), client retention, engagement, the months, and confirmed sessions to come.
    Unknown id → 404 ``CONSULTANT_NOT_FOUND``."""

    csv_name = "consultant-analytics"

    @extend_schema(
        summary="One consultant's analytics",
        operation_id="admin_consultant_analytics",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.ConsultantAnalyticsSerializer, (200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)

    def build(self, query, period, *, as_csv, pk=None, **kwargs):
        consultant = selectors.consultant_get(pk)
        return s.ConsultantAnalyticsSerializer(selectors.consultant_analytics(consultant, period)).data
