"""Serializers of the webinar API: public (spec 001 field names, a fixed safe subset), staff, and
the registration input/output of ``…/{id}/register`` (spec 001 ``attendee`` shape).

Public serializers list their fields explicitly, so nothing added to the model leaks: no meeting
link (sent to registered people only), no registrations, no speaker e-mail.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consultants.models import Consultant
from content.portable_text import to_html, to_plain_text
from magnetiq.api import fields
from magnetiq.translation import pick_language
from webinars import selectors
from webinars.models import Webinar, WebinarRegistration
from webinars.services import WEBINAR_EDITABLE_FIELDS


def requested_language(context: dict) -> str:
    """The ``language`` query parameter when it is a site language, else ``en``."""
    request = context.get("request")
    lang = request.query_params.get("language") if request is not None else None
    return lang if lang in ("en", "de") else "en"


# --- public -----------------------------------------------------------------------------------


class SpeakerSerializer(serializers.ModelSerializer):
    """The speaker as spec 001 shows it: ``id``, ``name``, ``title``, ``photo``, ``biography`` (plain text)."""

    name = serializers.CharField(source="full_name", read_only=True)
    photo = serializers.CharField(source="profile_image_url", read_only=True)
    biography = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Consultant
        fields = ["id", "slug", "name", "title", "company", "photo", "biography", "url"]
        read_only_fields = fields

    def get_biography(self, consultant) -> str:
        return to_plain_text(pick_language(consultant.bio, requested_language(self.context)) or [])

    def get_url(self, consultant) -> str | None:
        return consultant.get_absolute_url() if consultant.is_public else None


class PublicWebinarSerializer(serializers.ModelSerializer):
    """A webinar in a public list (spec 001 ``GET /public/webinars``).

    ``title``: ``{"en", "de"}``; ``description``: ``{"en": [Portable Text], "de": [...]}``;
    ``datetime``: start in UTC (ISO 8601), ``timezone``: the zone it is announced in,
    ``duration``: minutes; ``price`` (0 = free) in ``currency``; ``registered_count`` seats taken,
    ``seats_left`` free seats (0 = waiting list).
    """

    speaker = SpeakerSerializer(read_only=True)
    datetime = serializers.DateTimeField(source="starts_at", read_only=True)
    duration = serializers.IntegerField(source="duration_minutes", read_only=True)
    registered_count = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Webinar
        fields = [
            "id",
            "title",
            "description",
            "slug",
            "url",
            "speaker",
            "datetime",
            "duration",
            "timezone",
            "price",
            "currency",
            "capacity",
            "registered_count",
            "seats_left",
            "status",
            "tags",
            "language",
            "is_featured",
        ]
        read_only_fields = fields

    def get_registered_count(self, webinar) -> int:
        count = getattr(webinar, "registered_count", None)
        return count if count is not None else webinar.registrations.registered().count()

    def get_seats_left(self, webinar) -> int:
        return selectors.seats_left(webinar)


class PublicWebinarDetailSerializer(PublicWebinarSerializer):
    """One webinar (spec 001 ``GET /public/webinars/{slug}``): the list fields plus the description
    rendered to safe HTML in ``language``, the local start with its offset, the end and whether
    registration is open."""

    description_html = serializers.SerializerMethodField()
    local_datetime = serializers.SerializerMethodField()
    ends_at = serializers.DateTimeField(read_only=True)
    registration_open = serializers.SerializerMethodField()

    class Meta(PublicWebinarSerializer.Meta):
        fields = [
            *PublicWebinarSerializer.Meta.fields,
            "description_html",
            "local_datetime",
            "ends_at",
            "registration_open",
        ]
        read_only_fields = fields

    def get_description_html(self, webinar) -> str:
        return to_html(pick_language(webinar.description, requested_language(self.context)) or [])

    def get_local_datetime(self, webinar) -> str:
        return webinar.local_start().isoformat()

    def get_registration_open(self, webinar) -> bool:
        return webinar.is_open_for_registration()


class AttendeeSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=255)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    website = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    questions = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegisterInputSerializer(serializers.Serializer):
    """Body of ``POST …/webinars/{id}/register`` (spec 001).

    ``terms_accepted`` must be true (422 otherwise); ``marketing_consent`` optional; ``language``
    (``en``/``de``) picks the e-mails' language. ``nickname`` is a honeypot: leave it out.
    """

    attendee = AttendeeSerializer()
    terms_accepted = serializers.BooleanField()
    marketing_consent = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="en")
    nickname = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)

    def validate_terms_accepted(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Terms and conditions must be accepted."))
        return value

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            **data["attendee"],
            "consent_terms": data["terms_accepted"],
            "consent_marketing": data["marketing_consent"],
            "language": data["language"],
        }


class WebinarRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webinar
        fields = ["id", "slug", "title", "starts_at", "timezone"]
        read_only_fields = fields


class RegistrationResultSerializer(serializers.ModelSerializer):
    """A registration as its owner sees it: ``status`` ``registered``/``waitlisted``/``cancelled``,
    ``waitlist_position`` (1 = next in line, ``null`` unless waitlisted), ``reference`` and the
    ``cancel_url`` of the visitor's cancel page."""

    webinar = WebinarRefSerializer(read_only=True)
    waitlist_position = serializers.IntegerField(read_only=True, allow_null=True)
    cancel_url = serializers.CharField(source="get_cancel_url", read_only=True)

    class Meta:
        model = WebinarRegistration
        fields = [
            "reference",
            "status",
            "waitlist_position",
            "email",
            "first_name",
            "last_name",
            "language",
            "webinar",
            "cancel_url",
            "created_at",
        ]
        read_only_fields = fields


class ConsultantWebinarsSerializer(serializers.Serializer):
    upcoming = PublicWebinarSerializer(many=True)
    past = PublicWebinarSerializer(many=True)


# --- staff ------------------------------------------------------------------------------------

# The service's fields; the API takes the speaker as ``speaker_id`` (a consultant id).
STAFF_WRITABLE_FIELDS = ["speaker_id" if name == "speaker" else name for name in WEBINAR_EDITABLE_FIELDS]
STAFF_READ_ONLY_FIELDS = [
    "id",
    "speaker",
    "ends_at",
    "sequence",
    "registered_count",
    "waitlisted_count",
    "cancelled_count",
    "attended_count",
    "seats_left",
    "published_at",
    "cancelled_at",
    "created_at",
    "updated_at",
]


class StaffWebinarSerializer(fields.ModelSerializer):
    """Staff view of a webinar with its registration counts (spec 001 "webinar sessions with
    management data"). ``speaker_id``: a consultant id; ``description``: Portable Text per language.
    Field rules are the model's; the service runs ``full_clean`` again before saving."""

    speaker_id = fields.PrimaryKeyRelatedField(
        source="speaker", queryset=Consultant.objects.alive(), help_text="The speaker's consultant id."
    )
    speaker = SpeakerSerializer(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    registered_count = serializers.SerializerMethodField()
    waitlisted_count = serializers.SerializerMethodField()
    cancelled_count = serializers.SerializerMethodField()
    attended_count = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()
    slug = serializers.SlugField(max_length=255, required=False, allow_blank=True)

    class Meta:
        model = Webinar
        fields = STAFF_READ_ONLY_FIELDS[:1] + STAFF_WRITABLE_FIELDS + STAFF_READ_ONLY_FIELDS[1:]
        read_only_fields = STAFF_READ_ONLY_FIELDS
        validators: list = []

    def _count(self, webinar, name: str, **filters) -> int:
        value = getattr(webinar, name, None)
        return value if value is not None else webinar.registrations.filter(**filters).count()

    def get_registered_count(self, webinar) -> int:
        return self._count(webinar, "registered_count", status="registered")

    def get_waitlisted_count(self, webinar) -> int:
        return self._count(webinar, "waitlisted_count", status="waitlisted")

    def get_cancelled_count(self, webinar) -> int:
        return self._count(webinar, "cancelled_count", status="cancelled")

    def get_attended_count(self, webinar) -> int:
        return self._count(webinar, "attended_count", attended=True)

    def get_seats_left(self, webinar) -> int:
        return max(0, webinar.capacity - self.get_registered_count(webinar))


class StaffRegistrationSerializer(serializers.ModelSerializer):
    """A registration with everything staff may see (consents with time and wording version)."""

    waitlist_position = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = WebinarRegistration
        fields = [
            "id",
            "reference",
            "webinar",
            "status",
            "waitlist_position",
            "first_name",
            "last_name",
            "email",
            "company",
            "job_title",
            "phone",
            "website",
            "questions",
            "language",
            "consent_terms",
            "consent_terms_at",
            "consent_marketing",
            "consent_marketing_at",
            "consent_version",
            "attended",
            "attended_at",
            "promoted_at",
            "cancelled_at",
            "confirmation_sent_at",
            "reminder_7d_sent_at",
            "reminder_1d_sent_at",
            "reminder_1h_sent_at",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.OBJECT)
class DescriptionHtmlField(serializers.Field):
    """``{"en": "<p>…</p>", "de": "<p>…</p>"}``: the description rendered per language."""

    def to_representation(self, value):
        return {lang: to_html(blocks or []) for lang, blocks in (value or {}).items()}


class DescriptionHtmlSerializer(serializers.Serializer):
    """``GET /business/webinars/{id}/description-html``: ``html`` in ``language`` plus every language."""

    id = serializers.IntegerField()
    language = serializers.CharField()
    html = serializers.CharField()
    translations = DescriptionHtmlField(source="description")
