"""Input and output shapes of ``/api/v1/communication/email/*`` (spec 000 "Communication Services
Endpoints", spec 002 ``/communication/email/*``)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communications.models import Campaign, EmailTemplate
from communications.rendering import VARIABLES
from magnetiq.api.fields import DateTimeField, PrimaryKeyRelatedField


class EmailTemplateSerializer(serializers.ModelSerializer):
    """A template: ``subject``/``preheader`` ``{"en": "…", "de": "…"}``, ``body`` ``{"en": [Portable
    Text blocks], …}``; ``variables``: the ``{{ name }}`` placeholders a template may use."""

    variables = serializers.SerializerMethodField()

    class Meta:
        model = EmailTemplate
        fields = ["id", "name", "description", "subject", "preheader", "body", "variables", "created_at", "updated_at"]
        read_only_fields = fields

    def get_variables(self, template) -> list[str]:
        return list(VARIABLES)


class EmailTemplateInputSerializer(serializers.Serializer):
    """``communications.services.TEMPLATE_FIELDS``; the services check the languages, the blocks
    and the variables (422 naming the field and the variable)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    subject = serializers.JSONField(help_text='{"en": "Hello {{ first_name }}", "de": "…"}')
    preheader = serializers.JSONField(required=False, help_text='{"en": "…"}: the preview line after the subject.')
    body = serializers.JSONField(help_text='{"en": [Portable Text blocks], "de": [...]}')


class RenderedEmailSerializer(serializers.Serializer):
    """A template rendered with sample data: ``html`` with its CSS inlined, ``text`` the plain-text
    part (Markdown), in ``language``."""

    language = serializers.CharField()
    subject = serializers.CharField()
    html = serializers.CharField()
    text = serializers.CharField()


class PreviewInputSerializer(serializers.Serializer):
    """``language`` (default ``en``) and ``data``: values for the variables (others ignored)."""

    language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], default="en")
    data = serializers.DictField(child=serializers.CharField(max_length=500, allow_blank=True), required=False)


class CampaignProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField(help_text="Still to send (including retries waiting for their time).")
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    uncertain = serializers.IntegerField(
        help_text="Handed to the mail server by a worker that stopped before recording the outcome."
    )


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign; ``send_rate`` in messages per minute, times in UTC."""

    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template",
            "segment",
            "status",
            "scheduled_at",
            "send_rate",
            "track",
            "started_at",
            "finished_at",
            "recipients_count",
            "pause_reason",
            "progress",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CampaignProgressSerializer)
    def get_progress(self, campaign) -> dict:
        return campaign.sends.progress()


class CampaignInputSerializer(serializers.Serializer):
    """``communications.services.CAMPAIGN_FIELDS``. ``segment``: see ``communications.segments``
    (``{"audience": "leads"|"webinar_registrants"|"clients", "min_score", "qualified", "sources",
    "webinar_ids"}``); ``scheduled_at``: when ``send`` is asked without a time."""

    name = serializers.CharField(max_length=200)
    template = PrimaryKeyRelatedField(queryset=EmailTemplate.objects.alive())
    segment = serializers.JSONField(required=False)
    scheduled_at = DateTimeField(required=False, allow_null=True)
    send_rate = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    track = serializers.BooleanField(required=False)


class CampaignSendInputSerializer(serializers.Serializer):
    """Empty: send now (or at the campaign's ``scheduled_at`` if that is ahead). ``scheduled_at``:
    send then."""

    scheduled_at = DateTimeField(required=False, allow_null=True)
