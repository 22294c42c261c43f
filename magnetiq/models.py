"""The audit trail every service writes, so staff can answer "who did this?" without reading logs."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


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
