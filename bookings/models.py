"""Availability and consultation bookings (spec 000 "ConsultationBooking", "Booking Schemas"; spec 004
time slots and sessions run on the same models).

Times are aware datetimes stored in UTC; the weekly schedule is wall-clock time in the consultant's
``timezone`` (``consultants.Consultant.timezone``). The schedule lives in :class:`AvailabilityRule`
rows; ``Consultant.availability_schedule`` (JSON) is not read.

One consultant, one time: :class:`ConsultationBooking` has a partial unique constraint on
``(consultant, start)`` for the active statuses, the last line behind the locked re-check in
``bookings.services`` (RELIABILITY C-1, C-3 in docs/reliability.md). On PostgreSQL an exclusion constraint
``booking_no_active_overlap`` (migration 0004, raw SQL, not in the model state) also refuses active
bookings of one consultant whose ``[start, end)`` ranges overlap with different starts (C-5).
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant
from consultants.validators import validate_timezone
from magnetiq.translation import language_choices

from . import conf


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilityRule(models.Model):
    """One weekly interval in the consultant's own time zone: ``weekday`` ``start_time``–``end_time``.

    A day may hold several intervals (09:00–12:00 and 13:00–17:00). Intervals end on the same day
    (``end_time`` > ``start_time``).
    """

    consultant = models.ForeignKey(
        "consultants.Consultant", on_delete=models.CASCADE, related_name="availability_rules"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["consultant", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="availability_rule_end_after_start",
                violation_error_message="The interval must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["consultant", "weekday", "start_time"],
                name="availability_rule_unique_start",
                violation_error_message="This consultant already has an interval starting then on that day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ConsultantAvailability(Consultant):
    """A proxy of the consultant, so their schedule has its own admin page (outside ``consultants``)."""

    class Meta:
        proxy = True
        verbose_name = "consultant availability"
        verbose_name_plural = "consultant availability"


class OverrideKind(models.TextChoices):
    UNAVAILABLE = "unavailable", "Unavailable"
    EXTRA = "extra", "Extra hours"


class AvailabilityOverride(models.Model):
    """A change to one date of the schedule (consultant's local date).

    ``unavailable`` without times: the whole day off; ``unavailable`` with times: that window
    blocked; ``extra`` (times required): an interval added on top of the weekly schedule.
    """

    consultant = models.ForeignKey(
        "consultants.Consultant", on_delete=models.CASCADE, related_name="availability_overrides"
    )
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=OverrideKind.choices, default=OverrideKind.UNAVAILABLE)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["consultant", "date", "start_time"]
        indexes = [models.Index(fields=["consultant", "date"], name="availability_override_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=models.F("start_time")),
                name="availability_override_times",
                violation_error_message="Give both times (end after start) or neither.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra") | Q(start_time__isnull=False),
                name="availability_override_extra_has_times",
                violation_error_message="Extra hours need a start and an end time.",
            ),
        ]

    def __str__(self) -> str:
        times = f" {self.start_time:%H:%M}–{self.end_time:%H:%M}" if self.start_time and self.end_time else ""
        return f"{self.date} {self.get_kind_display()}{times}"

    @property
    def whole_day(self) -> bool:
        return self.start_time is None


class BookingType(models.TextChoices):
    """Spec 000 ``BookingRequest.booking_type``; 30-for-30 is always 30 minutes, the others 15–240."""

    THIRTY_FOR_THIRTY = "30for30", "30-for-30"
    STRATEGY = "strategy", "Strategy session"
    AUDIT = "audit", "Audit"
    CUSTOM = "custom", "Custom"


class BookingStatus(models.TextChoices):
    """``pending_payment``: a hold until ``hold_expires_at``; ``confirmed``: the time is the client's;
    ``completed``/``no_show``: after the meeting; ``cancelled``: freed (also an expired hold).
    A reschedule keeps the booking (same reference) and records a :class:`BookingChange`."""

    PENDING_PAYMENT = "pending_payment", "Pending payment"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


#: Statuses that hold the consultant's time (the partial unique constraint covers exactly these;
#: an expired hold still counts for the database until ``bookings_release_expired_holds`` frees it,
#: which every booking service does first for the consultant it locks).
ACTIVE_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)


class BookingPaymentStatus(models.TextChoices):
    """Where the booking stands with its money, whatever the provider: ``not_required`` for a free
    booking, ``pending`` while the hold waits for payment, then ``completed``, ``failed`` or
    ``refunded``. The Stripe PaymentIntent's own state is ``payments.models.PaymentIntentStatus``."""

    NOT_REQUIRED = "not_required", "Not required (free)"
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class MeetingPlatform(models.TextChoices):
    MANUAL = "manual", "Consultant's own room"
    ZOOM = "zoom", "Zoom"
    TEAMS = "teams", "Microsoft Teams"
    MEET = "meet", "Google Meet"
    PHONE = "phone", "Phone"


class CancelledBy(models.TextChoices):
    CLIENT = "client", "Client"
    CONSULTANT = "consultant", "Consultant"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "System (hold expired)"


class BookingLanguage(models.TextChoices):
    """The languages the booking API documents (its ``BookingLanguageEnum``); the pages book in any
    language of ``settings.LANGUAGES`` (the field's choices)."""

    EN = "en", "English"
    DE = "de", "Deutsch"


def new_reference() -> str:
    """An unguessable booking reference (128 bits, URL-safe): the only way visitors address a booking."""
    return secrets.token_urlsafe(16)


class BookingQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bookings that hold their time: confirmed, or pending payment with an unexpired hold."""
        now = now or timezone.now()
        return self.filter(
            Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.PENDING_PAYMENT, hold_expires_at__gt=now)
        )

    def expired_holds(self, now=None):
        """Pending-payment bookings whose hold ran out (still blocking the unique constraint)."""
        return self.filter(status=BookingStatus.PENDING_PAYMENT, hold_expires_at__lte=now or timezone.now())

    def overlapping(self, start, end):
        """Bookings whose ``[start, end)`` intersects ``[start, end)``."""
        return self.filter(start__lt=end, end__gt=start)

    def upcoming(self, now=None):
        return self.filter(start__gte=now or timezone.now())

    def for_user(self, user):
        """The bookings a signed-in client owns."""
        return self.filter(client_user=user)

    def for_account(self, user, emails=()):
        """A signed-in client's bookings for their account pages: the ones they own
        (``client_user``) and the guest bookings (no ``client_user``) made under one of ``emails``,
        the addresses the user has verified (``accounts.selectors.verified_emails``; an unverified
        address proves nothing, anyone may type it into the booking form)."""
        query = Q(client_user=user)
        emails = [email.strip().lower() for email in emails]
        if emails:
            query |= Q(client_user__isnull=True, client_email__in=emails)
        return self.filter(query)


class ConsultationBooking(models.Model):
    """A consultation with one consultant at one time (spec 000 ``ConsultationBooking``).

    ``start``/``end`` are UTC, ``duration_minutes`` = (end − start); ``timezone`` is the visitor's
    IANA zone (for display and e-mails). ``reference`` addresses the booking in every visitor URL;
    the manage token (``bookings.tokens``) is bound to ``reference``.
    ``sequence`` is the ICS SEQUENCE: +1 on every change of time or status. ``client_message``: a
    list of Portable Text blocks. ``questions``: a list of strings. ``payment_amount`` in
    ``payment_currency`` (the consultant's currency); 0 for a free booking.
    """

    consultant = models.ForeignKey("consultants.Consultant", on_delete=models.PROTECT, related_name="bookings")
    client_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultation_bookings"
    )
    created_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who booked it for the client (by phone); empty when the client booked."),
    )
    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)

    booking_type = models.CharField(max_length=20, choices=BookingType.choices, default=BookingType.THIRTY_FOR_THIRTY)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(15), MaxValueValidator(240)])
    timezone = models.CharField(max_length=50, default="UTC", validators=[validate_timezone])
    # Any language of settings.LANGUAGES, read at validation time (no migration per language).
    language = models.CharField(max_length=7, choices=language_choices, default="en")

    client_name = models.CharField(max_length=200)
    client_email = models.EmailField(max_length=255)
    client_phone = models.CharField(max_length=20, blank=True)
    client_company = models.CharField(max_length=200, blank=True)
    client_message = models.JSONField(default=list, blank=True)
    questions = models.JSONField(default=list, blank=True)
    paper_id = models.CharField(
        max_length=100, blank=True, help_text=_("For a research session: the paper it is about.")
    )

    payment_amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    payment_currency = models.CharField(max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$")])
    payment_status = models.CharField(
        max_length=20, choices=BookingPaymentStatus.choices, default=BookingPaymentStatus.PENDING
    )
    payment_intent_id = models.CharField(max_length=100, blank=True)
    # A discount code's effect (``bookings.discounts``): ``payment_amount`` is what is charged, the
    # list price is ``payment_amount + discount_amount`` (:attr:`list_amount`).
    discount_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Taken off the list price by a discount code; the amount charged is the price after it."),
    )
    discount_code = models.CharField(max_length=50, blank=True, help_text=_("The discount code used, if any."))
    discount_funded_by = models.CharField(
        max_length=20,
        blank=True,
        choices=[("platform", _("Platform")), ("consultant", _("Consultant"))],
        help_text=_("Who pays for the discount: the platform, or the consultant (lower earnings)."),
    )

    meeting_link = models.URLField(max_length=500, blank=True)
    meeting_platform = models.CharField(max_length=20, choices=MeetingPlatform.choices, default=MeetingPlatform.MANUAL)

    status = models.CharField(max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING_PAYMENT)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("For a research session: when the researcher accepted it.")
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=20, choices=CancelledBy.choices, blank=True)

    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)
    follow_up_sent_at = models.DateTimeField(null=True, blank=True)

    client_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    client_feedback = models.TextField(blank=True)
    consultant_notes = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "start"],
                condition=Q(status__in=["pending_payment", "confirmed"]),
                name="booking_one_active_per_start",
                violation_error_message="The consultant already has a booking at this time.",
                violation_error_code="booking_unavailable",
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="booking_end_after_start"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="booking_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(client_rating__isnull=True) | Q(client_rating__gte=1, client_rating__lte=5),
                name="booking_rating_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending_payment") | Q(hold_expires_at__isnull=False),
                name="booking_pending_has_hold",
                violation_error_message="A booking waiting for payment needs a hold expiry.",
            ),
        ]
        indexes = [
            models.Index(fields=["consultant", "start", "end"], name="booking_consultant_time"),
            models.Index(fields=["status", "hold_expires_at"], name="booking_status_hold"),
            models.Index(fields=["client_email"], name="booking_client_email"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.consultant_id} {self.start:%Y-%m-%d %H:%M}Z ({self.status})"

    def clean(self):
        if self.start and self.duration_minutes and not self.end:
            self.end = self.start + timedelta(minutes=self.duration_minutes)
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The booking must end after it starts.")})
        if not isinstance(self.questions, list) or not all(isinstance(q, str) for q in self.questions):
            raise ValidationError({"questions": _("Questions are a list of strings.")})
        if not isinstance(self.client_message, list):
            raise ValidationError({"client_message": _("The message is a list of Portable Text blocks.")})

    @property
    def list_amount(self):
        """The price before any discount (``Decimal``, ``payment_currency``): charged + discount."""
        return self.payment_amount + self.discount_amount

    @property
    def is_active(self) -> bool:
        if self.status == BookingStatus.CONFIRMED:
            return True
        return self.status == BookingStatus.PENDING_PAYMENT and bool(
            self.hold_expires_at and self.hold_expires_at > timezone.now()
        )

    @property
    def guest_change_deadline(self) -> datetime:
        """The last moment a guest (the client, or anyone with the manage link) may cancel or
        reschedule: ``BOOKINGS["GUEST_CHANGE_CUTOFF_HOURS"]`` (24) hours before the start (spec 004
        "Cancel Session"). Later only staff or the consultant may change the booking."""
        return self.start - timedelta(hours=conf.get("GUEST_CHANGE_CUTOFF_HOURS"))

    def guest_may_change_at(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) is within the guests' change window, the deadline included.

        The one definition of the window: the services refuse a guest's change after it, and the
        automatic refund policy refunds a client's cancellation made within it."""
        return moment <= self.guest_change_deadline

    @property
    def ics_uid(self) -> str:
        """Stable calendar UID: the same for every version of the booking (SEQUENCE tells them apart)."""
        return f"booking-{self.reference}@magnetiq"


class BookingChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    CONFIRMED = "confirmed", "Confirmed"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    HOLD_EXPIRED = "hold_expired", "Hold expired"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    STATUS_CHANGED = "status_changed", "Status changed by staff"


class BookingChange(models.Model):
    """The history of one booking: every change of time or status, with the times before and after.

    A reschedule changes the booking in place (same reference, same calendar UID, ``sequence`` + 1)
    and leaves a ``rescheduled`` entry here holding the old time.
    """

    booking = models.ForeignKey(ConsultationBooking, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=BookingChangeKind.choices)
    old_status = models.CharField(max_length=20, choices=BookingStatus.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=BookingStatus.choices, blank=True)
    old_start = models.DateTimeField(null=True, blank=True)
    old_end = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)
    new_end = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class BookingNotificationKind(models.TextChoices):
    CLIENT_RESCHEDULED = "client_rescheduled", "Reschedule e-mail to the client"
    CLIENT_CANCELLED = "client_cancelled", "Cancellation e-mail to the client"
    CLIENT_HOLD_EXPIRED = "client_hold_expired", "Hold-expired e-mail to the client"
    CONSULTANT_CONFIRMED = "consultant_confirmed", "Confirmation copy to the consultant"
    CONSULTANT_RESCHEDULED = "consultant_rescheduled", "Reschedule copy to the consultant"
    CONSULTANT_CANCELLED = "consultant_cancelled", "Cancellation copy to the consultant"
    CLIENT_PAYMENT_LINK = "client_payment_link", "Payment link to the client (booked by staff)"
    MEETING_CREATED = "meeting_created", "Meeting created"
    LEAD_RECORDED = "lead_recorded", "Client recorded as a lead"


class BookingNotification(models.Model):
    """A once-only side effect of a booking (``bookings.notifications``), claimed before it is done.

    The unique ``(booking, kind, sequence)`` row is inserted first; whoever inserts it does the work
    (sends the e-mail, creates the meeting, records the lead), a second signal, task run or worker
    finds the row and does nothing. ``sequence`` is the booking's ICS sequence of the change the
    e-mail is about (each reschedule and the cancellation are separate changes), 0 for once-per-
    booking kinds. A failed send deletes its row so a retry can claim it again. The confirmation and
    the reminders are claimed on the booking's own ``*_sent_at`` fields instead.
    """

    booking = models.ForeignKey(ConsultationBooking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=BookingNotificationKind.choices)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["booking", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "sequence"], name="booking_notification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind} #{self.sequence}"
