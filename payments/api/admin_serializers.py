"""Serializers of the staff payments API (``/api/v1/admin/payments/…``): one input serializer per
action, output serializers for what the lists and details show. Amounts are strings with two
decimals (``"150.00"``) beside an ISO ``currency``."""

import re
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from magnetiq.api import fields
from payments.models import Dispute, LedgerEntry, Payment, PaymentIntentStatus, Refund, RefundReason
from payments.services.disputes_admin import DisputeResolution
from payments.services.reconciliation import MAX_PAGE
from payments.services.refunds import payment_refundable


class RefundSerializer(serializers.ModelSerializer):
    payment_id = serializers.IntegerField(read_only=True)
    payment_intent_id = serializers.CharField(source="payment.payment_intent_id", read_only=True)
    booking_reference = serializers.CharField(source="payment.booking.reference", read_only=True, default=None)
    requested_by = serializers.EmailField(source="requested_by.email", read_only=True, default=None)

    class Meta:
        model = Refund
        fields = [
            "id",
            "refund_id",
            "payment_id",
            "payment_intent_id",
            "booking_reference",
            "amount",
            "currency",
            "status",
            "reason",
            "note",
            "failure_reason",
            "requested_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RefundCreateSerializer(serializers.Serializer):
    """Name the payment by exactly one of ``payment_id``, ``payment_intent_id`` or
    ``booking_reference``; ``amount`` (major units) defaults to everything still refundable."""

    payment_id = fields.IdField(required=False)
    payment_intent_id = serializers.CharField(required=False, max_length=100)
    booking_reference = serializers.CharField(required=False, max_length=32)
    amount = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.ChoiceField(choices=RefundReason.choices, default=RefundReason.REQUESTED_BY_CUSTOMER)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, attrs):
        named = [k for k in ("payment_id", "payment_intent_id", "booking_reference") if attrs.get(k)]
        if len(named) != 1:
            raise serializers.ValidationError(
                {"payment_id": [_("Give exactly one of payment_id, payment_intent_id or booking_reference.")]}
            )
        return attrs


class DisputeSerializer(serializers.ModelSerializer):
    payment_id = serializers.IntegerField(read_only=True)
    payment_intent_id = serializers.CharField(source="payment.payment_intent_id", read_only=True)
    booking_reference = serializers.CharField(source="payment.booking.reference", read_only=True, default=None)
    resolved_by = serializers.EmailField(source="resolved_by.email", read_only=True, default=None)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "dispute_id",
            "payment_id",
            "payment_intent_id",
            "booking_reference",
            "charge_id",
            "amount",
            "currency",
            "reason",
            "status",
            "is_open",
            "evidence_due_by",
            "resolved_at",
            "resolved_by",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DisputeResolveSerializer(serializers.Serializer):
    """``resolution``: what staff did (``accepted``, ``evidence_submitted``, ``noted``); ``notes``: free text."""

    resolution = serializers.ChoiceField(choices=DisputeResolution.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "currency", "source_id", "occurred_at", "booking_id", "consultant_id", "memo"]
        read_only_fields = fields


class RefundableAmountField(serializers.DecimalField):
    """What may still be refunded of the payment, by the one rule
    :func:`payments.services.refunds.payment_refundable` (pending refunds count against it)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, read_only=True, source="*", **kwargs)

    def get_attribute(self, instance: Payment) -> Decimal:
        return payment_refundable(instance)


class TransactionSerializer(serializers.ModelSerializer):
    booking_reference = serializers.CharField(source="booking.reference", read_only=True, default=None)
    consultant_id = serializers.IntegerField(source="booking.consultant_id", read_only=True, default=None)
    client_email = serializers.SerializerMethodField()
    refundable_amount = RefundableAmountField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "payment_intent_id",
            "provider",
            "status",
            "amount",
            "currency",
            "amount_refunded",
            "refundable_amount",
            "fee_amount",
            "booking_reference",
            "consultant_id",
            "client_email",
            "charge_id",
            "created_at",
            "succeeded_at",
            "canceled_at",
        ]
        read_only_fields = fields

    def get_client_email(self, payment) -> str | None:
        if payment.booking_id:
            return payment.booking.client_email
        return payment.user.email if payment.user_id else None


class TransactionDetailSerializer(TransactionSerializer):
    refunds = RefundSerializer(many=True, read_only=True)
    disputes = DisputeSerializer(many=True, read_only=True)
    ledger_entries = LedgerEntrySerializer(many=True, read_only=True)
    has_open_dispute = serializers.BooleanField(read_only=True)

    class Meta(TransactionSerializer.Meta):
        fields = [
            *TransactionSerializer.Meta.fields,
            "customer_id",
            "last_error_code",
            "last_error_message",
            "metadata",
            "last_event_at",
            "updated_at",
            "flagged_reason",
            "has_open_dispute",
            "refunds",
            "disputes",
            "ledger_entries",
        ]
        read_only_fields = fields


class TransactionStatusSerializer(serializers.Serializer):
    """``status`` (optional): the status staff expect after re-fetching from Stripe; ``note``: why."""

    status = serializers.ChoiceField(choices=PaymentIntentStatus.choices, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


# --- report queries --------------------------------------------------------------------------------


class DailyReportQuery(serializers.Serializer):
    """Either ``date`` (one day) or ``from`` and ``to`` (inclusive, at most 92 days); UTC days."""

    date = fields.DateField(required=False)
    from_ = fields.DateField(required=False)
    to = fields.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if attrs.get("date"):
            return {"first": attrs["date"], "last": attrs["date"]}
        if attrs.get("from") and attrs.get("to"):
            return {"first": attrs["from"], "last": attrs["to"]}
        raise serializers.ValidationError({"date": [_("Give date=YYYY-MM-DD, or from and to.")]})


class MonthlyReportQuery(serializers.Serializer):
    month = serializers.CharField(max_length=7)

    def validate_month(self, value):
        match = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise serializers.ValidationError(_("Use YYYY-MM, e.g. 2026-11."))
        return (int(match[1]), int(match[2]))


class RangeQuery(serializers.Serializer):
    from_ = fields.DateField()
    to = fields.DateField()
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=MAX_PAGE)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TaxReportQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=date.max.year)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4, allow_null=True, default=None)


# --- report outputs (documentation of the shapes) --------------------------------------------------


class TotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    gross = serializers.CharField(help_text="Σ payment rows (signed, two decimals).")
    fees = serializers.CharField(help_text="Σ fee rows (negative).")
    refunds = serializers.CharField(help_text="Σ refund + refund_reversal rows.")
    disputes = serializers.CharField(help_text="Σ dispute + dispute_reversal rows.")
    payouts = serializers.CharField(help_text="Σ payout + payout_reversal rows.")
    net = serializers.CharField(help_text="The sum of every row.")
    payments_count = serializers.IntegerField()
    refunds_count = serializers.IntegerField()


class DayTotalsSerializer(serializers.Serializer):
    date = serializers.DateField()
    totals = TotalsSerializer(many=True)


class DiscountTotalsSerializer(serializers.Serializer):
    """Discount codes of the period, per currency (``payments.services.reports.discount_summary``)."""

    currency = serializers.CharField()
    list_gross = serializers.CharField(help_text="List prices of the discounted bookings: charged + discounts.")
    discounts = serializers.CharField(help_text="What the codes took off (platform_funded + consultant_funded).")
    charged = serializers.CharField(help_text="What was paid for them (part of the report's gross).")
    platform_funded = serializers.CharField()
    consultant_funded = serializers.CharField()
    discounted_payments = serializers.IntegerField()
    free_sessions = serializers.IntegerField(help_text="Bookings a code made free (no payment).")


class DailyReportSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    days = DayTotalsSerializer(many=True)
    totals = TotalsSerializer(many=True)
    discounts = DiscountTotalsSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ConsultantTotalsSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    totals = TotalsSerializer(many=True)


class MonthlyReportSerializer(DailyReportSerializer):
    month = serializers.CharField()
    by_consultant = ConsultantTotalsSerializer(many=True)


class MonthTotalsSerializer(serializers.Serializer):
    month = serializers.CharField()
    totals = TotalsSerializer(many=True)


class TimezoneTotalsSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    totals = TotalsSerializer(many=True)


class TaxReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    from_ = serializers.DateField()
    to = serializers.DateField()
    periods = MonthTotalsSerializer(many=True)
    by_consultant_timezone = TimezoneTotalsSerializer(many=True)
    totals = TotalsSerializer(many=True)
    discounts = DiscountTotalsSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class MismatchSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ours = serializers.CharField(allow_null=True)
    stripe = serializers.CharField(allow_null=True)
    detail = serializers.CharField()


class ReconciliationPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment_intent_id = serializers.CharField()
    booking_reference = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    status = serializers.CharField()
    mismatches = MismatchSerializer(many=True)


class ReconciliationTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    ledger = serializers.CharField()
    stripe = serializers.CharField()
    difference = serializers.CharField()


class ReconciliationSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    pages = serializers.IntegerField()
    total_payments = serializers.IntegerField()
    checked = serializers.IntegerField()
    note = serializers.CharField()
    payments = ReconciliationPaymentSerializer(many=True)
    discounts = DiscountTotalsSerializer(many=True)
    totals = ReconciliationTotalsSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields
