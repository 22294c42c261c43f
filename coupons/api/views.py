"""Coupon endpoints (spec 000 "Coupon Management"): public validation, application and info; staff
management, bulk codes, usage, analytics and campaigns.

Public endpoints need no token and answer in the client's language (``Accept-Language``, as the
whole API does: ``magnetiq.middleware.APILanguageMiddleware``): refusals, field errors and the
amounts in them. Besides the public per-IP throttle, every one of them goes through the fraud
controls (``fraud.services.attempt_guard``, scope ``coupon``): a blocked IP or flagged identity gets
403 ``REQUEST_REFUSED``, too many attempts per IP or e-mail 429 ``RATE_LIMITED``, and every attempt
is recorded, so ``{code}/info`` cannot be used to enumerate codes. Staff endpoints check ``coupons``
permissions through ``HasRolePermissions``: reading needs ``view_coupon``, changing
``manage_coupons``, analytics ``view_coupon_analytics``. Writes go through ``coupons.services``.
"""

import django_filters
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from bookings.availability import duration_for
from bookings.models import ConsultationBooking
from bookings.services import booking_price
from consultants.models import Consultant
from coupons import selectors, services
from coupons.exceptions import CouponNotFound
from coupons.models import ApplicableTo, Coupon, CouponCampaign, CouponUsage, DiscountType, UsageStatus
from magnetiq.api.filters import FilterSet
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from magnetiq.exceptions import NotFound

from .serializers import (
    ApplicationSerializer,
    ApplyInputSerializer,
    BulkInputSerializer,
    CouponAnalyticsSerializer,
    CouponCampaignPerformanceSerializer,
    CouponCampaignSerializer,
    CouponSerializer,
    PublicCouponSerializer,
    SystemCouponAnalyticsSerializer,
    UsageSerializer,
    ValidateInputSerializer,
    ValidationSerializer,
)

VIEW = "coupons.view_coupon"
MANAGE = "coupons.manage_coupons"
ANALYTICS = "coupons.view_coupon_analytics"


def client_ip(request) -> str:
    """The client's address as the throttles see it (``REMOTE_ADDR``, or ``X-Forwarded-For`` behind
    ``NUM_PROXIES`` proxies)."""
    return BaseThrottle().get_ident(request)


# --- public -----------------------------------------------------------------------------------


@extend_schema(tags=["public-coupons"])
class ValidateView(PublicAPIMixin, APIView):
    """Whether a code applies (spec 000 ``POST /public/coupons/validate``): 200 with ``valid`` and, when
    refused, ``errors`` and the stable ``error_code``. The price is the server's: the consultant's
    rate × the booking type's minutes (``service_type`` ``30_for_30`` → 30-for-30, ``book_a_meeting``
    → a strategy session) in the consultant's currency. 403/429 from the fraud controls."""

    @extend_schema(summary="Validate a coupon code", request=ValidateInputSerializer, responses=ValidationSerializer)
    def post(self, request):
        body = ValidateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        booking_type = data.get("booking_type") or services.SERVICE_TYPES.get(data.get("service_type", ""), ("",))[0]
        if "consultant_id" in data:
            consultant = get_object_or_404(Consultant.objects.public(), pk=data["consultant_id"])
            kind = booking_type or "30for30"
            amount = booking_price(
                consultant=consultant,
                booking_type=kind,
                duration_minutes=duration_for(kind, data.get("duration_minutes")),
            )
            currency, consultant_id = consultant.currency, consultant.pk
        else:
            amount, currency, consultant_id = data["original_amount_usd"], "USD", None
        result = services.coupon_validate(
            code=data["coupon_code"],
            email=data["user_email"],
            list_amount=amount,
            currency=currency,
            consultant_id=consultant_id,
            booking_type=booking_type,
            user=request.user if request.user.is_authenticated else None,
            ip=client_ip(request),
        )
        payload: dict = {
            "valid": result.valid,
            "user_eligibility": {
                "is_first_time_user": result.is_first_time_user,
                "previous_coupon_usage": result.previous_coupon_usage,
                "eligible": result.valid,
            },
        }
        if result.valid and result.coupon is not None:
            payload["coupon"] = {
                "code": result.coupon.code,
                "discount_type": result.coupon.discount_type,
                "discount_value": result.coupon.discount_value,
                "discount_amount_usd": result.discount_amount,
                "final_amount_usd": result.list_amount - result.discount_amount,
                "original_amount": result.list_amount,
                "currency": result.currency,
                "description": result.coupon.description,
            }
        if result.error is not None:
            payload["errors"] = result.errors
            payload["error_code"] = result.error.reason
        return ok(ValidationSerializer(payload).data, message=_("Valid") if result.valid else _("Not valid"))


@extend_schema(tags=["public-coupons"])
class ApplyView(PublicAPIMixin, APIView):
    """Apply a code to a held booking (spec 000 ``POST /public/coupons/apply``, by booking reference and
    the booking's e-mail). 200 with the new amount (a free session confirms the booking); the code's
    refusal as its error (400/404/409 ``COUPON_…``); 409 ``DISCOUNT_NOT_APPLICABLE`` when the booking
    is not held or its payment already started; 404 for an unknown reference or another e-mail."""

    @extend_schema(summary="Apply a coupon to a booking", request=ApplyInputSerializer, responses=ApplicationSerializer)
    def post(self, request):
        body = ApplyInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        booking = ConsultationBooking.objects.select_related("consultant").filter(reference=data["booking_reference"])
        found = booking.first()
        if found is None or found.client_email.lower() != data["user_email"].strip().lower():
            raise NotFound(code="BOOKING_NOT_FOUND")
        usage = services.coupon_apply(
            code=data["coupon_code"],
            booking=found,
            email=data["user_email"],
            context={
                "ip": client_ip(request),
                "session_id": data.get("user_session_id", ""),
                "referrer_url": data.get("referrer_url", ""),
                "utm_source": data.get("utm_source", ""),
                "utm_medium": data.get("utm_medium", ""),
                "utm_campaign": data.get("utm_campaign", ""),
            },
        )
        payload = {
            "success": True,
            "coupon_usage_id": usage.pk,
            "discount_applied_usd": usage.discount_amount,
            "final_amount_usd": usage.final_amount,
            "currency": usage.currency,
            "booking_status": usage.booking.status,
            "message": "Coupon applied",
        }
        return ok(ApplicationSerializer(payload).data, message=_("Coupon applied"))


@extend_schema(tags=["public-coupons"])
class InfoView(PublicAPIMixin, APIView):
    """A usable code's public face (spec 000 ``GET /public/coupons/{code}/info``); unknown, inactive,
    not started, expired or used up → its refusal (404/400/409). Throttled like validation."""

    @extend_schema(summary="Public coupon information", responses=PublicCouponSerializer)
    def get(self, request, code: str):
        coupon = services.coupon_public_info(code=code, ip=client_ip(request))
        return ok(PublicCouponSerializer(coupon).data)


# --- staff ------------------------------------------------------------------------------------


class CouponFilter(FilterSet):
    """``search`` (code, internal name, notes), ``discount_type``, ``applicable_to``, ``is_active``,
    ``campaign``, ``status`` (``active`` / ``expired`` / ``inactive``)."""

    search = django_filters.CharFilter(method="filter_search", max_length=100)
    discount_type = django_filters.ChoiceFilter(choices=DiscountType.choices)
    applicable_to = django_filters.ChoiceFilter(choices=ApplicableTo.choices)
    is_active = django_filters.BooleanFilter()
    campaign = django_filters.NumberFilter(field_name="campaign_id", min_value=1, max_value=2**63 - 1)
    status = django_filters.ChoiceFilter(
        choices=[("active", "active"), ("expired", "expired"), ("inactive", "inactive")], method="filter_status"
    )

    class Meta:
        model = Coupon
        fields = ["discount_type", "applicable_to", "is_active", "campaign"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(internal_name__icontains=value) | Q(notes__icontains=value))

    def filter_status(self, queryset, name, value):
        if value == "active":
            return queryset.active()
        if value == "expired":
            return queryset.expired()
        return queryset.filter(is_active=False)


def _coupon(pk: int) -> Coupon:
    coupon = Coupon.objects.alive().select_related("created_by", "campaign").filter(pk=pk).first()
    if coupon is None:
        raise CouponNotFound()
    return coupon


def _coupon_data(coupon: Coupon, request=None) -> dict:
    return CouponSerializer(coupon, context={"totals": selectors.coupon_totals([coupon.pk]), "request": request}).data


@extend_schema(tags=["admin-coupons"])
class CouponListView(generics.ListCreateAPIView):
    """``GET /admin/coupons`` (filters of :class:`CouponFilter`, newest first) and ``POST`` (create;
    409 ``COUPON_CODE_TAKEN``, 422 field errors)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": [VIEW], "POST": [MANAGE]}
    serializer_class = CouponSerializer
    filterset_class = CouponFilter
    resource_name = "coupons"

    def get_queryset(self):
        return (
            Coupon.objects.alive().select_related("created_by", "campaign").prefetch_related("consultant_restrictions")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        page_ids = getattr(self, "_page_ids", None)
        if page_ids is not None:
            context["totals"] = selectors.coupon_totals(page_ids)
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._page_ids = [coupon.pk for coupon in page]
        return page

    @extend_schema(summary="List coupons")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a coupon", responses={201: CouponSerializer})
    def post(self, request, *args, **kwargs):
        serializer = CouponSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_create(data=serializer.validated_data, actor=request.user)
        return created(_coupon_data(_coupon(coupon.pk), request), message=_("Coupon created"))


@extend_schema(tags=["admin-coupons"])
class CouponDetailView(APIView):
    """``GET``/``PUT``/``DELETE /admin/coupons/{id}``: read, change (``PUT`` takes any subset of the
    fields), soft-delete (204). Deleted or unknown → 404 ``COUPON_NOT_FOUND``."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": [VIEW], "PUT": [MANAGE], "DELETE": [MANAGE]}

    @extend_schema(summary="Get a coupon", responses=CouponSerializer)
    def get(self, request, pk: int):
        return ok(_coupon_data(_coupon(pk), request))

    @extend_schema(summary="Update a coupon", request=CouponSerializer, responses=CouponSerializer)
    def put(self, request, pk: int):
        coupon = _coupon(pk)
        serializer = CouponSerializer(coupon, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_update(coupon=coupon, data=serializer.validated_data, actor=request.user)
        return ok(_coupon_data(_coupon(coupon.pk), request), message=_("Coupon updated"))

    @extend_schema(summary="Delete a coupon (soft)", responses={204: None})
    def delete(self, request, pk: int):
        services.coupon_delete(coupon=_coupon(pk), actor=request.user)
        return Response(status=204)


class _SwitchView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = [MANAGE]
    active = True

    def post(self, request, pk: int):
        coupon = services.coupon_set_active(coupon=_coupon(pk), active=self.active, actor=request.user)
        return ok(
            _coupon_data(_coupon(coupon.pk), request),
            message=_("Coupon activated") if self.active else _("Coupon deactivated"),
        )


@extend_schema(tags=["admin-coupons"], summary="Activate a coupon", request=None, responses=CouponSerializer)
class ActivateView(_SwitchView):
    """``POST /admin/coupons/{id}/activate`` (idempotent)."""

    active = True


@extend_schema(tags=["admin-coupons"], summary="Deactivate a coupon", request=None, responses=CouponSerializer)
class DeactivateView(_SwitchView):
    """``POST /admin/coupons/{id}/deactivate`` (idempotent; sets ``deactivated_at``)."""

    active = False


@extend_schema(tags=["admin-coupons"])
class BulkView(APIView):
    """``POST /admin/coupons/bulk``: ``count`` unique codes ``PREFIX-XXXXXXXX`` (an alphabet without
    look-alikes) sharing ``template``; the answer is the CSV of the codes (``text/csv`` attachment)."""

    permission_classes = [HasRolePermissions]
    required_permissions = [MANAGE]

    @extend_schema(
        summary="Create coupons in bulk (CSV of the codes)",
        request=BulkInputSerializer,
        responses={(201, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per code.")},
    )
    def post(self, request):
        body = BulkInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        coupons = services.coupon_bulk_create(
            prefix=data["prefix"],
            count=data["count"],
            length=data["length"],
            template=data["template"],
            actor=request.user,
        )
        response = HttpResponse(services.coupons_csv(coupons), content_type="text/csv; charset=utf-8", status=201)
        response["Content-Disposition"] = f'attachment; filename="coupons-{data["prefix"] or "bulk"}.csv"'
        return response


class UsageFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=UsageStatus.choices)
    email = django_filters.CharFilter(field_name="email_normalised", lookup_expr="iexact", max_length=254)
    code = django_filters.CharFilter(field_name="coupon__code", lookup_expr="iexact", max_length=50)

    class Meta:
        model = CouponUsage
        fields = ["status"]


@extend_schema(tags=["admin-coupons"])
class UsageListView(generics.ListAPIView):
    """``GET /admin/coupons/usage``: every redemption (reserved, redeemed, released, refunded), newest
    first; ``status``, ``email``, ``code`` filter."""

    permission_classes = [HasRolePermissions]
    required_permissions = [VIEW]
    serializer_class = UsageSerializer
    filterset_class = UsageFilter
    resource_name = "usages"

    def get_queryset(self):
        return CouponUsage.objects.select_related("coupon", "booking")

    @extend_schema(summary="All coupon usage records")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["admin-coupons"])
class CouponUsageListView(UsageListView):
    """``GET /admin/coupons/{id}/usage``: one coupon's redemptions."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CouponUsage.objects.none()
        return super().get_queryset().filter(coupon=_coupon(self.kwargs["pk"]))

    @extend_schema(summary="A coupon's usage history", operation_id="admin_coupon_usage_history")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["admin-coupons"])
class CouponAnalyticsView(APIView):
    """``GET /admin/coupons/{id}/analytics``: spec 000 ``CouponAnalyticsResponse``."""

    permission_classes = [HasRolePermissions]
    required_permissions = [ANALYTICS]

    @extend_schema(summary="A coupon's performance", responses=CouponAnalyticsSerializer)
    def get(self, request, pk: int):
        coupon = _coupon(pk)
        return ok({"coupon": _coupon_data(coupon, request), **selectors.coupon_analytics(coupon)})


@extend_schema(tags=["admin-coupons"])
class SummaryView(APIView):
    """``GET /admin/coupons/analytics/summary``: spec 000 ``SystemCouponAnalytics`` (recent activity: 30 days)."""

    permission_classes = [HasRolePermissions]
    required_permissions = [ANALYTICS]

    @extend_schema(summary="System-wide coupon analytics", responses=SystemCouponAnalyticsSerializer)
    def get(self, request):
        return ok(SystemCouponAnalyticsSerializer(selectors.system_analytics()).data)


@extend_schema(tags=["admin-coupons"])
class CampaignListView(generics.ListCreateAPIView):
    """``GET``/``POST /admin/coupons/campaigns``: campaigns newest first; create (422 field errors)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": [VIEW], "POST": [MANAGE]}
    serializer_class = CouponCampaignSerializer
    resource_name = "campaigns"
    queryset = CouponCampaign.objects.all()

    @extend_schema(summary="List coupon campaigns")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a coupon campaign", responses={201: CouponCampaignSerializer})
    def post(self, request, *args, **kwargs):
        serializer = CouponCampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_create(data=serializer.validated_data, actor=request.user)
        return created(CouponCampaignSerializer(campaign).data, message=_("Campaign created"))


@extend_schema(tags=["admin-coupons"])
class CampaignPerformanceView(APIView):
    """``GET /admin/coupons/campaigns/{id}/performance``: codes, attempts, redemptions, money per
    currency and the pause state of one campaign."""

    permission_classes = [HasRolePermissions]
    required_permissions = [ANALYTICS]

    @extend_schema(summary="Campaign performance", responses=CouponCampaignPerformanceSerializer)
    def get(self, request, pk: int):
        campaign = services.campaign_get(pk)
        return ok(CouponCampaignPerformanceSerializer(selectors.campaign_performance(campaign)).data)
