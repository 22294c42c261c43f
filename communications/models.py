"""E-mail campaigns: templates, campaigns and one send record per recipient.

* :class:`EmailTemplate` — a subject and a Portable Text body per language (``{"en": …, "de": …}``,
  ``en`` required) with ``{{ variable }}`` placeholders from :data:`communications.rendering.VARIABLES`.
* :class:`Campaign` — a template sent to a segment (:mod:`communications.segments`) at a time, at a
  rate, with its life :class:`CampaignStatus`.
* :class:`CampaignSend` — one recipient of one campaign (unique per campaign and address): the
  record that makes every recipient get the campaign once (:class:`SendStatus`).

Every write goes through ``communications/services.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EmailTemplateQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class EmailTemplate(models.Model):
    """``subject``: ``{"en": "Hello {{ first_name }}", "de": …}``; ``body``: ``{"en": [Portable Text
    blocks], "de": […]}``. A language missing from one of them falls back to English when sent.
    Soft-deleted (``deleted_at``) so campaigns that used it keep their history."""

    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    subject = models.JSONField(_("subject"), default=dict, help_text=_("One subject line per language."))
    body = models.JSONField(_("body"), default=dict, help_text=_("One Portable Text body per language."))
    preheader = models.JSONField(
        _("preview text"), default=dict, blank=True, help_text=_("The line mail programs show after the subject.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EmailTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    """draft → scheduled → sending → sent; sending ⇄ paused; draft/scheduled/paused → cancelled."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")


#: Statuses in which the campaign's template, segment, schedule and rate may still change.
EDITABLE_CAMPAIGN_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class CampaignQuerySet(models.QuerySet):
    def due(self, now=None):
        """Scheduled campaigns whose time has come."""
        return self.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now or timezone.now())

    def sending(self):
        return self.filter(status=CampaignStatus.SENDING)


class Campaign(models.Model):
    """``segment``: the audience definition (``communications.segments.validate_segment``).
    ``send_rate``: messages per minute at most. ``track``: opt-in open pixel and click redirects.
    ``consecutive_failures``: failed sends in a row since the last success; the worker pauses the
    campaign at ``COMMUNICATIONS["PAUSE_AFTER_FAILURES"]`` and says why in ``pause_reason``."""

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="campaigns")
    segment = models.JSONField(_("segment"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    send_rate = models.PositiveIntegerField(_("messages per minute"), default=600)
    track = models.BooleanField(
        _("track opens and clicks"), default=False, help_text=_("Adds a tracking pixel and redirects links.")
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    pause_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False), name="campaign_scheduled_has_time"
            ),
            models.CheckConstraint(condition=Q(send_rate__gte=1), name="campaign_send_rate_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SendStatus(models.TextChoices):
    """queued → sending → sent | failed; a transient failure goes back to queued with a later
    ``next_attempt_at``. A row left ``sending`` past the lease is "uncertain" (docs/operations.md)."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class CampaignSendQuerySet(models.QuerySet):
    def uncertain(self, now=None, lease=None):
        """Rows handed to SMTP by a worker that never recorded the outcome (killed, or the
        connection lost after DATA): ``sending`` for longer than the lease."""
        from .conf import config

        lease = lease or config().sending_lease
        return self.filter(status=SendStatus.SENDING, sending_at__lt=(now or timezone.now()) - lease)

    def progress(self) -> dict[str, int]:
        """``{"total", "queued", "sending", "sent", "failed", "uncertain"}`` counts."""
        from .conf import config

        cutoff = timezone.now() - config().sending_lease
        counts = self.aggregate(
            total=Count("id"),
            queued=Count("id", filter=Q(status=SendStatus.QUEUED)),
            sending=Count("id", filter=Q(status=SendStatus.SENDING, sending_at__gte=cutoff)),
            uncertain=Count("id", filter=Q(status=SendStatus.SENDING, sending_at__lt=cutoff)),
            sent=Count("id", filter=Q(status=SendStatus.SENT)),
            failed=Count("id", filter=Q(status=SendStatus.FAILED)),
        )
        return {key: value or 0 for key, value in counts.items()}


class CampaignSend(models.Model):
    """One recipient of a campaign, snapshotted when the campaign starts.

    ``email`` (normalised), ``first_name``, ``last_name``, ``language``: copied from the lead then,
    so a later change of the lead does not change what was sent. ``claim_token``/``claimed_until``:
    the worker that holds the (still queued) row; ``sending_at``: when it was handed to SMTP;
    ``attempts``: tries so far; ``next_attempt_at``: earliest next try (exponential backoff);
    ``message_id``: the ``Message-ID`` header sent. ``opened_at``/``clicked_at``: first open and
    click (tracked campaigns only). Deleted by the GDPR erasure of the address.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sends")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignSendQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("campaign send")
        verbose_name_plural = _("campaign sends")
        constraints = [
            # One message per recipient and campaign: a second snapshot, or a race of two, cannot
            # add the same address twice.
            models.UniqueConstraint(fields=["campaign", "email"], name="campaign_send_unique_recipient"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "next_attempt_at"], name="campaign_send_due"),
            # A worker reads and releases its batch by its claim token.
            models.Index(fields=["claim_token"], name="campaign_send_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"
