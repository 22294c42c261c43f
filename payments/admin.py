"""Admin for the payments app. Money records are read-only here: their state comes from Stripe
(webhooks, or the "Refresh from Stripe" actions) and from the services, never from a form. Staff act
through actions that call the same services as ``/api/v1/admin/payments``: "Refund…" (a confirmation
page with the amount, ``payments.add_refund``), "Refresh from Stripe" (payments and disputes), "Retry
at Stripe" for pending refunds. Service errors become admin messages, never a 500."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from magnetiq.exceptions import ApplicationError
from magnetiq.formatting import format_money

from .models import (
    Dispute,
    LedgerEntry,
    Payment,
    Provider,
    Refund,
    RefundReason,
    RefundStatus,
    Subscription,
    WebhookEvent,
)
from .services import dispute_refresh, payment_refresh, payment_refundable, refund_submit
from .services.staff import staff_refund


class AmountColumnMixin:
    """An ``amount`` list column written with its currency (``$100.00``, ``€80.00``)."""

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_with_currency(self, obj) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description=gettext_lazy("refunded"), ordering="amount_refunded")
    def refunded_with_currency(self, obj) -> str:
        return format_money(obj.amount_refunded, obj.currency)


class ReadOnlyAdminMixin:
    """Every field read-only, nothing added or deleted by hand (corrections are new records)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(getattr(self, "extra_readonly_fields", []))

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyAdminMixin(ReadOnlyAdminMixin):
    """Not even a change page: list and view only (ledger, webhook inbox)."""

    def has_change_permission(self, request, obj=None):
        return False


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["refund_id", "amount", "currency", "status", "reason", "requested_by", "created_at"]


class DisputeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Dispute
    extra = 0
    can_delete = False
    fields = ["dispute_id", "amount", "currency", "status", "reason", "evidence_due_by", "resolved_at"]


class LedgerEntryInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "amount", "currency", "source_id", "memo"]


class RefundForm(forms.Form):
    """The "Refund…" confirmation: ``amount`` defaults to what is still refundable."""

    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.ChoiceField(choices=RefundReason.choices, initial=RefundReason.REQUESTED_BY_CUSTOMER)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _run(modeladmin, request, objects, call, done) -> int:
    """Call ``call(obj)`` for each object; an ``ApplicationError`` becomes an error message, the count of
    the others the success message ``done(count)`` (a ``%(count)s`` text in the staff member's language)."""
    count = 0
    for obj in objects:
        try:
            call(obj)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done(count) % {"count": count}, messages.SUCCESS)
    return count


class FlaggedFilter(admin.SimpleListFilter):
    """Payments whose PaymentIntent disagreed with ours (RELIABILITY S-5: never fulfilled; look)."""

    title = gettext_lazy("flagged (amount/currency mismatch)")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Flagged")), ("no", gettext_lazy("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flagged_reason="")
        if self.value() == "no":
            return queryset.filter(flagged_reason="")
        return queryset


@admin.register(Payment)
class PaymentAdmin(AmountColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "payment_intent_id",
        "booking_reference",
        "client_email",
        "amount_with_currency",
        "refunded_with_currency",
        "status",
        "created_at",
    ]
    list_filter = ["status", FlaggedFilter, "provider", "currency", "created_at"]
    search_fields = [
        "payment_intent_id",
        "charge_id",
        "booking__reference",
        "booking__client_email",
        "user__email",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["booking", "user"]
    inlines = [RefundInline, DisputeInline, LedgerEntryInline]
    actions = ["refund", "refresh_from_stripe"]

    @admin.display(description=gettext_lazy("booking"), ordering="booking__reference")
    def booking_reference(self, obj) -> str:
        return obj.booking.reference if obj.booking_id else "—"

    @admin.display(description=gettext_lazy("client e-mail"))
    def client_email(self, obj) -> str:
        if obj.booking_id:
            return obj.booking.client_email
        return obj.user.email if obj.user_id else "—"

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.add_refund")

    def has_refresh_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_payment")

    @admin.action(description=gettext_lazy("Refresh from Stripe"), permissions=["refresh"])
    def refresh_from_stripe(self, request, queryset):
        stripe_payments = queryset.filter(provider=Provider.STRIPE)
        skipped = queryset.count() - stripe_payments.count()
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)s payment of another provider skipped.",
                    "%(count)s payments of another provider skipped.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        _run(
            self,
            request,
            stripe_payments,
            lambda p: payment_refresh(payment_intent_id=p.payment_intent_id),
            lambda n: ngettext(
                "%(count)s payment refreshed from Stripe.", "%(count)s payments refreshed from Stripe.", n
            ),
        )

    @admin.action(description=gettext_lazy("Refund…"), permissions=["refund"])
    def refund(self, request, queryset):
        """A confirmation page for ONE payment: amount (default: all still refundable), reason, note;
        confirming calls the same service as ``POST /api/v1/admin/payments/refunds``."""
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one payment to refund."), messages.WARNING)
            return None
        payment = queryset.get()
        refundable = payment_refundable(payment)
        if refundable <= 0:
            self.message_user(request, _("%(payment)s: nothing left to refund.") % {"payment": payment}, messages.ERROR)
            return None
        if request.POST.get("post") == "yes":
            form = RefundForm(request.POST)
            if form.is_valid():
                try:
                    refund = staff_refund(
                        payment=payment,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                        actor=request.user,
                    )
                except ApplicationError as exc:
                    self.message_user(request, f"{payment}: {exc.message}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("Refund of %(amount)s for %(payment)s: %(status)s.")
                        % {
                            "amount": format_money(refund.amount, refund.currency),
                            "payment": payment.payment_intent_id,
                            "status": refund.get_status_display(),
                        },
                        messages.SUCCESS,
                    )
                return None
        else:
            form = RefundForm(initial={"amount": refundable, "reason": RefundReason.REQUESTED_BY_CUSTOMER})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund %(payment)s") % {"payment": payment.payment_intent_id},
            "opts": self.model._meta,
            "payment": payment,
            "refundable": refundable,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/payments/payment/refund_confirmation.html", context)


@admin.register(Refund)
class RefundAdmin(AmountColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "payment", "amount_with_currency", "status", "reason", "created_at"]
    list_filter = ["status", "reason", "currency", "created_at"]
    search_fields = [
        "refund_id",
        "payment__payment_intent_id",
        "payment__booking__reference",
        "payment__booking__client_email",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["payment", "requested_by"]
    actions = ["retry_at_stripe"]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("payments.add_refund")

    @admin.action(description=gettext_lazy("Retry pending refunds at Stripe"), permissions=["retry"])
    def retry_at_stripe(self, request, queryset):
        pending = queryset.filter(status=RefundStatus.PENDING, refund_id="")
        _run(
            self,
            request,
            pending,
            lambda r: refund_submit(refund=r),
            lambda n: ngettext("%(count)s refund sent to Stripe.", "%(count)s refunds sent to Stripe.", n),
        )


@admin.register(Dispute)
class DisputeAdmin(AmountColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["dispute_id", "payment", "amount_with_currency", "status", "evidence_due_by", "resolved_at"]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["dispute_id", "charge_id", "payment__payment_intent_id", "payment__booking__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["payment"]
    actions = ["refresh_from_stripe"]

    def has_refresh_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_dispute")

    @admin.action(description=gettext_lazy("Refresh from Stripe"), permissions=["refresh"])
    def refresh_from_stripe(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda d: dispute_refresh(dispute_id=d.dispute_id),
            lambda n: ngettext(
                "%(count)s dispute refreshed from Stripe.", "%(count)s disputes refreshed from Stripe.", n
            ),
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(AmountColumnMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "amount_with_currency", "source_id", "booking", "memo"]
    list_filter = ["kind", "currency", "occurred_at"]
    search_fields = ["source_id", "payment__payment_intent_id", "booking__reference", "memo"]
    date_hierarchy = "occurred_at"
    list_select_related = ["booking", "consultant"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["provider", "status", "type", "received_at"]
    search_fields = ["event_id", "object_id", "type"]
    date_hierarchy = "received_at"


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subscription_id", "customer_email", "status", "current_period_end", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["subscription_id", "customer_id", "customer_email", "user__email"]
    date_hierarchy = "created_at"
