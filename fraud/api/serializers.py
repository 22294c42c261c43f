"""Input and output shapes of the fraud controls' staff endpoints."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fraud.models import Attempt, BlockedIP, FlaggedUser, Whitelist
from fraud.selectors import PERIODS
from magnetiq.api.fields import IdField

#: The longest block staff can set in minutes (one year); without a duration a block lasts until lifted.
MAX_BLOCK_MINUTES = 366 * 24 * 60


class PeriodQuery(serializers.Serializer):
    """``?period=24h|7d|30d|90d`` (default ``7d``, counted back from now) and ``?scope=`` (one kind
    of attempt, e.g. ``coupon_validate``; default all)."""

    period = serializers.ChoiceField(choices=list(PERIODS), default="7d")
    scope = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


class RateLimitQuery(serializers.Serializer):
    """``?ip=`` and/or ``?email=``: show the counters of this address / e-mail in every scope."""

    ip = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, default="", allow_blank=True)


class FlagUserInput(serializers.Serializer):
    """A user id and/or an e-mail address (at least one), and why."""

    user_id = IdField(required=False, allow_null=True, default=None)
    email = serializers.CharField(max_length=254, required=False, default="", allow_blank=True)
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class WhitelistInput(serializers.Serializer):
    user_id = IdField()
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class ResetUserInput(serializers.Serializer):
    """A user id and/or an e-mail address (at least one)."""

    user_id = IdField(required=False, allow_null=True, default=None)
    email = serializers.CharField(max_length=254, required=False, default="", allow_blank=True)


class BlockIPInput(serializers.Serializer):
    """``ip``: an IPv4 or IPv6 address or a network in CIDR notation (at most /16 or /32 wide);
    ``duration_minutes``: how long (1 minute to 366 days; omitted or null: until lifted)."""

    ip = serializers.CharField(max_length=64)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_BLOCK_MINUTES, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class BlockedIPSerializer(serializers.ModelSerializer):
    ip = serializers.CharField(source="address", help_text=_("The address, or the network in CIDR notation."))
    is_network = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True)

    class Meta:
        model = BlockedIP
        fields = [
            "id",
            "ip",
            "network",
            "is_network",
            "reason",
            "source",
            "created_by",
            "created_at",
            "expires_at",
            "lifted_at",
            "active",
        ]
        read_only_fields = fields

    def get_is_network(self, block: BlockedIP) -> bool:
        return not block.is_single_address

    def get_active(self, block: BlockedIP) -> bool:
        return block.lifted_at is None and (block.expires_at is None or block.expires_at > timezone.now())


class FlaggedUserSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(allow_null=True)
    email = serializers.CharField(source="email_normalised")
    flagged_by = serializers.EmailField(source="flagged_by.email", default=None, allow_null=True)

    class Meta:
        model = FlaggedUser
        fields = ["id", "user_id", "email", "reason", "source", "flagged_by", "created_at", "lifted_at"]
        read_only_fields = fields


class WhitelistSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    added_by = serializers.EmailField(source="added_by.email", default=None, allow_null=True)

    class Meta:
        model = Whitelist
        fields = ["id", "user_id", "email", "reason", "added_by", "created_at"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    email = serializers.CharField(source="email_normalised")
    user_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "scope",
            "ip",
            "ip_truncated",
            "email",
            "user_id",
            "success",
            "reason",
            "subject",
            "risk",
            "created_at",
        ]
        read_only_fields = fields


class SuspiciousIPSerializer(serializers.Serializer):
    ip = serializers.IPAddressField()
    failures = serializers.IntegerField()
    codes = serializers.IntegerField(help_text=_("Distinct codes tried."))
    identities = serializers.IntegerField(help_text=_("Distinct e-mail addresses used."))
    last_attempt = serializers.DateTimeField()
    blocked = serializers.BooleanField()


class SuspiciousEmailSerializer(serializers.Serializer):
    email = serializers.CharField()
    failures = serializers.IntegerField()
    codes = serializers.IntegerField(help_text=_("Distinct codes tried."))
    identities = serializers.IntegerField(help_text=_("Distinct IP addresses used."))
    last_attempt = serializers.DateTimeField()
    flagged = serializers.BooleanField()


class FraudDetectionSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    suspicious_ips = SuspiciousIPSerializer(many=True)
    suspicious_emails = SuspiciousEmailSerializer(many=True)
    recent_auto_blocks = BlockedIPSerializer(many=True)
    high_risk_attempts = AttemptSerializer(many=True)


class ReportTotalsSerializer(serializers.Serializer):
    attempts = serializers.IntegerField()
    successes = serializers.IntegerField()
    failures = serializers.IntegerField()
    average_risk = serializers.FloatField()
    high_risk_attempts = serializers.IntegerField()
    auto_blocks = serializers.IntegerField()
    active_blocks = serializers.IntegerField()
    active_flags = serializers.IntegerField()


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    attempts = serializers.IntegerField()
    successes = serializers.IntegerField()
    failures = serializers.IntegerField()


class RiskBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    count = serializers.IntegerField()


class TopIPSerializer(serializers.Serializer):
    ip = serializers.IPAddressField()
    attempts = serializers.IntegerField()
    failures = serializers.IntegerField()


class FraudReportSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    totals = ReportTotalsSerializer()
    by_reason = ReasonCountSerializer(many=True)
    by_day = DayCountSerializer(many=True)
    risk_distribution = RiskBucketSerializer(many=True)
    top_ips = TopIPSerializer(many=True)


class RateSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    period_seconds = serializers.IntegerField()


class RatePairSerializer(serializers.Serializer):
    ip = RateSerializer()
    email = RateSerializer()


class ScopeRatesSerializer(RatePairSerializer):
    scope = serializers.CharField()


class AutoBlockSerializer(serializers.Serializer):
    after_failures = serializers.IntegerField()
    window_minutes = serializers.IntegerField()
    block_minutes = serializers.IntegerField()


class AutoFlagSerializer(serializers.Serializer):
    after_failures = serializers.IntegerField()
    window_minutes = serializers.IntegerField()


class LimitsSerializer(serializers.Serializer):
    default = RatePairSerializer()
    scopes = ScopeRatesSerializer(many=True)
    auto_block = AutoBlockSerializer()
    auto_flag = AutoFlagSerializer()
    ip_retention_days = serializers.IntegerField()


class CounterSerializer(serializers.Serializer):
    scope = serializers.CharField()
    kind = serializers.ChoiceField(choices=["ip", "email"])
    subject = serializers.CharField()
    count = serializers.FloatField(help_text=_("Weighted attempts in the sliding window."))
    limit = serializers.IntegerField()
    period_seconds = serializers.IntegerField()
    limited = serializers.BooleanField(help_text=_("The next attempt would be refused."))


class RateLimitStatusSerializer(serializers.Serializer):
    limits = LimitsSerializer()
    counters = CounterSerializer(many=True)


class ResetOutcomeSerializer(serializers.Serializer):
    failures_cleared = serializers.IntegerField()
    flags_lifted = serializers.IntegerField()
    counters_reset = serializers.IntegerField()
