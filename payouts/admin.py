"""Admin for payouts (amounts read-only; changes through the services) and consultants' payment set-up."""

from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy, ngettext

from magnetiq.exceptions import ApplicationError

from . import services
from .models import ConsultantPaymentAccount, ConsultantPayout, PayoutItem, PayoutStatus


class PayoutItemInline(admin.TabularInline):
    model = PayoutItem
    fields = ["booking", "gross", "refunds", "disputes", "fee", "tax", "net"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class PeriodFilter(admin.SimpleListFilter):
    title = "period"
    parameter_name = "period"

    def lookups(self, request, model_admin):
        months = ConsultantPayout.objects.dates("payout_period_start", "month", order="DESC")[:24]
        return [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            start, end = services.parse_period(self.value())
        except ApplicationError:
            return queryset.none()
        return queryset.filter(payout_period_start__gte=start, payout_period_start__lt=end)


@admin.register(ConsultantPayout)
class ConsultantPayoutAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "consultant",
        "kind",
        "payout_period_start",
        "currency",
        "consultations_count",
        "gross_earnings",
        "platform_fee",
        "amount",
        "status",
        "external_payout_id",
    ]
    list_filter = ["status", PeriodFilter, "kind", "payout_method", "consultant"]
    search_fields = ["consultant__first_name", "consultant__last_name", "consultant__email", "external_payout_id"]
    list_select_related = ["consultant"]
    inlines = [PayoutItemInline]
    actions = ["execute_selected", "mark_failed"]
    readonly_fields = [
        "consultant",
        "kind",
        "amount",
        "currency",
        "payout_period_start",
        "payout_period_end",
        "payout_method",
        "external_payout_id",
        "status",
        "processed_date",
        "failure_reason",
        "gross_earnings",
        "platform_fee",
        "tax_withholding",
        "other_deductions",
        "refunds_deducted",
        "disputes_deducted",
        "advance_recovered",
        "advance_paid",
        "consultations_count",
        "consultation_ids",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields, "notes"]

    def has_add_permission(self, request):
        # Payouts are computed (run_payouts) or requested through the API, never typed in.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Send selected pending payouts (Stripe transfer)"), permissions=["change"])
    def execute_selected(self, request, queryset):
        sent = 0
        for payout in queryset.filter(status__in=(PayoutStatus.PENDING, PayoutStatus.PROCESSING)).order_by("pk"):
            try:
                result = services.payout_execute(payout_id=payout.pk, actor=request.user)
            except ApplicationError as exc:
                self.message_user(
                    request,
                    gettext("Payout #%(id)s: %(error)s") % {"id": payout.pk, "error": exc.message},
                    messages.ERROR,
                )
                continue
            if result.status == PayoutStatus.FAILED:
                self.message_user(
                    request,
                    gettext("Payout #%(id)s failed: %(reason)s") % {"id": payout.pk, "reason": result.failure_reason},
                    messages.ERROR,
                )
            else:
                sent += 1
        self.message_user(
            request,
            ngettext("%(count)s payout sent.", "%(count)s payouts sent.", sent) % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Mark selected pending payouts as failed"), permissions=["change"])
    def mark_failed(self, request, queryset):
        done = 0
        for payout in queryset.order_by("pk"):
            try:
                services.payout_mark_failed(payout_id=payout.pk, reason="Marked failed by staff.", actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(
                    request,
                    gettext("Payout #%(id)s: %(error)s") % {"id": payout.pk, "error": exc.message},
                    messages.ERROR,
                )
        self.message_user(
            request,
            ngettext("%(count)s payout marked failed.", "%(count)s payouts marked failed.", done) % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(ConsultantPaymentAccount)
class ConsultantPaymentAccountAdmin(admin.ModelAdmin):
    """Read-only view of the payment set-up; the refresh action asks Stripe again."""

    list_display = [
        "full_name",
        "email",
        "payment_setup_status",
        "kyc_status",
        "stripe_account_id",
        "bank_account_verified",
        "total_consultations",
        "total_revenue",
    ]
    list_filter = ["payment_setup_status", "kyc_status", "bank_account_verified"]
    search_fields = ["first_name", "last_name", "email", "stripe_account_id"]
    fields = [*list_display[1:], "verification_notes"]
    readonly_fields = fields
    actions = ["refresh_status"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Refresh the payment status from Stripe"), permissions=["change"])
    def refresh_status(self, request, queryset):
        for consultant in queryset.exclude(stripe_account_id=""):
            try:
                services.consultant_payment_status_refresh(consultant_id=consultant.pk, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{consultant}: {exc.message}", messages.ERROR)
        self.message_user(request, gettext("Payment status refreshed."), messages.SUCCESS)
