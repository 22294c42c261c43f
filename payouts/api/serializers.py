"""Input and output shapes of the payouts API (spec 000 "Payment & KYC Schemas", "Payout Schemas")."""

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from consultants.models import Consultant, KYCStatus
from payouts.models import ConsultantPayout, PayoutItem, PayoutMethod


class PaymentSetupInputSerializer(serializers.Serializer):
    """Spec ``PaymentSetupRequest``: only ``stripe`` is automated (Stripe Connect Express).
    ``account_details.country`` (ISO 3166 alpha-2) and ``account_details.email`` are optional."""

    payment_method = serializers.ChoiceField(choices=["stripe"], default="stripe")
    account_details = serializers.DictField(required=False, default=dict)

    def validate_account_details(self, value):
        country = str(value.get("country", "") or "")
        if country and (len(country) != 2 or not country.isalpha()):
            raise serializers.ValidationError(_("country must be a two-letter code such as DE or US."))
        email = value.get("email", "")
        if email:
            serializers.EmailField().run_validation(email)
        return {"country": country.upper(), "email": email}


class PaymentSetupOutputSerializer(serializers.Serializer):
    """Spec ``PaymentSetupResponse``."""

    setup_status = serializers.CharField()
    kyc_status = serializers.CharField()
    account_id = serializers.CharField(allow_blank=True)
    verification_url = serializers.URLField()
    expires_at = serializers.DateTimeField(allow_null=True)
    next_steps = serializers.ListField(child=serializers.CharField())


class PaymentStatusOutputSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField()
    payment_setup_status = serializers.CharField()
    kyc_status = serializers.CharField()
    stripe_account_id = serializers.CharField(allow_blank=True)
    bank_account_verified = serializers.BooleanField()
    charges_enabled = serializers.BooleanField(allow_null=True)
    payouts_enabled = serializers.BooleanField(allow_null=True)
    details_submitted = serializers.BooleanField(allow_null=True)
    requirements = serializers.DictField(allow_null=True)
    can_receive_payouts = serializers.BooleanField()
    blocked_reason = serializers.CharField(allow_blank=True)


class KYCUpdateInputSerializer(serializers.Serializer):
    """Spec ``KYCVerificationUpdate``."""

    # A CharField, not a ChoiceField: the schema already names this choice set KycStatusEnum
    # (consultants), and a second name for it is a schema warning.
    status = serializers.CharField(help_text="One of: " + ", ".join(KYCStatus.values) + ".")
    verification_notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    required_documents = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=20
    )

    def validate_status(self, value):
        if value not in KYCStatus.values:
            raise serializers.ValidationError(_("Use one of: %(choices)s.") % {"choices": ", ".join(KYCStatus.values)})
        return value


class KYCOutputSerializer(serializers.ModelSerializer):
    consultant_id = serializers.IntegerField(source="pk")

    class Meta:
        model = Consultant
        fields = ["consultant_id", "kyc_status", "payment_setup_status", "verification_notes"]


class PayoutRequestSerializer(serializers.Serializer):
    """Spec ``PayoutRequest`` (``consultant_id`` comes from the URL)."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    payout_method = serializers.ChoiceField(choices=PayoutMethod.choices)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PayoutItemSerializer(serializers.ModelSerializer):
    booking_reference = serializers.CharField(source="booking.reference")
    booking_start = serializers.DateTimeField(source="booking.start")

    class Meta:
        model = PayoutItem
        fields = [
            "booking_id",
            "booking_reference",
            "booking_start",
            "gross",
            "fee",
            "refunds",
            "disputes",
            "tax",
            "net",
        ]


class PayoutSerializer(serializers.ModelSerializer):
    """Spec ``PayoutResponse`` plus the breakdown and the sessions paid."""

    consultant_id = serializers.IntegerField()
    items = PayoutItemSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultantPayout
        fields = [
            "id",
            "consultant_id",
            "kind",
            "amount",
            "currency",
            "payout_method",
            "status",
            "payout_period_start",
            "payout_period_end",
            "external_payout_id",
            "failure_reason",
            "gross_earnings",
            "platform_fee",
            "tax_withholding",
            "other_deductions",
            "refunds_deducted",
            "disputes_deducted",
            "advance_recovered",
            "advance_paid",
            "consultations_count",
            "consultation_ids",
            "notes",
            "created_at",
            "processed_date",
            "items",
        ]


class EarningsRowSerializer(serializers.Serializer):
    currency = serializers.CharField()
    completed_paid_sessions = serializers.IntegerField()
    held_back_sessions = serializers.IntegerField()
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    platform_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    refunds = serializers.DecimalField(max_digits=12, decimal_places=2)
    disputes = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_withholding = serializers.DecimalField(max_digits=12, decimal_places=2)
    net_earned = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_out = serializers.DecimalField(max_digits=12, decimal_places=2)
    in_flight = serializers.DecimalField(max_digits=12, decimal_places=2)
    owed = serializers.DecimalField(max_digits=12, decimal_places=2)


class EarningsSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField()
    total_consultations = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=12, decimal_places=2)
    currencies = EarningsRowSerializer(many=True)
