"""Back-office screens for consultants and scraping jobs.

Saves and every action call ``consultants.services``, so the admin behaves exactly
like the API: the same validation, the same soft delete, the same status rules.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from content.admin_widgets import (
    CommaSeparatedListField,
    PortableTextMarkdownField,
    StoredValuesFormMixin,
    TranslatedTextField,
    TranslationsTextarea,
)
from content.portable_text import to_html
from magnetiq.exceptions import ApplicationError
from magnetiq.translation import LANGUAGE_CODES

from . import services
from .exceptions import ConsultantEmailTaken
from .models import Consultant, ConsultantStatus, ScrapingJob
from .photos import consultant_photo_set


class ExpertiseFilter(admin.SimpleListFilter):
    """Expertise tags found among non-deleted consultants, most common first."""

    title = "expertise"
    parameter_name = "expertise"

    def lookups(self, request, model_admin):
        tags: dict[str, str] = {}
        for areas in Consultant.objects.alive().values_list("expertise_areas", flat=True):
            for tag in areas or []:
                if isinstance(tag, str) and tag.strip():
                    tags.setdefault(tag.strip().lower(), tag.strip())
        return sorted(((name, name) for name in tags.values()), key=lambda item: item[0].lower())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.with_expertise(self.value())
        return queryset


class DeletedFilter(admin.SimpleListFilter):
    title = gettext_lazy("deleted")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", gettext_lazy("Not deleted")), ("yes", gettext_lazy("Deleted"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.alive()
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class ConsultantAdminForm(StoredValuesFormMixin, forms.ModelForm):
    """The model form: the bio in Markdown and texts per language, lists typed comma-separated."""

    EMPTY_JSON = {
        "bio": dict,
        "meta_description": dict,
        "expertise_areas": list,
        "consultation_types": list,
        "languages": list,
        "portfolio_images": list,
        "keywords": list,
    }

    # Explicit so a scheme-less address becomes https:// (Django 6's default, no deprecation warning).
    linkedin_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    profile_image_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    resume_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    bio = PortableTextMarkdownField(label=gettext_lazy("Bio"), required=False)
    meta_description = TranslatedTextField(
        label=gettext_lazy("Meta description"),
        required=False,
        widget=TranslationsTextarea(rows=2),
        help_text=gettext_lazy("The text search engines show under the profile's title; at most 300 characters."),
    )
    expertise_areas = CommaSeparatedListField(
        label=gettext_lazy("Expertise"), help_text=gettext_lazy("Separate areas with commas.")
    )
    consultation_types = CommaSeparatedListField(
        label=gettext_lazy("Consultation types"), help_text=gettext_lazy("Separate types with commas.")
    )
    keywords = CommaSeparatedListField(
        label=gettext_lazy("Keywords"), help_text=gettext_lazy("Separate keywords with commas.")
    )

    class Meta:
        model = Consultant
        # What the services accept; payment/KYC state, LinkedIn data and revenue stay read-only.
        # The photo is stored by consultants.photos (it makes the crops).
        fields = [*sorted(services.EDITABLE_FIELDS), "photo"]

    def clean_email(self):
        # The model's conditional constraint also reads deleted_at, which the form does not hold,
        # so Django skips it here: ask the service's rule directly.
        email = self.cleaned_data["email"]
        if services.email_taken(email, exclude_pk=self.instance.pk):
            raise ValidationError(ConsultantEmailTaken.message, code="email_taken")
        return email

    def clean(self):
        cleaned = super().clean()
        for name, empty in self.EMPTY_JSON.items():
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = empty()
        return cleaned


CSV_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "status",
    "is_verified",
    "is_featured",
    "title",
    "company",
    "expertise_areas",
    "hourly_rate",
    "currency",
    "average_rating",
    "total_reviews",
    "years_experience",
    "timezone",
    "slug",
]


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    form = ConsultantAdminForm
    list_display = [
        "full_name",
        "email",
        "status",
        "is_verified",
        "is_featured",
        "hourly_rate",
        "average_rating",
        "expertise",
        "linkedin_last_sync",
    ]
    list_display_links = ["full_name", "email"]
    list_filter = ["status", "is_verified", "is_featured", "linkedin_sync_status", ExpertiseFilter, DeletedFilter]
    search_fields = ["first_name", "last_name", "email", "company", "title"]
    ordering = ["last_name", "first_name"]
    list_per_page = 50
    readonly_fields = [
        "slug_hint",
        "bio_preview",
        "payment_setup_status",
        "kyc_status",
        "stripe_account_id",
        "paypal_account_id",
        "bank_account_verified",
        "linkedin_scraped_data",
        "linkedin_last_sync",
        "linkedin_sync_status",
        "total_revenue",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    fieldsets = [
        (
            gettext_lazy("Profile"),
            {"fields": ["first_name", "last_name", "email", "phone", "user", "bio", "bio_preview"]},
        ),
        (
            gettext_lazy("Professional"),
            {
                "fields": [
                    "title",
                    "company",
                    "expertise_areas",
                    "years_experience",
                    ("hourly_rate", "currency"),
                    "consultation_types",
                    "languages",
                ]
            },
        ),
        (
            gettext_lazy("LinkedIn"),
            {"fields": ["linkedin_url", "linkedin_sync_status", "linkedin_last_sync", "linkedin_scraped_data"]},
        ),
        (gettext_lazy("Media"), {"fields": ["photo", "profile_image_url", "portfolio_images", "resume_url"]}),
        (
            gettext_lazy("Status and verification"),
            {"fields": ["status", "is_featured", "is_verified", "verification_notes"]},
        ),
        (
            gettext_lazy("Payment and KYC"),
            {
                "classes": ["collapse"],
                "fields": [
                    "payment_setup_status",
                    "kyc_status",
                    "stripe_account_id",
                    "paypal_account_id",
                    "bank_account_verified",
                ],
            },
        ),
        (
            gettext_lazy("Availability and calendar"),
            {
                "classes": ["collapse"],
                "fields": [
                    "timezone",
                    "availability_schedule",
                    "calendar_integration",
                    "booking_buffer_minutes",
                    "max_bookings_per_day",
                ],
            },
        ),
        (
            "Metrics",
            {
                "classes": ["collapse"],
                "fields": [
                    "total_consultations",
                    "total_revenue",
                    "average_rating",
                    "total_reviews",
                    "response_time_hours",
                ],
            },
        ),
        ("SEO", {"fields": ["slug", "slug_hint", "meta_description", "keywords"]}),
        ("Timestamps", {"classes": ["collapse"], "fields": ["created_at", "updated_at", "deleted_at"]}),
    ]
    actions = ["activate", "suspend", "feature", "unfeature", "export_csv"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The slug is generated from the name when left empty (services.consultant_create/update).
        if "slug" in form.base_fields:
            form.base_fields["slug"].required = False
        return form

    @admin.display(description=gettext_lazy("name"), ordering="last_name")
    def full_name(self, obj: Consultant) -> str:
        return obj.full_name

    @admin.display(description=gettext_lazy("expertise"))
    def expertise(self, obj: Consultant) -> str:
        return ", ".join(obj.expertise_areas or [])

    @admin.display(description=gettext_lazy("public page"))
    def slug_hint(self, obj: Consultant) -> str:
        if obj.pk and obj.slug:
            return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())
        return _("Left empty, the slug is made from the name.")

    @admin.display(description=gettext_lazy("bio (rendered)"))
    def bio_preview(self, obj: Consultant) -> str:
        bio = obj.bio or {}
        if not bio:
            return "—"
        parts = []
        for lang in LANGUAGE_CODES:
            if bio.get(lang):
                # to_html returns sanitised HTML built from validated blocks.
                parts.append(
                    format_html('<h4>{}</h4><div class="pt-content">{}</div>', lang, mark_safe(to_html(bio[lang])))
                )
        return mark_safe("".join(parts))

    def save_model(self, request, obj, form, change):
        previous_photo = form.initial.get("photo")
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        if change:
            services.consultant_update(consultant=obj, data=data)
        else:
            fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name in services.EDITABLE_FIELDS}
            created = services.consultant_create(**fields)
            obj.pk = created.pk
            obj.refresh_from_db()
            obj._state.adding = False
        if "photo" in form.changed_data:
            consultant_photo_set(
                consultant=obj,
                photo=form.cleaned_data["photo"],
                previous=previous_photo.name if previous_photo else "",
            )

    def has_change_permission(self, request, obj=None):
        # A soft-deleted profile is kept for history only: view it, never edit it.
        if obj is not None and obj.deleted_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def delete_model(self, request, obj):
        services.consultant_delete(consultant=obj)

    def delete_queryset(self, request, queryset):
        for consultant in queryset:
            services.consultant_delete(consultant=consultant)

    def _apply(self, request, queryset, done, change) -> None:
        """Call ``change`` for each consultant; ``done(count)`` is the success message (a ``%(count)s``
        text in the staff member's language), each refusal an error message."""
        count, failed = 0, []
        for consultant in queryset:
            try:
                change(consultant)
                count += 1
            except (ApplicationError, ValidationError) as exc:
                failed.append(f"{consultant}: {getattr(exc, 'message', None) or '; '.join(exc.messages)}")
        if count:
            self.message_user(request, done(count) % {"count": count}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=gettext_lazy("Activate (show in the directory)"), permissions=["change"])
    def activate(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda n: ngettext("Activated: %(count)s consultant.", "Activated: %(count)s consultants.", n),
            lambda c: services.consultant_set_status(consultant=c, status=ConsultantStatus.ACTIVE),
        )

    @admin.action(description=gettext_lazy("Suspend"), permissions=["change"])
    def suspend(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda n: ngettext("Suspended: %(count)s consultant.", "Suspended: %(count)s consultants.", n),
            lambda c: services.consultant_set_status(consultant=c, status=ConsultantStatus.SUSPENDED),
        )

    @admin.action(description=gettext_lazy("Feature"), permissions=["change"])
    def feature(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda n: ngettext("Featured: %(count)s consultant.", "Featured: %(count)s consultants.", n),
            lambda c: services.consultant_feature(consultant=c, featured=True),
        )

    @admin.action(description=gettext_lazy("Stop featuring"), permissions=["change"])
    def unfeature(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda n: ngettext(
                "No longer featured: %(count)s consultant.", "No longer featured: %(count)s consultants.", n
            ),
            lambda c: services.consultant_feature(consultant=c, featured=False),
        )

    @admin.action(description=gettext_lazy("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="consultants.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for consultant in queryset.order_by("last_name", "first_name", "id"):
            row = []
            for column in CSV_COLUMNS:
                value = getattr(consultant, column)
                row.append(";".join(value) if isinstance(value, list) else ("" if value is None else value))
            writer.writerow(row)
        return response


@admin.register(ScrapingJob)
class ScrapingJobAdmin(admin.ModelAdmin):
    """LinkedIn imports through Scoopp: read-only rows (their services write them), with the retry and
    cancel of the API as actions. Starting an import is the API's ``linkedin-scraping`` endpoint."""

    list_display = [
        "id",
        "consultant",
        "job_type",
        "status",
        "retry_count",
        "next_retry_at",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "job_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "consultant__first_name",
        "consultant__last_name",
        "consultant__email",
        "target_url",
        "scoopp_job_id",
    ]
    list_select_related = ["consultant"]
    date_hierarchy = "created_at"
    actions = ["retry_jobs", "cancel_jobs"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ScrapingJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's actions need the change permission; a job's own page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, done, change) -> None:
        count, failed = 0, []
        for job in queryset:
            try:
                change(job)
                count += 1
            except ApplicationError as exc:
                failed.append(f"#{job.pk} {job.consultant}: {exc.message}")
        if count:
            self.message_user(request, done(count) % {"count": count}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=gettext_lazy("Retry (failed or cancelled jobs)"), permissions=["change"])
    def retry_jobs(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda n: ngettext("Restarted: %(count)s job.", "Restarted: %(count)s jobs.", n),
            lambda job: services.scraping_job_retry(job=job, actor=request.user),
        )

    @admin.action(description=gettext_lazy("Cancel (pending or running jobs)"), permissions=["change"])
    def cancel_jobs(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda n: ngettext("Cancelled: %(count)s job.", "Cancelled: %(count)s jobs.", n),
            lambda job: services.scraping_job_cancel(job=job, actor=request.user),
        )
