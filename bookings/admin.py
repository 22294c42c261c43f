"""Admin for bookings and availability. Status changes go through ``bookings.services`` (staff are
not bound by the guests' 24 h rule), so the admin behaves like the API."""

from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from content.portable_text import to_html
from magnetiq.exceptions import ApplicationError
from magnetiq.formatting import format_money

from . import services
from .access import ADD_PERMISSION
from .forms import BookForClientForm
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    BookingChange,
    BookingStatus,
    ConsultantAvailability,
    ConsultationBooking,
)


class AvailabilityRuleInline(admin.TabularInline):
    model = AvailabilityRule
    extra = 0
    fields = ["weekday", "start_time", "end_time"]


class AvailabilityOverrideInline(admin.TabularInline):
    model = AvailabilityOverride
    extra = 0
    fields = ["date", "kind", "start_time", "end_time", "note"]


@admin.register(ConsultantAvailability)
class ConsultantAvailabilityAdmin(admin.ModelAdmin):
    """Weekly schedule (in the consultant's zone) and date overrides, per consultant."""

    list_display = ["__str__", "timezone", "booking_buffer_minutes", "max_bookings_per_day", "rule_count"]
    search_fields = ["first_name", "last_name", "email", "slug"]
    fields = ["first_name", "last_name", "timezone", "booking_buffer_minutes", "max_bookings_per_day"]
    readonly_fields = ["first_name", "last_name", "timezone"]
    inlines = [AvailabilityRuleInline, AvailabilityOverrideInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("weekly intervals"))
    def rule_count(self, obj) -> int:
        return obj.availability_rules.count()


class BookingChangeInline(admin.TabularInline):
    model = BookingChange
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "old_status", "new_status", "old_start", "new_start", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, service, done) -> None:
    """Call ``service`` for each booking; an ``ApplicationError`` becomes an error message, the count of
    changed bookings a success message ``done(count)`` in the staff member's language."""
    changed = 0
    for booking in queryset:
        try:
            service(booking=booking, actor=request.user)
            changed += 1
        except ApplicationError as error:
            modeladmin.message_user(request, f"{booking.reference}: {error.message}", messages.ERROR)
    if changed:
        modeladmin.message_user(request, done(changed) % {"count": changed}, messages.SUCCESS)


def _in_zone(value, zone: str) -> str:
    """``2030-01-15 10:00 America/New_York``; a dash without a time."""
    if value is None:
        return "—"
    return f"{value.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


@admin.register(ConsultationBooking)
class ConsultationBookingAdmin(admin.ModelAdmin):
    list_display = ["reference", "consultant", "client_name", "start_consultant_zone", "status", "payment_status"]
    list_filter = ["status", "booking_type", "payment_status", "consultant", ("start", admin.DateFieldListFilter)]
    search_fields = ["reference", "client_name", "client_email", "client_company"]
    autocomplete_fields = ["consultant"]
    date_hierarchy = "start"
    list_select_related = ["consultant"]
    actions = ["cancel_bookings", "mark_completed", "mark_no_show"]
    inlines = [BookingChangeInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Time and status change only through the actions (the services); the rest is editable notes.
    readonly_fields = [
        "reference",
        "consultant",
        "client_user",
        "booking_type",
        "start",
        "end",
        "duration_minutes",
        "status",
        "hold_expires_at",
        "sequence",
        "reschedule_count",
        "start_consultant_zone",
        "end_consultant_zone",
        "start_client_zone",
        "payment_amount_display",
        "payment_status",
        "payment_intent_id",
        "confirmed_at",
        "attendance_confirmed_at",
        "completed_at",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "confirmation_sent_at",
        "reminder_24h_sent_at",
        "reminder_1h_sent_at",
        "follow_up_sent_at",
        "client_message_html",
        "created_by_staff",
        "created_at",
        "updated_at",
    ]

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "consultant",
                    ("start_consultant_zone", "end_consultant_zone"),
                    "start_client_zone",
                    "duration_minutes",
                    "booking_type",
                    "status",
                ]
            },
        ),
        (
            _("Client"),
            {
                "fields": [
                    "client_name",
                    "client_email",
                    "client_phone",
                    "client_company",
                    "client_user",
                    "language",
                    "client_message_html",
                ]
            },
        ),
        (_("Meeting"), {"fields": ["meeting_platform", "meeting_link", "consultant_notes"]}),
        (_("Payment"), {"fields": ["payment_amount_display", "payment_status", "payment_intent_id"]}),
        (
            _("After the session"),
            {"classes": ["collapse"], "fields": ["client_rating", "client_feedback"]},
        ),
        (
            _("History"),
            {
                "classes": ["collapse"],
                "fields": [
                    "created_by_staff",
                    "hold_expires_at",
                    "sequence",
                    "reschedule_count",
                    "confirmed_at",
                    "attendance_confirmed_at",
                    "completed_at",
                    "cancelled_at",
                    "cancelled_by",
                    "cancellation_reason",
                    "confirmation_sent_at",
                    "reminder_24h_sent_at",
                    "reminder_1h_sent_at",
                    "follow_up_sent_at",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    @admin.display(description=_("start (consultant's zone)"), ordering="start")
    def start_consultant_zone(self, obj) -> str:
        return _in_zone(obj.start, obj.consultant.timezone)

    @admin.display(description=_("end (consultant's zone)"))
    def end_consultant_zone(self, obj) -> str:
        return _in_zone(obj.end, obj.consultant.timezone)

    @admin.display(description=_("client's message"))
    def client_message_html(self, obj):
        # The Portable Text renderer escapes the text and drops unsafe links.
        return mark_safe(to_html(obj.client_message or [])) if obj.client_message else "—"

    @admin.display(description=_("amount"))
    def payment_amount_display(self, obj) -> str:
        if obj.payment_amount is None:
            return "—"
        return format_money(obj.payment_amount, obj.payment_currency)

    def has_add_permission(self, request):
        # "Book for a client" (add_view below) books through the services, like the API.
        return request.user.has_perm(ADD_PERMISSION)

    def add_view(self, request, form_url="", extra_context=None):
        """Book for a client (a phone booking): :class:`BookForClientForm` → the same service as
        ``POST /business/bookings`` (:func:`bookings.services.booking_create_for_client`); a taken or
        closed time, a bad duration or zone come back as form errors, nothing is written."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BookForClientForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                booking = services.booking_create_for_client(staff=request.user, **form.booking_arguments())
            except ApplicationError as error:
                fields = [detail.get("field") for detail in error.details] or [None]
                for field in fields:
                    form.add_error(
                        form.error_field(field) or ("start_time" if error.status == 409 else None), error.message
                    )
            else:
                if booking.status == BookingStatus.PENDING_PAYMENT:
                    text = _("Booked %(reference)s; the client was e-mailed the link to pay.")
                else:
                    text = _("Booked %(reference)s; the client was e-mailed the confirmation.")
                self.message_user(request, text % {"reference": booking.reference}, messages.SUCCESS)
                return redirect(reverse("admin:bookings_consultationbooking_change", args=[booking.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Book for a client"),
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/bookings/book_for_client.html", context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("start (client's zone)"))
    def start_client_zone(self, obj) -> str:
        return _in_zone(obj.start, obj.timezone)

    @admin.action(description=_("Cancel selected bookings"), permissions=["change"])
    def cancel_bookings(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.booking_cancel,
            lambda n: ngettext("%(count)s booking cancelled.", "%(count)s bookings cancelled.", n),
        )

    @admin.action(description=_("Mark selected bookings completed"), permissions=["change"])
    def mark_completed(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.booking_complete,
            lambda n: ngettext("%(count)s booking marked completed.", "%(count)s bookings marked completed.", n),
        )

    @admin.action(description=_("Mark selected bookings no-show"), permissions=["change"])
    def mark_no_show(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.booking_mark_no_show,
            lambda n: ngettext("%(count)s booking marked no-show.", "%(count)s bookings marked no-show.", n),
        )
