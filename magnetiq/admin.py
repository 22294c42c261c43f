from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from .mail import outbound_email_retry
from .models import AuditLogEntry, OutboundEmail


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail answers "who did this?" and is never edited."""

    list_display = ("created_at", "action", "actor", "content_type", "object_id")
    list_filter = ("action", "content_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("action", "object_id", "actor__email")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "content_type")
    readonly_fields = ("created_at", "action", "actor", "content_type", "object_id", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox: what left, what waits for a retry (and when), what failed and why. Rows are
    written by the mail service only; staff may send waiting or failed ones again at once."""

    list_display = ("created_at", "status", "recipients", "subject", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "template", ("created_at", admin.DateFieldListFilter))
    search_fields = ("idempotency_key", "subject", "to", "message_id")
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = (
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "idempotency_key",
        "template",
        "language",
        "message_id",
        "from_email",
        "to",
        "reply_to",
        "headers",
        "subject",
        "text",
        "html",
        "attachment_names",
        "created_at",
        "updated_at",
    )
    exclude = ("attachments",)

    @admin.display(description=pgettext_lazy("outbound e-mail", "to"))
    def recipients(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.to)

    @admin.display(description=pgettext_lazy("outbound e-mail", "attachments"))
    def attachment_names(self, obj: OutboundEmail) -> str:
        return ", ".join(f"{a['filename']} ({a['mimetype']})" for a in obj.attachments) or "-"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing only: the form has nothing to save; the action below needs "change".
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Retry now (waiting and failed e-mails)"), permissions=["change"])
    def retry_now(self, request, queryset):
        count = outbound_email_retry(email_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%(count)d e-mail will be sent again now.", "%(count)d e-mails will be sent again now.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d e-mail was left alone: it was sent or is being sent.",
                    "%(count)d e-mails were left alone: they were sent or are being sent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
