"""Query and output serializers of the analytics API (shapes of ``analytics.selectors``).

Outputs go through these serializers, so amounts leave as strings with two places (``"450.00"``)
and the OpenAPI schema is the answer's shape by construction.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.selectors import PERFORMANCE_ORDERINGS
from magnetiq.api import fields


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _rate():
    return serializers.CharField(allow_null=True, help_text="Percentage with two places, null when undefined.")


# --- queries --------------------------------------------------------------------------------------


class PeriodQuery(serializers.Serializer):
    """``from``/``to``: UTC days, inclusive (default: this UTC month; at most 1096 days);
    ``format``: ``json`` (default) or ``csv``."""

    from_ = fields.DateField(required=False)
    to = fields.DateField(required=False)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")

    def get_fields(self):
        result = super().get_fields()
        result["from"] = result.pop("from_")
        return result


class ConsultantPeriodQuery(PeriodQuery):
    """A period and optionally ``consultant``: one consultant's id."""

    consultant = fields.IdField(required=False)


class BookingsQuery(ConsultantPeriodQuery):
    interval = serializers.ChoiceField(
        choices=["day", "month"],
        required=False,
        help_text=_("Series step; default day for periods up to 92 days, else month."),
    )


class PerformanceQuery(PeriodQuery):
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, help_text=_("Revenue currency (default USD)."))
    order_by = serializers.ChoiceField(choices=list(PERFORMANCE_ORDERINGS), required=False, default="revenue")


# --- outputs --------------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    from_ = serializers.CharField()
    to = serializers.CharField()
    timezone = serializers.CharField()

    def get_fields(self):
        result = super().get_fields()
        result["from"] = result.pop("from_")
        return result


class MoneyTotalsSerializer(serializers.Serializer):
    """Ledger totals of one currency; ``revenue`` = gross + refunds (net of refunds)."""

    currency = serializers.CharField()
    gross = _money()
    refunds = _money()
    revenue = _money()
    fees = _money()
    disputes = _money()
    payouts = _money()
    net = _money()
    payments_count = serializers.IntegerField()
    refunds_count = serializers.IntegerField()
    average_payment = _money()


class BookingSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    paid = serializers.IntegerField()
    free = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    rescheduled = serializers.IntegerField()
    ratings = serializers.IntegerField()
    average_rating = _money(allow_null=True)
    completion_rate = _rate()
    payment_rate = _rate()


class BookingBreakdownSerializer(serializers.Serializer):
    by_type = serializers.DictField(child=serializers.IntegerField())
    by_language = serializers.DictField(child=serializers.IntegerField())


class SeriesStepSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM-DD or YYYY-MM (UTC).")
    total = serializers.IntegerField()
    paid = serializers.IntegerField()


class BookingsAnalyticsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    interval = serializers.CharField()
    summary = BookingSummarySerializer()
    breakdown = BookingBreakdownSerializer()
    series = SeriesStepSerializer(many=True)


class MonthMoneySerializer(serializers.Serializer):
    month = serializers.CharField()
    totals = MoneyTotalsSerializer(many=True)


class RevenueAnalyticsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    totals = MoneyTotalsSerializer(many=True)
    by_month = MonthMoneySerializer(many=True)


class MonthGrowthSerializer(serializers.Serializer):
    bookings = serializers.IntegerField()
    paid_bookings = serializers.IntegerField()
    leads = serializers.IntegerField()
    new_consultants = serializers.IntegerField()
    revenue = serializers.DictField(child=_money())


class ExpertiseSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField()


class CouponTotalsSerializer(serializers.Serializer):
    """Coupon uses redeemed in the period, per currency (major units)."""

    currency = serializers.CharField()
    redemptions = serializers.IntegerField()
    gross = _money(help_text="List prices of the discounted bookings.")
    discount = _money(help_text="What the codes took off.")
    net = _money(help_text="What was charged: gross − discount.")
    platform_funded = _money(help_text="The part of the discount the platform pays.")
    consultant_funded = _money(help_text="The part of the discount the consultants pay.")


class PlatformAnalyticsSerializer(serializers.Serializer):
    """Spec 000 ``PlatformAnalytics``."""

    period = PeriodSerializer()
    total_consultants = serializers.IntegerField()
    active_consultants = serializers.IntegerField()
    total_bookings = serializers.IntegerField()
    paid_bookings = serializers.IntegerField()
    total_revenue = MoneyTotalsSerializer(many=True)
    average_booking_value = serializers.DictField(child=_money())
    conversion_rate = _rate()
    new_leads = serializers.IntegerField()
    top_expertise_areas = ExpertiseSerializer(many=True)
    monthly_growth = serializers.DictField(child=MonthGrowthSerializer())
    coupons = CouponTotalsSerializer(many=True)


class VisitorsSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True)
    recorded = serializers.BooleanField()
    note = serializers.CharField()


class RatesSerializer(serializers.Serializer):
    lead_to_booking = _rate()
    lead_to_paid = _rate()
    booking_to_paid = _rate()


class ConversionSerializer(serializers.Serializer):
    period = PeriodSerializer()
    visitors = VisitorsSerializer()
    whitepaper_views_all_time = serializers.IntegerField()
    whitepaper_downloads = serializers.IntegerField()
    webinar_registrations = serializers.IntegerField()
    leads = serializers.IntegerField()
    leads_booked = serializers.IntegerField()
    leads_paid = serializers.IntegerField()
    bookings = serializers.IntegerField()
    paid_bookings = serializers.IntegerField()
    rates = RatesSerializer()


class LeadActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    count = serializers.IntegerField()
    leads = serializers.IntegerField()


class TopWhitepaperSerializer(serializers.Serializer):
    whitepaper_id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.DictField(child=serializers.CharField(), help_text='{"en": "…", "de": "…"}')
    downloads = serializers.IntegerField()


class DownloadsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    top = TopWhitepaperSerializer(many=True)


class RegistrationsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    attended = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())


class UserBehaviorSerializer(serializers.Serializer):
    period = PeriodSerializer()
    lead_actions = LeadActionSerializer(many=True)
    whitepaper_downloads = DownloadsSerializer()
    webinar_registrations = RegistrationsSerializer()
    bookings = BookingBreakdownSerializer()
    visitors = VisitorsSerializer()
    whitepaper_views_all_time = serializers.IntegerField()


class ConsultantsOverviewSerializer(serializers.Serializer):
    period = PeriodSerializer()
    total_consultants = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    verified = serializers.IntegerField()
    featured = serializers.IntegerField()
    with_bookings = serializers.IntegerField()
    average_rating = _money(allow_null=True)
    top_expertise_areas = ExpertiseSerializer(many=True)


class PerformanceRowSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    bookings = serializers.IntegerField()
    completed = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    completion_rate = _rate()
    ratings = serializers.IntegerField()
    average_rating = _money(allow_null=True)
    currency = serializers.CharField()
    revenue = _money()


class RetentionTotalsSerializer(serializers.Serializer):
    clients = serializers.IntegerField()
    returning_clients = serializers.IntegerField()
    retention_rate = _rate()


class RetentionRowSerializer(RetentionTotalsSerializer):
    consultant_id = serializers.IntegerField()
    name = serializers.CharField()


class EngagementTotalsSerializer(serializers.Serializer):
    bookings = serializers.IntegerField()
    ratings = serializers.IntegerField()
    average_rating = _money(allow_null=True)
    rating_rate = _rate()
    rescheduled = serializers.IntegerField()
    reschedules = serializers.IntegerField()
    client_cancellations = serializers.IntegerField()
    client_cancellation_rate = _rate()
    no_shows = serializers.IntegerField()
    no_show_rate = _rate()
    with_questions = serializers.IntegerField()


class EngagementRowSerializer(EngagementTotalsSerializer):
    consultant_id = serializers.IntegerField()
    name = serializers.CharField()


class PaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    pages = serializers.IntegerField()


class PerformanceSerializer(serializers.Serializer):
    period = PeriodSerializer()
    consultants = PerformanceRowSerializer(many=True)
    pagination = PaginationSerializer()


class RetentionSerializer(serializers.Serializer):
    period = PeriodSerializer()
    totals = RetentionTotalsSerializer()
    consultants = RetentionRowSerializer(many=True)
    pagination = PaginationSerializer()


class EngagementSerializer(serializers.Serializer):
    period = PeriodSerializer()
    totals = EngagementTotalsSerializer()
    consultants = EngagementRowSerializer(many=True)
    pagination = PaginationSerializer()


class ConsultantStatisticsSerializer(serializers.Serializer):
    """Spec 000 ``ConsultantStatistics``."""

    consultant_id = serializers.IntegerField()
    period = PeriodSerializer()
    currency = serializers.CharField()
    total_consultations = serializers.IntegerField()
    completed_consultations = serializers.IntegerField()
    total_revenue = _money()
    revenue_in_other_currencies = serializers.DictField(child=_money())
    average_rating = _money(allow_null=True)
    total_reviews = serializers.IntegerField()
    response_time_hours = _money(allow_null=True)
    completion_rate = _rate()
    client_retention_rate = _rate()
    monthly_bookings = serializers.DictField(child=serializers.IntegerField())
    revenue_by_month = serializers.DictField(child=_money())


class ConsultantMonthSerializer(serializers.Serializer):
    bookings = serializers.IntegerField()
    paid_bookings = serializers.IntegerField()
    revenue = serializers.DictField(child=_money())


class ConsultantAnalyticsSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField()
    name = serializers.CharField()
    period = PeriodSerializer()
    bookings = BookingSummarySerializer()
    breakdown = BookingBreakdownSerializer()
    money = MoneyTotalsSerializer(many=True)
    retention = RetentionTotalsSerializer()
    engagement = EngagementTotalsSerializer()
    monthly = serializers.DictField(child=ConsultantMonthSerializer())
    upcoming_sessions = serializers.IntegerField()
