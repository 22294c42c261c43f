"""Every write and rule of the coupons app: the one rule check, reservation with a booking's hold,
release, redemption, refund, staff management, bulk codes and campaigns.

The rules (spec 000 "Coupon Management", :func:`coupon_evaluate`, in this order, first refusal wins):
deleted or unknown code → ``unknown``; switched off (or its campaign paused) → ``inactive``; before
``valid_from`` → ``not_started``; from ``valid_until`` → ``expired``; ``uses_count`` at
``max_uses_total`` → ``exhausted``; ``applicable_to`` / consultant / service restrictions →
``not_for_this_consultant`` / ``not_for_this_service``; ``first_time_users`` and an earlier paid or
completed booking of the identity → ``first_time_only``; the identity's live uses at
``max_uses_per_user`` → ``already_used_by_you``; a ``fixed_amount`` in another currency →
``currency_mismatch``; list price below ``minimum_order_value`` → ``minimum_not_met``.
The identity is the normalised e-mail (``fraud.services.email_normalise``) and, when signed in, the
client user. The discount: ``percentage`` = list × value / 100 (half up to cents), capped by
``max_discount_amount``; ``fixed_amount`` = value; ``free_session`` = the list price; never more
than the list price (the amount charged never goes below zero).

Concurrency (RELIABILITY C-6, C-7): :meth:`CouponDiscountProvider.reserve` runs inside the
booking's transaction, locks the coupon row (``select_for_update``; SQLite's IMMEDIATE transaction
serialises writers already), re-checks every rule, takes the person's lowest free identity slot
(a partial unique constraint refuses a duplicate) and raises ``uses_count`` by a conditional
``UPDATE … WHERE uses_count < max_uses_total`` under the check constraint ``coupon_uses_within_limit``.
Release, redemption and refund (or the cancellation of a session the code made free) are conditional
updates too, so each happens once however often a signal arrives.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.discounts import Discount, DiscountRequest
from bookings.models import BookingPaymentStatus, BookingStatus, BookingType, ConsultationBooking
from bookings.services import booking_apply_discount
from fraud import services as fraud
from magnetiq.audit import log_action
from magnetiq.formatting import format_money
from magnetiq.ips import truncate_ip

from .exceptions import (
    CampaignNotFound,
    CouponAlreadyUsed,
    CouponCodeTaken,
    CouponCurrencyMismatch,
    CouponExhausted,
    CouponExpired,
    CouponFirstTimeOnly,
    CouponInactive,
    CouponInvalid,
    CouponMinimumNotMet,
    CouponNotForConsultant,
    CouponNotForService,
    CouponNotStarted,
    CouponRefused,
    CouponUnknown,
)
from .models import (
    LIVE_STATUSES,
    ApplicableTo,
    Coupon,
    CouponCampaign,
    CouponUsage,
    DiscountType,
    UsageStatus,
    erased_identity,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
#: The scope of every attempt this app records with ``fraud``.
ATTEMPT_SCOPE = "coupon"
#: Spec 000 ``service_type`` → booking types: a "meeting" is every type but 30-for-30.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "30_for_30": (BookingType.THIRTY_FOR_THIRTY,),
    "book_a_meeting": (BookingType.STRATEGY, BookingType.AUDIT, BookingType.CUSTOM),
}
#: Bulk codes use an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
BULK_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
MAX_BULK = 10000

#: The fields staff may set on a coupon (the API serializer and the admin form are built from it).
COUPON_EDITABLE_FIELDS = (
    "code",
    "internal_name",
    "description",
    "discount_type",
    "discount_value",
    "currency",
    "max_discount_amount",
    "minimum_order_value",
    "max_uses_total",
    "max_uses_per_user",
    "valid_from",
    "valid_until",
    "applicable_to",
    "service_type_restrictions",
    "funded_by",
    "campaign",
    "campaign_source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "notes",
    "is_active",
)
CAMPAIGN_EDITABLE_FIELDS = (
    "name",
    "description",
    "source",
    "starts_at",
    "ends_at",
    "budget",
    "currency",
    "velocity_cap_per_hour",
    "is_active",
)


def refund_recredits_use() -> bool:
    """``COUPON_REFUND_RECREDITS_USE`` (default ``True``): a fully refunded booking gives its use back."""
    return bool(getattr(settings, "COUPON_REFUND_RECREDITS_USE", True))


def normalise_code(code: str) -> str:
    """Codes are case-insensitive: the stored spelling (upper case, no surrounding spaces)."""
    return (code or "").strip().upper()


def coupon_find(code: str) -> Coupon:
    """The live (not deleted) coupon with ``code`` in any case; :class:`CouponUnknown` (404) otherwise."""
    coupon = Coupon.objects.alive().select_related("campaign").filter(code=normalise_code(code)[:50]).first()
    if coupon is None:
        raise CouponUnknown()
    return coupon


# --- the rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """One person: the normalised e-mail and, when signed in, the user id."""

    email: str
    user_id: int | None = None


def identity_for(email: str, user: Any = None) -> Identity:
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    return Identity(email=fraud.email_normalise(email or ""), user_id=user_id)


def is_first_time(identity: Identity, *, exclude_booking_id: int | None = None) -> bool:
    """No earlier paid (``payment_status`` completed or refunded) or completed booking of the identity:
    its normalised e-mail, or the signed-in client. Bookings are compared on the normalised form of
    their e-mail (``j.o.e+x@gmail.com`` is ``joe@gmail.com``)."""
    done = Q(payment_status__in=[BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED]) | Q(
        status=BookingStatus.COMPLETED
    )
    bookings = ConsultationBooking.objects.filter(done)
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    if identity.user_id and bookings.filter(client_user_id=identity.user_id).exists():
        return False
    domain = identity.email.rpartition("@")[2]
    if not domain:
        return True
    # Variants share the domain (googlemail.com is gmail.com after normalising): compare in Python.
    domains = {domain, "googlemail.com"} if domain == "gmail.com" else {domain}
    candidates = bookings.filter(Q.create([("client_email__iendswith", f"@{d}") for d in domains], connector=Q.OR))
    return not any(
        fraud.email_normalise(email) == identity.email for email in candidates.values_list("client_email", flat=True)
    )


def previous_uses(coupon: Coupon, identity: Identity) -> int:
    """The identity's live uses of ``coupon``."""
    return coupon.usages.live().for_identity(email_normalised=identity.email, user_id=identity.user_id).count()


def discount_for(coupon: Coupon, list_amount: Decimal) -> Decimal:
    """What ``coupon`` takes off ``list_amount`` (Decimal, cents, 0 ≤ result ≤ list_amount)."""
    list_amount = Decimal(list_amount).quantize(CENT)
    if coupon.discount_type == DiscountType.FREE_SESSION:
        amount = list_amount
    elif coupon.discount_type == DiscountType.PERCENTAGE:
        amount = (list_amount * coupon.discount_value / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
        if coupon.max_discount_amount is not None:
            amount = min(amount, coupon.max_discount_amount)
    else:
        amount = coupon.discount_value
    return max(Decimal("0.00"), min(Decimal(amount).quantize(CENT), list_amount))


def coupon_evaluate(
    *,
    coupon: Coupon,
    list_amount: Decimal,
    currency: str,
    identity: Identity,
    consultant_id: int | None = None,
    booking_type: str = "",
    exclude_booking_id: int | None = None,
    now: datetime | None = None,
) -> Decimal:
    """Check every rule of the module docstring for one booking; return the discount (Decimal in
    ``currency``) or raise the first :class:`CouponRefused`. Reads only. ``booking_type`` empty and
    ``consultant_id`` None skip the checks that need them (a validation without a consultant)."""
    now = now or timezone.now()
    if coupon.deleted_at is not None:
        raise CouponUnknown()
    campaign = coupon.campaign
    if not coupon.is_active or (campaign is not None and (not campaign.is_active or campaign.paused_at)):
        raise CouponInactive()
    if coupon.valid_from > now:
        raise CouponNotStarted()
    if coupon.valid_until is not None and coupon.valid_until <= now:
        raise CouponExpired()
    if coupon.max_uses_total is not None and coupon.uses_count >= coupon.max_uses_total:
        raise CouponExhausted()
    if booking_type:
        if coupon.applicable_to == ApplicableTo.THIRTY_FOR_THIRTY and booking_type not in SERVICE_TYPES["30_for_30"]:
            raise CouponNotForService()
        if coupon.applicable_to == ApplicableTo.BOOK_A_MEETING and booking_type not in SERVICE_TYPES["book_a_meeting"]:
            raise CouponNotForService()
        if coupon.service_type_restrictions and booking_type not in coupon.service_type_restrictions:
            raise CouponNotForService()
    if consultant_id is not None:
        restricted = set(coupon.consultant_restrictions.values_list("pk", flat=True))
        if (
            restricted or coupon.applicable_to == ApplicableTo.SPECIFIC_CONSULTANTS
        ) and consultant_id not in restricted:
            raise CouponNotForConsultant()
    if coupon.applicable_to == ApplicableTo.FIRST_TIME_USERS and not is_first_time(
        identity, exclude_booking_id=exclude_booking_id
    ):
        raise CouponFirstTimeOnly()
    if previous_uses(coupon, identity) >= coupon.max_uses_per_user:
        raise CouponAlreadyUsed()
    if coupon.discount_type == DiscountType.FIXED_AMOUNT and coupon.currency != currency:
        raise CouponCurrencyMismatch(
            CouponCurrencyMismatch.message % {"coupon_currency": coupon.currency, "currency": currency}
        )
    if list_amount < coupon.minimum_order_value:
        # Written like every price the visitor sees (Babel, the request's language): "$50.00", "50,00 $".
        raise CouponMinimumNotMet(
            CouponMinimumNotMet.message % {"minimum": format_money(coupon.minimum_order_value, currency)}
        )
    return discount_for(coupon, list_amount)


# --- attempts (fraud controls) ------------------------------------------------------------------


def _guard(*, ip: str, identity: Identity) -> None:
    if ip:
        fraud.attempt_guard(scope=ATTEMPT_SCOPE, ip=ip, email=identity.email, user_id=identity.user_id)


def _record_attempt(*, ip: str, identity: Identity, code: str, error: CouponRefused | None) -> None:
    if ip:
        fraud.attempt_record(
            scope=ATTEMPT_SCOPE,
            ip=ip,
            email=identity.email,
            user_id=identity.user_id,
            success=error is None,
            reason=error.reason if error else "",
            subject=normalise_code(code)[:100],
        )


def _checked(code: str, *, ip: str, identity: Identity, evaluate) -> tuple[Coupon, Decimal]:
    """Guard the attempt, find and evaluate the code, record the attempt either way (the refusal is
    re-raised after it is recorded)."""
    _guard(ip=ip, identity=identity)
    try:
        coupon = coupon_find(code)
        amount = evaluate(coupon)
    except CouponRefused as error:
        _record_attempt(ip=ip, identity=identity, code=code, error=error)
        raise
    _record_attempt(ip=ip, identity=identity, code=code, error=None)
    return coupon, amount


# --- the discount provider of bookings ----------------------------------------------------------


class CouponDiscountProvider:
    """The :class:`bookings.discounts.DiscountProvider` of coupon codes (registered in ``apps.py``)."""

    def quote(self, request: DiscountRequest) -> Discount:
        """The code's discount for the booking being made, or its refusal; the attempt is recorded
        with the fraud controls (guarded per IP and e-mail when the request carries an ``ip``)."""
        identity = identity_for(request.email, request.client_user)
        coupon, amount = _checked(
            request.code,
            ip=request.context.get("ip", ""),
            identity=identity,
            evaluate=lambda coupon: coupon_evaluate(
                coupon=coupon,
                list_amount=request.list_amount,
                currency=request.currency,
                identity=identity,
                consultant_id=request.consultant.pk,
                booking_type=request.booking_type,
                now=request.now,
            ),
        )
        return Discount(code=coupon.code, amount=amount, funded_by=coupon.funded_by, free=amount == request.list_amount)

    def reserve(self, request: DiscountRequest, booking: ConsultationBooking) -> Discount:
        """Reserve one use for ``booking`` inside the caller's transaction (see the module docstring)."""
        return coupon_reserve(request=request, booking=booking)


def _lowest_free_slot(coupon: Coupon, identity: Identity) -> int:
    taken = set(coupon.usages.live().filter(email_normalised=identity.email).values_list("identity_slot", flat=True))
    return next(slot for slot in range(1, coupon.max_uses_per_user + 2) if slot not in taken)


def coupon_reserve(*, request: DiscountRequest, booking: ConsultationBooking, now: datetime | None = None) -> Discount:
    """Count one use of ``request.code`` for the saved ``booking``: lock the coupon, re-check every
    rule, record a ``reserved`` :class:`CouponUsage` (with the fraud risk score) and raise
    ``uses_count`` conditionally. Must run inside the booking's transaction. Raises the refusal
    (:class:`CouponExhausted` / :class:`CouponAlreadyUsed` when a concurrent redemption won)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("coupon_reserve must run inside the booking's transaction.")
    now = now or request.now or timezone.now()
    identity = identity_for(request.email, request.client_user)
    found = coupon_find(request.code)
    coupon = Coupon.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=found.pk)
    amount = coupon_evaluate(
        coupon=coupon,
        list_amount=request.list_amount,
        currency=request.currency,
        identity=identity,
        consultant_id=request.consultant.pk,
        booking_type=request.booking_type,
        exclude_booking_id=booking.pk,
        now=now,
    )
    context = request.context
    risk = fraud.risk_assess(ip=context.get("ip", ""), email=identity.email, user_id=identity.user_id)
    usage = CouponUsage(
        coupon=coupon,
        booking=booking,
        status=UsageStatus.RESERVED,
        email_normalised=identity.email,
        client_user_id=identity.user_id,
        identity_slot=_lowest_free_slot(coupon, identity),
        list_amount=request.list_amount,
        discount_amount=amount,
        final_amount=request.list_amount - amount,
        currency=request.currency,
        funded_by=coupon.funded_by,
        session_id=str(context.get("session_id", ""))[:100],
        referrer_url=str(context.get("referrer_url", ""))[:500],
        utm_source=str(context.get("utm_source", ""))[:100],
        utm_medium=str(context.get("utm_medium", ""))[:100],
        utm_campaign=str(context.get("utm_campaign", ""))[:100],
        ip_address=truncate_ip(str(context.get("ip", ""))),
        risk_score=max(0, min(100, int(risk.score))),
        risk_reasons=list(risk.reasons),
        reserved_at=now,
    )
    try:
        with transaction.atomic():
            usage.save()
    except IntegrityError:
        raise CouponAlreadyUsed() from None
    counted = Coupon.objects.filter(pk=coupon.pk)
    if coupon.max_uses_total is not None:
        counted = counted.filter(uses_count__lt=coupon.max_uses_total)
    if not counted.update(uses_count=F("uses_count") + 1, updated_at=now):
        raise CouponExhausted()
    log_action(
        usage,
        "coupons.usage.reserved",
        data={"code": coupon.code, "booking": booking.reference, "discount": str(amount), "risk": usage.risk_score},
    )
    if coupon.campaign_id:
        _check_velocity(coupon.campaign_id, now)
    return Discount(code=coupon.code, amount=amount, funded_by=coupon.funded_by, free=amount == request.list_amount)


def _check_velocity(campaign_id: int, now: datetime) -> None:
    """Pause the campaign when its redemptions of the last hour reach its cap, and tell staff."""
    campaign = CouponCampaign.objects.select_for_update().get(pk=campaign_id)
    if not campaign.velocity_cap_per_hour or campaign.paused_at:
        return
    recent = CouponUsage.objects.live().filter(
        coupon__campaign_id=campaign_id, reserved_at__gt=now - timedelta(hours=1)
    )
    if recent.count() < campaign.velocity_cap_per_hour:
        return
    campaign.paused_at = now
    campaign.paused_reason = f"{campaign.velocity_cap_per_hour} redemptions within an hour (velocity cap)."
    campaign.save(update_fields=["paused_at", "paused_reason", "updated_at"])
    log_action(campaign, "coupons.campaign.paused", data={"reason": campaign.paused_reason})
    from .tasks import notify_campaign_paused

    transaction.on_commit(lambda: notify_campaign_paused.enqueue(campaign_id=campaign_id))


def coupon_usage_release(*, booking_id: int, now: datetime | None = None) -> bool:
    """Give back the reserved use of ``booking_id`` (hold expired, cancelled before payment):
    ``reserved`` → ``released`` and ``uses_count`` − 1, once. Returns ``True`` when this call did it."""
    now = now or timezone.now()
    with transaction.atomic():
        usage = CouponUsage.objects.filter(booking_id=booking_id, status=UsageStatus.RESERVED).first()
        if usage is None:
            return False
        if not CouponUsage.objects.filter(pk=usage.pk, status=UsageStatus.RESERVED).update(
            status=UsageStatus.RELEASED, released_at=now
        ):
            return False
        Coupon.objects.filter(pk=usage.coupon_id, uses_count__gt=0).update(uses_count=F("uses_count") - 1)
        log_action(usage, "coupons.usage.released", data={"booking_id": booking_id})
    return True


def coupon_usage_finalise(*, booking_id: int, now: datetime | None = None) -> bool:
    """The booking is paid (or free and confirmed): its use becomes ``redeemed``, once.

    A use released because the hold expired comes back when a late payment revived the booking, if
    the code still has a use left (the person paid the discounted price); otherwise it stays released
    and an error is logged for staff. Returns ``True`` when this call redeemed it."""
    now = now or timezone.now()
    with transaction.atomic():
        if CouponUsage.objects.filter(booking_id=booking_id, status=UsageStatus.RESERVED).update(
            status=UsageStatus.REDEEMED, redeemed_at=now
        ):
            return True
        usage = (
            CouponUsage.objects.filter(booking_id=booking_id, status=UsageStatus.RELEASED)
            .select_related("coupon")
            .order_by("-reserved_at")
            .first()
        )
        if usage is None or CouponUsage.objects.filter(booking_id=booking_id, status__in=LIVE_STATUSES).exists():
            return False
        coupon = Coupon.objects.select_for_update().get(pk=usage.coupon_id)
        counted = Coupon.objects.filter(pk=coupon.pk)
        if coupon.max_uses_total is not None:
            counted = counted.filter(uses_count__lt=coupon.max_uses_total)
        try:
            with transaction.atomic():
                revived = CouponUsage.objects.filter(pk=usage.pk, status=UsageStatus.RELEASED).update(
                    status=UsageStatus.REDEEMED, redeemed_at=now, released_at=None
                )
                if revived and not counted.update(uses_count=F("uses_count") + 1):
                    raise IntegrityError("coupon used up")
        except IntegrityError:
            logger.error("Booking %s was paid late with code %s, which has no use left", booking_id, coupon.code)
            return False
        log_action(usage, "coupons.usage.redeemed_late", data={"booking_id": booking_id})
    return bool(revived)


def coupon_usage_free_cancelled(*, booking_id: int, now: datetime | None = None) -> bool:
    """A cancelled booking that the code made free gives its redeemed use back, as a full refund
    would (same setting, ``COUPON_REFUND_RECREDITS_USE``): nothing was paid, so nothing was consumed.

    Applies only when the use is ``redeemed`` with ``final_amount`` 0 and its booking is ``cancelled``
    with ``payment_status`` ``not_required`` (by the client within the policy window, the consultant
    or staff); then ``redeemed`` → ``refunded`` and ``uses_count`` − 1, once (a conditional update:
    a repeated ``booking_cancelled`` changes nothing). A paid booking's use waits for
    :func:`coupon_usage_refund`. Returns ``True`` when this call gave the use back."""
    if not refund_recredits_use():
        return False
    now = now or timezone.now()
    with transaction.atomic():
        free_and_cancelled = CouponUsage.objects.filter(
            booking_id=booking_id,
            status=UsageStatus.REDEEMED,
            final_amount=0,
            booking__status=BookingStatus.CANCELLED,
            booking__payment_status=BookingPaymentStatus.NOT_REQUIRED,
        )
        usage = free_and_cancelled.first()
        if usage is None or not free_and_cancelled.filter(pk=usage.pk).update(
            status=UsageStatus.REFUNDED, released_at=now
        ):
            return False
        Coupon.objects.filter(pk=usage.coupon_id, uses_count__gt=0).update(uses_count=F("uses_count") - 1)
        log_action(usage, "coupons.usage.free_session_cancelled", data={"booking_id": booking_id})
    return True


def coupon_usage_refund(*, booking_id: int, now: datetime | None = None) -> bool:
    """A fully refunded booking gives its redeemed use back when ``COUPON_REFUND_RECREDITS_USE`` is on:
    ``redeemed`` → ``refunded`` and ``uses_count`` − 1, once. Returns ``True`` when this call did it."""
    if not refund_recredits_use():
        return False
    now = now or timezone.now()
    with transaction.atomic():
        usage = CouponUsage.objects.filter(booking_id=booking_id, status=UsageStatus.REDEEMED).first()
        if usage is None or not CouponUsage.objects.filter(pk=usage.pk, status=UsageStatus.REDEEMED).update(
            status=UsageStatus.REFUNDED, released_at=now
        ):
            return False
        Coupon.objects.filter(pk=usage.coupon_id, uses_count__gt=0).update(uses_count=F("uses_count") - 1)
        log_action(usage, "coupons.usage.refunded", data={"booking_id": booking_id})
    return True


def coupon_usages_erase(*, email: str) -> int:
    """GDPR erasure (Art. 17) of one person's coupon uses: the normalised e-mail becomes its
    :func:`coupons.models.erased_identity` hash (per-person limits keep holding), and the session,
    referrer and truncated IP are cleared; the amounts, status and booking stay, as the booking's
    money records do. The person's validation attempts are cleared by
    :func:`fraud.services.attempts_erase_identity`. Idempotent. Returns the uses changed."""
    normalised = fraud.email_normalise(email)
    if not normalised:
        return 0
    with transaction.atomic():
        changed = CouponUsage.objects.filter(email_normalised=normalised).update(
            email_normalised=erased_identity(normalised), session_id="", referrer_url="", ip_address=""
        )
        fraud.attempts_erase_identity(email=email)
    return changed


# --- public operations --------------------------------------------------------------------------


@dataclass
class Validation:
    """The answer of :func:`coupon_validate` (spec 000 ``CouponValidationResponse``)."""

    valid: bool
    coupon: Coupon | None = None
    list_amount: Decimal = Decimal("0.00")
    discount_amount: Decimal = Decimal("0.00")
    currency: str = "USD"
    error: CouponRefused | None = None
    is_first_time_user: bool = True
    previous_coupon_usage: int = 0
    errors: list[str] = field(default_factory=list)


def coupon_validate(
    *,
    code: str,
    email: str,
    list_amount: Decimal,
    currency: str,
    consultant_id: int | None = None,
    booking_type: str = "",
    user: Any = None,
    ip: str = "",
    now: datetime | None = None,
) -> Validation:
    """Whether ``code`` applies to a booking of ``list_amount`` in ``currency`` (spec 000
    ``POST /public/coupons/validate``). A refusal is an answer (``valid`` false, ``error`` with its
    reason), not an exception; the attempt is recorded either way. Raises only the fraud controls'
    refusals (403 ``REQUEST_REFUSED``, 429 ``RATE_LIMITED``)."""
    identity = identity_for(email, user)
    result = Validation(valid=False, list_amount=Decimal(list_amount).quantize(CENT), currency=currency)
    try:
        coupon, amount = _checked(
            code,
            ip=ip,
            identity=identity,
            evaluate=lambda coupon: coupon_evaluate(
                coupon=coupon,
                list_amount=result.list_amount,
                currency=currency,
                identity=identity,
                consultant_id=consultant_id,
                booking_type=booking_type,
                now=now,
            ),
        )
    except CouponRefused as error:
        result.error = error
        result.errors = [str(error.message)]
        found = Coupon.objects.alive().filter(code=normalise_code(code)[:50]).first()
        result.previous_coupon_usage = previous_uses(found, identity) if found else 0
        result.is_first_time_user = is_first_time(identity)
        return result
    result.valid = True
    result.coupon = coupon
    result.discount_amount = amount
    result.previous_coupon_usage = previous_uses(coupon, identity)
    result.is_first_time_user = is_first_time(identity)
    return result


def coupon_apply(
    *, code: str, booking: ConsultationBooking, email: str, context: dict[str, str] | None = None
) -> CouponUsage:
    """Apply ``code`` to a held booking (spec 000 ``POST /public/coupons/apply``; the booking is
    addressed by its reference). ``email`` must be the booking's e-mail (else :class:`CouponUnknown`
    is not leaked: 404 ``BOOKING_NOT_FOUND`` is the caller's). Guards and records the attempt; the
    booking service reserves the use in its own transaction. Raises the refusal,
    ``BookingStateConflict`` (409, the booking takes no code now)."""
    context = dict(context or {})
    identity = identity_for(email, booking.client_user)
    ip = context.get("ip", "")
    _guard(ip=ip, identity=identity)
    try:
        booking = booking_apply_discount(booking=booking, coupon_code=code, coupon_context=context)
    except CouponRefused as error:
        _record_attempt(ip=ip, identity=identity, code=code, error=error)
        raise
    _record_attempt(ip=ip, identity=identity, code=code, error=None)
    return CouponUsage.objects.live().select_related("coupon", "booking").get(booking=booking)


def coupon_public_info(*, code: str, ip: str = "", now: datetime | None = None) -> Coupon:
    """A code's public face (spec 000 ``GET /public/coupons/{code}/info``) while it is usable now:
    alive, active, inside its window and not used up; refusals as :func:`coupon_evaluate` names them.
    Guarded and recorded like a validation, so nobody can enumerate codes."""
    now = now or timezone.now()
    identity = Identity(email="")

    def usable(coupon: Coupon) -> Decimal:
        campaign = coupon.campaign
        if not coupon.is_active or (campaign is not None and (not campaign.is_active or campaign.paused_at)):
            raise CouponInactive()
        if coupon.valid_from > now:
            raise CouponNotStarted()
        if coupon.valid_until is not None and coupon.valid_until <= now:
            raise CouponExpired()
        if coupon.max_uses_total is not None and coupon.uses_count >= coupon.max_uses_total:
            raise CouponExhausted()
        return Decimal("0.00")

    coupon, _amount = _checked(code, ip=ip, identity=identity, evaluate=usable)
    return coupon


# --- staff --------------------------------------------------------------------------------------


def _invalid(field_name: str, message) -> CouponInvalid:
    return CouponInvalid(message, details=[{"field": field_name, "message": message, "code": "invalid"}])


def _apply_fields(coupon: Coupon, data: dict[str, Any]) -> list:
    consultants = data.pop("consultant_restrictions", None)
    for name, value in data.items():
        if name not in COUPON_EDITABLE_FIELDS:
            raise _invalid(name, _("This field cannot be set."))
        setattr(coupon, name, value)
    coupon.code = normalise_code(coupon.code)
    if coupon.discount_type != DiscountType.FIXED_AMOUNT and not data.get("currency"):
        coupon.currency = coupon.currency or ""
    if coupon.discount_type == DiscountType.FIXED_AMOUNT:
        coupon.currency = (coupon.currency or "").upper()
    if coupon.service_type_restrictions and not set(coupon.service_type_restrictions) <= set(BookingType.values):
        raise _invalid(
            "service_type_restrictions", _("Use booking types: %(types)s.") % {"types": ", ".join(BookingType.values)}
        )
    if coupon.applicable_to == ApplicableTo.SPECIFIC_CONSULTANTS and consultants is not None and not consultants:
        raise _invalid("consultant_restrictions", _("Name at least one consultant."))
    return consultants


def _save(coupon: Coupon) -> None:
    from django.core.exceptions import ValidationError

    try:
        coupon.full_clean()
    except ValidationError as error:
        if "code" in error.message_dict and Coupon.objects.filter(code=coupon.code).exclude(pk=coupon.pk).exists():
            raise CouponCodeTaken() from None
        details = [
            {"field": name, "message": message, "code": "invalid"}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
        raise CouponInvalid(details=details) from None
    try:
        with transaction.atomic():
            coupon.save()
    except IntegrityError:
        raise CouponCodeTaken() from None


def _set_consultants(coupon: Coupon, consultants) -> None:
    """The coupon's consultant restrictions are rows of its own link table (coupons owns them)."""
    through = Coupon.consultant_restrictions.through
    through.objects.filter(coupon_id=coupon.pk).delete()
    through.objects.bulk_create([through(coupon_id=coupon.pk, consultant_id=c.pk) for c in consultants])


def coupon_create(*, data: dict[str, Any], actor=None) -> Coupon:
    """Create a coupon from :data:`COUPON_EDITABLE_FIELDS` (+ ``consultant_restrictions``: consultants).
    Raises :class:`CouponInvalid` (422) and :class:`CouponCodeTaken` (409)."""
    data = dict(data)
    coupon = Coupon(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    with transaction.atomic():
        consultants = _apply_fields(coupon, data)
        _save(coupon)
        if consultants is not None:
            _set_consultants(coupon, consultants)
        log_action(coupon, "coupons.coupon.created", actor=actor, data={"code": coupon.code})
    return coupon


def coupon_update(*, coupon: Coupon, data: dict[str, Any], actor=None) -> Coupon:
    """Change a coupon's fields (``uses_count`` is never set by hand). Same errors as :func:`coupon_create`."""
    data = dict(data)
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        was_active = coupon.is_active
        consultants = _apply_fields(coupon, data)
        if was_active and not coupon.is_active:
            coupon.deactivated_at = timezone.now()
        elif coupon.is_active:
            coupon.deactivated_at = None
        _save(coupon)
        if consultants is not None:
            _set_consultants(coupon, consultants)
        log_action(coupon, "coupons.coupon.updated", actor=actor, data={"fields": sorted(data)})
    return coupon


def coupon_set_active(*, coupon: Coupon, active: bool, actor=None) -> Coupon:
    """Switch a coupon on or off (``deactivated_at`` set when switched off); idempotent."""
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        if coupon.is_active == active:
            return coupon
        coupon.is_active = active
        coupon.deactivated_at = None if active else timezone.now()
        coupon.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        log_action(coupon, "coupons.coupon.activated" if active else "coupons.coupon.deactivated", actor=actor)
    return coupon


def coupon_delete(*, coupon: Coupon, actor=None) -> Coupon:
    """Soft-delete a coupon (``deleted_at``; switched off; its usages stay for the reports)."""
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        if coupon.deleted_at is None:
            now = timezone.now()
            coupon.deleted_at = now
            coupon.is_active = False
            coupon.deactivated_at = coupon.deactivated_at or now
            coupon.save(update_fields=["deleted_at", "is_active", "deactivated_at", "updated_at"])
            log_action(coupon, "coupons.coupon.deleted", actor=actor, data={"code": coupon.code})
    return coupon


def bulk_code(prefix: str, length: int) -> str:
    """``PREFIX-XXXXXXXX``: ``length`` random characters of :data:`BULK_ALPHABET` (about 4.6 bits each)."""
    body = "".join(secrets.choice(BULK_ALPHABET) for _ in range(length))
    return f"{prefix}-{body}" if prefix else body


def coupon_bulk_create(
    *, prefix: str, count: int, template: dict[str, Any], length: int = 8, actor=None
) -> list[Coupon]:
    """Create ``count`` (1–10 000) coupons with unique codes ``PREFIX-XXXXXXXX`` sharing ``template``'s
    fields (each usable ``max_uses_total`` times, default once). A drawn code that exists is drawn
    again. Raises :class:`CouponInvalid`."""
    prefix = normalise_code(prefix)
    if not 1 <= count <= MAX_BULK:
        raise _invalid("count", _("Between 1 and %(max)s codes.") % {"max": MAX_BULK})
    if not re.fullmatch(r"[A-Z0-9_-]{0,30}", prefix):
        raise _invalid("prefix", _("Up to 30 letters, digits, “-” or “_”."))
    if not 6 <= length <= 16:
        raise _invalid("length", _("Between 6 and 16 characters."))
    template = {key: value for key, value in template.items() if key != "code"}
    template.setdefault("max_uses_total", 1)
    template.setdefault("internal_name", prefix or "bulk")
    consultants = template.pop("consultant_restrictions", None)
    created: list[Coupon] = []
    with transaction.atomic():
        probe = Coupon(code=bulk_code(prefix, length))
        _apply_fields(probe, dict(template))
        codes: set[str] = set()
        while len(codes) < count:
            needed = count - len(codes)
            drawn = {bulk_code(prefix, length) for _ in range(needed)} - codes
            drawn -= set(Coupon.objects.filter(code__in=drawn).values_list("code", flat=True))
            codes |= set(list(drawn)[:needed])
        for code in sorted(codes):
            coupon = Coupon(created_by=actor if getattr(actor, "is_authenticated", False) else None)
            _apply_fields(coupon, {**template, "code": code})
            created.append(coupon)
        probe.full_clean(exclude=["code"])
        Coupon.objects.bulk_create(created)
        created = list(Coupon.objects.filter(code__in=codes).order_by("code"))
        if consultants:
            through = Coupon.consultant_restrictions.through
            through.objects.bulk_create(
                [through(coupon_id=c.pk, consultant_id=x.pk) for c in created for x in consultants]
            )
        log_action(
            created[0], "coupons.coupon.bulk_created", actor=actor, data={"prefix": prefix, "count": len(created)}
        )
    return created


def coupons_csv(coupons) -> str:
    """The codes as CSV (``code,internal_name,discount_type,discount_value,currency,max_uses_total,
    valid_from,valid_until``); values starting with ``= + - @`` are quoted against CSV injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = [
        "code",
        "internal_name",
        "discount_type",
        "discount_value",
        "currency",
        "max_uses_total",
        "valid_from",
        "valid_until",
    ]
    writer.writerow(columns)
    for coupon in coupons:
        row = []
        for column in columns:
            value = getattr(coupon, column)
            value = "" if value is None else (value.isoformat() if isinstance(value, datetime) else str(value))
            row.append("'" + value if value[:1] in ("=", "+", "-", "@") else value)
        writer.writerow(row)
    return buffer.getvalue()


def _campaign_save(campaign: CouponCampaign, data: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    for name, value in data.items():
        if name not in CAMPAIGN_EDITABLE_FIELDS:
            raise _invalid(name, _("This field cannot be set."))
        setattr(campaign, name, value)
    try:
        campaign.full_clean()
    except ValidationError as error:
        raise CouponInvalid(
            details=[
                {"field": name, "message": message, "code": "invalid"}
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
    campaign.save()


def campaign_create(*, data: dict[str, Any], actor=None) -> CouponCampaign:
    """Create a campaign from :data:`CAMPAIGN_EDITABLE_FIELDS`. Raises :class:`CouponInvalid` (422)."""
    campaign = CouponCampaign(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    with transaction.atomic():
        _campaign_save(campaign, data)
        log_action(campaign, "coupons.campaign.created", actor=actor, data={"name": campaign.name})
    return campaign


def campaign_update(*, campaign: CouponCampaign, data: dict[str, Any], actor=None) -> CouponCampaign:
    """Change a campaign's :data:`CAMPAIGN_EDITABLE_FIELDS`. Raises :class:`CouponInvalid` (422)."""
    with transaction.atomic():
        campaign = CouponCampaign.objects.select_for_update().get(pk=campaign.pk)
        _campaign_save(campaign, data)
        log_action(campaign, "coupons.campaign.updated", actor=actor, data={"fields": sorted(data)})
    return campaign


def campaign_resume(*, campaign: CouponCampaign, actor=None) -> CouponCampaign:
    """Lift a pause (the velocity cap's or staff's); idempotent."""
    with transaction.atomic():
        campaign = CouponCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.paused_at is not None:
            campaign.paused_at = None
            campaign.paused_reason = ""
            campaign.save(update_fields=["paused_at", "paused_reason", "updated_at"])
            log_action(campaign, "coupons.campaign.resumed", actor=actor)
    return campaign


def campaign_get(pk: int) -> CouponCampaign:
    campaign = CouponCampaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def campaign_claim_pause_notice(*, campaign_id: int) -> CouponCampaign | None:
    """Claim the e-mail about the campaign's current pause: the campaign if this call claimed it,
    ``None`` when it is not paused or staff were already told (conditional update, once)."""
    claimed = (
        CouponCampaign.objects.filter(pk=campaign_id, paused_at__isnull=False)
        .filter(Q(pause_notified_for__isnull=True) | ~Q(pause_notified_for=F("paused_at")))
        .update(pause_notified_for=F("paused_at"))
    )
    return CouponCampaign.objects.get(pk=campaign_id) if claimed else None


def campaign_release_pause_notice(*, campaign_id: int) -> None:
    """Give a claimed pause e-mail back after its sending failed, so a retry sends it."""
    CouponCampaign.objects.filter(pk=campaign_id).update(pause_notified_for=None)
