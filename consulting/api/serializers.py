"""Input and output serializers of the spec 004 consulting API, one per action: each says exactly what it takes.

Sessions leave with their booking ``reference`` as ``id`` (never the sequential booking id) and the
spec 004 status mapping of :func:`session_status`. Times are UTC (``…Z``); availability also in the
caller's zone.
"""

import zoneinfo

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from bookings.api.serializers import DateRangeQuerySerializer, known_zone
from bookings.models import BookingStatus, ConsultationBooking
from bookings.services import availability_weekly
from consultants.validators import validate_string_list
from consulting.models import OutreachRequest, Paper
from content.portable_text import to_plain_text
from magnetiq.api import fields
from magnetiq.translation import pick_language


def utc_iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


# --- researchers ------------------------------------------------------------------------------


class PaperSerializer(serializers.ModelSerializer):
    """A paper; ``id`` is the identifier sessions and ``researchers/paper/{id}`` use (DOI, else
    OpenAlex id)."""

    id = serializers.CharField(source="reference")

    class Meta:
        model = Paper
        fields = ["id", "title", "doi", "openalex_id", "year", "venue", "url", "cited_by_count"]
        read_only_fields = fields


class ResearcherSerializer(serializers.Serializer):
    """Spec 004 ``Researcher`` (public card). ``id`` is the consultant id; ``rate`` the hourly rate
    in ``currency`` (``null``: free sessions); ``bio`` plain text. E-mail addresses are not public."""

    id = serializers.IntegerField(source="consultant.pk")
    name = serializers.CharField(source="consultant.full_name")
    bio = serializers.SerializerMethodField()
    expertise = serializers.ListField(source="consultant.expertise_areas", child=serializers.CharField())
    achievements = serializers.ListField(child=serializers.CharField())
    research_areas = serializers.ListField(child=serializers.CharField())
    affiliation = serializers.CharField()
    institution_openalex_id = serializers.CharField()
    institution_ror = serializers.CharField()
    rate = serializers.DecimalField(source="consultant.hourly_rate", max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="consultant.currency")
    verified = serializers.BooleanField(source="consultant.is_verified")
    registered = serializers.SerializerMethodField(help_text="Whether the researcher has an account here.")
    avatar_url = serializers.CharField(source="consultant.profile_image_url")
    orcid = serializers.CharField()
    openalex_id = serializers.CharField()
    h_index = serializers.IntegerField(allow_null=True)
    i10_index = serializers.IntegerField(allow_null=True)
    citation_count = serializers.IntegerField(allow_null=True)
    works_count = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(source="consultant.created_at")
    updated_at = serializers.DateTimeField()

    def get_bio(self, profile) -> str:
        request = self.context.get("request")
        lang = getattr(request, "LANGUAGE_CODE", None) if request else None
        blocks = pick_language(profile.consultant.bio or {}, lang)
        return to_plain_text(blocks) if isinstance(blocks, list) else (blocks or "")

    def get_registered(self, profile) -> bool:
        return profile.consultant.user_id is not None


class ResearcherDetailSerializer(ResearcherSerializer):
    """The card plus the weekly availability (spec 004 shape, the researcher's own zone), the zone,
    and the researcher's most cited papers (at most 20)."""

    availability = serializers.SerializerMethodField()
    timezone = serializers.CharField(source="consultant.timezone")
    papers = serializers.SerializerMethodField()

    def get_availability(self, profile) -> dict[str, list[str]]:
        return availability_weekly(profile.consultant)

    def get_papers(self, profile) -> list[dict]:
        papers = profile.papers.order_by("-cited_by_count", "-year", "id")[:20]
        return PaperSerializer(papers, many=True).data


class ResearcherForPaperSerializer(ResearcherDetailSerializer):
    """``researchers/paper/{paper_id}``: the paper's primary researcher; ``author`` is always true
    (spec 004 ``Researcher.author``) and ``paper`` is the paper asked for."""

    author = serializers.SerializerMethodField()
    paper = serializers.SerializerMethodField()

    def get_author(self, profile) -> bool:
        return True

    def get_paper(self, profile) -> dict:
        return PaperSerializer(self.context["paper"]).data


class ResearcherListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=200, help_text="Words in name, affiliation, areas.")
    query = serializers.CharField(required=False, max_length=200, help_text="Spec 004 alias of ``search``.")
    area = serializers.CharField(required=False, max_length=60, help_text="A research area or expertise tag.")
    institution = serializers.CharField(
        required=False, max_length=200, help_text="Part of the affiliation, an OpenAlex id (I…) or a ROR URL."
    )


# --- availability and time slots --------------------------------------------------------------


class ResearcherAvailabilityQuerySerializer(serializers.Serializer):
    date = fields.DateField(required=False, help_text="A day in ``timezone`` (default: today there).")
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])


class ResearcherAvailabilityResponseSerializer(serializers.Serializer):
    """Spec 004: ``{"availability": {"2026-06-01": ["09:00-10:00", …]}}`` (free slots, wall-clock times
    in ``timezone``) plus the same slots as ``time_slots``."""

    researcher_id = serializers.IntegerField()
    timezone = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    availability = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    time_slots = serializers.ListField(child=serializers.DictField())


class ResearcherTimeSlotSerializer(serializers.Serializer):
    """Spec 004 ``TimeSlot``; ``id`` is ``<researcher_id>-<YYYYMMDDTHHMM>Z`` (usable as ``time_slot_id``)."""

    id = serializers.CharField()
    researcher_id = serializers.IntegerField()
    start_time = serializers.CharField()
    end_time = serializers.CharField()
    start_local = serializers.CharField()
    end_local = serializers.CharField()
    available = serializers.BooleanField()


class ResearcherTimeSlotsQuerySerializer(DateRangeQuerySerializer):
    researcher_id = fields.IdField()
    date = fields.DateField(required=False, help_text="One day (spec 004); or use ``from``/``to``.")
    from_date = fields.DateField(required=False, help_text="First day (query name ``from``).")
    to_date = fields.DateField(required=False, help_text="Last day, inclusive (query name ``to``).")
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])

    def validate(self, attrs):
        if attrs.get("date"):
            attrs["from_date"] = attrs["to_date"] = attrs["date"]
        return super().validate(attrs)


class ResearcherTimeSlotsResponseSerializer(serializers.Serializer):
    researcher_id = serializers.IntegerField()
    timezone = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    time_slots = ResearcherTimeSlotSerializer(many=True)


# --- sessions ---------------------------------------------------------------------------------


def session_status(booking: ConsultationBooking) -> str:
    """Spec 004 ``Session.status`` of a booking.

    ``scheduled``: the booking holds its time (``confirmed``, or ``pending_payment`` within its hold;
    ``payment_status`` tells which); ``completed``: ``completed`` or ``no_show`` (the time is past;
    ``booking_status`` tells which); ``canceled``: ``cancelled``, or a hold that expired unpaid.
    """
    if booking.status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        return "completed"
    if booking.is_active:
        return "scheduled"
    return "canceled"


class SessionSerializer(serializers.Serializer):
    """Spec 004 ``Session``: ``id`` is the booking reference; ``user_id`` the client's user id;
    ``researcher_id`` the consultant id; ``status`` per :func:`session_status`; ``booking_status``
    and ``payment_status`` the booking's own; ``accepted`` once the researcher accepted."""

    id = serializers.CharField(source="reference")
    user_id = serializers.IntegerField(source="client_user_id", allow_null=True)
    researcher_id = serializers.IntegerField(source="consultant_id")
    researcher_name = serializers.CharField(source="consultant.full_name")
    paper_id = serializers.CharField()
    paper_title = serializers.SerializerMethodField()
    questions = serializers.ListField(child=serializers.CharField())
    start_time = serializers.SerializerMethodField()
    end_time = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    status = serializers.SerializerMethodField()
    booking_status = serializers.CharField(source="status")
    payment_status = serializers.CharField()
    payment_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    payment_currency = serializers.CharField()
    hold_expires_at = serializers.SerializerMethodField()
    accepted = serializers.SerializerMethodField()
    accepted_at = serializers.SerializerMethodField()
    zoom_link = serializers.CharField(source="meeting_link")
    created_at = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    def get_paper_title(self, booking) -> str | None:
        titles = self.context.get("paper_titles")
        if titles is not None:
            return titles.get(booking.paper_id)
        if not booking.paper_id:
            return None
        from consulting.services import paper_lookup
        from magnetiq.exceptions import NotFound

        try:
            return paper_lookup(booking.paper_id).title
        except NotFound:
            return None

    def get_start_time(self, booking) -> str:
        return utc_iso(booking.start)

    def get_end_time(self, booking) -> str:
        return utc_iso(booking.end)

    def get_status(self, booking) -> str:
        return session_status(booking)

    def get_hold_expires_at(self, booking) -> str | None:
        return utc_iso(booking.hold_expires_at) if booking.status == BookingStatus.PENDING_PAYMENT else None

    def get_accepted(self, booking) -> bool:
        return booking.accepted_at is not None

    def get_accepted_at(self, booking) -> str | None:
        return utc_iso(booking.accepted_at)

    def get_created_at(self, booking) -> str:
        return utc_iso(booking.created_at)

    def get_updated_at(self, booking) -> str:
        return utc_iso(booking.updated_at)


class SessionCreateSerializer(serializers.Serializer):
    """Spec 004 "Create Session": ``researcher_id`` + ``start_time`` (+ ``end_time``, default one
    session length later), or the older ``time_slot_id`` of ``GET /time-slots``."""

    researcher_id = fields.IdField(required=False)
    start_time = fields.DateTimeField(required=False)
    end_time = fields.DateTimeField(required=False)
    time_slot_id = serializers.CharField(required=False, max_length=40)
    paper_id = serializers.CharField(required=False, allow_blank=True, max_length=255)
    questions = serializers.JSONField(required=False, help_text="A text or a list of texts.")
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")

    def validate(self, attrs):
        if attrs.get("time_slot_id"):
            from consulting.api.slots import parse_slot_id

            researcher_id, start = parse_slot_id(attrs["time_slot_id"])
            if attrs.get("researcher_id") not in (None, researcher_id):
                raise serializers.ValidationError({"time_slot_id": _("The slot belongs to another researcher.")})
            attrs["researcher_id"], attrs["start_time"] = researcher_id, start
        elif not attrs.get("researcher_id") or not attrs.get("start_time"):
            raise serializers.ValidationError(
                {"start_time": _("Give researcher_id and start_time, or a time_slot_id.")}, code="required"
            )
        return attrs


class SessionCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- outreach ---------------------------------------------------------------------------------


class OutreachCreateSerializer(serializers.Serializer):
    """Spec 004 "Create Outreach Request" (``researcher_email``, ``paper_id``) plus optional name,
    context, message and the e-mail's language."""

    researcher_email = serializers.EmailField(max_length=255)
    researcher_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    paper_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    context = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")


class OutreachSerializer(serializers.ModelSerializer):
    """Spec 004 ``OutreachRequest``: ``status`` is the state, ``user_id`` who asked for it."""

    user_id = serializers.IntegerField(source="created_by_id", allow_null=True)
    paper_id = serializers.SerializerMethodField()
    status = serializers.CharField(source="state")
    error = serializers.SerializerMethodField(help_text="Why the e-mail failed (staff only; empty for clients).")

    class Meta:
        model = OutreachRequest
        fields = [
            "id",
            "user_id",
            "researcher_email",
            "researcher_name",
            "paper_id",
            "context",
            "status",
            "invitation_sent_at",
            "token_used_at",
            "error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_error(self, outreach) -> str:
        request = self.context.get("request")
        staff = request is not None and request.user.has_perm("consulting.view_outreachrequest")
        return outreach.error if staff else ""

    def get_paper_id(self, outreach) -> str | None:
        return outreach.paper.reference if outreach.paper_id else None


class InvitationTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class RegisterResearcherSerializer(serializers.Serializer):
    """Spec 004 "Register Researcher" plus ``password`` (the new login), ``affiliation`` and
    ``timezone``. ``email`` is optional; when given it must be the invited address."""

    token = serializers.CharField(max_length=1000)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    bio = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    expertise = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, validators=[validate_string_list]
    )
    achievements = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=50
    )
    availability = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=11)), required=False, default=dict
    )
    rate = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True, min_value=0)
    affiliation = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])


class RegisteredResearcherSerializer(ResearcherDetailSerializer):
    """The new researcher (their own e-mail and user id included) and the consultant's status."""

    email = serializers.EmailField(source="consultant.email")
    user_id = serializers.IntegerField(source="consultant.user_id")
    status = serializers.CharField(source="consultant.status")


# --- collection -------------------------------------------------------------------------------


class CollectByAuthorSerializer(serializers.Serializer):
    """Spec 004 "Collect Researcher Data": ``name`` or ``orcid`` or ``openalex_id``; ``affiliation``
    prefers authors last seen there; ``limit`` how many name matches to keep (default 1, ≤ 25).
    ``paper_title``, ``position``, ``email`` and ``run_in_background`` are accepted and kept on the
    job (collection always runs in the background)."""

    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    orcid = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    openalex_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    affiliation = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    paper_title = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    position = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(required=False, default=1, min_value=1, max_value=25)
    run_in_background = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        from consulting.openalex_gateway import bare_orcid, short_id

        if attrs["openalex_id"]:
            if not short_id(attrs["openalex_id"], "A"):
                raise serializers.ValidationError({"openalex_id": _("Use an OpenAlex author id such as A5023888391.")})
            attrs["query"] = short_id(attrs["openalex_id"], "A")
        elif attrs["orcid"]:
            if not bare_orcid(attrs["orcid"]):
                raise serializers.ValidationError({"orcid": _("Use an ORCID iD such as 0000-0002-1825-0097.")})
            attrs["query"] = bare_orcid(attrs["orcid"])
        elif attrs["name"].strip():
            attrs["query"] = attrs["name"].strip()
        else:
            raise serializers.ValidationError({"name": _("Give a name, an ORCID iD or an OpenAlex author id.")})
        return attrs


class CollectByInstitutionSerializer(serializers.Serializer):
    """Spec 004 "Collect Researchers by Institution": ``institution`` is a name, an OpenAlex id
    (``I…``) or a ROR URL; ``limit`` (default 10, ≤ 50) researchers, most cited first."""

    institution = serializers.CharField(max_length=300)
    position = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=50)


class CollectionJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    query = serializers.CharField()
    params = serializers.DictField()
    status = serializers.CharField()
    researchers_found = serializers.IntegerField()
    researchers_created = serializers.IntegerField()
    researchers_updated = serializers.IntegerField()
    papers_saved = serializers.IntegerField()
    researcher_ids = serializers.SerializerMethodField(help_text="Consultant ids of the researchers collected.")
    error = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_researcher_ids(self, job) -> list[int]:
        return sorted(job.researchers.values_list("consultant_id", flat=True))
