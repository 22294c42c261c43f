"""Back-office screens for webinars and their registrations.

Saves and actions call ``webinars.services``, so the admin behaves like the API:
a time change re-sends invites, a cancelled registration frees its seat for the waiting list,
attendance scores the lead. Registrations are created by visitors (or the API), never typed in here.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from content.admin_widgets import (
    CommaSeparatedListField,
    PortableTextMarkdownField,
    StoredValuesFormMixin,
    TranslatedTextField,
    ZonedSplitDateTimeField,
    zone_of,
)
from magnetiq.exceptions import ApplicationError

from . import services
from .api.views import registrations_csv
from .models import RegistrationStatus, Webinar, WebinarRegistration

#: The zone of a new webinar's form before one is chosen (the model's default).
DEFAULT_ZONE = Webinar._meta.get_field("timezone").default


class WebinarAdminForm(StoredValuesFormMixin, forms.ModelForm):
    """Title and description first (one box per language, the description in Markdown); the start
    is entered as a wall-clock time in the webinar's zone, the zone chosen in the same form."""

    title = TranslatedTextField(label=_("Title"), help_text=_("English is required; other languages fall back to it."))
    description = PortableTextMarkdownField(label=_("Description"), required=False)
    starts_at = ZonedSplitDateTimeField(
        label=_("Starts at"),
        help_text=_("The local time in the webinar's time zone (below). Changing the zone keeps this wall-clock time."),
    )
    tags = CommaSeparatedListField(label=_("Topics"), help_text=_("Separate topics with commas."))
    meeting_link = forms.URLField(label=_("Meeting link"), required=False, max_length=500, assume_scheme="https")
    slug = forms.SlugField(
        required=False, max_length=255, help_text=_("Leave empty to make one from the English title.")
    )

    class Meta:
        model = Webinar
        fields = sorted(services.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.instance.timezone if self.instance.pk else DEFAULT_ZONE
        if self.is_bound:
            zone = zone_of(self.data.get(self.add_prefix("timezone")), default=zone)
        self.fields["starts_at"].set_zone(zone)

    def clean(self):
        cleaned = super().clean()
        title = cleaned.get("title")
        if not cleaned.get("slug") and isinstance(title, dict) and title.get("en"):
            cleaned["slug"] = services.webinar_unique_slug(title["en"], exclude_pk=self.instance.pk)
        return cleaned


class RegistrationInline(admin.TabularInline):
    model = WebinarRegistration
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["email", "first_name", "last_name", "company", "status", "attended", "created_at"]
    readonly_fields = fields
    ordering = ["id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    form = WebinarAdminForm
    list_display = ["title_en", "speaker", "starts_at", "status", "capacity", "language", "is_featured"]
    list_filter = ["status", "language", "is_featured", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["slug", "title", "tags", "speaker__first_name", "speaker__last_name"]
    list_select_related = ["speaker"]
    autocomplete_fields = ["speaker"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "speaker"]}),
        (_("Time"), {"fields": [("starts_at", "timezone"), "duration_minutes"]}),
        (_("Seats and price"), {"fields": ["capacity", ("price", "currency")]}),
        (_("Publishing"), {"fields": ["status", "is_featured", "language", "tags", "meeting_link"]}),
        (
            _("Record"),
            {
                "classes": ["collapse"],
                "fields": ["sequence", "published_at", "cancelled_at", "created_at", "updated_at", "deleted_at"],
            },
        ),
    ]
    date_hierarchy = "starts_at"
    inlines = [RegistrationInline]
    actions = ["publish", "cancel", "export_registrations"]
    readonly_fields = ["sequence", "published_at", "cancelled_at", "created_at", "updated_at", "deleted_at"]

    @admin.display(description=_("Title"), ordering="title__en")
    def title_en(self, webinar: Webinar) -> str:
        return webinar.title_en

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        if change:
            services.webinar_update(webinar=obj, data=data, actor=request.user)
            obj.refresh_from_db()
        else:
            values = {name: form.cleaned_data[name] for name in form.fields if name in services.EDITABLE_FIELDS}
            created = services.webinar_create(actor=request.user, **values)
            obj.pk = created.pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.webinar_delete(webinar=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for webinar in queryset:
            services.webinar_delete(webinar=webinar, actor=request.user)

    @admin.action(description=_("Publish selected webinars"), permissions=["change"])
    def publish(self, request, queryset):
        done = 0
        for webinar in queryset:
            try:
                services.webinar_publish(webinar=webinar, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{webinar}: {exc.message}", messages.ERROR)
        self.message_user(
            request, ngettext("%(count)d webinar published.", "%(count)d webinars published.", done) % {"count": done}
        )

    @admin.action(description=_("Cancel selected webinars (notifies registrants)"), permissions=["change"])
    def cancel(self, request, queryset):
        for webinar in queryset:
            services.webinar_cancel(webinar=webinar, actor=request.user)
        count = queryset.count()
        self.message_user(
            request, ngettext("%(count)d webinar cancelled.", "%(count)d webinars cancelled.", count) % {"count": count}
        )

    @admin.action(description=_("Export registrations (CSV) of the selected webinar"), permissions=["view"])
    def export_registrations(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one webinar to export."), messages.ERROR)
            return None
        webinar = queryset.get()
        return registrations_csv(webinar, webinar.registrations.order_by("id"))


@admin.register(WebinarRegistration)
class WebinarRegistrationAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "webinar", "status", "attended", "company", "created_at"]
    list_filter = ["status", "attended", "language", "consent_marketing"]
    search_fields = ["email", "first_name", "last_name", "company", "reference"]
    list_select_related = ["webinar"]
    raw_id_fields = ["webinar", "lead"]
    actions = ["mark_attended", "cancel_registrations", "export_csv"]
    readonly_fields = [field.name for field in WebinarRegistration._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Registrations are cancelled (seat freed, waiting list promoted), never deleted by hand.
        return False

    @admin.action(description=_("Mark selected as attended"), permissions=["change"])
    def mark_attended(self, request, queryset):
        done = 0
        for registration in queryset:
            try:
                services.webinar_mark_attended(registration=registration, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{registration.email}: {exc.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d registration marked as attended.", "%(count)d registrations marked as attended.", done)
            % {"count": done},
        )

    @admin.action(description=_("Cancel selected registrations (promotes the waiting list)"), permissions=["change"])
    def cancel_registrations(self, request, queryset):
        done = 0
        for registration in queryset.filter(~Q(status=RegistrationStatus.CANCELLED)):
            services.webinar_registration_cancel(registration=registration, actor=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d registration cancelled.", "%(count)d registrations cancelled.", done) % {"count": done},
        )

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        webinars = {registration.webinar for registration in queryset}
        if len(webinars) != 1:
            self.message_user(request, _("Select registrations of one webinar to export."), messages.ERROR)
            return None
        return registrations_csv(webinars.pop(), queryset.order_by("id"))
