"""Input and output serializers of the booking API, one per action: each says exactly what it takes.

Times leave in UTC (``…Z``) and, for visitors, also in the visitor's zone with its offset
(``start_local``). Public outputs never carry the sequential id, only the unguessable ``reference``.
"""

import zoneinfo
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.access import BookingAccess
from bookings.models import (
    BookingLanguage,
    BookingStatus,
    BookingType,
    CancelledBy,
    ConsultationBooking,
    MeetingPlatform,
)
from bookings.services import booking_can_change
from bookings.tokens import manage_token
from magnetiq.api import fields
from magnetiq.timezones import is_known_timezone


def known_zone(value: str) -> str:
    """Field validator: ``value`` is an IANA zone name (``Europe/Berlin``)."""
    if not is_known_timezone(value):
        raise serializers.ValidationError(_("Unknown time zone; use an IANA name like Europe/Berlin."))
    return value


class AwareDateTimeField(fields.DateTimeField):
    """An ISO 8601 time that must carry its offset (``Z`` or ``+02:00``): a bare wall-clock time
    is ambiguous between the visitor's and the consultant's zone, so it is refused (422)."""

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            self.fail("naive")
        return super().enforce_timezone(value)

    default_error_messages = {"naive": "Give the time with a UTC offset or Z."}


def local_iso(moment, zone: str) -> str:
    """``moment`` in ``zone`` as ISO 8601 with its offset (``2026-03-29T09:00:00+02:00``)."""
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def utc_iso(moment) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


# --- availability -----------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    date = fields.DateField(help_text="YYYY-MM-DD, a day in ``timezone``.")
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])
    booking_type = serializers.ChoiceField(choices=BookingType.choices, default=BookingType.THIRTY_FOR_THIRTY)
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=240)


class AvailabilityByConsultantQuerySerializer(AvailabilityQuerySerializer):
    """Query of ``GET /public/availability`` (spec 001 "Booking API"): the day query of
    :class:`AvailabilityQuerySerializer` with the consultant named by ``consultant_id`` instead of the path.
    A malformed id is a 422 like any other bad field; an unknown consultant is the view's 404."""

    consultant_id = fields.IdField()


class DateRangeQuerySerializer(serializers.Serializer):
    """A query of days from ``from`` to ``to`` (inclusive; the public names, read into ``from_date``
    and ``to_date`` because ``from`` is a Python keyword): ``to`` must not be before ``from`` and
    the range spans at most :attr:`MAX_DAYS` days (422 on ``to`` otherwise). Subclasses declare the
    two fields with their defaults and help texts."""

    MAX_DAYS = 31

    def to_internal_value(self, data):
        data = {
            **{k: v for k, v in data.items()},
            **({"from_date": data["from"]} if "from" in data else {}),
            **({"to_date": data["to"]} if "to" in data else {}),
        }
        return super().to_internal_value(data)

    def validate(self, attrs):
        start, end = attrs.get("from_date"), attrs.get("to_date")
        if start and end:
            if end < start:
                raise serializers.ValidationError({"to": _("Must not be before from.")})
            if (end - start).days >= self.MAX_DAYS:
                raise serializers.ValidationError(
                    {"to": _("At most %(days)s days per request.") % {"days": self.MAX_DAYS}}
                )
        return attrs


class TimeSlotsQuerySerializer(DateRangeQuerySerializer):
    from_date = fields.DateField(required=False, help_text="First day (default: today in ``timezone``).")
    to_date = fields.DateField(required=False, help_text="Last day, inclusive (default: from + 6 days).")
    timezone = serializers.CharField(default="UTC", max_length=50, validators=[known_zone])
    booking_type = serializers.ChoiceField(choices=BookingType.choices, default=BookingType.THIRTY_FOR_THIRTY)
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=240)


class TimeSlotSerializer(serializers.Serializer):
    """Spec 000 ``TimeSlot`` plus the start and end in the visitor's zone."""

    start_time = serializers.CharField(help_text="UTC, ISO 8601 with Z.")
    end_time = serializers.CharField()
    start_local = serializers.CharField(help_text="In the requested time zone, with its offset.")
    end_local = serializers.CharField()
    is_available = serializers.BooleanField()
    booking_id = serializers.IntegerField(
        allow_null=True, help_text="Always null on public endpoints (booking ids are not public)."
    )


class AvailabilityResponseSerializer(serializers.Serializer):
    """Spec 000 ``AvailabilityResponse``."""

    consultant_id = serializers.IntegerField()
    date = serializers.CharField()
    timezone = serializers.CharField()
    booking_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    time_slots = TimeSlotSerializer(many=True)


class DaySlotsSerializer(serializers.Serializer):
    date = serializers.CharField()
    time_slots = TimeSlotSerializer(many=True)


class TimeSlotsResponseSerializer(serializers.Serializer):
    consultant_id = serializers.IntegerField()
    timezone = serializers.CharField()
    booking_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    days = DaySlotsSerializer(many=True)


def slot_data(state, zone: str) -> dict:
    return {
        "start_time": utc_iso(state.slot.start),
        "end_time": utc_iso(state.slot.end),
        "start_local": local_iso(state.slot.start, zone),
        "end_local": local_iso(state.slot.end, zone),
        "is_available": state.available,
        "booking_id": None,
    }


class CalendarSyncResponseSerializer(serializers.Serializer):
    feed_url = serializers.URLField()
    webcal_url = serializers.CharField()


# --- booking input ----------------------------------------------------------------------------


class BookingRequestSerializer(serializers.Serializer):
    """Spec 000 ``BookingRequest`` (``consultant_id`` comes from the path and is optional here)."""

    consultant_id = fields.IdField(required=False)
    booking_type = serializers.ChoiceField(choices=BookingType.choices, default=BookingType.THIRTY_FOR_THIRTY)
    scheduled_date = AwareDateTimeField(help_text="Start, ISO 8601 with offset or Z.")
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=240)
    timezone = serializers.CharField(max_length=50, validators=[known_zone], help_text="The visitor's zone.")
    client_name = serializers.CharField(max_length=200)
    client_email = serializers.EmailField(max_length=255)
    client_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    client_company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    client_message = serializers.JSONField(
        required=False, allow_null=True, help_text="Plain text, Portable Text blocks, or {en: blocks}."
    )
    questions = serializers.ListField(
        child=serializers.CharField(max_length=1000), required=False, max_length=20, default=list
    )
    meeting_platform = serializers.ChoiceField(choices=MeetingPlatform.choices, default=MeetingPlatform.MANUAL)
    language = serializers.ChoiceField(choices=BookingLanguage.choices, default="en")
    coupon_code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="A discount code (optional)."
    )


class ClientDetailsSerializer(serializers.Serializer):
    """The visitor who books, as the nested ``client`` object of spec 001 "Booking API": ``first_name``
    and ``email`` required; ``last_name``, ``phone`` and ``company`` optional (blank by default)."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=255)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


#: Spec 001 ``meeting_type`` → our platform: a "video" call is the consultant's own room.
MEETING_TYPES = {
    "video": MeetingPlatform.MANUAL,
    "phone": MeetingPlatform.PHONE,
    "zoom": MeetingPlatform.ZOOM,
    "teams": MeetingPlatform.TEAMS,
    "meet": MeetingPlatform.MEET,
}


class BookingCreateSerializer(serializers.Serializer):
    """Body of ``POST /public/bookings`` (spec 001 "Booking API"): ``consultant_id``, ``datetime`` (aware,
    ISO 8601), ``duration`` in minutes (15–240, default 30), ``timezone``, the visitor as ``client``,
    ``meeting_type`` (``video`` — the consultant's own room —, ``phone``, ``zoom``, ``teams`` or ``meet``),
    ``message``, ``questions`` and ``language``. Without ``booking_type``, 30 minutes is a 30-for-30 and any other
    length a custom booking."""

    consultant_id = fields.IdField()
    datetime = AwareDateTimeField(help_text="Start, ISO 8601 with offset or Z.")
    duration = serializers.IntegerField(required=False, min_value=15, max_value=240, default=30)
    booking_type = serializers.ChoiceField(choices=BookingType.choices, required=False)
    timezone = serializers.CharField(max_length=50, default="UTC", validators=[known_zone])
    client = ClientDetailsSerializer()
    meeting_type = serializers.ChoiceField(choices=sorted(MEETING_TYPES), default="video")
    message = serializers.JSONField(required=False, allow_null=True)
    questions = serializers.ListField(
        child=serializers.CharField(max_length=1000), required=False, max_length=20, default=list
    )
    language = serializers.ChoiceField(choices=BookingLanguage.choices, default="en")
    coupon_code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="A discount code (optional)."
    )

    def validate(self, attrs):
        if "booking_type" not in attrs:
            attrs["booking_type"] = BookingType.THIRTY_FOR_THIRTY if attrs["duration"] == 30 else BookingType.CUSTOM
        return attrs


class TokenInputSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, allow_blank=True, max_length=200)


class RescheduleInputSerializer(TokenInputSerializer):
    scheduled_date = AwareDateTimeField(help_text="New start, ISO 8601 with offset or Z.")


class CancelInputSerializer(TokenInputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# --- booking output ---------------------------------------------------------------------------


class PublicBookingSerializer(serializers.ModelSerializer):
    """What a visitor sees of their booking (spec 000 ``BookingResponse`` without the id)."""

    consultant_id = serializers.IntegerField(read_only=True)
    consultant_name = serializers.CharField(source="consultant.full_name", read_only=True)
    scheduled_date = serializers.SerializerMethodField(help_text="Start in UTC.")
    end_time = serializers.SerializerMethodField(help_text="End in UTC.")
    meeting_link = serializers.CharField(
        read_only=True, help_text="The meeting's join address (a URL); empty until the meeting exists."
    )
    start_local = serializers.SerializerMethodField(help_text="Start in the visitor's zone, with offset.")
    end_local = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField(help_text="Whether the caller may still cancel/reschedule.")

    class Meta:
        model = ConsultationBooking
        fields = [
            "reference",
            "consultant_id",
            "consultant_name",
            "booking_type",
            "status",
            "scheduled_date",
            "end_time",
            "start_local",
            "end_local",
            "duration_minutes",
            "timezone",
            "language",
            "client_name",
            "client_email",
            "client_company",
            "questions",
            "payment_amount",
            "payment_currency",
            "payment_status",
            "hold_expires_at",
            "meeting_link",
            "meeting_platform",
            "cancelled_at",
            "can_change",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_scheduled_date(self, obj) -> str:
        return utc_iso(obj.start)

    def get_end_time(self, obj) -> str:
        return utc_iso(obj.end)

    def get_start_local(self, obj) -> str:
        return local_iso(obj.start, obj.timezone)

    def get_end_local(self, obj) -> str:
        return local_iso(obj.end, obj.timezone)

    def get_can_change(self, obj) -> bool:
        # ``access`` (bookings.access) is given where a reader may be the caller: a reader may not.
        access = self.context.get("access")
        if access is not None and access < BookingAccess.CHANGE:
            return False
        request = self.context.get("request")
        return booking_can_change(obj, actor=getattr(request, "user", None))


class PublicBookingWithTokenSerializer(PublicBookingSerializer):
    """Returned by create and reschedule: the manage token for the booking's current time."""

    manage_token = serializers.SerializerMethodField(help_text="Pass as ?token= to view or change the booking.")

    class Meta(PublicBookingSerializer.Meta):
        fields = [*PublicBookingSerializer.Meta.fields, "manage_token"]
        read_only_fields = fields

    def get_manage_token(self, obj) -> str:
        return manage_token(obj)


class StaffBookingSerializer(serializers.ModelSerializer):
    """Everything staff see of a booking."""

    consultant_name = serializers.CharField(source="consultant.full_name", read_only=True)
    start_local = serializers.SerializerMethodField()
    meeting_link = serializers.CharField(
        read_only=True, help_text="The meeting's join address (a URL); empty until the meeting exists."
    )
    cancelled_by = serializers.ChoiceField(
        choices=CancelledBy.choices,
        allow_blank=True,
        read_only=True,
        help_text="Who cancelled; empty unless cancelled.",
    )

    class Meta:
        model = ConsultationBooking
        fields = [
            "id",
            "reference",
            "consultant",
            "consultant_name",
            "client_user",
            "booking_type",
            "status",
            "start",
            "end",
            "start_local",
            "duration_minutes",
            "timezone",
            "language",
            "client_name",
            "client_email",
            "client_phone",
            "client_company",
            "client_message",
            "questions",
            "paper_id",
            "payment_amount",
            "payment_currency",
            "payment_status",
            "payment_intent_id",
            "meeting_link",
            "meeting_platform",
            "hold_expires_at",
            "sequence",
            "reschedule_count",
            "confirmed_at",
            "attendance_confirmed_at",
            "completed_at",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "confirmation_sent_at",
            "reminder_24h_sent_at",
            "reminder_1h_sent_at",
            "follow_up_sent_at",
            "client_rating",
            "client_feedback",
            "consultant_notes",
            "created_by_staff",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_start_local(self, obj) -> str:
        return local_iso(obj.start, obj.timezone)


class StaffStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (s, label) for s, label in BookingStatus.choices if s in ("confirmed", "cancelled", "completed", "no_show")
        ]
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class StaffBookingCreateSerializer(BookingRequestSerializer):
    """Body of ``POST /business/bookings`` (spec 000/002 "Create booking"): spec 000 ``BookingRequest``
    with ``consultant_id`` required. Staff book for the client (a phone booking): a priced session is
    held and the client is e-mailed a payment link; a free one is confirmed at once."""

    consultant_id = fields.IdField()


class StaffBookingUpdateSerializer(serializers.Serializer):
    """Body of ``PUT /business/bookings/{id}``: ``scheduled_date`` moves the booking (the same slot
    rules as the client's reschedule, without the 24 h limit), ``status`` (``confirmed``,
    ``cancelled``, ``completed``, ``no_show``) changes its status with ``reason``; both may be given
    (the move first). At least one of them."""

    scheduled_date = AwareDateTimeField(required=False, help_text="New start, ISO 8601 with offset or Z.")
    status = serializers.ChoiceField(choices=StaffStatusInputSerializer().fields["status"].choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, attrs):
        if "scheduled_date" not in attrs and "status" not in attrs:
            raise serializers.ValidationError(
                {"scheduled_date": [_("Give a new scheduled_date, a status, or both.")]}, code="required"
            )
        return attrs


class MessageHtmlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    html = serializers.CharField()


class WeeklyScheduleSerializer(serializers.Serializer):
    """A consultant's weekly schedule in their own zone (spec 004 ``availability`` shape)."""

    consultant_id = serializers.IntegerField(read_only=True)
    timezone = serializers.CharField(read_only=True)
    schedule = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=11)),
        help_text='{"monday": ["09:00-12:00", "13:00-17:00"], …}; missing days are off.',
    )
