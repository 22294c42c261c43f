"""Webinars and their registrations (spec 001 "Webinars API", spec 000 "Business Operations").

A webinar starts at ``starts_at`` (UTC) and is shown in ``timezone`` (an IANA name) with its offset.
Seats are ``capacity``; a registration beyond it joins the waiting list in arrival order and is
promoted when a seat frees up (``webinars.services``). Translatable text is JSON ``{"en", "de"}``;
the description holds Portable Text blocks per language. Webinars are soft-deleted (``deleted_at``).
"""

import json
import secrets
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultants.validators import validate_optional_portable_text, validate_string_list, validate_timezone
from magnetiq.translation import language_choices, validate_translations


class WebinarStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", pgettext_lazy("webinar status", "Cancelled")
    COMPLETED = "completed", _("Completed")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses that hold a seat or a place in the queue; one such registration per (webinar, e-mail).
ACTIVE_REGISTRATION_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


def validate_title(value: Any) -> None:
    """``{"en": "…", "de": "…"}``: English required, each at most 200 characters."""
    try:
        validate_translations(value, required=True)
    except ValidationError as exc:
        # A fresh code: JSONField would swap its own "invalid JSON" text in for code "invalid".
        raise ValidationError(exc.messages[0], code="invalid_translation") from None
    for lang, text in value.items():
        if text and len(text) > 200:
            raise ValidationError(
                _("The %(language)s title is longer than 200 characters.") % {"language": lang}, code="too_long"
            )


def validate_description(value: Any) -> None:
    """Translatable Portable Text ``{"en": [blocks], "de": [blocks]}``; empty (``{}``) is allowed
    (:func:`consultants.validators.validate_optional_portable_text`)."""
    validate_optional_portable_text(value)


def json_list_needle(tag: str) -> str:
    """The JSON text of one list element (``'"AI"'``), to match a whole tag inside a JSON list."""
    return json.dumps(tag.strip())


def week_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of ``now``'s ISO week and the Monday after."""
    start = now.astimezone(zoneinfo.ZoneInfo("UTC")).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=start.weekday())
    return start, start + timedelta(days=7)


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The first instant (UTC) of ``now``'s calendar month and of the next one."""
    start = now.astimezone(zoneinfo.ZoneInfo("UTC")).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


class WebinarQuerySet(models.QuerySet):
    def alive(self):
        """Not soft-deleted (what staff see)."""
        return self.filter(deleted_at__isnull=True)

    def published(self):
        """Alive and published: the only webinars visitors see (completed ones stay visible as past)."""
        return self.alive().filter(status__in=[WebinarStatus.PUBLISHED, WebinarStatus.COMPLETED])

    def visible(self):
        """What a visitor may open by slug or id: published, completed or cancelled (to learn it was
        cancelled), never drafts or deleted ones. Lists use :meth:`published`."""
        return self.alive().exclude(status=WebinarStatus.DRAFT)

    def upcoming(self, now: datetime | None = None):
        """Starting at or after ``now`` (default: the current time)."""
        return self.filter(starts_at__gte=now or timezone.now())

    def past(self, now: datetime | None = None):
        return self.filter(starts_at__lt=now or timezone.now())

    def this_week(self, now: datetime | None = None):
        """Upcoming and starting before the end of the current ISO week (Monday–Sunday, UTC)."""
        now = now or timezone.now()
        return self.upcoming(now).filter(starts_at__lt=week_bounds(now)[1])

    def this_month(self, now: datetime | None = None):
        """Upcoming and starting before the end of the current calendar month (UTC)."""
        now = now or timezone.now()
        return self.upcoming(now).filter(starts_at__lt=month_bounds(now)[1])

    def search(self, q: str | None):
        """Every word of ``q`` must appear in a title, the description or a tag (case-insensitive)."""
        qs = self
        for word in (q or "").split():
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__icontains=word))
        return qs

    def with_topic(self, topic: str):
        """Webinars whose ``tags`` hold ``topic`` as a whole entry (case-insensitive)."""
        return self.filter(tags__icontains=json_list_needle(topic))

    def with_counts(self):
        """Annotate ``registered_count``, ``waitlisted_count``, ``cancelled_count`` and ``attended_count``."""
        return self.annotate(
            registered_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
            waitlisted_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
            cancelled_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CANCELLED)),
            attended_count=Count("registrations", filter=Q(registrations__attended=True)),
        )


class Webinar(models.Model):
    """A live online session by one speaker (a consultant).

    ``title``: ``{"en": str, "de": str}``; ``description``: ``{"en": [Portable Text], "de": [...]}``;
    ``starts_at``: aware UTC datetime, ``timezone``: the IANA zone it is announced in;
    ``duration_minutes`` 5–600; ``capacity`` ≥ 1 seats; ``price`` in ``currency`` (0 = free);
    ``tags``: topics, a list of strings; ``sequence``: the ICS ``SEQUENCE``, raised when the time changes.
    """

    title = models.JSONField(validators=[validate_title])
    description = models.JSONField(default=dict, blank=True, validators=[validate_description])
    slug = models.SlugField(max_length=255, unique=True)
    speaker = models.ForeignKey("consultants.Consultant", on_delete=models.PROTECT, related_name="webinars")
    starts_at = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=50, default="Europe/Berlin", validators=[validate_timezone])
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    capacity = models.PositiveIntegerField(default=100, validators=[MinValueValidator(1), MaxValueValidator(100000)])
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD or EUR.")],
    )
    tags = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    language = models.CharField(max_length=7, choices=language_choices, default="en")
    status = models.CharField(max_length=20, choices=WebinarStatus.choices, default=WebinarStatus.DRAFT)
    meeting_link = models.URLField(max_length=500, blank=True)
    is_featured = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(
        default=0, help_text=_("Counts the time changes, so calendars replace the old invitation.")
    )

    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = WebinarQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="webinar_capacity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="webinar_price_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "deleted_at", "starts_at"], name="webinar_public_upcoming")]

    def __str__(self) -> str:
        return f"{self.title_en} ({self.starts_at:%Y-%m-%d %H:%M} UTC)" if self.starts_at else self.title_en

    def get_absolute_url(self) -> str:
        return reverse("webinars:detail", kwargs={"slug": self.slug})

    @property
    def title_en(self) -> str:
        return (self.title or {}).get("en", "") if isinstance(self.title, dict) else str(self.title)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def local_start(self) -> datetime:
        """``starts_at`` in the webinar's own time zone."""
        return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.timezone))

    def is_open_for_registration(self, now: datetime | None = None) -> bool:
        """Published, not deleted and not started yet."""
        return (
            self.deleted_at is None
            and self.status == WebinarStatus.PUBLISHED
            and self.starts_at > (now or timezone.now())
        )


def new_reference() -> str:
    """An unguessable reference for the visitor's links (about 192 bits)."""
    return secrets.token_urlsafe(24)


class WebinarRegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_REGISTRATION_STATUSES)

    def registered(self):
        return self.filter(status=RegistrationStatus.REGISTERED)

    def waitlisted(self):
        """The waiting list in arrival order (the id grows with every insert made under the webinar lock)."""
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("id")


class WebinarRegistration(models.Model):
    """One person's registration (spec 001 ``POST /public/webinars/{id}/register`` ``attendee``).

    ``status``: ``registered`` (holds a seat), ``waitlisted`` (in the queue, ordered by id) or
    ``cancelled``. Consent to the terms and to marketing is kept with its time and the wording
    version. ``reference`` addresses the registration in the visitor's cancel link. The ``*_sent_at``
    fields make every e-mail go out once (claimed by a conditional UPDATE before sending).
    """

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="registrations")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="webinar_registrations"
    )
    reference = models.CharField(max_length=64, unique=True, default=new_reference, editable=False)

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=255)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(max_length=500, blank=True)
    questions = models.TextField(blank=True, max_length=2000, help_text=_("Questions for the speaker."))
    language = models.CharField(max_length=7, choices=language_choices, default="en")

    consent_terms = models.BooleanField(default=False)
    consent_terms_at = models.DateTimeField(null=True, blank=True)
    consent_marketing = models.BooleanField(default=False)
    consent_marketing_at = models.DateTimeField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)

    status = models.CharField(max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED)
    attended = models.BooleanField(default=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When this person moved from the waiting list to a seat.")
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    waitlist_notice_sent_at = models.DateTimeField(null=True, blank=True)
    promotion_sent_at = models.DateTimeField(null=True, blank=True)
    cancellation_sent_at = models.DateTimeField(null=True, blank=True)
    reschedule_sequence_sent = models.PositiveIntegerField(
        default=0, help_text=_("The webinar SEQUENCE of the last invite sent to this person.")
    )
    reminder_7d_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1d_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebinarRegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["webinar", "id"]
        constraints = [
            models.UniqueConstraint(
                "webinar",
                Lower("email"),
                condition=Q(status__in=["registered", "waitlisted"]),
                name="webinar_registration_one_active_per_email",
                violation_error_message="This e-mail address is already registered for this webinar.",
                violation_error_code="already_registered",
            ),
            models.CheckConstraint(condition=Q(consent_terms=True), name="webinar_registration_terms_accepted"),
        ]
        indexes = [models.Index(fields=["webinar", "status"], name="webinar_registration_status")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}> — {self.webinar_id} ({self.status})"

    def save(self, *args, **kwargs):
        # Normalisation only: e-mails compare case-insensitively.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def waitlist_position(self) -> int | None:
        """1 for the first person waiting, ``None`` when not on the waiting list."""
        if self.status != RegistrationStatus.WAITLISTED:
            return None
        return WebinarRegistration.objects.waitlisted().filter(webinar_id=self.webinar_id, id__lte=self.id).count()

    def get_cancel_url(self) -> str:
        return reverse("webinars:registration-cancel", kwargs={"reference": self.reference})
