"""Input and output shapes of the content API (spec 000 "Content Management Endpoints").

Input serializers only check types; the rules (translations, Portable Text, reserved and unique
slugs) live in the model validators and ``content.services``, so the admin and ``import_pages``
apply the same ones.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.models import MediaAsset, Page, PageStatus
from content.services import PAGE_FIELDS
from magnetiq.api import fields
from magnetiq.api.parsers import json_loads
from magnetiq.translation import LANGUAGE_CODES


@extend_schema_field({"type": "object", "example": {"en": "About us", "de": "Über uns"}})
class TranslationsField(serializers.JSONField):
    """``{"en": …, "de": …}``."""


@extend_schema_field(
    {
        "type": "object",
        "example": {"en": [{"_type": "block", "style": "normal", "children": [{"_type": "span", "text": "Hello"}]}]},
    }
)
class PortableTextField(serializers.JSONField):
    """Localized Portable Text: ``{"en": [blocks], "de": [blocks]}``."""


@extend_schema_field({"type": "object", "example": {"en": "A team workshop", "de": "Ein Team-Workshop"}})
class FormTranslationsField(serializers.Field):
    """A translation dict, or in multipart forms a JSON object string or plain English text."""

    # DRF formats the message with str.format: the braces of the example are doubled.
    default_error_messages = {"invalid": 'Expected text or an object like {{"en": "…", "de": "…"}}.'}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            return data
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        if text.startswith("{"):
            try:
                value = json_loads(text)
            except ValueError:
                self.fail("invalid")
            if not isinstance(value, dict):
                self.fail("invalid")
            return value
        return {"en": text} if text else {}

    def to_representation(self, value):
        return value


class PageInputSerializer(serializers.Serializer):
    """Create (POST), replace (PUT) or change (PATCH, ``partial``) a page."""

    slug = serializers.CharField(max_length=120)
    title = TranslationsField()
    content = PortableTextField()
    excerpt = PortableTextField(required=False, allow_null=True)
    meta_description = TranslationsField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=PageStatus.choices, required=False)
    published_at = fields.DateTimeField(required=False, allow_null=True)
    seo_title = TranslationsField(required=False, allow_null=True)
    seo_keywords = serializers.JSONField(
        required=False, allow_null=True, help_text='{"en": ["strategy", "AI"], "de": ["Strategie", "KI"]}'
    )


class PageOutputSerializer(serializers.ModelSerializer):
    """A page with every language, as staff see it."""

    is_home = serializers.BooleanField(read_only=True)
    urls = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    title = TranslationsField()
    content = PortableTextField()
    excerpt = PortableTextField()

    class Meta:
        model = Page
        fields = (
            "id",
            *PAGE_FIELDS,
            "structured_data",
            "is_home",
            "urls",
            "author",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field({"type": "object", "example": {"en": "/about/", "de": "/de/about/"}})
    def get_urls(self, page: Page) -> dict:
        return {lang: page.get_absolute_url(lang) for lang in LANGUAGE_CODES}

    @extend_schema_field({"type": "object", "nullable": True, "example": {"id": 1, "email": "editor@example.com"}})
    def get_author(self, page: Page):
        return {"id": page.author_id, "email": page.author.email} if page.author_id else None


class PageRenderedSerializer(serializers.Serializer):
    """``/html``, ``/markdown``, ``/plain-text``: one of the three content/excerpt pairs is present."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField(help_text="The language actually used (requested one, or en as fallback).")
    requested_language = serializers.CharField()
    content_html = serializers.CharField(required=False)
    excerpt_html = serializers.CharField(required=False, allow_null=True)
    content_markdown = serializers.CharField(required=False)
    excerpt_markdown = serializers.CharField(required=False, allow_null=True)
    content_text = serializers.CharField(required=False)
    excerpt_text = serializers.CharField(required=False, allow_null=True)


class SeoSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    keywords = serializers.ListField(child=serializers.CharField())
    canonical = serializers.URLField()
    alternates = serializers.DictField(child=serializers.URLField())
    structured_data = serializers.JSONField(allow_null=True)


class PublicPageSerializer(serializers.Serializer):
    """``/api/v1/public/pages/{slug}``: a published page in one language (English fallback)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    language = serializers.CharField(help_text="The language actually used.")
    requested_language = serializers.CharField()
    title = serializers.CharField()
    content = serializers.JSONField(help_text="Portable Text blocks in `language`.")
    content_html = serializers.CharField()
    excerpt_html = serializers.CharField(allow_null=True)
    seo = SeoSerializer()
    url = serializers.CharField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MediaUploadSerializer(serializers.Serializer):
    """Multipart upload: ``file`` plus optional ``alt_text``/``caption`` (JSON object string or English text)."""

    file = serializers.FileField(allow_empty_file=False, use_url=False)
    alt_text = FormTranslationsField(required=False)
    caption = FormTranslationsField(required=False)


class MediaAssetSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    asset = serializers.SerializerMethodField()
    uploaded_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MediaAsset
        fields = (
            "id",
            "url",
            "original_filename",
            "mime_type",
            "size_bytes",
            "width",
            "height",
            "alt_text",
            "caption",
            "kind",
            "uploaded_by",
            "asset",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, asset: MediaAsset) -> str:
        return asset.url

    @extend_schema_field(
        {
            "type": "object",
            "description": "The reference to put in a Portable Text image block.",
            "example": {"_type": "reference", "_ref": "12", "url": "/media/assets/2026/01/ab12.png"},
        }
    )
    def get_asset(self, asset: MediaAsset) -> dict:
        return asset.reference()
