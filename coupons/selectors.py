"""Reads shared by the API and the admin: usage, revenue and cost per coupon and campaign, and the
analytics of spec 000 (``CouponAnalyticsResponse``, ``SystemCouponAnalytics``, campaign performance).

Money figures come from the redeemed uses only (a reserved use is not money yet; a released or
refunded one never was), as ``Decimal`` per currency: ``revenue`` = what was charged
(``final_amount``), ``discount`` = what the codes took off (the cost), ``gross`` = list prices.
Attempts (``fraud.models.Attempt`` of scope ``coupon``, subject = the code) count every validation,
application and info request, refused or not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from bookings.models import BookingStatus
from fraud import conf as fraud_conf
from fraud.models import Attempt, FlaggedUser

from .models import Coupon, CouponCampaign, CouponUsage, UsageStatus

ZERO = Decimal("0.00")
#: From this risk score on a use counts as suspicious (``FRAUD_RISK_HIGH``, default 60).
risk_high = fraud_conf.risk_high


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _pct(part: int | Decimal, whole: int | Decimal) -> float:
    return round(float(part) * 100 / float(whole), 2) if whole else 0.0


def money_by_currency(usages: QuerySet[CouponUsage]) -> list[dict[str, Any]]:
    """``[{"currency", "uses", "gross", "discount", "revenue"}]`` of the redeemed ``usages``, per currency."""
    rows = (
        usages.filter(status=UsageStatus.REDEEMED)
        .values("currency")
        .annotate(
            uses=Count("id"), gross=Sum("list_amount"), discount=Sum("discount_amount"), revenue=Sum("final_amount")
        )
        .order_by("currency")
    )
    return [
        {
            "currency": row["currency"],
            "uses": row["uses"],
            "gross": _money(row["gross"]),
            "discount": _money(row["discount"]),
            "revenue": _money(row["revenue"]),
        }
        for row in rows
    ]


def _financial(usages: QuerySet[CouponUsage]) -> dict[str, Any]:
    """Spec ``financial_impact`` in the default currency (``DEFAULT_CURRENCY``, USD) plus every
    currency in ``by_currency``."""
    currency = getattr(settings, "DEFAULT_CURRENCY", "USD")
    redeemed = usages.filter(status=UsageStatus.REDEEMED, currency=currency)
    totals = redeemed.aggregate(
        n=Count("id"), discount=Sum("discount_amount"), revenue=Sum("final_amount"), gross=Sum("list_amount")
    )
    n = totals["n"] or 0
    return {
        "currency": currency,
        "total_discounts_given": _money(totals["discount"]),
        "revenue_generated": _money(totals["revenue"]),
        "average_discount_per_use": _money((totals["discount"] or ZERO) / n if n else ZERO),
        "estimated_revenue_without_coupon": _money(totals["gross"]),
        "by_currency": money_by_currency(usages),
    }


def attempts_for(codes: list[str] | None = None) -> QuerySet[Attempt]:
    """The coupon attempts, of ``codes`` only when given."""
    attempts = Attempt.objects.filter(scope="coupon")
    return attempts if codes is None else attempts.filter(subject__in=codes)


def coupon_analytics(coupon: Coupon) -> dict[str, Any]:
    """Spec 000 ``CouponAnalyticsResponse`` without ``coupon`` (the view adds it)."""
    usages = coupon.usages.all()
    redeemed = usages.filter(status=UsageStatus.REDEEMED)
    attempts = attempts_for([coupon.code])
    total_attempts = attempts.count()
    successes = attempts.filter(success=True).count()
    per_user = redeemed.values("email_normalised").annotate(n=Count("id"))
    booked = redeemed.filter(
        booking__status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
    )
    attended = redeemed.filter(booking__status=BookingStatus.COMPLETED).count()
    no_show = redeemed.filter(booking__status=BookingStatus.NO_SHOW).count()
    return {
        "usage_statistics": {
            "total_attempts": total_attempts,
            "successful_uses": redeemed.count(),
            "failed_attempts": total_attempts - successes,
            "success_rate_percent": _pct(successes, total_attempts),
            "unique_users": per_user.count(),
            "repeat_users": per_user.filter(n__gt=1).count(),
        },
        "financial_impact": _financial(usages),
        "conversion_metrics": {
            "bookings_completed": booked.count(),
            "sessions_attended": attended,
            "attendance_rate_percent": _pct(attended, attended + no_show),
            "conversion_to_paid_customer": redeemed.filter(final_amount__gt=0).count(),
        },
        "usage_timeline": _timeline(attempts, redeemed),
        "fraud_analysis": _fraud(usages),
    }


def _timeline(attempts: QuerySet[Attempt], redeemed: QuerySet[CouponUsage]) -> list[dict[str, Any]]:
    days: dict[date, dict[str, Any]] = defaultdict(
        lambda: {"attempts": 0, "successful_uses": 0, "revenue_generated": ZERO}
    )
    for row in attempts.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("id")):
        days[row["day"]]["attempts"] = row["n"]
    for row in (
        redeemed.annotate(day=TruncDate("redeemed_at"))
        .values("day")
        .annotate(n=Count("id"), revenue=Sum("final_amount"))
    ):
        days[row["day"]]["successful_uses"] = row["n"]
        days[row["day"]]["revenue_generated"] = row["revenue"] or ZERO
    return [
        {"date": day.isoformat(), **values, "revenue_generated": _money(values["revenue_generated"])}
        for day, values in sorted(days.items())
        if day is not None
    ]


def _fraud(usages: QuerySet[CouponUsage]) -> dict[str, Any]:
    emails = set(usages.values_list("email_normalised", flat=True))
    flagged = sorted(
        set(FlaggedUser.objects.active().filter(email_normalised__in=emails).values_list("email_normalised", flat=True))
    )
    average = usages.aggregate(avg=Avg("risk_score"))["avg"]
    return {
        "suspicious_usage_count": usages.filter(risk_score__gte=risk_high()).count(),
        "flagged_users": flagged,
        "risk_score_average": round(float(average or 0), 2),
    }


def system_analytics(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Spec 000 ``SystemCouponAnalytics``: ``recent_activity`` covers the last ``days`` days (UTC)."""
    now = now or timezone.now()
    coupons = Coupon.objects.alive()
    attempts = attempts_for()
    total_attempts = attempts.count()
    usages = CouponUsage.objects.all()
    redeemed = usages.filter(status=UsageStatus.REDEEMED)
    successes = attempts.filter(success=True).count()
    financial = _financial(usages)
    used_coupons = redeemed.values("coupon").distinct().count()
    top = (
        redeemed.values("coupon__code")
        .annotate(uses=Count("id"), revenue=Sum("final_amount"))
        .order_by("-uses", "-revenue", "coupon__code")[:10]
    )
    top_codes = [row["coupon__code"] for row in top]
    attempt_counts: dict[str, tuple[int, int]] = {
        row["subject"]: (row["ok"], row["n"])
        for row in attempts.filter(subject__in=top_codes)
        .values("subject")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(success=True)))
    }
    first_day = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(first_day, time.min, tzinfo=now.tzinfo)
    activity: dict[date, dict[str, int]] = {
        first_day + timedelta(days=i): {"coupon_attempts": 0, "successful_redemptions": 0, "new_coupons_created": 0}
        for i in range(days)
    }
    for row in (
        attempts.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
    ):
        if row["day"] in activity:
            activity[row["day"]]["coupon_attempts"] = row["n"]
    for row in (
        redeemed.filter(redeemed_at__gte=since)
        .annotate(day=TruncDate("redeemed_at"))
        .values("day")
        .annotate(n=Count("id"))
    ):
        if row["day"] in activity:
            activity[row["day"]]["successful_redemptions"] = row["n"]
    for row in (
        coupons.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
    ):
        if row["day"] in activity:
            activity[row["day"]]["new_coupons_created"] = row["n"]
    return {
        "overview": {
            "total_coupons": coupons.count(),
            "active_coupons": coupons.active(now).count(),
            "expired_coupons": coupons.expired(now).count(),
            "total_usage_attempts": total_attempts,
            "successful_redemptions": redeemed.count(),
            "overall_success_rate": _pct(successes, total_attempts),
        },
        "financial_summary": {
            "currency": financial["currency"],
            "total_discounts_given": financial["total_discounts_given"],
            "revenue_generated_from_coupons": financial["revenue_generated"],
            "average_discount_per_coupon": _money(
                Decimal(financial["total_discounts_given"]) / used_coupons if used_coupons else ZERO
            ),
            # What the codes cost against what the same bookings would have paid: − discounts.
            "estimated_revenue_impact": _money(-Decimal(financial["total_discounts_given"])),
            "by_currency": financial["by_currency"],
        },
        "top_performing_coupons": [
            {
                "coupon_code": row["coupon__code"],
                "usage_count": row["uses"],
                "revenue_generated": _money(row["revenue"]),
                "success_rate": _pct(*attempt_counts.get(row["coupon__code"], (0, 0))),
            }
            for row in top
        ],
        "recent_activity": [{"date": day.isoformat(), **values} for day, values in sorted(activity.items())],
        "fraud_detection_summary": {
            "flagged_attempts": attempts.filter(risk__gte=risk_high()).count(),
            "blocked_users": FlaggedUser.objects.active().count(),
            "risk_score_average": round(float(usages.aggregate(avg=Avg("risk_score"))["avg"] or 0), 2),
        },
    }


def campaign_performance(campaign: CouponCampaign) -> dict[str, Any]:
    """A campaign's codes, attempts, uses, money per currency and pause state."""
    usages = CouponUsage.objects.filter(coupon__campaign=campaign)
    codes = list(campaign.coupons.values_list("code", flat=True))
    attempts = attempts_for(codes)
    total_attempts = attempts.count()
    successes = attempts.filter(success=True).count()
    redeemed = usages.filter(status=UsageStatus.REDEEMED)
    return {
        "campaign_id": campaign.pk,
        "name": campaign.name,
        "paused": campaign.paused_at is not None,
        "paused_reason": campaign.paused_reason,
        "coupons": len(codes),
        "coupons_used": redeemed.values("coupon").distinct().count(),
        "total_attempts": total_attempts,
        "success_rate_percent": _pct(successes, total_attempts),
        "redemptions": redeemed.count(),
        "reserved": usages.filter(status=UsageStatus.RESERVED).count(),
        "unique_users": redeemed.values("email_normalised").distinct().count(),
        "budget": _money(campaign.budget) if campaign.budget is not None else None,
        "financial_impact": _financial(usages),
    }


def coupon_totals(coupon_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per coupon id: ``uses`` (redeemed), ``revenue`` and ``cost`` (discounts) as Decimal, summed over
    currencies (for the admin lists, which show them beside the currency)."""
    rows = (
        CouponUsage.objects.filter(coupon_id__in=coupon_ids, status=UsageStatus.REDEEMED)
        .values("coupon_id")
        .annotate(uses=Count("id"), revenue=Sum("final_amount"), cost=Sum("discount_amount"))
    )
    return {row["coupon_id"]: dict(row) for row in rows}
