"""Serializers of the whitepaper endpoints: public (no private fields, one language) and staff."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from consultants.models import Consultant
from content.models import MediaAsset
from magnetiq.api import fields
from magnetiq.translation import LANGUAGE_CODES
from whitepapers.models import EmailAttachment, EmailSubmission, Whitepaper
from whitepapers.pdf import body_html
from whitepapers.services import BULK_ACTIONS, WHITEPAPER_EDITABLE_FIELDS


def request_language(context) -> str:
    request = context.get("request")
    lang = request.query_params.get("language", "en") if request is not None else "en"
    return lang if lang in LANGUAGE_CODES else "en"


class AuthorSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Consultant
        fields = ["id", "name", "title", "slug", "profile_image_url"]

    def get_name(self, obj) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()


class PublicWhitepaperCardSerializer(serializers.ModelSerializer):
    """A whitepaper in a list, in the ``language`` query parameter (default en, falls back to en)."""

    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    author = AuthorSerializer(read_only=True)
    cover_image_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Whitepaper
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "author",
            "category",
            "tags",
            "language",
            "cover_image_url",
            "is_featured",
            "published_at",
            "view_count",
            "download_count",
            "url",
        ]

    def get_title(self, obj) -> str:
        return obj.title_for(request_language(self.context))

    def get_summary(self, obj) -> str:
        return obj.summary_for(request_language(self.context))

    def get_cover_image_url(self, obj) -> str | None:
        asset = obj.cover_image
        if asset is None or asset.deleted_at is not None:
            return None
        return asset.file.url

    def get_url(self, obj) -> str:
        return obj.get_absolute_url(request_language(self.context))


class PublicWhitepaperDetailSerializer(PublicWhitepaperCardSerializer):
    """The landing page data: the card plus the body as safe HTML and the lead form's fields."""

    body_html = serializers.SerializerMethodField()
    download_endpoint = serializers.SerializerMethodField()

    class Meta(PublicWhitepaperCardSerializer.Meta):
        fields = [*PublicWhitepaperCardSerializer.Meta.fields, "body_html", "download_endpoint"]

    def get_body_html(self, obj) -> str:
        return body_html(obj, request_language(self.context))

    def get_download_endpoint(self, obj) -> str:
        return f"/api/v1/public/whitepapers/{obj.pk}/download"


class LeadInputSerializer(serializers.Serializer):
    """Spec 001 ``lead``: ``name`` (split into first/last) or ``first_name``/``last_name``."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    website = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        name = attrs.pop("name", "").strip()
        if name and not attrs.get("first_name") and not attrs.get("last_name"):
            first, _space, last = name.partition(" ")
            attrs["first_name"], attrs["last_name"] = first[:100], last.strip()[:100]
        attrs.setdefault("first_name", "")
        attrs.setdefault("last_name", "")
        return attrs


class DownloadRequestSerializer(serializers.Serializer):
    """``POST …/{id}/download``. ``website_url`` is the honeypot: people leave it empty."""

    lead = LeadInputSerializer()
    terms_accepted = serializers.BooleanField()
    marketing_consent = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="en")
    utm_source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_medium = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_campaign = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_term = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_content = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referrer = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    website_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    session_token = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DownloadResponseSerializer(serializers.Serializer):
    download_url = serializers.URLField()
    thanks_url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    remaining_downloads = serializers.IntegerField()


class CategorySerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class PublicAnalyticsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    view_count = serializers.IntegerField()
    download_count = serializers.IntegerField()


# --- staff -----------------------------------------------------------------------------------------


class AdminWhitepaperSerializer(fields.ModelSerializer):
    """Every field of a whitepaper for staff; writes go through ``whitepapers.services``.

    ``file``: multipart upload of a PDF (checked by its bytes); ``null`` removes it. Its content is
    never linked: ``has_file``/``has_generated_pdf`` tell whether a PDF exists.
    """

    author = fields.PrimaryKeyRelatedField(queryset=Consultant.objects.alive(), allow_null=True, required=False)
    cover_image = fields.PrimaryKeyRelatedField(queryset=MediaAsset.objects.alive(), allow_null=True, required=False)
    file = serializers.FileField(write_only=True, required=False, allow_null=True)
    has_file = serializers.SerializerMethodField()
    has_generated_pdf = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Whitepaper
        read_only_fields = ["view_count", "download_count", "pdf_generated_at", "body_hash", "created_at", "updated_at"]
        # What a caller may set is the service's list; the derived fields follow it.
        fields = ["id", *WHITEPAPER_EDITABLE_FIELDS, "body_html", "has_file", "has_generated_pdf", *read_only_fields]
        # The partial unique constraint on slug is checked by full_clean() in the service.
        validators: list = []

    def get_has_file(self, obj) -> bool:
        return bool(obj.file)

    def get_has_generated_pdf(self, obj) -> bool:
        return bool(obj.generated_file)

    def get_body_html(self, obj) -> str:
        return body_html(obj, obj.language or "en")


class ContentUpdateSerializer(serializers.Serializer):
    """``PUT {id}/content``: ``{"markdown": {"en": "# Title\\n…", "de": "…"}}``."""

    markdown = serializers.DictField(child=serializers.CharField(allow_blank=True))

    def validate_markdown(self, value):
        unknown = sorted(set(value) - set(LANGUAGE_CODES))
        if unknown:
            raise serializers.ValidationError(_("Unknown language %(languages)s.") % {"languages": ", ".join(unknown)})
        return value


class BulkActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500
    )


class BulkActionResultSerializer(serializers.Serializer):
    processed = serializers.ListField(child=serializers.IntegerField())
    failed = serializers.ListField(child=serializers.DictField())


class AnalyticsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    views = serializers.IntegerField()
    downloads = serializers.IntegerField()
    leads = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text="downloads / views")
    downloads_per_day = serializers.ListField(child=serializers.DictField())


class WhitepaperLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    company = serializers.CharField()
    score = serializers.IntegerField()
    downloads = serializers.IntegerField()
    last_download_at = serializers.DateTimeField(allow_null=True)
    link_requested_at = serializers.DateTimeField()


class EmailAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailAttachment
        fields = ["id", "filename", "mime_type", "size_bytes", "accepted", "refusal_reason"]


class EmailSubmissionSerializer(serializers.ModelSerializer):
    attachments = EmailAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = EmailSubmission
        fields = [
            "id",
            "message_id",
            "sender_email",
            "sender_name",
            "subject",
            "body",
            "received_at",
            "status",
            "error",
            "source",
            "author",
            "whitepaper",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields


class EmailUploadSerializer(serializers.Serializer):
    """``POST email-submission``: a raw ``.eml`` file (multipart field ``file``) or its text (``raw``)."""

    file = serializers.FileField(required=False)
    raw = serializers.CharField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("raw"):
            raise serializers.ValidationError({"file": _("Upload an .eml file (or send its text as raw).")})
        return attrs


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
