"""Back-office screens for coupons, campaigns and redemptions.

Saves and actions call ``coupons.services``, so the admin behaves like the API (codes upper-cased,
soft delete, ``deactivated_at``). Each coupon and campaign shows its redeemed uses, revenue (what
was charged) and cost (the discounts); both lists export as CSV. Redemptions are made by bookings,
never typed in here.
"""

import csv
import io

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from magnetiq.formatting import format_money

from . import selectors, services
from .models import Coupon, CouponCampaign, CouponUsage


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _money_lines(rows: list[dict], key: str) -> str:
    return ", ".join(format_money(row[key], row["currency"]) for row in rows) or "–"


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "internal_name", "discount_type", "discount_value", "uses", "is_active", "valid_until"]
    list_filter = ["is_active", "discount_type", "applicable_to", "funded_by", "campaign"]
    search_fields = ["code", "internal_name", "notes"]
    readonly_fields = ["uses_count", "revenue", "cost", "created_by", "created_at", "updated_at", "deactivated_at"]
    filter_horizontal = ["consultant_restrictions"]
    actions = ["activate", "deactivate", "export_csv"]
    fieldsets = [
        (None, {"fields": ["code", "internal_name", "description", "notes", "is_active"]}),
        (
            _("Discount"),
            {
                "fields": [
                    "discount_type",
                    "discount_value",
                    "currency",
                    "max_discount_amount",
                    "minimum_order_value",
                    "funded_by",
                ]
            },
        ),
        (
            _("Limits"),
            {
                "fields": [
                    "max_uses_total",
                    "max_uses_per_user",
                    "valid_from",
                    "valid_until",
                    "applicable_to",
                    "consultant_restrictions",
                    "service_type_restrictions",
                ]
            },
        ),
        (_("Campaign"), {"fields": ["campaign", "campaign_source", "utm_source", "utm_medium", "utm_campaign"]}),
        (
            _("Usage"),
            {"fields": ["uses_count", "revenue", "cost", "created_by", "created_at", "updated_at", "deactivated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    @admin.display(description=_("Uses"), ordering="uses_count")
    def uses(self, obj) -> str:
        return f"{obj.uses_count} / {obj.max_uses_total}" if obj.max_uses_total else str(obj.uses_count)

    @admin.display(description=_("Revenue (charged)"))
    def revenue(self, obj) -> str:
        return _money_lines(selectors.money_by_currency(obj.usages.all()), "revenue")

    @admin.display(description=_("Cost (discounts)"))
    def cost(self, obj) -> str:
        return _money_lines(selectors.money_by_currency(obj.usages.all()), "discount")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.COUPON_EDITABLE_FIELDS if name in form.cleaned_data}
        data["consultant_restrictions"] = list(form.cleaned_data.get("consultant_restrictions") or [])
        if change:
            saved = services.coupon_update(coupon=obj, data=data, actor=request.user)
        else:
            saved = services.coupon_create(data=data, actor=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The services set the consultants; the admin's own m2m save would repeat it."""

    def get_deleted_objects(self, objs, request):
        """Deleting is soft (the redemptions stay for the reports), so nothing else is removed or protected."""
        return [str(obj) for obj in objs], {Coupon._meta.verbose_name_plural: len(objs)}, set(), []

    def delete_model(self, request, obj):
        services.coupon_delete(coupon=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for coupon in queryset:
            services.coupon_delete(coupon=coupon, actor=request.user)

    @admin.action(description=_("Activate the selected coupons"), permissions=["change"])
    def activate(self, request, queryset):
        for coupon in queryset:
            services.coupon_set_active(coupon=coupon, active=True, actor=request.user)
        self.message_user(request, _("Activated."), messages.SUCCESS)

    @admin.action(description=_("Deactivate the selected coupons"), permissions=["change"])
    def deactivate(self, request, queryset):
        for coupon in queryset:
            services.coupon_set_active(coupon=coupon, active=False, actor=request.user)
        self.message_user(request, _("Deactivated."), messages.SUCCESS)

    @admin.action(description=_("Export usage, revenue and cost as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = []
        for coupon in queryset.order_by("code"):
            money = selectors.money_by_currency(coupon.usages.all()) or [
                {"currency": "", "uses": 0, "gross": "0.00", "discount": "0.00", "revenue": "0.00"}
            ]
            rows += [
                [
                    coupon.code,
                    coupon.internal_name,
                    coupon.uses_count,
                    m["currency"],
                    m["uses"],
                    m["gross"],
                    m["discount"],
                    m["revenue"],
                ]
                for m in money
            ]
        header = ["code", "internal_name", "uses_count", "currency", "redeemed", "gross", "discount", "revenue"]
        return _csv_response("coupons.csv", header, rows)


class PausedFilter(admin.SimpleListFilter):
    """Campaigns paused (by the velocity cap or staff: ``paused_at`` set) or running."""

    title = _("paused")
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return [("yes", _("Paused")), ("no", _("Not paused"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(paused_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(paused_at__isnull=True)
        return queryset


@admin.register(CouponCampaign)
class CouponCampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "source",
        "velocity_cap_per_hour",
        "is_active",
        "paused",
        "paused_at",
        "paused_reason",
        "created_at",
    ]
    list_filter = ["is_active", PausedFilter]
    search_fields = ["name", "source", "description"]
    readonly_fields = ["paused_at", "paused_reason", "revenue", "cost", "created_by", "created_at"]
    actions = ["resume", "export_csv"]

    @admin.display(description=_("Revenue (charged)"))
    def revenue(self, obj) -> str:
        return _money_lines(selectors.money_by_currency(CouponUsage.objects.filter(coupon__campaign=obj)), "revenue")

    @admin.display(description=_("Cost (discounts)"))
    def cost(self, obj) -> str:
        return _money_lines(selectors.money_by_currency(CouponUsage.objects.filter(coupon__campaign=obj)), "discount")

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in services.CAMPAIGN_EDITABLE_FIELDS if name in form.cleaned_data
        }
        if change:
            saved = services.campaign_update(campaign=obj, data=data, actor=request.user)
        else:
            saved = services.campaign_create(data=data, actor=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.display(description=_("Paused"), boolean=True, ordering="paused_at")
    def paused(self, obj) -> bool:
        return obj.paused_at is not None

    @admin.action(description=_("Resume the selected campaigns"), permissions=["change"])
    def resume(self, request, queryset):
        """Lift the pause of the selected paused campaigns; the ones not paused are named, unchanged."""
        resumed, running = 0, []
        for campaign in queryset.order_by("name"):
            if campaign.paused_at is None:
                running.append(campaign.name)
                continue
            services.campaign_resume(campaign=campaign, actor=request.user)
            resumed += 1
        if resumed:
            self.message_user(
                request,
                ngettext(
                    "Resumed %(count)d campaign: its codes can be redeemed again.",
                    "Resumed %(count)d campaigns: their codes can be redeemed again.",
                    resumed,
                )
                % {"count": resumed},
                messages.SUCCESS,
            )
        if running:
            self.message_user(
                request,
                _("Not paused, so nothing to resume: %(names)s.") % {"names": ", ".join(running)},
                messages.WARNING,
            )

    @admin.action(description=_("Export usage, revenue and cost as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = []
        for campaign in queryset.order_by("name"):
            for m in selectors.money_by_currency(CouponUsage.objects.filter(coupon__campaign=campaign)):
                rows.append([campaign.name, m["currency"], m["uses"], m["gross"], m["discount"], m["revenue"]])
        return _csv_response(
            "campaigns.csv", ["campaign", "currency", "redeemed", "gross", "discount", "revenue"], rows
        )


@admin.register(CouponUsage)
class CouponUsageAdmin(admin.ModelAdmin):
    list_display = [
        "coupon",
        "booking",
        "status",
        "email_normalised",
        "discount_amount",
        "final_amount",
        "risk_score",
        "reserved_at",
    ]
    list_filter = ["status", "funded_by", "currency"]
    search_fields = ["coupon__code", "email_normalised", "booking__reference"]
    date_hierarchy = "reserved_at"
    readonly_fields = [field.name for field in CouponUsage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
