"""The fraud controls' staff endpoints (spec 000 "Coupon Security & Fraud Prevention" and the
coupons' ``fraud-detection``), under ``/api/v1/admin/coupons/``.

Only super admins and admins (``accounts/roles.py``: the ``fraud`` model permissions): reading
needs ``view_attempt`` / ``view_blockedip``, flagging ``add_flaggeduser``, a reset
``change_flaggeduser``, the whitelist ``add_/delete_whitelist``, blocking ``add_blockedip`` and
unblocking ``change_blockedip``. No token → 401, another role → 403. Errors: 400
``INVALID_IP_ADDRESS``, 404 (user, block or whitelist entry), 422 field validation.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from fraud import selectors, services
from fraud.models import BlockedIP
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok

from . import serializers as s

TAGS = ["admin-coupon-fraud"]


class FraudView(APIView):
    permission_classes = [HasRolePermissions]


def _period(request) -> tuple[dict, datetime]:
    """The validated ``period``/``scope`` query and the start of the period."""
    query = s.PeriodQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    now = timezone.now()
    return query.validated_data, now - selectors.PERIODS[query.validated_data["period"]]


class FraudDetectionView(FraudView):
    required_permissions = ["fraud.view_attempt"]

    @extend_schema(
        tags=TAGS,
        summary="Suspicious coupon activity",
        parameters=[s.PeriodQuery],
        responses={200: s.FraudDetectionSerializer},
    )
    def get(self, request):
        """IPs and e-mails with many failed attempts in the period (3 or more,
        ``FRAUD_SUSPICIOUS_AFTER_FAILURES``), automatic blocks made in it, and attempts with a risk
        score of 60 or more (``FRAUD_RISK_HIGH``); at most 50 rows each."""
        query, since = _period(request)
        data = selectors.suspicious_activity(since=since, scope=query["scope"])
        return Response(s.FraudDetectionSerializer({**query, **data}).data)


class FraudReportView(FraudView):
    required_permissions = ["fraud.view_attempt"]

    @extend_schema(
        tags=TAGS, summary="Fraud report", parameters=[s.PeriodQuery], responses={200: s.FraudReportSerializer}
    )
    def get(self, request):
        """Totals, failures per refusal code, attempts per UTC day, the risk-score distribution and
        the top IPs of the period."""
        query, since = _period(request)
        return Response(
            s.FraudReportSerializer({**query, **selectors.fraud_report(since=since, scope=query["scope"])}).data
        )


class FlagUserView(FraudView):
    required_permissions = ["fraud.add_flaggeduser"]

    @extend_schema(
        tags=TAGS,
        summary="Flag a user or e-mail address",
        request=s.FlagUserInput,
        responses={201: s.FlaggedUserSerializer},
    )
    def post(self, request):
        """Their attempts are refused (403, neutral message) until the flag is lifted (reset-user or
        the admin). Flagging an identity flagged already answers its flag in force."""
        body = s.FlagUserInput(data=request.data)
        body.is_valid(raise_exception=True)
        flag = services.user_flag(**body.validated_data, actor=request.user)
        return created(s.FlaggedUserSerializer(flag).data, message=_("User flagged"))


class WhitelistView(FraudView):
    required_permissions = ["fraud.add_whitelist"]

    @extend_schema(
        tags=TAGS, summary="Whitelist a user", request=s.WhitelistInput, responses={201: s.WhitelistSerializer}
    )
    def post(self, request):
        """The automatic flags leave the user alone (and their automatic flags are lifted); IP
        blocks and manual flags still apply."""
        body = s.WhitelistInput(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.whitelist_add(**body.validated_data, actor=request.user)
        return created(s.WhitelistSerializer(entry).data, message=_("User whitelisted"))


class WhitelistDetailView(FraudView):
    required_permissions = ["fraud.delete_whitelist"]

    @extend_schema(tags=TAGS, summary="Remove a user from the whitelist", responses={204: None})
    def delete(self, request, user_id: int):
        services.whitelist_remove(user_id=user_id, actor=request.user)
        return Response(status=204)


class RateLimitsView(FraudView):
    required_permissions = ["fraud.view_attempt"]

    @extend_schema(
        tags=TAGS,
        summary="Rate-limit status",
        parameters=[s.RateLimitQuery],
        responses={200: s.RateLimitStatusSerializer},
    )
    def get(self, request):
        """The configured limits and the counters in use: those of ``ip``/``email`` when given,
        else of the busiest IPs and e-mails of each scope right now."""
        query = s.RateLimitQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(s.RateLimitStatusSerializer(selectors.rate_limit_status(**query.validated_data)).data)


class ResetUserView(FraudView):
    required_permissions = ["fraud.change_flaggeduser"]

    @extend_schema(
        tags=TAGS,
        summary="Reset a user's limits, flags and failures",
        request=s.ResetUserInput,
        responses={200: s.ResetOutcomeSerializer},
    )
    def post(self, request):
        """A clean slate for a user and/or e-mail: failures stop counting, flags are lifted and the
        per-e-mail counters are reset. IP blocks stay (unblock the IP separately)."""
        body = s.ResetUserInput(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = services.identity_reset(**body.validated_data, actor=request.user)
        return ok(s.ResetOutcomeSerializer(outcome).data, message=_("Limits reset"))


class BlockedIPListView(generics.ListAPIView):
    permission_classes = [HasRolePermissions]
    required_permissions = ["fraud.view_blockedip"]
    serializer_class = s.BlockedIPSerializer
    resource_name = "blocked_ips"

    def get_queryset(self):
        blocks = BlockedIP.objects.select_related("created_by")
        return blocks if self.request.query_params.get("state") == "all" else blocks.active()

    @extend_schema(
        tags=TAGS,
        summary="List blocked IP addresses",
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=["active", "all"],
                description="active (default): blocks in force; all: history too.",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        state = request.query_params.get("state", "active")
        if state not in ("active", "all"):
            raise ValidationError({"state": [_("Choose active or all.")]})
        return super().get(request, *args, **kwargs)


class BlockIPView(FraudView):
    required_permissions = ["fraud.add_blockedip"]

    @extend_schema(
        tags=TAGS,
        summary="Block an IP address or network",
        request=s.BlockIPInput,
        responses={201: s.BlockedIPSerializer},
    )
    def post(self, request):
        """IPv4 or IPv6, an address or a CIDR network (at most /16 or /32 wide); a block in force
        for the same network takes the new duration and reason."""
        body = s.BlockIPInput(data=request.data)
        body.is_valid(raise_exception=True)
        block = services.ip_block(**body.validated_data, actor=request.user)
        return created(s.BlockedIPSerializer(block).data, message=_("IP address blocked"))


class UnblockIPView(FraudView):
    required_permissions = ["fraud.change_blockedip"]

    @extend_schema(
        tags=TAGS,
        summary="Unblock an IP address or network",
        parameters=[
            OpenApiParameter("ip", OpenApiTypes.STR, OpenApiParameter.PATH, description="Address or CIDR network.")
        ],
        responses={200: s.BlockedIPSerializer},
    )
    def delete(self, request, ip: str):
        block = services.ip_unblock(ip=ip, actor=request.user)
        return ok(s.BlockedIPSerializer(block).data, message=_("IP address unblocked"))
