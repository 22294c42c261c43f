"""Input and output shapes of ``/api/v1/admin/leads`` (spec 000 "Lead Management API")."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from leads.models import Lead, LeadConsent, LeadEvent
from magnetiq.api import fields


class LeadEventSerializer(serializers.ModelSerializer):
    """One ledger entry. ``subject``: the plain reference, or ``"<app>.<model>#<id>"`` for a row."""

    subject = serializers.SerializerMethodField()

    class Meta:
        model = LeadEvent
        fields = ["id", "action", "points", "occurred_at", "subject", "object_id", "data", "actor"]

    def get_subject(self, event) -> str:
        if event.content_type_id:
            return f"{event.content_type.app_label}.{event.content_type.model}#{event.object_id}"
        return event.subject


class LeadConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadConsent
        fields = ["kind", "granted", "wording_version", "source", "recorded_at"]


LEAD_LIST_FIELDS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "website",
    "phone",
    "job_title",
    "language",
    "tags",
    "source",
    "score",
    "is_qualified",
    "qualified_at",
    "marketing_consent",
    "odoo_id",
    "odoo_status",
    "odoo_synced_at",
    "last_activity_at",
    "created_at",
    "updated_at",
]


class LeadSerializer(serializers.ModelSerializer):
    """A lead in lists. ``marketing_consent``: a marketing consent was ever given."""

    full_name = serializers.CharField(read_only=True)
    marketing_consent = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = LEAD_LIST_FIELDS
        read_only_fields = LEAD_LIST_FIELDS

    def get_marketing_consent(self, lead) -> bool:
        annotated = getattr(lead, "has_marketing_consent", None)
        if annotated is not None:
            return bool(annotated)
        return lead.consents.filter(kind="marketing", granted=True).exists()


class LeadDetailSerializer(LeadSerializer):
    """A lead with its consents, the Odoo export state and its whole activity ledger (newest first)."""

    consents = LeadConsentSerializer(many=True, read_only=True)
    events = LeadEventSerializer(many=True, read_only=True)

    class Meta(LeadSerializer.Meta):
        fields = [*LEAD_LIST_FIELDS, "qualified_by", "odoo_error", "odoo_attempts", "consents", "events"]
        read_only_fields = fields


class LeadScoreInputSerializer(serializers.Serializer):
    """Either ``points`` (added, may be negative) or ``score`` (the new total), with a ``reason``."""

    points = serializers.IntegerField(required=False, min_value=-10_000, max_value=10_000)
    score = serializers.IntegerField(required=False, min_value=-100_000, max_value=100_000)
    reason = serializers.CharField(max_length=500)

    def validate(self, attrs):
        if ("points" in attrs) == ("score" in attrs):
            raise serializers.ValidationError({"points": [_("Give either points (to add) or score (the new total).")]})
        if attrs.get("points") == 0:
            raise serializers.ValidationError({"points": [_("Give a non-zero number of points.")]})
        return attrs


class LeadQualifyInputSerializer(serializers.Serializer):
    qualified = serializers.BooleanField(default=True)


class LeadBulkExportInputSerializer(serializers.Serializer):
    """``format``: ``csv`` (a file download) or ``odoo`` (enqueue one export per lead). The leads are
    ``ids`` when given, else those matching ``filters`` (every non-erased lead without either)."""

    format = serializers.ChoiceField(choices=["csv", "odoo"])
    ids = serializers.ListField(child=fields.IdField(), required=False, max_length=5000)
    filters = serializers.DictField(
        required=False,
        help_text="The list's filters: min_score, max_score, qualified, source, created_from, created_to, "
        "search, odoo_status.",
    )


class LeadBulkOdooResultSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.DictField())


class LeadErasedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    erased_at = serializers.DateTimeField()
