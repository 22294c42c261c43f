"""Money: payments (Stripe PaymentIntents), the webhook inbox, refunds, disputes, the ledger and
subscriptions (spec 000 "Payment Processing", spec 004 "Payment Integration").

Amounts are ``Decimal`` in major units (``150.00``) with an ISO currency code; the conversion to
Stripe's minor units happens in :mod:`payments.stripe_gateway` only.

Rules the database keeps (RELIABILITY "Stripe"):

- one :class:`Payment` per PaymentIntent id, one :class:`WebhookEvent` per ``(provider, event_id)``,
  one :class:`Refund` per Stripe refund id, one :class:`Dispute` per dispute id;
- one :class:`LedgerEntry` per ``(kind, source_id)``: applying the same Stripe object twice records
  nothing twice, so every report summing the ledger adds up;
- a payment's status never moves backwards (:data:`PAYMENT_TRANSITIONS`), a refund's only along
  :data:`REFUND_TRANSITIONS`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

currency_validator = RegexValidator(r"^[A-Z]{3}$", "A three-letter ISO currency code in capitals (USD, EUR).")


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Stripe")
    PAYPAL = "paypal", _("PayPal")
    BREVO = "brevo", _("Brevo")


# --- payments -----------------------------------------------------------------------------------


class PaymentIntentStatus(models.TextChoices):
    """Mirrors Stripe's PaymentIntent ``status``. ``succeeded`` and ``canceled`` are terminal;
    refunds and disputes are tracked beside it (``amount_refunded``, :class:`Refund`, :class:`Dispute`)."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method", _("Requires payment method")
    REQUIRES_CONFIRMATION = "requires_confirmation", _("Requires confirmation")
    REQUIRES_ACTION = "requires_action", _("Requires action (3-D Secure)")
    PROCESSING = "processing", _("Processing")
    REQUIRES_CAPTURE = "requires_capture", _("Requires capture")
    SUCCEEDED = "succeeded", _("Succeeded")
    CANCELED = "canceled", _("Canceled")


_ALL_STATUSES = {
    PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentIntentStatus.REQUIRES_CONFIRMATION,
    PaymentIntentStatus.REQUIRES_ACTION,
    PaymentIntentStatus.PROCESSING,
    PaymentIntentStatus.REQUIRES_CAPTURE,
    PaymentIntentStatus.SUCCEEDED,
    PaymentIntentStatus.CANCELED,
}

#: Which status may follow which. Stripe moves a PaymentIntent back to ``requires_payment_method``
#: after a failed attempt (also from ``processing``); nothing leaves ``succeeded`` or ``canceled``.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentIntentStatus.REQUIRES_PAYMENT_METHOD: _ALL_STATUSES - {PaymentIntentStatus.REQUIRES_PAYMENT_METHOD},
    PaymentIntentStatus.REQUIRES_CONFIRMATION: _ALL_STATUSES - {PaymentIntentStatus.REQUIRES_CONFIRMATION},
    PaymentIntentStatus.REQUIRES_ACTION: _ALL_STATUSES - {PaymentIntentStatus.REQUIRES_ACTION},
    PaymentIntentStatus.PROCESSING: {
        PaymentIntentStatus.REQUIRES_PAYMENT_METHOD,
        PaymentIntentStatus.REQUIRES_CAPTURE,
        PaymentIntentStatus.SUCCEEDED,
        PaymentIntentStatus.CANCELED,
    },
    PaymentIntentStatus.REQUIRES_CAPTURE: {PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED},
    PaymentIntentStatus.SUCCEEDED: set(),
    PaymentIntentStatus.CANCELED: set(),
}

TERMINAL_PAYMENT_STATUSES = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED)


def payment_can_move(old: str, new: str) -> bool:
    """Whether a payment in ``old`` may take ``new`` (the same status is always fine: a no-op)."""
    return old == new or new in PAYMENT_TRANSITIONS.get(old, set())


class PaymentQuerySet(models.QuerySet):
    def succeeded(self):
        return self.filter(status=PaymentIntentStatus.SUCCEEDED)

    def open(self):
        """Not yet succeeded or canceled (a PaymentIntent that may still be paid or canceled)."""
        return self.exclude(status__in=TERMINAL_PAYMENT_STATUSES)


class Payment(models.Model):
    """One PaymentIntent (or PayPal order) for a booking or a subscription.

    ``amount``/``currency``: what we asked for (major units). ``amount_refunded``: the sum of the
    succeeded :class:`Refund` rows (kept by the refund services). ``idempotency_key``: the key of
    the create call (``booking-<reference>-pi-v<attempt>``), so a retry reuses the same
    PaymentIntent. ``flagged_reason``: non-empty when Stripe's amount or currency differs from ours
    (the payment is then never fulfilled). ``last_event_at``: the ``created`` time of the newest webhook event applied.
    """

    booking = models.ForeignKey(
        "bookings.ConsultationBooking", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    subscription = models.ForeignKey(
        "payments.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.STRIPE)
    payment_intent_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200, blank=True)
    customer_id = models.CharField(
        max_length=100, blank=True, help_text=_("The customer's reference at Stripe (cus_…).")
    )
    charge_id = models.CharField(max_length=100, blank=True, help_text=_("The successful charge at Stripe (ch_…)."))
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(
        max_length=30, choices=PaymentIntentStatus.choices, default=PaymentIntentStatus.REQUIRES_PAYMENT_METHOD
    )
    idempotency_key = models.CharField(max_length=150, unique=True)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    fee_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text=_("Stripe's fee (balance transaction).")
    )
    last_error_code = models.CharField(max_length=100, blank=True)
    last_error_message = models.CharField(max_length=500, blank=True)
    flagged_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Set when Stripe's PaymentIntent disagrees with ours (amount or currency): never fulfilled; "
            "staff must look (RELIABILITY S-5)."
        ),
    )
    metadata = models.JSONField(default=dict, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
                violation_error_message="More refunded than paid.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created")]

    def __str__(self) -> str:
        return f"{self.payment_intent_id} {self.amount} {self.currency} ({self.status})"

    @property
    def is_fully_refunded(self) -> bool:
        return self.amount_refunded >= self.amount

    @property
    def has_open_dispute(self) -> bool:
        return self.disputes.filter(status__in=OPEN_DISPUTE_STATUSES).exists()


# --- webhook inbox ------------------------------------------------------------------------------


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (type not handled)")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """The inbox: every verified notification of a provider, stored once by its event id.

    ``object_id``: the API object the event is about (``pi_…``, ``re_…``, ``dp_…``, ``sub_…``),
    which the handler re-fetches from the provider instead of trusting ``payload``. ``attempts``:
    how often it was applied (or tried); ``claimed_until``: the lease of the retry run working on it.
    """

    provider = models.CharField(max_length=10, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict)
    event_created_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the payment provider created the event.")
    )
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("A retry run (process_webhook_events) owns the event until then; another run skips it."),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_status_received")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.type} ({self.status})"


# --- refunds ------------------------------------------------------------------------------------


class RefundStatus(models.TextChoices):
    """Stripe's refund statuses; ``pending`` also while our call to Stripe is under way."""

    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


#: Stripe can fail a refund it reported as succeeded (the bank returns it), so ``succeeded → failed``.
REFUND_TRANSITIONS: dict[str, set[str]] = {
    RefundStatus.PENDING: {
        RefundStatus.REQUIRES_ACTION,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.REQUIRES_ACTION: {
        RefundStatus.PENDING,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.SUCCEEDED: {RefundStatus.FAILED},
    RefundStatus.FAILED: set(),
    RefundStatus.CANCELED: set(),
}


def refund_can_move(old: str, new: str) -> bool:
    return old == new or new in REFUND_TRANSITIONS.get(old, set())


class RefundReason(models.TextChoices):
    REQUESTED_BY_CUSTOMER = "requested_by_customer", _("Requested by the customer")
    DUPLICATE = "duplicate", _("Duplicate")
    FRAUDULENT = "fraudulent", _("Fraudulent")
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
    SLOT_TAKEN = "slot_taken", _("Paid after the hold expired; the time was taken")
    OTHER = "other", _("Other")


class Refund(models.Model):
    """A full or partial refund of one payment.

    Created ``pending`` with its ``idempotency_key`` (``refund-<payment id>-<n>``) *before* the
    Stripe call, so a retry after a crash reuses the key and Stripe returns the same refund;
    ``refund_id`` (``re_…``) is filled from Stripe's answer or from a ``refund.*`` / ``charge.refunded``
    event for a refund made in Stripe's dashboard.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    refund_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=150, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=30, choices=RefundReason.choices, default=RefundReason.REQUESTED_BY_CUSTOMER)
    note = models.TextField(blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    client_notified_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the client was told of this refund by e-mail (sent once).")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["refund_id"], condition=~Q(refund_id=""), name="refund_stripe_id_unique"),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="refund_idempotency_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id or '(pending)'} {self.amount} {self.currency} ({self.status})"


# --- disputes -----------------------------------------------------------------------------------


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: needs response")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry: closed")
    NEEDS_RESPONSE = "needs_response", _("Needs response")
    UNDER_REVIEW = "under_review", _("Under review")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    PREVENTED = "prevented", _("Prevented")


#: A dispute in one of these holds the booking's money back (payouts skip it).
OPEN_DISPUTE_STATUSES = (
    DisputeStatus.WARNING_NEEDS_RESPONSE,
    DisputeStatus.WARNING_UNDER_REVIEW,
    DisputeStatus.NEEDS_RESPONSE,
    DisputeStatus.UNDER_REVIEW,
)
CLOSED_DISPUTE_STATUSES = (
    DisputeStatus.WARNING_CLOSED,
    DisputeStatus.WON,
    DisputeStatus.LOST,
    DisputeStatus.PREVENTED,
)


class DisputeQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_DISPUTE_STATUSES)


class Dispute(models.Model):
    """A chargeback (or inquiry) on a payment's charge, recorded from ``charge.dispute.*`` events.

    While open (:data:`OPEN_DISPUTE_STATUSES`) the payment counts as suspended; ``won`` restores it,
    ``lost`` keeps it lost. ``resolved_at``/``resolved_by``/``notes``: staff's record of the
    resolution (spec 000 ``POST /admin/payments/disputes/{id}/resolve``).
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    dispute_id = models.CharField(max_length=100, unique=True)
    charge_id = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    reason = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=30, choices=DisputeStatus.choices)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.amount} {self.currency} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES


# --- ledger -------------------------------------------------------------------------------------


class LedgerKind(models.TextChoices):
    PAYMENT = "payment", _("Payment received")
    FEE = "fee", _("Stripe fee")
    REFUND = "refund", _("Refund")
    REFUND_REVERSAL = "refund_reversal", _("Refund reversed (failed)")
    DISPUTE = "dispute", _("Dispute (funds withdrawn)")
    DISPUTE_REVERSAL = "dispute_reversal", _("Dispute won (funds returned)")
    PAYOUT = "payout", _("Payout to a consultant")
    PAYOUT_REVERSAL = "payout_reversal", _("Payout reversed")


#: The sign each kind carries (platform perspective: + money in, − money out).
LEDGER_SIGNS: dict[str, int] = {
    LedgerKind.PAYMENT: 1,
    LedgerKind.FEE: -1,
    LedgerKind.REFUND: -1,
    LedgerKind.REFUND_REVERSAL: 1,
    LedgerKind.DISPUTE: -1,
    LedgerKind.DISPUTE_REVERSAL: 1,
    LedgerKind.PAYOUT: -1,
    LedgerKind.PAYOUT_REVERSAL: 1,
}
_POSITIVE_KINDS = sorted(kind for kind, sign in LEDGER_SIGNS.items() if sign > 0)
_NEGATIVE_KINDS = sorted(kind for kind, sign in LEDGER_SIGNS.items() if sign < 0)


class LedgerEntry(models.Model):
    """One money movement. ``amount`` is signed from the platform's point of view (+ in, − out) and
    its sign must match :data:`LEDGER_SIGNS` (a zero fee is allowed). ``source_id``: the provider
    object it comes from (charge ``ch_…``, balance transaction, refund ``re_…``, dispute ``dp_…``,
    transfer ``tr_…``); unique per ``kind`` so the same movement is never recorded twice.
    Rows are never edited or deleted: a correction is a reversal entry.
    """

    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    booking = models.ForeignKey(
        "bookings.ConsultationBooking", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    consultant = models.ForeignKey(
        "consultants.Consultant", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    source_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="ledger_once_per_source"),
            models.CheckConstraint(
                condition=Q(kind__in=_POSITIVE_KINDS, amount__gt=0) | Q(kind__in=_NEGATIVE_KINDS, amount__lte=0),
                name="ledger_sign_matches_kind",
                violation_error_message="The amount's sign does not match the kind of movement.",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="ledger_occurred"),
            models.Index(fields=["consultant", "occurred_at"], name="ledger_consultant_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.kind} {self.amount} {self.currency} ({self.source_id})"

    def clean(self):
        sign = LEDGER_SIGNS.get(self.kind)
        if sign is None or self.amount is None:
            return
        if (sign > 0 and self.amount <= 0) or (sign < 0 and self.amount > 0):
            raise ValidationError({"amount": f"A {self.kind} entry is {'positive' if sign > 0 else 'negative'}."})


# --- subscriptions ------------------------------------------------------------------------------


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses (spec 004 shows active / expired / canceled)."""

    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    CANCELED = "canceled", _("Canceled")
    UNPAID = "unpaid", _("Unpaid")
    PAUSED = "paused", _("Paused")


class Subscription(models.Model):
    """A consulting subscription (spec 004 ``POST /consulting/subscriptions``), a Stripe subscription."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    customer_email = models.EmailField(max_length=255)
    customer_id = models.CharField(max_length=100)
    subscription_id = models.CharField(max_length=100, unique=True)
    price_id = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INCOMPLETE)
    current_period_end = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.customer_email} ({self.status})"
