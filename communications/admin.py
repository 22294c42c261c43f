"""Back-office screens for e-mail templates, campaigns and their send lists.

Every save and action calls ``communications.services``, so the admin behaves like the API. The
campaign list shows progress (sent / failed / left / uncertain); actions send, pause, resume and
cancel, and decide "uncertain" rows (handed to the mail server by a worker that stopped before
recording the outcome: docs/operations.md "E-mail campaigns").
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from magnetiq.exceptions import ApplicationError

from . import services
from .models import Campaign, CampaignSend, CampaignStatus, EmailTemplate, SendStatus


def _form_error(form, error: ApplicationError) -> None:
    fields = set(form.fields)
    for detail in error.details or [{"field": None, "message": error.message}]:
        name = (detail.get("field") or "").split(".")[0]
        form.add_error(name if name in fields else None, detail.get("message") or error.message)


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "description", "subject", "preheader", "body"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {name: cleaned.get(name) for name in self.Meta.fields}
        try:
            services._clean_template_values(data)
            from .rendering import check_variables

            check_variables(subject=data["subject"] or {}, body=data["body"] or {}, preheader=data["preheader"] or {})
        except ApplicationError as error:
            _form_error(self, error)
        return cleaned


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ["name", "description", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).alive()

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in EmailTemplateForm.Meta.fields}
        if change:
            saved = services.email_template_update(template=obj, data=data, actor=request.user)
        else:
            saved = services.email_template_create(data=data, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.email_template_delete(template=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            services.email_template_delete(template=template, actor=request.user)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "template", "segment", "scheduled_at", "send_rate", "track"]
        help_texts = {
            "segment": gettext_lazy(
                'Who gets it, e.g. {"audience": "leads", "min_score": 40, "qualified": true, "sources": '
                '["whitepaper"]}; audiences: leads, webinar_registrants (with "webinar_ids"), clients. '
                "Only people with marketing consent who are not on the do-not-contact list."
            )
        }

    def clean_segment(self):
        from .segments import validate_segment

        try:
            return validate_segment(self.cleaned_data.get("segment") or {})
        except ApplicationError as error:
            raise ValidationError(error.message) from None


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ["name", "status", "template", "scheduled_at", "progress_text", "started_at"]
    list_filter = ["status", "track"]
    search_fields = ["name", "template__name"]
    list_select_related = ["template"]
    readonly_fields = [
        "status",
        "progress_text",
        "pause_reason",
        "recipients_count",
        "started_at",
        "finished_at",
        "created_at",
        "updated_at",
    ]
    actions = ["send_now", "pause", "resume", "cancel", "mark_uncertain_sent", "requeue_uncertain"]

    @admin.display(description=gettext_lazy("progress"))
    def progress_text(self, obj):
        counts = obj.sends.progress()
        return _("%(sent)d sent · %(failed)d failed · %(left)d left · %(uncertain)d uncertain") % {
            "sent": counts["sent"],
            "failed": counts["failed"],
            "left": counts["queued"] + counts["sending"],
            "uncertain": counts["uncertain"],
        }

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            fields += ["name", "template", "segment", "scheduled_at", "send_rate", "track"]
        return fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in CampaignForm.Meta.fields}
        try:
            if change:
                services.campaign_update(campaign=obj, data=data, actor=request.user)
            else:
                full = {name: form.cleaned_data.get(name) for name in CampaignForm.Meta.fields}
                obj.pk = services.campaign_create(data=full, actor=request.user).pk
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_model(self, request, obj):
        services.campaign_delete(campaign=obj, actor=request.user)

    def _each(self, request, queryset, call, done: str):
        changed = 0
        for campaign in queryset:
            try:
                call(campaign)
                changed += 1
            except ApplicationError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.WARNING)
        if changed:
            self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Send now (or at the scheduled time)"), permissions=["change"])
    def send_now(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_send(campaign=c, actor=request.user),
            _("%(n)d campaign(s) sent or scheduled."),
        )

    @admin.action(description=gettext_lazy("Pause sending"), permissions=["change"])
    def pause(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_pause(campaign=c, actor=request.user),
            _("%(n)d campaign(s) paused."),
        )

    @admin.action(description=gettext_lazy("Resume sending"), permissions=["change"])
    def resume(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_resume(campaign=c, actor=request.user),
            _("%(n)d campaign(s) resumed."),
        )

    @admin.action(description=gettext_lazy("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_cancel(campaign=c, actor=request.user),
            _("%(n)d campaign(s) cancelled."),
        )

    @admin.action(
        description=gettext_lazy("Uncertain sends: the relay's log shows they left (mark sent)"), permissions=["change"]
    )
    def mark_uncertain_sent(self, request, queryset):
        total = sum(
            services.campaign_resolve_uncertain(campaign=c, resolution="sent", actor=request.user) for c in queryset
        )
        self.message_user(request, _("%(n)d uncertain send(s) marked sent.") % {"n": total}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Uncertain sends: send again (may reach someone twice)"), permissions=["change"]
    )
    def requeue_uncertain(self, request, queryset):
        total = sum(
            services.campaign_resolve_uncertain(campaign=c, resolution="requeue", actor=request.user) for c in queryset
        )
        self.message_user(request, _("%(n)d uncertain send(s) queued again.") % {"n": total}, messages.SUCCESS)


class UncertainFilter(admin.SimpleListFilter):
    title = gettext_lazy("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("uncertain", _("Uncertain (worker stopped mid-send)")), ("retrying", _("Waiting for a retry"))]

    def queryset(self, request, queryset):
        if self.value() == "uncertain":
            return queryset.uncertain()
        if self.value() == "retrying":
            return queryset.filter(status=SendStatus.QUEUED, attempts__gt=0)
        return queryset


@admin.register(CampaignSend)
class CampaignSendAdmin(admin.ModelAdmin):
    """The send list: read-only (the worker writes it)."""

    list_display = ["email", "campaign", "status", "attempts", "sent_at", "last_error_short", "opened_at", "clicked_at"]
    list_filter = ["status", UncertainFilter, "campaign"]
    search_fields = ["email", "message_id"]
    list_select_related = ["campaign"]

    @admin.display(description=gettext_lazy("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in CampaignSend._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
