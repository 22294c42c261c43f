"""Back-office screens for leads.

Saves and every action call ``leads.services``, so the admin behaves like the API.
Leads are never added or deleted here: they come from captures, and "deleting" one is the GDPR
erasure action (needs ``leads.delete_lead``), which keeps the anonymous row and its counts.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from magnetiq.exceptions import ApplicationError

from . import exports, services
from .models import DoNotContact, Lead, LeadConsent, LeadEvent, OdooStatus


class ErasedFilter(admin.SimpleListFilter):
    title = gettext_lazy("erased (GDPR)")
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("no", _("Not erased")), ("yes", _("Erased"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.active()
        if self.value() == "yes":
            return queryset.filter(erased_at__isnull=False)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LeadEventInline(ReadOnlyInline):
    model = LeadEvent
    fields = ["occurred_at", "action", "points", "subject_display", "data", "actor"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]

    @admin.display(description=pgettext_lazy("lead event", "subject"))
    def subject_display(self, event) -> str:
        if event.content_type_id:
            return f"{event.content_type.app_label}.{event.content_type.model}#{event.object_id}"
        return event.subject


class LeadConsentInline(ReadOnlyInline):
    model = LeadConsent
    fields = ["recorded_at", "kind", "granted", "wording_version", "source"]
    readonly_fields = fields


class LeadAdminForm(forms.ModelForm):
    """The lead form with its tags as one comma-separated text (stored as a list)."""

    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        help_text=gettext_lazy(
            "Comma-separated, e.g. “manufacturing, event-2026”. Campaign segments pick leads by tag."
        ),
    )

    class Meta:
        model = Lead
        fields = ["tags"]  # LeadAdmin.fields decides the rest

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "tags" in self.fields:
            self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self):
        try:
            return services.normalise_tags(self.cleaned_data.get("tags") or "")
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = [
        "email",
        "full_name",
        "company",
        "score",
        "is_qualified",
        "odoo_status",
        "created_at",
    ]
    list_filter = [
        "is_qualified",
        "source",
        "odoo_status",
        ErasedFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["email", "first_name", "last_name", "company"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = [
        "email",
        "first_name",
        "last_name",
        "company",
        "website",
        "phone",
        "job_title",
        "language",
        "tags",
        "source",
        "score",
        "is_qualified",
        "qualified_at",
        "qualified_by",
        "odoo_id",
        "odoo_status",
        "odoo_error",
        "odoo_attempts",
        "odoo_synced_at",
        "last_activity_at",
        "created_at",
        "updated_at",
        "erased_at",
    ]
    readonly_fields = [field for field in fields if field not in services.EDITABLE_FIELDS]
    inlines = [LeadConsentInline, LeadEventInline]
    actions = ["qualify", "export_to_odoo", "retry_failed_odoo_export", "export_csv", "erase_personal_data"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The plain delete would drop the ledger too; erasure is the "erase_personal_data" action.
        return False

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("leads.delete_lead")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_erased:
            return self.fields
        return self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data if field in services.EDITABLE_FIELDS}
        try:
            services.lead_update(lead=obj, data=data, actor=request.user)
        except ApplicationError as error:
            self.message_user(request, _("Not saved: %(error)s") % {"error": error.message}, messages.ERROR)

    def _each(self, request, queryset, operation, done: Callable[[int], str]) -> None:
        """Run ``operation`` on every lead; ``done(count)`` is the success message (a plural)."""
        count, failures = 0, []
        for lead in queryset:
            try:
                operation(lead)
            except ApplicationError as error:
                failures.append(_("%(email)s: %(error)s") % {"email": lead.email, "error": error.message})
            else:
                count += 1
        if count:
            self.message_user(request, done(count), messages.SUCCESS)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=gettext_lazy("Mark selected leads as qualified"), permissions=["change"])
    def qualify(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda lead: services.lead_qualify(lead=lead, qualified=True, actor=request.user),
            lambda count: ngettext("%(count)d lead qualified.", "%(count)d leads qualified.", count) % {"count": count},
        )

    @admin.action(description=gettext_lazy("Export selected leads to Odoo"), permissions=["change"])
    def export_to_odoo(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda lead: services.lead_enqueue_odoo_export(lead=lead, actor=request.user),
            lambda count: (
                ngettext(
                    "%(count)d lead queued for the Odoo export.", "%(count)d leads queued for the Odoo export.", count
                )
                % {"count": count}
            ),
        )

    @admin.action(
        description=gettext_lazy("Retry the failed Odoo exports among the selected leads"), permissions=["change"]
    )
    def retry_failed_odoo_export(self, request, queryset):
        failed = queryset.filter(odoo_status=OdooStatus.FAILED)
        if not failed.exists():
            self.message_user(request, _("None of the selected leads has a failed Odoo export."), messages.WARNING)
            return
        self.export_to_odoo(request, failed)

    @admin.action(description=gettext_lazy("Download selected leads as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return exports.csv_response(queryset.order_by("id"))

    @admin.action(description=gettext_lazy("Erase personal data of selected leads (GDPR)…"), permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        leads = list(queryset.active().order_by("id"))
        if not leads:
            self.message_user(request, _("The selected leads are already erased."), messages.WARNING)
            return None
        if request.POST.get("post") == "yes":
            self._each(
                request,
                leads,
                lambda lead: services.lead_erase(lead=lead, actor=request.user),
                lambda count: ngettext("%(count)d lead erased.", "%(count)d leads erased.", count) % {"count": count},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "opts": self.model._meta,
            "leads": leads,
            "odoo_ids": [lead.odoo_id for lead in leads if lead.odoo_id],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/leads/lead/erase_confirmation.html", context)


class DoNotContactForm(forms.ModelForm):
    """Staff add an address by hand (reason "manual" unless they pick another)."""

    class Meta:
        model = DoNotContact
        fields = ["email", "reason", "note"]


@admin.register(DoNotContact)
class DoNotContactAdmin(admin.ModelAdmin):
    """The do-not-contact list: no marketing e-mail goes to these addresses. Adding and removing go
    through ``leads.services``; an erased person's entry keeps only the hash of the address."""

    form = DoNotContactForm
    list_display = ["__str__", "reason", "source", "created_at"]
    list_filter = ["reason", "source"]
    search_fields = ["email", "note"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return ["email", "reason", "note", "email_hash", "source", "created_by", "created_at"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        entry, _created = services.do_not_contact_add(
            email=form.cleaned_data["email"],
            reason=form.cleaned_data["reason"],
            source="admin",
            note=form.cleaned_data.get("note", ""),
            actor=request.user,
        )
        obj.pk = entry.pk

    def delete_model(self, request, obj):
        services.do_not_contact_remove_entry(entry=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.do_not_contact_remove_entry(entry=entry, actor=request.user)
