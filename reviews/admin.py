"""Moderation of reviews: approve or reject (actions and buttons call :mod:`reviews.services`, which
recount the consultant's rating); the review itself is the client's and stays read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Review, ReviewStatus


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["created_at", "consultant", "rating", "author_name", "short_text", "language", "status"]
    list_filter = ["status", "rating", "language", ("consultant", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["text", "author_name", "booking__reference", "booking__client_email", "consultant__last_name"]
    list_select_related = ["consultant"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]
    readonly_fields = [
        "booking",
        "consultant",
        "rating",
        "text",
        "language",
        "author_name",
        "status",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    fields = readonly_fields

    @admin.display(description=_("text"))
    def short_text(self, obj: Review) -> str:
        return obj.text if len(obj.text) <= 80 else f"{obj.text[:79]}…"

    def has_add_permission(self, request) -> bool:
        # Reviews come from the clients' rating page only.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A rejected review stays as the record of the decision.
        return False

    def _moderate(self, request, queryset, service, status: str) -> None:
        changed = 0
        for review in queryset.order_by("pk"):
            if review.status != status:
                service(review=review, actor=request.user)
                changed += 1
        self.message_user(
            request,
            ngettext("%(count)d review moderated.", "%(count)d reviews moderated.", changed) % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve (show on the profile)"), permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, services.review_approve, ReviewStatus.APPROVED)

    @admin.action(description=_("Reject (hide)"), permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, services.review_reject, ReviewStatus.REJECTED)
