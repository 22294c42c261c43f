"""Admin for spec 004's researcher service: researcher profiles (papers inline), outreach requests
(resend through the service) and OpenAlex collection jobs (read-only, retry through the service)."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from magnetiq.exceptions import ApplicationError

from . import services
from .models import CollectionJob, CollectionStatus, OutreachRequest, OutreachState, Paper, ResearcherProfile


class PaperInline(admin.TabularInline):
    model = Paper
    extra = 0
    fields = ["title", "doi", "openalex_id", "year", "venue", "url", "cited_by_count"]
    show_change_link = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ResearcherProfile)
class ResearcherProfileAdmin(admin.ModelAdmin):
    """Researchers collected from OpenAlex arrive as ``pending`` consultants: review them in the
    consultants admin (status ``active`` makes them public)."""

    list_display = ["__str__", "consultant_status", "orcid", "openalex_id", "h_index", "source", "collected_at"]
    list_filter = ["source", "consultant__status"]
    search_fields = [
        "consultant__first_name",
        "consultant__last_name",
        "affiliation",
        "orcid",
        "openalex_id",
        "institution_openalex_id",
    ]
    raw_id_fields = ["consultant"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["collected_at", "created_at", "updated_at"]
    list_select_related = ["consultant"]
    inlines = [PaperInline]

    @admin.display(description=_("Consultant status"), ordering="consultant__status")
    def consultant_status(self, profile) -> str:
        return profile.consultant.get_status_display()


@admin.register(OutreachRequest)
class OutreachRequestAdmin(admin.ModelAdmin):
    """Invitations are created through the API (clients and outreach staff); here staff follow them
    up and resend failed or unanswered ones (a resend issues a new link; older links stop working)."""

    list_display = ["researcher_email", "researcher_name", "state", "invitation_sent_at", "token_used_at", "created_at"]
    list_filter = ["state", "language", "created_at"]
    search_fields = ["researcher_email", "researcher_name", "context"]
    readonly_fields = [
        "researcher_email",
        "researcher_name",
        "paper",
        "context",
        "message",
        "language",
        "state",
        "token_issued_at",
        "invitation_sent_at",
        "token_used_at",
        "send_attempts",
        "error",
        "created_by",
        "consultant",
        "created_at",
        "updated_at",
    ]
    exclude = ["token_nonce"]
    actions = ["resend_invitation"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend the invitation e-mail"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        count = 0
        for outreach in queryset.filter(state__in=[OutreachState.PENDING, OutreachState.EMAIL_FAILED]):
            try:
                services.outreach_resend(outreach=outreach, actor=request.user)
            except ApplicationError as error:
                self.message_user(
                    request,
                    _("%(email)s: %(error)s") % {"email": outreach.researcher_email, "error": error.message},
                    messages.ERROR,
                )
            else:
                count += 1
        skipped = queryset.exclude(state__in=[OutreachState.PENDING, OutreachState.EMAIL_FAILED]).count()
        if count:
            self.message_user(
                request,
                ngettext("%(count)d invitation queued again.", "%(count)d invitations queued again.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d accepted or declined request skipped.",
                    "%(count)d accepted or declined requests skipped.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(CollectionJob)
class CollectionJobAdmin(admin.ModelAdmin):
    """Jobs are started through the API; the admin shows them read-only and can retry failed ones
    (needs ``consulting.add_collectionjob``)."""

    list_display = ["__str__", "kind", "status", "researchers_found", "researchers_created", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["query", "error"]
    filter_horizontal = []
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + ["researchers"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("consulting.add_collectionjob")

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["retry"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=CollectionStatus.FAILED))
        for job in failed:
            services.collection_job_retry(job=job, actor=request.user)
        if failed:
            self.message_user(
                request,
                ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", len(failed))
                % {"count": len(failed)},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of the selected jobs has failed."), messages.WARNING)
