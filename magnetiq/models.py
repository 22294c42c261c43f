"""The audit trail every service writes (so staff can answer "who did this?" without reading logs),
the rate counters, and the outbox every e-mail leaves through."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import pgettext_lazy


class AuditLogEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        """Entries about ``obj``, newest first."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
        ).order_by("-created_at", "-id")


class AuditLogEntry(models.Model):
    """One state change: a namespaced ``action`` (``"bookings.booking.cancelled"``), who did it
    (``actor``, null for the system or an anonymous visitor), what it was about (any model) and a
    small JSON ``data`` payload (ids, old/new states; never secrets)."""

    action = models.CharField(max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.content_type.model}#{self.object_id}"


class RateCounter(models.Model):
    """One rate-limit counter of :mod:`magnetiq.ratelimit` when the default cache cannot increment
    atomically (the database cache): ``hits`` of one subject in one window, until ``expires_at``.
    Written only by ``magnetiq.ratelimit.DatabaseCounters`` in single SQL statements."""

    key = models.CharField(max_length=255, primary_key=True)
    hits = models.BigIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.hits}"


class OutboundEmailStatus(models.TextChoices):
    """Where one outbound e-mail stands (:mod:`magnetiq.mail`)."""

    PENDING = "pending", pgettext_lazy("outbound e-mail", "Waiting to be sent")
    SENDING = "sending", pgettext_lazy("outbound e-mail", "Being sent")
    SENT = "sent", pgettext_lazy("outbound e-mail", "Sent")
    FAILED = "failed", pgettext_lazy("outbound e-mail", "Failed")


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now):
        """Waiting e-mails whose next attempt is at or before ``now``, oldest first."""
        return self.filter(status=OutboundEmailStatus.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk"
        )

    def stalled(self, claimed_before):
        """E-mails a worker claimed before ``claimed_before`` and never finished (it died mid-send)."""
        return self.filter(status=OutboundEmailStatus.SENDING, claimed_at__lt=claimed_before)


class OutboundEmail(models.Model):
    """One e-mail the site sends, rendered once and kept until it has left: the outbox every
    transactional e-mail goes through (:mod:`magnetiq.mail` explains the life cycle).

    ``idempotency_key`` is unique: recording the same e-mail twice (a retried task) finds the first
    row. ``to``/``reply_to`` are lists of addresses, ``headers`` a dict of extra header lines,
    ``attachments`` a list of ``{"filename", "mimetype", "content"}`` with the content in base64.
    ``message_id`` is generated once, so a message sent again after a crash carries the same
    ``Message-ID`` (RFC 5322 section 3.6.4) and receivers can tell it is the same. ``attempts``
    counts deliveries started; ``next_attempt_at`` (UTC) is when a waiting e-mail is due.
    Written only by :mod:`magnetiq.mail`.
    """

    idempotency_key = models.CharField(pgettext_lazy("outbound e-mail", "idempotency key"), max_length=200, unique=True)
    template = models.CharField(pgettext_lazy("outbound e-mail", "template"), max_length=200, blank=True, db_index=True)
    language = models.CharField(pgettext_lazy("outbound e-mail", "language"), max_length=10, blank=True)
    message_id = models.CharField(pgettext_lazy("outbound e-mail", "Message-ID"), max_length=255)
    from_email = models.CharField(pgettext_lazy("outbound e-mail", "from"), max_length=320)
    to = models.JSONField(pgettext_lazy("outbound e-mail", "to"), default=list)
    reply_to = models.JSONField(pgettext_lazy("outbound e-mail", "reply to"), default=list, blank=True)
    headers = models.JSONField(pgettext_lazy("outbound e-mail", "headers"), default=dict, blank=True)
    subject = models.CharField(pgettext_lazy("outbound e-mail", "subject"), max_length=998)
    text = models.TextField(pgettext_lazy("outbound e-mail", "text"))
    html = models.TextField(pgettext_lazy("outbound e-mail", "HTML"), blank=True)
    attachments = models.JSONField(pgettext_lazy("outbound e-mail", "attachments"), default=list, blank=True)
    status = models.CharField(
        pgettext_lazy("outbound e-mail", "status"),
        max_length=10,
        choices=OutboundEmailStatus.choices,
        default=OutboundEmailStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("outbound e-mail", "attempts"), default=0)
    next_attempt_at = models.DateTimeField(pgettext_lazy("outbound e-mail", "next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(pgettext_lazy("outbound e-mail", "sending since"), null=True, blank=True)
    last_error = models.TextField(pgettext_lazy("outbound e-mail", "last error"), blank=True)
    sent_at = models.DateTimeField(pgettext_lazy("outbound e-mail", "sent at"), null=True, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("outbound e-mail", "created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(pgettext_lazy("outbound e-mail", "updated at"), auto_now=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="magnetiq_outbound_due")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=OutboundEmailStatus.SENT) | models.Q(sent_at__isnull=False),
                name="magnetiq_outbound_sent_has_time",
            ),
        ]
        verbose_name = pgettext_lazy("outbound e-mail", "outbound e-mail")
        verbose_name_plural = pgettext_lazy("outbound e-mail", "outbound e-mails")

    def __str__(self) -> str:
        return f"{', '.join(self.to)}: {self.subject}"
