"""Back office for whitepapers and author e-mail submissions; every change goes through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from content.admin_widgets import (
    CommaSeparatedListField,
    PortableTextMarkdownField,
    StoredValuesFormMixin,
    TranslatedTextField,
    TranslationsTextarea,
)
from magnetiq.exceptions import ApplicationError

from . import services
from .models import DownloadToken, EmailAttachment, EmailSubmission, SubmissionStatus, Whitepaper

#: The success message of each bulk action, a plural of ``count``.
BULK_DONE = {
    "activate": ngettext_lazy("%(count)d whitepaper activated.", "%(count)d whitepapers activated.", "count"),
    "deactivate": ngettext_lazy("%(count)d whitepaper deactivated.", "%(count)d whitepapers deactivated.", "count"),
    "feature": ngettext_lazy("%(count)d whitepaper featured.", "%(count)d whitepapers featured.", "count"),
    "unfeature": ngettext_lazy(
        "%(count)d whitepaper no longer featured.", "%(count)d whitepapers no longer featured.", "count"
    ),
}


class WhitepaperAdminForm(StoredValuesFormMixin, forms.ModelForm):
    """Title, summary and body first, one box per language; the body is written in Markdown."""

    title = TranslatedTextField(label=_("Title"), help_text=_("English is required; other languages fall back to it."))
    summary = TranslatedTextField(
        label=_("Summary"),
        required=False,
        widget=TranslationsTextarea(rows=3),
        help_text=_("Two or three sentences shown in the list and above the download form."),
    )
    body = PortableTextMarkdownField(label=_("Body"), required=False)
    body_markdown = TranslatedTextField(
        label=_("Long Markdown for the PDF"),
        required=False,
        widget=TranslationsTextarea(rows=8),
        help_text=_("Only used for a language whose body above is empty: Markdown with tables, made into the PDF."),
    )
    tags = CommaSeparatedListField(label=_("Tags"), help_text=_("Separate tags with commas."))

    class Meta:
        model = Whitepaper
        fields = sorted(services.EDITABLE_FIELDS)


@admin.register(Whitepaper)
class WhitepaperAdmin(admin.ModelAdmin):
    form = WhitepaperAdminForm
    list_display = ["__str__", "author", "language", "is_active", "is_featured", "published_at", "download_count"]
    list_filter = ["is_active", "is_featured", "language", "category"]
    search_fields = ["slug", "search_text", "author__first_name", "author__last_name"]
    autocomplete_fields = ["author", "cover_image"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (
            _("Publishing"),
            {"fields": ["is_active", "published_at", "is_featured", "author", "category", "tags", "language"]},
        ),
        (_("Cover and PDF"), {"fields": ["cover_image", "file", "pdf_status", "body_markdown"]}),
        (
            _("Figures and record"),
            {
                "classes": ["collapse"],
                "fields": ["view_count", "download_count", "pdf_generated_at", "body_hash", "created_at", "updated_at"],
            },
        ),
    ]
    readonly_fields = [
        "pdf_status",
        "view_count",
        "download_count",
        "pdf_generated_at",
        "body_hash",
        "created_at",
        "updated_at",
    ]
    actions = ["activate", "deactivate", "feature", "unfeature", "generate_pdf"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The private storage has no URL, so the default widget's "currently: <link>" cannot render.
        if db_field.name == "file":
            kwargs["widget"] = forms.FileInput(attrs={"accept": "application/pdf"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="PDF")
    def pdf_status(self, obj) -> str:
        if obj.file:
            return gettext("Uploaded PDF (replace it with a new upload)")
        if obj.generated_file:
            return gettext("Generated from the body on %(when)s UTC") % {
                "when": f"{obj.pdf_generated_at:%Y-%m-%d %H:%M}"
            }
        return gettext("No PDF yet")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True).select_related("author")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        if change:
            fresh = Whitepaper.objects.get(pk=obj.pk)
            services.whitepaper_update(whitepaper=fresh, actor=request.user, **fields)
            obj.refresh_from_db()
        else:
            fields = {name: value for name, value in form.cleaned_data.items() if name in services.EDITABLE_FIELDS}
            created = services.whitepaper_create(actor=request.user, **fields)
            obj.pk = created.pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.whitepaper_delete(whitepaper=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for whitepaper in queryset:
            services.whitepaper_delete(whitepaper=whitepaper, actor=request.user)

    def _bulk(self, request, queryset: QuerySet, action: str):
        ids = list(queryset.values_list("pk", flat=True))
        result = services.whitepaper_bulk_action(ids=ids, action=action, actor=request.user)
        count = len(result["processed"])
        self.message_user(request, BULK_DONE[action] % {"count": count})
        for failure in result["failed"]:
            self.message_user(request, f"#{failure['id']}: {failure['error']}", level=messages.ERROR)

    @admin.action(description=_("Activate (publish)"), permissions=["change"])
    def activate(self, request, queryset):
        self._bulk(request, queryset, "activate")

    @admin.action(description=_("Deactivate"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._bulk(request, queryset, "deactivate")

    @admin.action(description=_("Feature"), permissions=["change"])
    def feature(self, request, queryset):
        self._bulk(request, queryset, "feature")

    @admin.action(description=_("Stop featuring"), permissions=["change"])
    def unfeature(self, request, queryset):
        self._bulk(request, queryset, "unfeature")

    @admin.action(description=_("Generate the PDF from the body"), permissions=["change"])
    def generate_pdf(self, request, queryset):
        done = 0
        for whitepaper in queryset:
            try:
                services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk, force=True)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{whitepaper}: {exc.message}", level=messages.ERROR)
        self.message_user(
            request, ngettext("%(count)d PDF generated.", "%(count)d PDFs generated.", done) % {"count": done}
        )


@admin.register(DownloadToken)
class DownloadTokenAdmin(admin.ModelAdmin):
    """Read-only: links are issued by the lead form; the raw token is never shown."""

    list_display = ["whitepaper", "lead", "expires_at", "remaining_downloads", "download_count", "last_used_at"]
    list_select_related = ["whitepaper", "lead"]
    search_fields = ["lead__email", "whitepaper__slug"]
    exclude = ["nonce", "token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EmailAttachmentInline(admin.TabularInline):
    model = EmailAttachment
    fields = ["filename", "mime_type", "size_bytes", "accepted", "refusal_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EmailSubmission)
class EmailSubmissionAdmin(admin.ModelAdmin):
    list_display = ["subject", "sender_email", "received_at", "status", "source", "whitepaper"]
    list_filter = ["status", "source"]
    search_fields = ["subject", "sender_email", "message_id"]
    readonly_fields = [
        "message_id",
        "sender_email",
        "sender_name",
        "subject",
        "body",
        "received_at",
        "status",
        "error",
        "source",
        "author",
        "whitepaper",
        "reviewed_by",
        "created_at",
    ]
    inlines = [EmailAttachmentInline]
    actions = ["process", "approve", "reject"]

    def has_add_permission(self, request):
        return False

    def _run(self, request, queryset, call, done_message):
        """Call ``call`` for each submission; ``done_message`` is the success message, an
        ``ngettext_lazy(…, "count")`` plural."""
        done = 0
        for submission in queryset:
            try:
                call(submission=submission, actor=request.user)
                done += 1
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, f"{submission}: {getattr(exc, 'message', exc)}", level=messages.ERROR)
        self.message_user(request, done_message % {"count": done})

    @admin.action(description=_("Process (check author and content)"), permissions=["change"])
    def process(self, request, queryset):
        self._run(
            request,
            queryset,
            services.email_submission_process,
            ngettext_lazy("%(count)d submission processed.", "%(count)d submissions processed.", "count"),
        )

    @admin.action(description=_("Approve and publish a whitepaper"), permissions=["change"])
    def approve(self, request, queryset):
        if not request.user.has_perm("whitepapers.add_whitepaper"):
            self.message_user(request, _("Publishing needs the add whitepaper permission."), level=messages.ERROR)
            return
        pending = queryset.exclude(status=SubmissionStatus.APPROVED)
        self._run(
            request,
            pending,
            services.email_submission_approve,
            ngettext_lazy("%(count)d submission approved.", "%(count)d submissions approved.", "count"),
        )

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request, queryset):
        self._run(
            request,
            queryset,
            services.email_submission_reject,
            ngettext_lazy("%(count)d submission rejected.", "%(count)d submissions rejected.", "count"),
        )
