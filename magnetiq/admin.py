from django.contrib import admin

from .models import AuditLogEntry


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
