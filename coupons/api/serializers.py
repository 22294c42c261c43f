"""Input and output serializers of the coupon API (spec 000 "Coupon Management"), one per action.

Money leaves as decimal strings with two places (``"45.00"``) beside its currency.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.models import BookingType
from consultants.models import Consultant
from coupons.models import ApplicableTo, Coupon, CouponCampaign, CouponUsage, DiscountType, code_validator
from coupons.services import CAMPAIGN_EDITABLE_FIELDS, COUPON_EDITABLE_FIELDS, SERVICE_TYPES
from magnetiq.api import fields

MONEY = {"max_digits": 10, "decimal_places": 2}


class ValidateInputSerializer(serializers.Serializer):
    """Spec 000 ``CouponValidationRequest``. With ``consultant_id`` the list price is computed on the
    server (the consultant's rate × the booking type's minutes, in their currency) and
    ``original_amount_usd`` is ignored; without it ``original_amount_usd`` is taken in USD."""

    coupon_code = serializers.CharField(max_length=50)
    user_email = serializers.EmailField(max_length=254)
    service_type = serializers.ChoiceField(choices=sorted(SERVICE_TYPES), required=False)
    booking_type = serializers.ChoiceField(
        choices=BookingType.choices, required=False, help_text="Our booking type; wins over service_type."
    )
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=240)
    consultant_id = fields.IdField(required=False)
    original_amount_usd = serializers.DecimalField(required=False, min_value=0, **MONEY)

    def validate(self, attrs):
        if "consultant_id" not in attrs and "original_amount_usd" not in attrs:
            raise serializers.ValidationError(
                {"original_amount_usd": [_("Give the consultant or the amount to discount.")]}
            )
        return attrs


class ValidatedCouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    discount_type = serializers.ChoiceField(choices=DiscountType.choices)
    discount_value = serializers.DecimalField(**MONEY)
    discount_amount_usd = serializers.DecimalField(
        **MONEY,
        help_text="The discount in `currency` (named _usd by the spec; USD unless the consultant bills otherwise).",
    )
    final_amount_usd = serializers.DecimalField(**MONEY, help_text="What is charged, in `currency`.")
    original_amount = serializers.DecimalField(**MONEY, help_text="The list price, in `currency`.")
    currency = serializers.CharField()
    description = serializers.JSONField(required=False)


class EligibilitySerializer(serializers.Serializer):
    is_first_time_user = serializers.BooleanField()
    previous_coupon_usage = serializers.IntegerField()
    eligible = serializers.BooleanField()


class ValidationSerializer(serializers.Serializer):
    """Spec 000 ``CouponValidationResponse`` plus ``error_code`` (the stable refusal reason)."""

    valid = serializers.BooleanField()
    coupon = ValidatedCouponSerializer(required=False)
    errors = serializers.ListField(child=serializers.CharField(), required=False)
    error_code = serializers.CharField(required=False, help_text="expired, not_started, exhausted, …")
    user_eligibility = EligibilitySerializer()


class ApplyInputSerializer(serializers.Serializer):
    """Spec 000 ``CouponApplicationRequest``; the booking is addressed by its unguessable reference
    (``booking_reference``), never by a sequential id."""

    coupon_code = serializers.CharField(max_length=50)
    user_email = serializers.EmailField(max_length=254)
    booking_reference = serializers.CharField(max_length=32)
    user_session_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    referrer_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    utm_source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    utm_medium = serializers.CharField(max_length=100, required=False, allow_blank=True)
    utm_campaign = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ApplicationSerializer(serializers.Serializer):
    """Spec 000 ``CouponApplicationResponse``."""

    success = serializers.BooleanField()
    coupon_usage_id = serializers.IntegerField()
    discount_applied_usd = serializers.DecimalField(**MONEY)
    final_amount_usd = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    booking_status = serializers.CharField()
    message = serializers.CharField()


class PublicCouponSerializer(serializers.ModelSerializer):
    """What anyone may learn of a usable code."""

    class Meta:
        model = Coupon
        fields = ["code", "description", "discount_type", "discount_value", "currency", "valid_until"]


class CreatedBySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class CouponSerializer(fields.ModelSerializer):
    """Spec 000 ``CreateCouponRequest`` in, ``CouponResponse`` out."""

    consultant_restrictions = fields.PrimaryKeyRelatedField(
        many=True, queryset=Consultant.objects.all(), required=False
    )
    service_type_restrictions = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=10,
        help_text="Booking types (30for30, strategy, audit, custom); empty: any.",
    )
    description = serializers.DictField(child=serializers.CharField(max_length=2000), required=False)
    campaign = fields.PrimaryKeyRelatedField(queryset=CouponCampaign.objects.all(), required=False, allow_null=True)
    current_usage_count = serializers.IntegerField(source="uses_count", read_only=True)
    generated_revenue_usd = serializers.SerializerMethodField()
    conversion_rate = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    applicable_to = serializers.ChoiceField(choices=ApplicableTo.choices, required=False)

    class Meta:
        model = Coupon
        fields = [
            "id",
            *COUPON_EDITABLE_FIELDS,
            "consultant_restrictions",
            "current_usage_count",
            "generated_revenue_usd",
            "conversion_rate",
            "created_by",
            "created_at",
            "updated_at",
            "deactivated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "deactivated_at"]
        # A taken code is the service's 409 COUPON_CODE_TAKEN (in any case), not a 422.
        extra_kwargs = {"code": {"validators": [code_validator]}}

    def validate_description(self, value):
        if value and "en" not in value:
            raise serializers.ValidationError(_("English (en) is required."))
        return value

    def get_generated_revenue_usd(self, coupon) -> str:
        totals = self.context.get("totals", {}).get(coupon.pk)
        return str(totals["revenue"]) if totals else "0.00"

    def get_conversion_rate(self, coupon) -> float:
        """Redeemed uses per use ever reserved (percent)."""
        totals = self.context.get("totals", {}).get(coupon.pk)
        reserved = coupon.usages.count() if totals else 0
        return round(totals["uses"] * 100 / reserved, 2) if reserved else 0.0

    def get_created_by(self, coupon) -> dict | None:
        user = coupon.created_by
        if user is None:
            return None
        return {"id": user.pk, "email": user.email, "name": user.get_full_name() or user.email}


class BulkInputSerializer(serializers.Serializer):
    """N unique codes ``PREFIX-XXXXXXXX`` sharing the coupon fields of ``template``."""

    prefix = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    count = serializers.IntegerField(min_value=1, max_value=10000)
    length = serializers.IntegerField(min_value=6, max_value=16, default=8)
    template = CouponSerializer(help_text="The fields every code gets (its `code` is ignored).")

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("template"), dict):
            template = data["template"]
            data = {
                **data,
                "template": {
                    **template,
                    # Each code is drawn by the service; the name defaults to the prefix.
                    "code": template.get("code") or "BULKCODE",
                    "internal_name": template.get("internal_name") or str(data.get("prefix") or "bulk")[:200],
                },
            }
        return super().to_internal_value(data)


class UsageSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="coupon.code")
    booking_reference = serializers.CharField(source="booking.reference")

    class Meta:
        model = CouponUsage
        fields = [
            "id",
            "code",
            "booking_reference",
            "status",
            "email_normalised",
            "client_user",
            "list_amount",
            "discount_amount",
            "final_amount",
            "currency",
            "funded_by",
            "session_id",
            "referrer_url",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "ip_address",
            "risk_score",
            "risk_reasons",
            "reserved_at",
            "redeemed_at",
            "released_at",
        ]


class CouponCampaignSerializer(fields.ModelSerializer):
    coupons = serializers.IntegerField(source="coupons.count", read_only=True)

    class Meta:
        model = CouponCampaign
        fields = ["id", *CAMPAIGN_EDITABLE_FIELDS, "paused_at", "paused_reason", "coupons", "created_at"]
        read_only_fields = ["id", "paused_at", "paused_reason", "created_at"]


class CouponAnalyticsSerializer(serializers.Serializer):
    """Spec 000 ``CouponAnalyticsResponse`` (money as decimal strings in ``financial_impact.currency``)."""

    coupon = CouponSerializer()
    usage_statistics = serializers.DictField()
    financial_impact = serializers.DictField()
    conversion_metrics = serializers.DictField()
    usage_timeline = serializers.ListField(child=serializers.DictField())
    fraud_analysis = serializers.DictField()


class SystemCouponAnalyticsSerializer(serializers.Serializer):
    """Spec 000 ``SystemCouponAnalytics``."""

    overview = serializers.DictField()
    financial_summary = serializers.DictField()
    top_performing_coupons = serializers.ListField(child=serializers.DictField())
    recent_activity = serializers.ListField(child=serializers.DictField())
    fraud_detection_summary = serializers.DictField()


class CouponCampaignPerformanceSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    name = serializers.CharField()
    paused = serializers.BooleanField()
    paused_reason = serializers.CharField()
    coupons = serializers.IntegerField()
    coupons_used = serializers.IntegerField()
    total_attempts = serializers.IntegerField()
    success_rate_percent = serializers.FloatField()
    redemptions = serializers.IntegerField()
    reserved = serializers.IntegerField()
    unique_users = serializers.IntegerField()
    budget = serializers.CharField(allow_null=True)
    financial_impact = serializers.DictField()
