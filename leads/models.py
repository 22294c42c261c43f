"""Leads: people who left their details (whitepaper download, webinar registration, booking, …).

* :class:`Lead` — one row per e-mail address (case-insensitive, enforced by the database), with the
  contact fields, the running ``score``, qualification, the Odoo ``crm.lead`` mapping and the GDPR
  erasure time.
* :class:`LeadConsent` — each consent given (terms, marketing) with the wording version, time and
  the form it came from.
* :class:`LeadEvent` — the activity and score ledger: every action with its points; ``Lead.score``
  is always the sum of its events' points (``leads.services.lead_record_action`` keeps it so).

Every write goes through ``leads/services.py``.
"""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class LeadAction(models.TextChoices):
    """What a lead did. Points per action come from ``settings.LEADS["SCORE_POINTS"]`` (leads/conf.py)."""

    WHITEPAPER_DOWNLOAD = "whitepaper_download", "Whitepaper download"
    WEBINAR_REGISTRATION = "webinar_registration", "Webinar registration"
    WEBINAR_ATTENDANCE = "webinar_attendance", "Webinar attendance"
    BOOKING = "booking", "Booking"
    EMAIL_OPEN = "email_open", "E-mail opened"
    EMAIL_CLICK = "email_click", "E-mail link clicked"
    MANUAL_ADJUSTMENT = "manual_adjustment", "Manual score adjustment"


class ConsentKind(models.TextChoices):
    TERMS = "terms", "Terms and privacy policy"
    MARKETING = "marketing", "Marketing e-mails"


class OdooStatus(models.TextChoices):
    NOT_EXPORTED = "not_exported", "Not exported"
    QUEUED = "queued", "Queued"
    EXPORTING = "exporting", "Exporting"
    EXPORTED = "exported", "Exported"
    FAILED = "failed", "Failed"


class LeadQuerySet(models.QuerySet):
    def active(self):
        """Leads that were not erased (GDPR)."""
        return self.filter(erased_at__isnull=True)

    def with_email(self, email: str):
        """The (at most one) non-erased lead for ``email``, compared case-insensitively."""
        return self.active().filter(email__iexact=email.strip())

    def with_emails(self, emails):
        """The non-erased leads of any of ``emails`` (lower-cased addresses, as leads store them)."""
        return self.active().filter(email__in=[email.strip().lower() for email in emails])

    def search(self, term: str):
        """E-mail, names or company containing ``term`` (case-insensitive)."""
        term = term.strip()
        if not term:
            return self
        return self.filter(
            Q(email__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(company__icontains=term)
        )


class Lead(models.Model):
    """A person who left their details; one per e-mail address (case-insensitive).

    ``source``: where the lead was first captured (``"whitepaper"``, ``"webinar"``, ``"booking"``,
    ``"admin"``…), never changed by later captures. ``tags``: staff's labels, a sorted list of
    lower-case strings (:func:`leads.services.normalise_tags`) that campaign segments pick by.
    ``score``: the sum of the points of its :class:`LeadEvent` rows. ``odoo_id``: the id of the
    ``crm.lead`` record in Odoo once exported, so a re-export updates that record. ``erased_at``:
    set by the GDPR erasure, after which every personal field holds an anonymous value.
    """

    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=8, default="en")
    source = models.CharField(max_length=50, db_index=True)
    tags = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Labels staff give the lead to pick it for campaigns, e.g. “manufacturing”, “event-2026”."),
    )

    score = models.IntegerField(default=0, db_index=True)
    is_qualified = models.BooleanField(default=False, db_index=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    qualified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    odoo_id = models.PositiveBigIntegerField(null=True, blank=True)
    odoo_status = models.CharField(max_length=20, choices=OdooStatus.choices, default=OdooStatus.NOT_EXPORTED)
    odoo_error = models.TextField(blank=True)
    odoo_attempts = models.PositiveIntegerField(default=0)
    odoo_export_started_at = models.DateTimeField(null=True, blank=True)
    odoo_synced_at = models.DateTimeField(null=True, blank=True)

    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database, not a Python check, keeps one lead per address: two simultaneous
            # captures of a new address cannot both insert (leads.services.lead_capture retries).
            models.UniqueConstraint(
                Lower("email"), condition=Q(erased_at__isnull=True), name="leads_lead_unique_email_ci"
            ),
            models.UniqueConstraint(fields=["odoo_id"], name="leads_lead_unique_odoo_id"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


#: The version of the consent wording every capture form shows (whitepaper download, webinar
#: registration, booking). Each :class:`LeadConsent` keeps the version it was given under, so change
#: this together with the wording: a consent proves only what the person was shown.
CONSENT_WORDING_VERSION = "2026-11"


class LeadConsent(models.Model):
    """One consent (or refusal) as it was given: which wording version, when and on which form."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField()
    wording_version = models.CharField(max_length=50)
    source = models.CharField(max_length=100)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["lead", "kind", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {'granted' if self.granted else 'refused'} ({self.wording_version})"


class LeadEvent(models.Model):
    """One entry of the activity and score ledger.

    ``points``: what the action added to ``Lead.score`` (negative for a manual reduction).
    The object it is about is either a model row (``content_type`` + ``object_id``, e.g. the
    whitepaper) or a plain ``subject`` string. ``data``: small JSON context — UTM parameters,
    referrer, the truncated IP, ids; personal values in it are stripped by the GDPR erasure.
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40, choices=LeadAction.choices, db_index=True)
    points = models.IntegerField(default=0)
    occurred_at = models.DateTimeField(db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    subject_object = GenericForeignKey("content_type", "object_id")
    subject = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "action"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.points:+d}"


class DoNotContactReason(models.TextChoices):
    """Why an address is on the do-not-contact list."""

    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    MANUAL = "manual", _("Added by staff")


def email_hash(email: str) -> str:
    """SHA-256 (hex) of the normalised address (trimmed, lower-cased): what the do-not-contact list
    matches on, so an entry still works after a GDPR erasure dropped the address itself."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


class DoNotContactQuerySet(models.QuerySet):
    def for_emails(self, emails):
        """The entries of any of ``emails`` (matched by :func:`email_hash`, so erased ones count)."""
        return self.filter(email_hash__in={email_hash(email) for email in emails})


class DoNotContact(models.Model):
    """An address no marketing e-mail may go to (campaigns and every other marketing send path).

    ``email``: the normalised address, ``""`` once a GDPR erasure dropped it; ``email_hash``: its
    SHA-256 (:func:`email_hash`), unique, and what every check compares. ``reason``: a
    :class:`DoNotContactReason`; ``source``: where it came from (``"one_click"``,
    ``"preference_page"``, ``"brevo"``, ``"admin"``, ``"gdpr_erasure"``…). Written only by
    ``leads.services.do_not_contact_add`` / ``do_not_contact_remove`` / ``do_not_contact_forget_address``.
    """

    email = models.EmailField(max_length=254, blank=True)
    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=DoNotContactReason.choices)
    source = models.CharField(max_length=50, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DoNotContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("do-not-contact entry")
        verbose_name_plural = _("do-not-contact list")

    def __str__(self) -> str:
        return self.email or f"erased ({self.email_hash[:12]}…)"
