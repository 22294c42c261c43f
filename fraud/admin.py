"""Back-office screens of the fraud controls. Every save, action and delete calls
``fraud.services``, so the admin behaves like the API: blocking and flagging write the same audit
entries, unblocking and unflagging lift (never delete) the row, attempts are read-only records."""

from itertools import pairwise

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from magnetiq.exceptions import ApplicationError

from . import services
from .api.serializers import MAX_BLOCK_MINUTES
from .models import Attempt, BlockedIP, FlaggedUser, Whitelist
from .selectors import RISK_BUCKETS


class StateFilter(admin.SimpleListFilter):
    """In force, lifted by staff, or (blocks only) run out."""

    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        choices = [("active", _("In force")), ("lifted", _("Lifted"))]
        if model_admin.model is BlockedIP:
            choices.append(("expired", _("Expired")))
        return choices

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now) if queryset.model is BlockedIP else queryset.active()
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(lifted_at__isnull=True, expires_at__lte=now)
        return queryset


class RiskFilter(admin.SimpleListFilter):
    title = gettext_lazy("risk score")
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        bounds = [*RISK_BUCKETS, 101]
        return [(str(low), f"{low}–{high - 1}") for low, high in pairwise(bounds)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        low = int(self.value()) if self.value().isdigit() else 0
        higher = [b for b in RISK_BUCKETS if b > low]
        return queryset.filter(risk__gte=low, risk__lt=higher[0] if higher else 101)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Every validation attempt, as recorded; the full IP disappears after the retention period."""

    list_display = ["created_at", "scope", "subject", "success", "reason", "risk", "ip", "email_normalised"]
    list_filter = ["success", "scope", "reason", RiskFilter, "created_at"]
    search_fields = ["subject", "email_normalised", "ip_truncated", "user__email"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    actions = ["block_ips"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_block_permission(self, request) -> bool:
        return request.user.has_perm("fraud.add_blockedip")

    @admin.action(
        description=gettext_lazy("Block the IP addresses of selected attempts for 24 hours"), permissions=["block"]
    )
    def block_ips(self, request, queryset):
        ips = sorted({ip for ip in queryset.exclude(ip=None).values_list("ip", flat=True)})
        for ip in ips:
            services.ip_block(
                ip=ip, duration_minutes=24 * 60, reason=_("Blocked from the attempts list"), actor=request.user
            )
        self.message_user(
            request,
            ngettext("%(count)d IP address blocked.", "%(count)d IP addresses blocked.", len(ips))
            % {"count": len(ips)},
            messages.SUCCESS,
        )


class BlockForm(forms.ModelForm):
    """Staff type an address or network; the duration in minutes (empty: until lifted)."""

    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration in minutes"),
        required=False,
        min_value=1,
        max_value=MAX_BLOCK_MINUTES,
        help_text=gettext_lazy("Leave empty to block until someone lifts the block."),
    )

    class Meta:
        model = BlockedIP
        fields = ["network", "reason"]
        help_texts = {"network": gettext_lazy("An IPv4 or IPv6 address, or a network such as 203.0.113.0/24.")}

    def validate_unique(self):
        """No uniqueness check here: blocking a network blocked already changes that block
        (``services.ip_block``), it is no error."""
        return

    def clean_network(self):
        try:
            return services.network_parse(self.cleaned_data["network"])
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(BlockedIP)
class BlockedIPAdmin(admin.ModelAdmin):
    form = BlockForm
    list_display = ["network", "source", "reason", "created_at", "expires_at", "lifted_at"]
    list_filter = [StateFilter, "source", "created_at"]
    search_fields = ["network", "reason"]
    date_hierarchy = "created_at"
    actions = ["unblock"]
    readonly_fields = ["source", "created_by", "created_at", "expires_at", "lifted_at", "lifted_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["network", "duration_minutes", "reason"]
        return ["network", "reason", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return ["network", "reason", *self.readonly_fields] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        block = services.ip_block(
            ip=form.cleaned_data["network"],
            duration_minutes=form.cleaned_data.get("duration_minutes"),
            reason=form.cleaned_data.get("reason", ""),
            actor=request.user,
        )
        obj.pk = block.pk

    @admin.action(description=gettext_lazy("Lift the selected blocks"), permissions=["change"])
    def unblock(self, request, queryset):
        lifted = sum(services.block_lift(block=block, actor=request.user) for block in queryset)
        self.message_user(
            request,
            ngettext("%(count)d block lifted.", "%(count)d blocks lifted.", lifted) % {"count": lifted},
            messages.SUCCESS,
        )


class FlagForm(forms.ModelForm):
    class Meta:
        model = FlaggedUser
        fields = ["user", "email_normalised", "reason"]

    def validate_unique(self):
        """No uniqueness check here: flagging someone flagged already keeps their flag
        (``services.user_flag``), it is no error."""
        return

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("user") and not cleaned.get("email_normalised"):
            raise forms.ValidationError(_("Name a user or an e-mail address."))
        return cleaned


@admin.register(FlaggedUser)
class FlaggedUserAdmin(admin.ModelAdmin):
    form = FlagForm
    list_display = ["__str__", "source", "reason", "created_at", "lifted_at"]
    list_filter = [StateFilter, "source", "created_at"]
    search_fields = ["email_normalised", "user__email", "reason"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    actions = ["unflag"]
    readonly_fields = ["source", "flagged_by", "created_at", "lifted_at", "lifted_by"]

    def get_fields(self, request, obj=None):
        return ["user", "email_normalised", "reason"] + (self.readonly_fields if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return ["user", "email_normalised", "reason", *self.readonly_fields] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        user = form.cleaned_data.get("user")
        try:
            flag = services.user_flag(
                user_id=user.pk if user else None,
                email=form.cleaned_data.get("email_normalised", ""),
                reason=form.cleaned_data.get("reason", ""),
                actor=request.user,
            )
        except ApplicationError as error:
            self.message_user(request, _("Not saved: %(error)s") % {"error": error.message}, messages.ERROR)
            return
        obj.pk = flag.pk

    @admin.action(description=gettext_lazy("Lift the selected flags"), permissions=["change"])
    def unflag(self, request, queryset):
        lifted = sum(services.flag_lift(flag=flag, actor=request.user) for flag in queryset)
        self.message_user(
            request,
            ngettext("%(count)d flag lifted.", "%(count)d flags lifted.", lifted) % {"count": lifted},
            messages.SUCCESS,
        )


class WhitelistForm(forms.ModelForm):
    class Meta:
        model = Whitelist
        fields = ["user", "reason"]


@admin.register(Whitelist)
class WhitelistAdmin(admin.ModelAdmin):
    form = WhitelistForm
    list_display = ["user", "reason", "added_by", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "reason"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "added_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "reason", "added_by", "created_at"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        entry = services.whitelist_add(
            user_id=form.cleaned_data["user"].pk, reason=form.cleaned_data.get("reason", ""), actor=request.user
        )
        obj.pk = entry.pk

    def delete_model(self, request, obj):
        services.whitelist_remove(user_id=obj.user_id, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.whitelist_remove(user_id=entry.user_id, actor=request.user)
