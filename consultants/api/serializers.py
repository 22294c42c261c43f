"""Serializers for the consultant API: staff (everything) and public (a fixed, safe subset).

The public serializers are separate classes with an explicit field list, so a field added to the
model never leaks by accident: no e-mail, phone, payment/KYC state, Stripe/PayPal ids, LinkedIn
raw data, verification notes or revenue (a test pins the exact keys).
"""

from django.utils.translation import gettext as _
from rest_framework import serializers

from consultants.models import Consultant, ConsultantStatus, LinkedInSyncStatus, ScrapingJob
from consultants.selectors import SORT_FIELDS
from consultants.services import CONSULTANT_PROFILE_FIELDS, LINKEDIN_SYNC_FIELDS
from content.portable_text import to_html
from magnetiq.api.fields import DateField
from magnetiq.translation import pick_language

# --- staff ------------------------------------------------------------------------------------

ADMIN_WRITABLE_FIELDS = list(CONSULTANT_PROFILE_FIELDS)
ADMIN_READ_ONLY_FIELDS = [
    "id",
    "slug",
    "status",
    "payment_setup_status",
    "kyc_status",
    "stripe_account_id",
    "paypal_account_id",
    "bank_account_verified",
    "linkedin_scraped_data",
    "linkedin_last_sync",
    "linkedin_sync_status",
    "total_consultations",
    "total_revenue",
    "average_rating",
    "total_reviews",
    "response_time_hours",
    "created_at",
    "updated_at",
]


class AdminConsultantSerializer(serializers.ModelSerializer):
    """Staff view of a consultant (spec 000 ``ConsultantResponse``) and its writable profile fields.

    Status changes go through ``PUT /admin/consultants/{id}/status``; metrics, payment/KYC state and
    LinkedIn data are written by their own flows, so they are read-only here (RELIABILITY A-10).
    The model's field validators run here too; the service re-checks everything with ``full_clean``.
    """

    class Meta:
        model = Consultant
        fields = ADMIN_READ_ONLY_FIELDS[:1] + ADMIN_WRITABLE_FIELDS + ADMIN_READ_ONLY_FIELDS[1:]
        read_only_fields = ADMIN_READ_ONLY_FIELDS
        # Uniqueness is the service's job (409 CONSULTANT_EMAIL_TAKEN), not a 422 from DRF.
        validators: list = []


class AdminConsultantStatusSerializer(serializers.Serializer):
    """Body of ``PUT /admin/consultants/{id}/status``."""

    status = serializers.ChoiceField(choices=ConsultantStatus.choices)
    verification_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# --- public -----------------------------------------------------------------------------------

PUBLIC_CARD_FIELDS = [
    "id",
    "slug",
    "url",
    "first_name",
    "last_name",
    "full_name",
    "title",
    "company",
    "expertise_areas",
    "years_experience",
    "hourly_rate",
    "currency",
    "consultation_types",
    "languages",
    "profile_image_url",
    "average_rating",
    "total_reviews",
    "is_verified",
    "is_featured",
    "timezone",
]
PUBLIC_DETAIL_FIELDS = [
    *PUBLIC_CARD_FIELDS,
    "language",
    "bio",
    "bio_html",
    "meta_description",
    "portfolio_images",
    "total_consultations",
]


def requested_language(context: dict) -> str:
    """The ``language`` query parameter when it is a site language, else ``en``."""
    request = context.get("request")
    lang = request.query_params.get("language") if request is not None else None
    return lang if lang in ("en", "de") else "en"


class PublicConsultantCardSerializer(serializers.ModelSerializer):
    """A consultant in a list or search result (spec 000 ``ConsultantSearchResponse``)."""

    url = serializers.CharField(source="get_absolute_url", read_only=True)
    full_name = serializers.CharField(read_only=True)
    # Declared: a read-only field built from the model's blank URLField loses allow_blank, and the
    # schema would then promise a URI where a consultant without a photo has "".
    profile_image_url = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Consultant
        fields = PUBLIC_CARD_FIELDS
        read_only_fields = PUBLIC_CARD_FIELDS


class PublicConsultantDetailSerializer(PublicConsultantCardSerializer):
    """One public profile (spec 000 ``ConsultantPublicResponse``) in the requested ``language``.

    ``bio``: Portable Text blocks of that language (falling back to English), ``bio_html``: the same
    rendered to safe HTML, ``meta_description``: plain text in that language.
    """

    language = serializers.SerializerMethodField()
    bio = serializers.SerializerMethodField()
    bio_html = serializers.SerializerMethodField()
    meta_description = serializers.SerializerMethodField()

    class Meta(PublicConsultantCardSerializer.Meta):
        fields = PUBLIC_DETAIL_FIELDS
        read_only_fields = PUBLIC_DETAIL_FIELDS

    def get_language(self, obj) -> str:
        return requested_language(self.context)

    def get_bio(self, obj) -> list[dict]:
        return pick_language(obj.bio, requested_language(self.context)) or []

    def get_bio_html(self, obj) -> str:
        return to_html(self.get_bio(obj))

    def get_meta_description(self, obj) -> str:
        return pick_language(obj.meta_description, requested_language(self.context)) or ""


class PublicExpertiseCategorySerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField()


class PublicConsultantSearchQuerySerializer(serializers.Serializer):
    """Query parameters of ``GET /public/consultants/search`` (spec 000 ``ConsultantSearchRequest``).

    List parameters repeat (``?expertise=AI&expertise=Cloud``) or use commas. ``page``/``limit``
    paginate as everywhere else (the spec's ``offset`` is replaced by ``page``).
    """

    query = serializers.CharField(required=False, allow_blank=True, max_length=200)
    expertise = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    min_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    max_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    min_rating = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=5, required=False)
    min_experience = serializers.IntegerField(min_value=0, max_value=100, required=False, help_text="Years.")
    languages = serializers.ListField(child=serializers.CharField(max_length=2), required=False)
    consultation_type = serializers.CharField(required=False, max_length=60)
    timezone = serializers.CharField(required=False, max_length=50)
    is_verified = serializers.BooleanField(allow_null=True, default=None)
    is_featured = serializers.BooleanField(allow_null=True, default=None)
    available_this_week = serializers.BooleanField(
        default=False, help_text="Only consultants with a free slot in the next 7 days, as the directory's filter."
    )
    available_date = DateField(
        required=False, help_text="YYYY-MM-DD: only consultants with a free slot starting on that UTC day."
    )
    sort_by = serializers.ChoiceField(choices=sorted(SORT_FIELDS), default="rating")
    sort_order = serializers.ChoiceField(choices=["asc", "desc"], default="desc")

    def to_internal_value(self, data):
        # QueryDict → plain dict: list params from repeats or comma-separated values.
        if hasattr(data, "getlist"):
            plain = {key: data.get(key) for key in data}
            for key in ("expertise", "languages"):
                if key in data:
                    plain[key] = [part.strip() for raw in data.getlist(key) for part in raw.split(",") if part.strip()]
            data = plain
        return super().to_internal_value(data)

    def validate(self, attrs):
        low, high = attrs.get("min_rate"), attrs.get("max_rate")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_rate": [_("Must not be greater than max_rate.")]})
        return attrs


# --- LinkedIn import (Scoopp) -----------------------------------------------------------------


class LinkedInScrapingRequestSerializer(serializers.Serializer):
    """Body of ``POST /admin/consultants/{id}/linkedin-scraping`` (spec 000 ``LinkedInScrapingRequest``).

    ``linkedin_url`` defaults to the profile's; ``webhook_url`` (where Scoopp reports the end)
    defaults to our own ``/api/v1/webhooks/scoopp`` on ``SITE_URL``.
    """

    linkedin_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    scrape_posts = serializers.BooleanField(required=False, default=False)
    scrape_connections = serializers.BooleanField(required=False, default=False)
    webhook_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class ScrapingJobSerializer(serializers.ModelSerializer):
    """A scraping job (spec 000 ``ScrapingJobResponse``); ``job_id`` is ``id`` as text (spec 000
    ``LinkedInScrapingResponse``), ``webhook_url`` where Scoopp reports. ``next_retry_at``: when the
    next start or poll is due (UTC)."""

    consultant_id = serializers.IntegerField(read_only=True)
    job_id = serializers.SerializerMethodField()
    webhook_url = serializers.CharField(source="scoopp_webhook_url", read_only=True)
    scraped_data = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = ScrapingJob
        fields = [
            "id",
            "job_id",
            "consultant_id",
            "job_type",
            "target_url",
            "status",
            "scrape_posts",
            "scrape_connections",
            "webhook_url",
            "scoopp_job_id",
            "scraped_data",
            "error_message",
            "retry_count",
            "max_retries",
            "runs",
            "estimated_completion",
            "next_retry_at",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_job_id(self, job: ScrapingJob) -> str:
        return str(job.pk)


class LinkedInProfileSerializer(serializers.Serializer):
    """``GET /admin/consultants/{id}/linkedin-profile``: the scraped data (``scraped_data``: the
    vendor-neutral profile with ``scraped_at``), the sync state, and ``pending_changes``: the profile
    fields a sync would change, with the value it would write."""

    consultant_id = serializers.IntegerField()
    linkedin_url = serializers.CharField(allow_blank=True)
    linkedin_sync_status = serializers.ChoiceField(choices=LinkedInSyncStatus.choices)
    linkedin_last_sync = serializers.DateTimeField(allow_null=True)
    scraped_data = serializers.JSONField(allow_null=True)
    pending_changes = serializers.DictField(child=serializers.JSONField())
    latest_job = ScrapingJobSerializer(allow_null=True)


class LinkedInSyncRequestSerializer(serializers.Serializer):
    """Body of ``PUT /admin/consultants/{id}/linkedin-sync``: which fields to copy (default all)."""

    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(LINKEDIN_SYNC_FIELDS)),
        required=False,
        allow_empty=False,
        max_length=len(LINKEDIN_SYNC_FIELDS),
    )


class LinkedInSyncResultSerializer(serializers.Serializer):
    """Answer of ``PUT /admin/consultants/{id}/linkedin-sync``: the profile and the changed fields."""

    consultant = AdminConsultantSerializer()
    changed_fields = serializers.ListField(child=serializers.CharField())
