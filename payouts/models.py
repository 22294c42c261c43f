"""Consultant payouts (spec 000 ``ConsultantPayout``) and the bookings each one pays.

The consultant's payment set-up and KYC state live on :class:`consultants.models.Consultant`
(``payment_setup_status``, ``kyc_status``, ``stripe_account_id``); :class:`ConsultantPaymentAccount`
is a proxy of it so the set-up has its own permissions (``view_``/``change_consultantpaymentaccount``)
and admin page. Every change goes through :mod:`payouts.services`.

Rules the database keeps:

- one scheduled payout per ``(consultant, period start, period end, currency)``: ``run_payouts``
  run twice creates nothing twice;
- one :class:`PayoutItem` per booking, ever: a session is paid out once;
- a payout's amount is its breakdown: ``amount = gross − platform fee − tax − other deductions
  + advance paid`` (``other_deductions = refunds + lost disputes + advance recovered``), never negative.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant

currency_validator = RegexValidator(r"^[A-Z]{3}$", "A three-letter ISO currency code in capitals (USD, EUR).")
ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")


def within_half_cent(field: str, expression) -> Q:
    """``field == expression`` for money. SQLite keeps decimals as floating point, where
    ``390.00 − 55.33 − …`` is not exactly ``199.21``; within half a cent is equal to the cent."""
    return Q(**{f"{field}__gte": expression - HALF_CENT, f"{field}__lte": expression + HALF_CENT})


class ConsultantPaymentAccount(Consultant):
    """The payment set-up and KYC side of a consultant (a proxy: same rows, own permissions)."""

    class Meta:
        proxy = True
        verbose_name = _("consultant payment account")
        verbose_name_plural = _("consultant payment accounts")


class PayoutMethod(models.TextChoices):
    STRIPE = "stripe", _("Stripe (Connect transfer)")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class PayoutStatus(models.TextChoices):
    """``processing``: the transfer was sent and its outcome is not recorded yet (a crash in
    between is retried with the same idempotency key, so Stripe returns the same transfer)."""

    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class PayoutKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled (run_payouts)")
    MANUAL = "manual", _("Manual (staff)")


#: Payouts whose money has left or is about to leave (counted as paid when working out what is owed).
COMMITTED_STATUSES = (PayoutStatus.PENDING, PayoutStatus.PROCESSING, PayoutStatus.COMPLETED)


class ConsultantPayoutQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=PayoutStatus.PENDING)

    def committed(self):
        return self.filter(status__in=COMMITTED_STATUSES)

    def executable(self):
        """Pending, or processing with an unknown outcome (safe to resend: same idempotency key)."""
        return self.filter(status__in=(PayoutStatus.PENDING, PayoutStatus.PROCESSING))


def _money(**kwargs):
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class ConsultantPayout(models.Model):
    """Money owed to (and sent to) one consultant in one currency.

    A scheduled payout covers the sessions of ``[payout_period_start, payout_period_end)`` (a UTC
    month, by booking start) plus earlier sessions that were held back; a manual payout's period
    ends when staff created it. Amounts in ``currency``, major units. ``external_payout_id``: the
    Stripe transfer (``tr_…``) or another reference. ``consultation_ids``: the booking ids paid.
    """

    consultant = models.ForeignKey(Consultant, on_delete=models.PROTECT, related_name="payouts")
    kind = models.CharField(max_length=10, choices=PayoutKind.choices, default=PayoutKind.SCHEDULED)
    amount = _money(default=ZERO, validators=[MinValueValidator(ZERO)])
    currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    payout_period_start = models.DateTimeField()
    payout_period_end = models.DateTimeField()
    payout_method = models.CharField(max_length=20, choices=PayoutMethod.choices, default=PayoutMethod.STRIPE)
    external_payout_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    processed_date = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    gross_earnings = _money(default=ZERO)
    platform_fee = _money(default=ZERO)
    tax_withholding = _money(default=ZERO)
    other_deductions = _money(default=ZERO, help_text=_("Refunds + lost disputes + advance recovered."))
    refunds_deducted = _money(default=ZERO)
    disputes_deducted = _money(default=ZERO)
    advance_recovered = _money(default=ZERO, help_text=_("Earlier manual payouts paid ahead, taken back here."))
    advance_paid = _money(default=ZERO, help_text=_("Paid ahead of sessions (manual payout beyond its sessions)."))

    consultations_count = models.PositiveIntegerField(default=0)
    consultation_ids = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultantPayoutQuerySet.as_manager()

    class Meta:
        ordering = ["-payout_period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "payout_period_start", "payout_period_end", "currency"],
                condition=Q(kind="scheduled"),
                name="payout_once_per_period",
                violation_error_message="This consultant already has a payout for this period and currency.",
            ),
            models.CheckConstraint(
                condition=Q(payout_period_end__gt=F("payout_period_start")), name="payout_period_ordered"
            ),
            models.CheckConstraint(
                condition=within_half_cent(
                    "amount",
                    F("gross_earnings")
                    - F("platform_fee")
                    - F("tax_withholding")
                    - F("other_deductions")
                    + F("advance_paid"),
                ),
                name="payout_amount_is_breakdown",
                violation_error_message="The amount does not match gross − fee − tax − deductions.",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount__gte=0,
                    platform_fee__gte=0,
                    tax_withholding__gte=0,
                    refunds_deducted__gte=0,
                    disputes_deducted__gte=0,
                    advance_recovered__gte=0,
                    advance_paid__gte=0,
                ),
                name="payout_parts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["status", "payout_period_start"], name="payout_status_period")]

    def __str__(self) -> str:
        return f"Payout #{self.pk} {self.amount} {self.currency} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """The key of this payout's Stripe transfer: one payout, at most one transfer."""
        return f"payout-{self.pk}"


class PayoutItem(models.Model):
    """One session in a payout with its share: ``net = gross − refunds − disputes − fee − tax``.

    ``booking`` is unique: a session is paid out once, ever (a failed payout keeps its items; the
    money is then owed through a manual payout)."""

    payout = models.ForeignKey(ConsultantPayout, on_delete=models.CASCADE, related_name="items")
    booking = models.OneToOneField("bookings.ConsultationBooking", on_delete=models.PROTECT, related_name="payout_item")
    gross = _money()
    fee = _money()
    refunds = _money(default=ZERO)
    disputes = _money(default=ZERO)
    tax = _money(default=ZERO)
    net = _money()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booking__start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=within_half_cent("net", F("gross") - F("refunds") - F("disputes") - F("fee") - F("tax")),
                name="payout_item_net_is_breakdown",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.net}"
