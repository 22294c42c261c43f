"""Staff lead management: ``/api/v1/admin/leads`` (spec 000 "Lead Management API").

Every endpoint checks the standard ``leads`` model permissions through ``HasRolePermissions``
(the permissions the Django admin checks): reading needs ``leads.view_lead``; score, qualify and
Odoo export need ``leads.change_lead``; the GDPR erasure needs ``leads.delete_lead``. Erased leads
answer 404. Writes go through ``leads.services``.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.views import APIView

from leads import exports, services
from leads.exceptions import LeadNotFound, OdooExportInProgress
from leads.models import Lead, LeadAction, LeadConsent, LeadEvent
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import ok

from .filters import LeadFilter
from .serializers import (
    LeadBulkExportInputSerializer,
    LeadBulkOdooResultSerializer,
    LeadDetailSerializer,
    LeadErasedSerializer,
    LeadEventSerializer,
    LeadQualifyInputSerializer,
    LeadScoreInputSerializer,
    LeadSerializer,
)

VIEW = ["leads.view_lead"]
CHANGE = ["leads.view_lead", "leads.change_lead"]
DELETE = ["leads.view_lead", "leads.delete_lead"]


def leads_queryset():
    """Non-erased leads with their marketing-consent flag, newest first."""
    marketing = LeadConsent.objects.filter(lead=OuterRef("pk"), kind="marketing", granted=True)
    return Lead.objects.active().annotate(has_marketing_consent=Exists(marketing)).order_by("-created_at", "-id")


def detail_queryset():
    return leads_queryset().prefetch_related(
        "consents", Prefetch("events", queryset=LeadEvent.objects.select_related("content_type"))
    )


def get_lead(pk: int) -> Lead:
    lead = detail_queryset().filter(pk=pk).first()
    if lead is None:
        raise LeadNotFound()
    return lead


def detail(pk: int) -> dict:
    return LeadDetailSerializer(get_lead(pk)).data


@extend_schema(tags=["admin-leads"])
class LeadListView(generics.ListAPIView):
    """Captured leads, newest first, with the filters of :class:`~leads.api.filters.LeadFilter`."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": VIEW}
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    resource_name = "leads"

    def get_queryset(self):
        return leads_queryset()

    @extend_schema(summary="List leads")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["admin-leads"])
class LeadDetailView(APIView):
    """One lead with consents and its activity ledger; ``DELETE`` erases its personal data (GDPR)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": VIEW, "DELETE": DELETE}

    @extend_schema(summary="Get a lead", responses={200: LeadDetailSerializer})
    def get(self, request, pk: int):
        return ok(detail(pk))

    @extend_schema(
        summary="Erase a lead's personal data (GDPR)",
        description="Replaces every personal field with anonymous values, deletes the consents and strips "
        "personal values from the events, keeping anonymous counts. The lead answers 404 afterwards.",
        responses={200: LeadErasedSerializer},
    )
    def delete(self, request, pk: int):
        lead = services.lead_erase(lead=get_lead(pk), actor=request.user)
        return ok({"id": lead.pk, "erased_at": lead.erased_at}, message=_("Personal data erased"))


@extend_schema(tags=["admin-leads"])
class LeadDownloadHistoryView(generics.ListAPIView):
    """The lead's whitepaper downloads, newest first (``data`` holds the whitepaper id, UTM
    parameters, referrer and truncated IP as the download recorded them)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": VIEW}
    serializer_class = LeadEventSerializer
    resource_name = "downloads"
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LeadEvent.objects.none()
        lead = get_lead(self.kwargs["pk"])
        return (
            lead.events.filter(action=LeadAction.WHITEPAPER_DOWNLOAD)
            .select_related("content_type")
            .order_by("-occurred_at", "-id")
        )

    @extend_schema(summary="A lead's download history")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["admin-leads"])
class LeadScoreView(APIView):
    """Manual score change, kept in the ledger as a ``manual_adjustment`` event."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"PUT": CHANGE}

    @extend_schema(
        summary="Adjust a lead's score", request=LeadScoreInputSerializer, responses={200: LeadDetailSerializer}
    )
    def put(self, request, pk: int):
        body = LeadScoreInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = get_lead(pk)
        data = body.validated_data
        if "points" in data:
            services.lead_score_adjust(lead=lead, points=data["points"], reason=data["reason"], actor=request.user)
        else:
            services.lead_score_set(lead=lead, score=data["score"], reason=data["reason"], actor=request.user)
        return ok(detail(pk), message=_("Score updated"))


@extend_schema(tags=["admin-leads"])
class LeadQualifyView(APIView):
    """Mark the lead qualified (``{"qualified": true}``, the default) or take the mark back."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"PUT": CHANGE}

    @extend_schema(summary="Qualify a lead", request=LeadQualifyInputSerializer, responses={200: LeadDetailSerializer})
    def put(self, request, pk: int):
        body = LeadQualifyInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = services.lead_qualify(lead=get_lead(pk), qualified=body.validated_data["qualified"], actor=request.user)
        return ok(detail(pk), message=_("Lead qualified") if lead.is_qualified else _("Lead no longer qualified"))


@extend_schema(tags=["admin-leads"])
class LeadExportOdooView(APIView):
    """Export the lead to Odoo now: creates its ``crm.lead`` or updates the one it has.
    Errors: 502 ``ODOO_ERROR`` (Odoo refused or did not answer; recorded on the lead), 503
    ``ODOO_NOT_CONFIGURED``, 409 ``ODOO_EXPORT_IN_PROGRESS``."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": CHANGE}

    @extend_schema(summary="Export a lead to Odoo", request=None, responses={200: LeadDetailSerializer})
    def post(self, request, pk: int):
        services.lead_export_odoo(lead=get_lead(pk), actor=request.user)
        return ok(detail(pk), message=_("Exported to Odoo"))


@extend_schema(tags=["admin-leads"])
class LeadPersonalDataView(APIView):
    """Everything held about the lead as JSON (GDPR access request); see
    ``leads.services.lead_export_personal_data`` for the shape."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": VIEW}

    @extend_schema(summary="Export a lead's personal data", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        return ok(services.lead_export_personal_data(lead=get_lead(pk)))


@extend_schema(tags=["admin-leads"])
class LeadBulkExportView(APIView):
    """``{"format": "csv"}`` answers a CSV file (``text/csv``, not wrapped in the envelope);
    ``{"format": "odoo"}`` enqueues one Odoo export per lead (needs ``leads.change_lead``) and
    answers 202 with the queued ids and the skipped ones with their reason. The leads are ``ids``
    when given (unknown or erased ids are skipped), else those matching ``filters``."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": VIEW}

    @extend_schema(
        summary="Export leads as CSV or to Odoo",
        request=LeadBulkExportInputSerializer,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file (format csv)"),
            202: LeadBulkOdooResultSerializer,
        },
    )
    def post(self, request):
        body = LeadBulkExportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        leads = leads_queryset()
        if "ids" in data:
            leads = leads.filter(pk__in=data["ids"])
        elif data.get("filters"):
            filterset = LeadFilter(data=data["filters"], queryset=leads)
            if not filterset.is_valid():
                raise serializers.ValidationError({"filters": filterset.errors})
            leads = filterset.qs
        if data["format"] == "csv":
            return exports.csv_response(leads.order_by("id"))
        if not request.user.has_perm("leads.change_lead"):
            raise PermissionDenied
        queued, skipped = [], []
        found = set()
        for lead in leads.order_by("id"):
            found.add(lead.pk)
            try:
                services.lead_enqueue_odoo_export(lead=lead, actor=request.user)
            except OdooExportInProgress as error:
                skipped.append({"id": lead.pk, "reason": error.code})
            else:
                queued.append(lead.pk)
        skipped.extend({"id": pk, "reason": "LEAD_NOT_FOUND"} for pk in data.get("ids", []) if pk not in found)
        return ok(
            {"queued": queued, "skipped": skipped},
            message=ngettext("%(count)s lead(s) queued for Odoo", "%(count)s lead(s) queued for Odoo", len(queued))
            % {"count": len(queued)},
            status=status.HTTP_202_ACCEPTED,
        )
