"""Staff payments API (spec 000 "Admin Payment Management" and "Financial Reporting").

Every view needs a staff role holding the model permission named in its docstring
(:class:`magnetiq.api.permissions.HasRolePermissions`): transactions ``payments.view_payment`` /
``change_payment``, refunds ``payments.view_refund`` / ``add_refund``, disputes
``payments.view_dispute`` / ``change_dispute``, reports and reconciliation ``payments.view_ledgerentry``.
The views are thin: the rules live in ``payments.services`` (refunds, staff, disputes_admin, reports,
reconciliation). Reports answer JSON, or CSV with ``?format=csv`` (``Content-Disposition: attachment``).
"""

import csv
import io

import django_filters
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from magnetiq.api.filters import DateFilter, FilterSet, IdFilter
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.renderers import EnvelopeJSONRenderer
from magnetiq.api.responses import created, ok
from payments.models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeStatus,
    Payment,
    PaymentIntentStatus,
    Provider,
    Refund,
    RefundReason,
    RefundStatus,
)
from payments.services import reconciliation, reports
from payments.services.disputes_admin import dispute_resolve
from payments.services.staff import payment_for_refund, payment_status_correct, staff_refund

from . import admin_serializers as s

TAGS = ["staff-payments"]


# --- transactions -------------------------------------------------------------------------------


class TransactionFilter(FilterSet):
    """``status``, ``provider``, ``currency``, ``date_from``/``date_to`` (UTC dates of creation,
    inclusive), ``consultant`` (id), ``booking`` (reference), ``min_amount``/``max_amount`` (major
    units, inclusive) and ``search`` (PaymentIntent or charge id, client e-mail)."""

    status = django_filters.ChoiceFilter(choices=PaymentIntentStatus.choices)
    provider = django_filters.ChoiceFilter(choices=Provider.choices)
    currency = django_filters.CharFilter(method="filter_currency", max_length=3)
    date_from = DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = DateFilter(field_name="created_at", lookup_expr="date__lte")
    consultant = IdFilter(field_name="booking__consultant_id")
    booking = django_filters.CharFilter(field_name="booking__reference", max_length=32)
    min_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    max_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Payment
        fields = ["status", "provider"]

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.upper())

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(payment_intent_id=value)
            | Q(charge_id=value)
            | Q(booking__client_email__iexact=value)
            | Q(user__email__iexact=value)
        )


class TransactionMixin:
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["payments.view_payment"], "*": ["payments.change_payment"]}
    queryset = Payment.objects.select_related("booking", "user").order_by("-created_at", "-id")


def _detail_queryset():
    return TransactionMixin.queryset.prefetch_related(
        "refunds__requested_by", "refunds__payment__booking", "disputes__resolved_by", "ledger_entries"
    )


@extend_schema(tags=TAGS)
class TransactionListView(TransactionMixin, generics.ListAPIView):
    """All payments ("transactions"), newest first, paginated, with the filters of
    :class:`TransactionFilter`. Needs ``payments.view_payment``."""

    serializer_class = s.TransactionSerializer
    filterset_class = TransactionFilter
    resource_name = "transactions"

    @extend_schema(summary="List transactions (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=TAGS)
class TransactionDetailView(TransactionMixin, generics.RetrieveAPIView):
    """One payment with its refunds, disputes and ledger entries. Needs ``payments.view_payment``."""

    serializer_class = s.TransactionDetailSerializer

    def get_queryset(self):
        return _detail_queryset()

    @extend_schema(summary="Get a transaction (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=TAGS)
class TransactionStatusView(TransactionMixin, APIView):
    """Status correction = re-fetch from Stripe. A payment's status mirrors its PaymentIntent and
    only moves forward, so staff cannot set one by hand: this re-fetches it (forward only), records
    the ``note`` in the audit log and answers the payment. With ``status`` staff state what they
    expect: a status not reachable from the current one → 409 ``PAYMENT_STATUS_BACKWARDS``; Stripe
    reporting another → 409 ``PAYMENT_STATUS_NOT_CONFIRMED`` (the refresh is kept). A PayPal/Brevo
    payment → 409 ``PAYMENT_NOT_REFRESHABLE``; Stripe unreachable → 503. Needs ``payments.change_payment``."""

    @extend_schema(
        summary="Correct a transaction's status (refresh from Stripe)",
        request=s.TransactionStatusSerializer,
        responses=s.TransactionDetailSerializer,
    )
    def put(self, request, pk: int):
        payment = get_object_or_404(self.queryset, pk=pk)
        payload = s.TransactionStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = payment_status_correct(
            payment=payment,
            expected_status=payload.validated_data["status"],
            note=payload.validated_data["note"],
            actor=request.user,
        )
        payment = _detail_queryset().get(pk=payment.pk)
        return ok(
            s.TransactionDetailSerializer(payment).data,
            message=_("Refreshed from Stripe: %(status)s.") % {"status": payment.status},
        )


# --- refunds ------------------------------------------------------------------------------------


class RefundFilter(FilterSet):
    """``status``, ``reason``, ``date_from``/``date_to`` (UTC dates of creation), ``booking``
    (reference), ``consultant`` (id), ``payment`` (id)."""

    status = django_filters.ChoiceFilter(choices=RefundStatus.choices)
    reason = django_filters.ChoiceFilter(choices=RefundReason.choices)
    date_from = DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = DateFilter(field_name="created_at", lookup_expr="date__lte")
    booking = django_filters.CharFilter(field_name="payment__booking__reference", max_length=32)
    consultant = IdFilter(field_name="payment__booking__consultant_id")
    payment = IdFilter(field_name="payment_id")

    class Meta:
        model = Refund
        fields = ["status", "reason"]


@extend_schema(tags=TAGS)
class RefundListCreateView(generics.ListAPIView):
    """``GET``: refunds, newest first, filtered (:class:`RefundFilter`); needs ``payments.view_refund``.
    ``POST``: refund a payment (by ``payment_id``, ``payment_intent_id`` or ``booking_reference``;
    ``amount`` defaults to everything still refundable) through the core's ``refund_create``; needs
    ``payments.add_refund``. 201 with the refund; 404 unknown payment; 409 ``REFUND_NOT_ALLOWED``
    (not succeeded or nothing left); 422 amount above what is refundable; 400/402 Stripe refused
    (the refund is recorded ``failed``); 503 Stripe unreachable (the refund stays ``pending``)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["payments.view_refund"], "POST": ["payments.add_refund"]}
    queryset = Refund.objects.select_related("payment__booking", "requested_by").order_by("-created_at", "-id")
    serializer_class = s.RefundSerializer
    filterset_class = RefundFilter
    resource_name = "refunds"

    @extend_schema(summary="List refunds (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Refund a payment (staff)", request=s.RefundCreateSerializer, responses={201: s.RefundSerializer}
    )
    def post(self, request):
        payload = s.RefundCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        payment = payment_for_refund(
            payment_id=data.get("payment_id"),
            payment_intent_id=data.get("payment_intent_id", ""),
            booking_reference=data.get("booking_reference", ""),
        )
        refund = staff_refund(
            payment=payment, amount=data.get("amount"), reason=data["reason"], note=data["note"], actor=request.user
        )
        refund = self.queryset.get(pk=refund.pk)
        return created(s.RefundSerializer(refund).data, message=_("Refund %(status)s.") % {"status": refund.status})


# --- disputes -----------------------------------------------------------------------------------


class DisputeFilter(FilterSet):
    """``status`` (Stripe's), ``open`` (true: still open at Stripe; false: closed)."""

    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = Dispute
        fields = ["status"]

    def filter_open(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_DISPUTE_STATUSES)
        return queryset.exclude(status__in=OPEN_DISPUTE_STATUSES)


class DisputeMixin:
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["payments.view_dispute"], "*": ["payments.change_dispute"]}
    queryset = Dispute.objects.select_related("payment__booking", "resolved_by").order_by("-created_at", "-id")


@extend_schema(tags=TAGS)
class DisputeListView(DisputeMixin, generics.ListAPIView):
    """Disputes recorded from Stripe, newest first (filters ``status``, ``open``). Needs
    ``payments.view_dispute``."""

    serializer_class = s.DisputeSerializer
    filterset_class = DisputeFilter
    resource_name = "disputes"

    @extend_schema(summary="List disputes (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=TAGS)
class DisputeResolveView(DisputeMixin, APIView):
    """Record staff's handling of a dispute: ``resolution`` ``accepted`` / ``evidence_submitted`` /
    ``noted`` and ``notes``. Stamps ``resolved_at``/``resolved_by`` and appends a dated line to
    ``notes``; Stripe's ``status`` (``won``/``lost``) still comes from ``charge.dispute.closed`` only,
    and a dispute open at Stripe keeps holding back the payout. Needs ``payments.change_dispute``."""

    @extend_schema(
        summary="Resolve a dispute (staff)", request=s.DisputeResolveSerializer, responses=s.DisputeSerializer
    )
    def post(self, request, pk: int):
        dispute = get_object_or_404(self.queryset, pk=pk)
        payload = s.DisputeResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute = dispute_resolve(
            dispute=dispute,
            resolution=payload.validated_data["resolution"],
            notes=payload.validated_data["notes"],
            actor=request.user,
        )
        return ok(s.DisputeSerializer(self.queryset.get(pk=dispute.pk)).data, message=_("Dispute handling recorded."))


# --- reports ------------------------------------------------------------------------------------

FORMAT_PARAMETER = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: a CSV download instead of JSON."
)


class ReportMixin:
    """Reports need ``payments.view_ledgerentry``; ``?format=csv`` answers a CSV attachment (errors
    stay JSON)."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["payments.view_ledgerentry"]

    def perform_content_negotiation(self, request, force=False):
        if request.query_params.get("format") == "csv":
            # The CSV body is built by the view; content negotiation only picks the error renderer.
            return EnvelopeJSONRenderer(), EnvelopeJSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def wants_csv(self) -> bool:
        return self.request.query_params.get("format") == "csv"

    def query(self, serializer_class):
        payload = serializer_class(data={k: v for k, v in self.request.query_params.items() if k != "format"})
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @staticmethod
    def csv_response(rows: list[list], filename: str) -> HttpResponse:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema(tags=TAGS)
class DailyReportView(ReportMixin, APIView):
    """Totals per UTC day and currency from the ledger (``date``, or ``from``/``to`` up to 92 days).
    See :mod:`payments.services.reports` for the columns. Needs ``payments.view_ledgerentry``."""

    @extend_schema(
        summary="Daily financial report",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            FORMAT_PARAMETER,
        ],
        responses={200: s.DailyReportSerializer, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        q = self.query(s.DailyReportQuery)
        report = reports.report_daily(first=q["first"], last=q["last"])
        if self.wants_csv():
            return self.csv_response(reports.report_to_rows(report), f"daily-{report['from']}-{report['to']}.csv")
        return ok(report)


@extend_schema(tags=TAGS)
class MonthlyReportView(ReportMixin, APIView):
    """Totals of a month (``month=YYYY-MM``) per currency, per consultant and per day. Needs
    ``payments.view_ledgerentry``."""

    @extend_schema(
        summary="Monthly financial report",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=True), FORMAT_PARAMETER],
        responses={200: s.MonthlyReportSerializer, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        year, month = self.query(s.MonthlyReportQuery)["month"]
        report = reports.report_monthly(year=year, month=month)
        if self.wants_csv():
            return self.csv_response(reports.report_to_rows(report), f"monthly-{report['month']}.csv")
        return ok(report)


@extend_schema(tags=TAGS)
class TaxReportView(ReportMixin, APIView):
    """Revenue totals for the accountant: per month of ``year`` (or of ``quarter`` 1–4), per
    currency and per consultant time zone; no VAT is computed. Needs ``payments.view_ledgerentry``."""

    @extend_schema(
        summary="Tax report (revenue totals)",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("quarter", OpenApiTypes.INT, enum=[1, 2, 3, 4]),
            FORMAT_PARAMETER,
        ],
        responses={200: s.TaxReportSerializer, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        q = self.query(s.TaxReportQuery)
        report = reports.report_tax(year=q["year"], quarter=q["quarter"])
        if self.wants_csv():
            suffix = f"-q{q['quarter']}" if q["quarter"] else ""
            return self.csv_response(reports.report_to_rows(report), f"tax-{q['year']}{suffix}.csv")
        return ok(report)


@extend_schema(tags=TAGS)
class ReconciliationView(ReportMixin, APIView):
    """Our Stripe payments created ``from``…``to`` (UTC days, ≤ 92) re-fetched from Stripe and
    compared (status, amount, amount refunded, refunds on either side, ledger sum); ``page``/
    ``limit`` (≤ 100 payments per request); only payments with mismatches are listed, ``note`` says
    how many were checked. Needs ``payments.view_ledgerentry``; Stripe unreachable → rows of kind
    ``stripe_error``."""

    @extend_schema(
        summary="Payment reconciliation against Stripe",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("limit", OpenApiTypes.INT),
            FORMAT_PARAMETER,
        ],
        responses={200: s.ReconciliationSerializer, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        q = self.query(s.RangeQuery)
        report = reconciliation.reconciliation_report(first=q["from"], last=q["to"], page=q["page"], limit=q["limit"])
        if self.wants_csv():
            return self.csv_response(
                reconciliation.reconciliation_to_rows(report), f"reconciliation-{report['from']}-{report['to']}.csv"
            )
        return ok(report)
