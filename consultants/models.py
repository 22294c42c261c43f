"""Consultant profiles and LinkedIn scraping jobs (spec 000 "Consultant Model", "ScrappingJob").

Money is a ``Decimal`` with a ``currency`` code; translatable text is JSON ``{"en": …, "de": …}``
(``bio`` holds Portable Text blocks per language); consultants are soft-deleted (``deleted_at``).
"""

import json
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .validators import (
    validate_bio,
    validate_language_codes,
    validate_meta_description,
    validate_photo,
    validate_string_list,
    validate_timezone,
    validate_url_list,
)


class ConsultantStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


class PaymentSetupStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_VERIFICATION = "pending_verification", _("Pending verification")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class KYCStatus(models.TextChoices):
    NOT_SUBMITTED = "not_submitted", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REQUIRES_UPDATE = "requires_update", _("Requires update")


class LinkedInSyncStatus(models.TextChoices):
    NOT_SYNCED = "not_synced", _("Not synced")
    SYNCING = "syncing", _("Syncing")
    SYNCED = "synced", _("Synced")
    FAILED = "failed", _("Failed")


def json_list_needle(tag: str) -> str:
    """The JSON text of one list element (``'"cloud"'``), to match whole tags inside a JSON list."""
    return json.dumps(tag.strip())


class ConsultantQuerySet(models.QuerySet):
    def alive(self):
        """Consultants that are not soft-deleted (what staff see)."""
        return self.filter(deleted_at__isnull=True)

    def public(self):
        """Alive and active: the only consultants visitors may see (spec 000 "Public Consultant APIs")."""
        return self.alive().filter(status=ConsultantStatus.ACTIVE)

    def featured(self):
        return self.filter(is_featured=True)

    def search(self, q: str | None):
        """Every word of ``q`` must appear in a name, the title, the company or an expertise tag."""
        qs = self
        for word in (q or "").split():
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(title__icontains=word)
                | Q(company__icontains=word)
                | Q(expertise_areas__icontains=word)
            )
        return qs

    def with_expertise(self, tag: str):
        """Consultants whose ``expertise_areas`` hold ``tag`` as a whole entry (case-insensitive)."""
        return self.filter(expertise_areas__icontains=json_list_needle(tag))


class Consultant(models.Model):
    """A consultant of the firm, listed in the public directory once ``active``.

    ``bio``: ``{"en": [Portable Text blocks], "de": [...]}``; ``hourly_rate`` in ``currency``
    (ISO 4217, default USD); ``average_rating`` 0–5; ``timezone`` an IANA name. ``user`` is the
    consultant's own login, when they have one.
    """

    # Basic profile
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=255)
    phone = models.CharField(max_length=20, blank=True)
    bio = models.JSONField(default=dict, blank=True, validators=[validate_bio])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultant_profile",
    )

    # Professional
    title = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    expertise_areas = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    years_experience = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(50)])
    hourly_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD or EUR.")],
    )
    consultation_types = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    languages = models.JSONField(
        default=list, blank=True, validators=[validate_language_codes], help_text=_("Spoken languages, e.g. en, de.")
    )

    # LinkedIn
    linkedin_url = models.URLField(max_length=500, blank=True)
    linkedin_scraped_data = models.JSONField(null=True, blank=True)
    linkedin_last_sync = models.DateTimeField(null=True, blank=True)
    linkedin_sync_status = models.CharField(
        max_length=50, choices=LinkedInSyncStatus.choices, default=LinkedInSyncStatus.NOT_SYNCED
    )

    # Media
    photo = models.ImageField(
        upload_to="consultants/photos/",
        blank=True,
        validators=[validate_photo],
        help_text=_("JPEG, PNG or WebP, at least 200 px on each side; cropped to squares for the directory."),
    )
    profile_image_url = models.URLField(max_length=500, blank=True)
    portfolio_images = models.JSONField(default=list, blank=True, validators=[validate_url_list])
    resume_url = models.URLField(max_length=500, blank=True)

    # Status and verification
    status = models.CharField(max_length=20, choices=ConsultantStatus.choices, default=ConsultantStatus.PENDING)
    is_featured = models.BooleanField(default=False)
    is_verified = models.BooleanField(default=False)
    verification_notes = models.TextField(blank=True)

    # Payment and KYC
    payment_setup_status = models.CharField(
        max_length=30, choices=PaymentSetupStatus.choices, default=PaymentSetupStatus.NOT_STARTED
    )
    kyc_status = models.CharField(max_length=30, choices=KYCStatus.choices, default=KYCStatus.NOT_SUBMITTED)
    stripe_account_id = models.CharField(max_length=100, blank=True)
    paypal_account_id = models.CharField(max_length=100, blank=True)
    bank_account_verified = models.BooleanField(default=False)

    # Availability and calendar
    timezone = models.CharField(max_length=50, default="UTC", validators=[validate_timezone])
    availability_schedule = models.JSONField(null=True, blank=True, help_text=_("Weekly schedule."))
    calendar_integration = models.JSONField(null=True, blank=True, help_text=_("Google/Outlook integration settings."))
    booking_buffer_minutes = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(240)])
    max_bookings_per_day = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(48)]
    )

    # Performance metrics
    total_consultations = models.PositiveIntegerField(default=0)
    total_revenue = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    average_rating = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))],
    )
    total_reviews = models.PositiveIntegerField(default=0)
    response_time_hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    # SEO
    slug = models.SlugField(max_length=255, unique=True)
    meta_description = models.JSONField(default=dict, blank=True, validators=[validate_meta_description])
    keywords = models.JSONField(default=list, blank=True, validators=[validate_string_list])

    # Timestamps
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ConsultantQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(deleted_at__isnull=True),
                name="consultant_email_unique_alive",
                violation_error_message="A consultant with this e-mail address already exists.",
                violation_error_code="email_taken",
            ),
            models.CheckConstraint(
                condition=Q(average_rating__isnull=True) | Q(average_rating__gte=0, average_rating__lte=5),
                name="consultant_rating_0_5",
                violation_error_message="The average rating must be between 0 and 5.",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0),
                name="consultant_rate_not_negative",
                violation_error_message="The hourly rate cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["status", "deleted_at"], name="consultant_status_alive")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # Normalisation only, no rules (those live in the services): e-mails compare case-insensitively.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultants:detail", kwargs={"slug": self.slug})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_public(self) -> bool:
        return self.deleted_at is None and self.status == ConsultantStatus.ACTIVE

    @property
    def expertise_sorted(self) -> list[str]:
        """The expertise tags in alphabetical order (case-insensitive), as pages list them."""
        return sorted((tag for tag in self.expertise_areas or [] if isinstance(tag, str)), key=str.lower)

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper()


class ScrapingJobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", pgettext_lazy("job status", "Cancelled")


class ScrapingJobType(models.TextChoices):
    LINKEDIN_PROFILE = "linkedin_profile", _("LinkedIn profile")
    LINKEDIN_POSTS = "linkedin_posts", _("LinkedIn posts")


#: The states in which a job still holds its consultant: at most one per consultant (a DB constraint).
ACTIVE_SCRAPING_STATUSES = (ScrapingJobStatus.PENDING, ScrapingJobStatus.RUNNING)


class ScrapingJobQuerySet(models.QuerySet):
    def active(self):
        """Jobs still pending or running (at most one per consultant)."""
        return self.filter(status__in=ACTIVE_SCRAPING_STATUSES)


class ScrapingJob(models.Model):
    """A LinkedIn profile import run through Scoopp (spec 000 "ScrappingJob", "LinkedIn Integration
    via Scoopp"); ``consultants.services.scraping`` runs it.

    ``pending`` (created or retried; the start at Scoopp is due at ``next_retry_at`` when a try
    failed) → ``running`` (Scoopp has it as ``scoopp_job_id``; results come by webhook, or by
    polling from ``next_retry_at`` on) → ``completed`` (``scraped_data`` holds Scoopp's result) or
    ``failed`` (``error_message``); ``pending``/``running`` → ``cancelled`` by staff. ``retry_count``:
    failed tries (starts or polls) of the current run, at most ``max_retries`` before ``failed``;
    ``runs``: how often the job was started (1, +1 per manual retry), part of the idempotency key.
    """

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="scraping_jobs")
    job_type = models.CharField(max_length=50, choices=ScrapingJobType.choices)
    target_url = models.URLField(max_length=500)
    status = models.CharField(max_length=30, choices=ScrapingJobStatus.choices, default=ScrapingJobStatus.PENDING)
    scrape_posts = models.BooleanField(default=False)
    scrape_connections = models.BooleanField(default=False)
    scoopp_job_id = models.CharField(max_length=100, blank=True, db_index=True)
    scoopp_webhook_url = models.URLField(max_length=500, blank=True)
    scraped_data = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    retry_count = models.PositiveSmallIntegerField(default=0)
    max_retries = models.PositiveSmallIntegerField(default=3)
    runs = models.PositiveSmallIntegerField(default=1)
    estimated_completion = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScrapingJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retry_count__lte=models.F("max_retries")), name="scraping_job_retries_within_max"
            ),
            models.UniqueConstraint(
                fields=["consultant"],
                condition=Q(status__in=["pending", "running"]),
                name="scraping_job_one_active_per_consultant",
                violation_error_message="This consultant already has a scraping job in progress.",
                violation_error_code="scraping_in_progress",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_retry_at"], name="scraping_job_due")]

    def __str__(self) -> str:
        return f"{self.get_job_type_display()} for {self.consultant} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SCRAPING_STATUSES
