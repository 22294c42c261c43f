"""``/api/v1/communication/email/…`` (spec 000 "Communication Services Endpoints", spec 002):
templates (CRUD, ``/html``, ``/preview``) and campaigns (CRUD, ``/send``).

Staff only, through the role permissions of the ``communications`` models (``accounts/roles.py``):
reading needs ``view_…`` (admins, editors, analytics viewers), writing ``add_/change_/delete_…``
(admins, editors); sending a campaign ``change_campaign``. Errors: 404, 409 (campaign status,
template in use), 422 (fields, Portable Text, unknown variables naming field and variable).
"""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from communications import rendering, services
from communications.exceptions import CampaignNotFound, EmailTemplateNotFound
from communications.models import Campaign, CampaignStatus, EmailTemplate
from magnetiq.api.filters import FilterSet
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok

from .serializers import (
    CampaignInputSerializer,
    CampaignSendInputSerializer,
    CampaignSerializer,
    EmailTemplateInputSerializer,
    EmailTemplateSerializer,
    PreviewInputSerializer,
    RenderedEmailSerializer,
)

TEMPLATE_PERMISSIONS = {
    "SAFE": ["communications.view_emailtemplate"],
    "POST": ["communications.add_emailtemplate"],
    "PUT": ["communications.change_emailtemplate"],
    "DELETE": ["communications.delete_emailtemplate"],
}
CAMPAIGN_PERMISSIONS = {
    "SAFE": ["communications.view_campaign"],
    "POST": ["communications.add_campaign"],
    "PUT": ["communications.change_campaign"],
    "DELETE": ["communications.delete_campaign"],
}


def _template(pk: int) -> EmailTemplate:
    template = EmailTemplate.objects.alive().filter(pk=pk).first()
    if template is None:
        raise EmailTemplateNotFound()
    return template


def _campaign(pk: int) -> Campaign:
    campaign = Campaign.objects.select_related("template").filter(pk=pk).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


class TemplateCollectionView(generics.ListAPIView):
    permission_classes = [HasRolePermissions]
    required_permissions = TEMPLATE_PERMISSIONS
    serializer_class = EmailTemplateSerializer
    resource_name = "templates"

    def get_queryset(self):
        return EmailTemplate.objects.alive().order_by("name", "id")

    @extend_schema(summary="List e-mail templates")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create an e-mail template (Portable Text)",
        request=EmailTemplateInputSerializer,
        responses={201: EmailTemplateSerializer},
    )
    def post(self, request):
        """``subject`` and ``body`` per language (``en`` required); ``{{ first_name }}``,
        ``{{ unsubscribe_url }}`` … (see ``variables``) are filled per recipient."""
        body = EmailTemplateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = services.email_template_create(data=dict(body.validated_data), actor=request.user)
        return created(EmailTemplateSerializer(template).data, message=_("Template created"))


class TemplateDetailView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = TEMPLATE_PERMISSIONS

    @extend_schema(summary="Get an e-mail template", responses={200: EmailTemplateSerializer})
    def get(self, request, pk: int):
        return Response(EmailTemplateSerializer(_template(pk)).data)

    @extend_schema(
        summary="Change an e-mail template",
        request=EmailTemplateInputSerializer,
        responses={200: EmailTemplateSerializer},
    )
    def put(self, request, pk: int):
        """The fields given are changed (partial update)."""
        template = _template(pk)
        body = EmailTemplateInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        template = services.email_template_update(template=template, data=dict(body.validated_data), actor=request.user)
        return ok(EmailTemplateSerializer(template).data, message=_("Template updated"))

    @extend_schema(summary="Delete an e-mail template", responses={204: None})
    def delete(self, request, pk: int):
        """409 ``EMAIL_TEMPLATE_IN_USE`` while a campaign that is not sent or cancelled uses it."""
        services.email_template_delete(template=_template(pk), actor=request.user)
        return Response(status=204)


class TemplateHtmlView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["communications.view_emailtemplate"]}

    @extend_schema(summary="Render an e-mail template as HTML (sample data)", responses={200: RenderedEmailSerializer})
    def get(self, request, pk: int):
        """The English version (``?language=de`` for German) with the sample values of the variables:
        the responsive HTML with inlined CSS, and the plain-text part."""
        template = _template(pk)
        body = PreviewInputSerializer(data={"language": request.query_params.get("language", "en")})
        body.is_valid(raise_exception=True)
        rendered = rendering.render_sample(
            subject=template.subject,
            body=template.body,
            preheader=template.preheader,
            language=body.validated_data["language"],
        )
        return Response(RenderedEmailSerializer(rendered).data)


class TemplatePreviewView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": ["communications.view_emailtemplate"]}

    @extend_schema(
        summary="Preview an e-mail template with data",
        request=PreviewInputSerializer,
        responses={200: RenderedEmailSerializer},
    )
    def post(self, request, pk: int):
        """Like ``/html``, with ``data`` overriding the sample values (``{"first_name": "Grace"}``)."""
        template = _template(pk)
        body = PreviewInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rendered = rendering.render_sample(
            subject=template.subject,
            body=template.body,
            preheader=template.preheader,
            language=body.validated_data["language"],
            values=body.validated_data.get("data") or {},
        )
        return Response(RenderedEmailSerializer(rendered).data)


class CampaignFilter(FilterSet):
    """``status`` (draft, scheduled, sending, paused, sent, cancelled)."""

    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices)

    class Meta:
        model = Campaign
        fields = ["status"]


class CampaignCollectionView(generics.ListAPIView):
    permission_classes = [HasRolePermissions]
    required_permissions = CAMPAIGN_PERMISSIONS
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    resource_name = "campaigns"

    def get_queryset(self):
        return Campaign.objects.select_related("template").order_by("-created_at", "-id")

    @extend_schema(summary="List e-mail campaigns")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create an e-mail campaign", request=CampaignInputSerializer, responses={201: CampaignSerializer}
    )
    def post(self, request):
        """A draft: ``template``, ``segment``, ``send_rate`` (messages per minute), ``track``
        (opt-in open and click tracking), ``scheduled_at`` (UTC)."""
        body = CampaignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_create(data=dict(body.validated_data), actor=request.user)
        return created(CampaignSerializer(campaign).data, message=_("Campaign created"))


class CampaignDetailView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = CAMPAIGN_PERMISSIONS

    @extend_schema(summary="Get an e-mail campaign with its progress", responses={200: CampaignSerializer})
    def get(self, request, pk: int):
        return Response(CampaignSerializer(_campaign(pk)).data)

    @extend_schema(
        summary="Change a draft or scheduled campaign",
        request=CampaignInputSerializer,
        responses={200: CampaignSerializer},
    )
    def put(self, request, pk: int):
        """The fields given are changed; 409 ``CAMPAIGN_STATE`` once it is sending, paused, sent or cancelled."""
        campaign = _campaign(pk)
        body = CampaignInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_update(campaign=campaign, data=dict(body.validated_data), actor=request.user)
        return ok(CampaignSerializer(campaign).data, message=_("Campaign updated"))

    @extend_schema(summary="Delete a draft, scheduled or cancelled campaign", responses={204: None})
    def delete(self, request, pk: int):
        services.campaign_delete(campaign=_campaign(pk), actor=request.user)
        return Response(status=204)


class CampaignSendView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": ["communications.change_campaign"]}

    @extend_schema(
        summary="Send (or schedule) a campaign",
        request=CampaignSendInputSerializer,
        responses={200: CampaignSerializer},
    )
    def post(self, request, pk: int):
        """Now: the recipients are fixed (consenting, not on the do-not-contact list) and the
        worker (``send_campaigns``, every minute) sends them at the campaign's rate. With a future
        ``scheduled_at``: status ``scheduled``. 409 unless draft or scheduled."""
        campaign = _campaign(pk)
        body = CampaignSendInputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        campaign = services.campaign_send(
            campaign=campaign, scheduled_at=body.validated_data.get("scheduled_at"), actor=request.user
        )
        return ok(
            CampaignSerializer(campaign).data,
            message=_("Campaign sending") if campaign.status == CampaignStatus.SENDING else _("Campaign scheduled"),
        )
