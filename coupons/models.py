"""Coupons, their campaigns and every redemption (spec 000 "Coupon Management": ``CreateCouponRequest``,
``CouponResponse``, ``CouponApplicationRequest``).

Usage limits hold whatever the concurrency (RELIABILITY C-6, C-7): ``Coupon.uses_count`` counts the
reserved and redeemed uses; it only moves by a conditional ``UPDATE`` in ``coupons.services`` with
the coupon row locked, and a check constraint refuses a count above ``max_uses_total``. Each person's
uses take numbered places (``CouponUsage.identity_slot`` 1 … ``max_uses_per_user``) under a partial
unique constraint on ``(coupon, email_normalised, identity_slot)`` of the live uses, so the database
itself refuses a second "once per person" use. Money is ``Decimal`` with two places.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.discounts import FundedBy

#: Codes are URL-safe (they appear in ``/public/coupons/{code}/info``); stored upper case.
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,49}$"
code_validator = RegexValidator(
    CODE_RE, _("3–50 letters, digits, “-” or “_”, starting with a letter or digit."), code="invalid_code"
)


class DiscountType(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage")
    FIXED_AMOUNT = "fixed_amount", _("Fixed amount")
    FREE_SESSION = "free_session", _("Free session")


class ApplicableTo(models.TextChoices):
    """Spec 000 ``applicable_to``: ``book_a_meeting`` is every booking type but 30-for-30."""

    ALL = "all", _("All bookings")
    BOOK_A_MEETING = "book_a_meeting", _("Meetings (not 30-for-30)")
    THIRTY_FOR_THIRTY = "30_for_30", _("30-for-30 sessions")
    SPECIFIC_CONSULTANTS = "specific_consultants", _("Specific consultants")
    FIRST_TIME_USERS = "first_time_users", _("First-time clients")


class UsageStatus(models.TextChoices):
    """``reserved`` with the booking's hold, ``redeemed`` once paid (or free), ``released`` when the
    hold expired or the booking was cancelled before payment, ``refunded`` when a full refund, or the
    cancellation of a session the code made free, gave the use back (``COUPON_REFUND_RECREDITS_USE``).
    Only ``reserved`` and ``redeemed`` count."""

    RESERVED = "reserved", _("Reserved (booking held)")
    REDEEMED = "redeemed", _("Redeemed")
    RELEASED = "released", _("Released")
    REFUNDED = "refunded", _("Given back (refunded or free session cancelled)")


LIVE_STATUSES = (UsageStatus.RESERVED, UsageStatus.REDEEMED)


class CouponCampaignQuerySet(models.QuerySet):
    def running(self):
        return self.filter(is_active=True, paused_at__isnull=True)


class CouponCampaign(models.Model):
    """A marketing campaign grouping coupons (one public code or thousands of unique ones).

    ``velocity_cap_per_hour``: at most this many redemptions of the campaign's coupons in any hour;
    the redemption that reaches it pauses the campaign (``paused_at``) and staff are told.
    ``budget``: what the campaign may give away (informational, in ``currency``)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=100, blank=True, help_text=_("Where the codes are handed out."))
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$")])
    velocity_cap_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Pause the campaign when this many codes are redeemed within an hour.")
    )
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    # The pause staff were told about (equal to ``paused_at`` once the e-mail went out).
    pause_notified_for = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CouponCampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="coupon_campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouponQuerySet(models.QuerySet):
    def alive(self):
        """Not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def active(self, now=None):
        """Alive, switched on and inside the validity window at ``now``."""
        now = now or timezone.now()
        return (
            self.alive()
            .filter(is_active=True, valid_from__lte=now)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        )

    def expired(self, now=None):
        return self.alive().filter(valid_until__lte=now or timezone.now())


class Coupon(models.Model):
    """A discount code (spec 000 ``CreateCouponRequest`` / ``CouponResponse``).

    ``discount_value``: percent (0–100) for ``percentage``, an amount in ``currency`` for
    ``fixed_amount`` (refused on a booking in another currency), ignored for ``free_session``.
    ``max_discount_amount`` caps a percentage; ``minimum_order_value`` is compared with the list price
    (both in the booking's currency). ``max_uses_total`` None = unlimited. ``uses_count`` =
    reserved + redeemed uses (``current_usage_count``). ``funded_by``: who pays for the discount.
    """

    code = models.CharField(max_length=50, unique=True, validators=[code_validator])
    internal_name = models.CharField(max_length=200)
    description = models.JSONField(default=dict, blank=True, help_text=_('Per language: {"en": "…", "de": "…"}.'))
    discount_type = models.CharField(max_length=20, choices=DiscountType.choices)
    discount_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$")],
        help_text=_("For a fixed amount: the currency it is in."),
    )
    max_discount_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    minimum_order_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    max_uses_total = models.PositiveIntegerField(null=True, blank=True)
    max_uses_per_user = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    uses_count = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    applicable_to = models.CharField(max_length=30, choices=ApplicableTo.choices, default=ApplicableTo.ALL)
    consultant_restrictions = models.ManyToManyField("consultants.Consultant", blank=True, related_name="+")
    service_type_restrictions = models.JSONField(
        default=list, blank=True, help_text=_("Booking types the code is limited to (empty: any).")
    )
    funded_by = models.CharField(max_length=20, choices=FundedBy.CHOICES, default=FundedBy.PLATFORM)
    campaign = models.ForeignKey(
        CouponCampaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    campaign_source = models.CharField(max_length=100, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = CouponQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("manage_coupons", "Can manage coupons and campaigns"),
            ("view_coupon_analytics", "Can view coupon analytics"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses_total__isnull=True) | Q(uses_count__lte=models.F("max_uses_total")),
                name="coupon_uses_within_limit",
                violation_error_message="A coupon cannot be used more often than its limit.",
            ),
            models.CheckConstraint(
                condition=~Q(discount_type="percentage") | Q(discount_value__lte=100),
                name="coupon_percentage_at_most_100",
                violation_error_message="A percentage is at most 100.",
            ),
            models.CheckConstraint(
                condition=~Q(discount_type="fixed_amount") | ~Q(currency=""),
                name="coupon_fixed_amount_has_currency",
                violation_error_message="A fixed amount needs its currency.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="coupon_valid_until_after_from",
                violation_error_message="The code must stop being valid after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "is_active"], name="coupon_campaign_active")]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        # Codes are case-insensitive: one spelling is stored (pretix upper-cases voucher codes).
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)


def erased_identity(email_normalised: str) -> str:
    """What an erased person's uses keep instead of their e-mail: ``sha256:<hex>`` of the normalised
    address. The address is gone (GDPR Art. 17), yet the same person coming back still meets the
    per-person limits and is not first-time again."""
    return "sha256:" + hashlib.sha256(email_normalised.encode()).hexdigest()


class CouponUsageQuerySet(models.QuerySet):
    def live(self):
        """Uses that count against the limits (reserved or redeemed)."""
        return self.filter(status__in=LIVE_STATUSES)

    def redeemed(self):
        return self.filter(status=UsageStatus.REDEEMED)

    def for_identity(self, *, email_normalised: str, user_id: int | None):
        """One person's uses: the normalised e-mail (or its :func:`erased_identity`), or the signed-in client."""
        condition = Q(email_normalised__in=[email_normalised, erased_identity(email_normalised)])
        if user_id:
            condition |= Q(client_user_id=user_id)
        return self.filter(condition)


class CouponUsage(models.Model):
    """One redemption of a coupon by a booking (spec 000 ``CouponApplicationRequest`` fields).

    Amounts in ``currency`` (the booking's): ``list_amount`` − ``discount_amount`` = ``final_amount``.
    ``email_normalised``: lower case, ``+tag`` removed, Gmail dots removed (``fraud.services.email_normalise``).
    ``ip_address``: the network part only (``magnetiq.ips.truncate_ip``). ``risk_score`` 0–100 with
    its ``risk_reasons`` (``fraud.services.risk_assess``).
    """

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="usages")
    booking = models.ForeignKey("bookings.ConsultationBooking", on_delete=models.CASCADE, related_name="coupon_usages")
    status = models.CharField(max_length=20, choices=UsageStatus.choices, default=UsageStatus.RESERVED)
    email_normalised = models.CharField(max_length=255)
    client_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupon_usages"
    )
    identity_slot = models.PositiveSmallIntegerField(default=1)
    list_amount = models.DecimalField(max_digits=10, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=10, decimal_places=2)
    final_amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    funded_by = models.CharField(max_length=20, choices=FundedBy.CHOICES)
    session_id = models.CharField(max_length=100, blank=True)
    referrer_url = models.URLField(max_length=500, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0)
    risk_reasons = models.JSONField(default=list, blank=True)
    reserved_at = models.DateTimeField(default=timezone.now)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    objects = CouponUsageQuerySet.as_manager()

    class Meta:
        ordering = ["-reserved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "email_normalised", "identity_slot"],
                condition=Q(status__in=["reserved", "redeemed"]),
                name="coupon_usage_one_per_identity_slot",
                violation_error_message="This person has used the code as often as allowed.",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=["reserved", "redeemed"]),
                name="coupon_usage_one_per_booking",
                violation_error_message="A booking takes one discount code.",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0)
                & Q(final_amount__gte=0)
                & Q(list_amount=models.F("discount_amount") + models.F("final_amount")),
                name="coupon_usage_amounts_add_up",
            ),
            models.CheckConstraint(condition=Q(risk_score__lte=100), name="coupon_usage_risk_0_100"),
        ]
        indexes = [
            models.Index(fields=["coupon", "status"], name="coupon_usage_coupon_status"),
            models.Index(fields=["email_normalised"], name="coupon_usage_email"),
            models.Index(fields=["reserved_at"], name="coupon_usage_reserved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} → booking {self.booking_id} ({self.status})"
