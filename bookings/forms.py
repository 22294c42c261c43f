"""Forms of the booking pages: the slot picker (step 1, GET), the visitor's details (step 2, POST)
and the cancellation (POST).

Labels and messages follow the active language (the page's). The picker never raises: invalid
values are shown as field errors and the view falls back to defaults (``SlotPickerForm.choice``).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultants.models import Consultant
from magnetiq.timezones import selectable_timezones

from .availability import MAX_DURATION, MIN_DURATION
from .models import BookingType
from .services import MAX_MESSAGE_CHARS, MAX_QUESTION_CHARS, MAX_QUESTIONS

#: Durations offered for strategy, audit and custom sessions (spec 000 ``BookingRequest``: 15–240).
DURATIONS = list(range(MIN_DURATION, MAX_DURATION + 1, 15))
DEFAULT_DURATION = 60

#: The visitor-facing name of each booking type (the model's labels are the API's).
TYPE_LABELS = {
    BookingType.THIRTY_FOR_THIRTY: _("30-for-30 consultation"),
    BookingType.STRATEGY: _("Strategy session"),
    BookingType.AUDIT: _("Audit"),
    BookingType.CUSTOM: _("Custom session"),
}


def offered_types(consultant) -> list[str]:
    """The booking types this consultant can be booked for: 30-for-30 always, then the others they
    list in ``consultation_types`` (unknown names are ignored), in the order of :class:`BookingType`."""
    listed = set(consultant.consultation_types or [])
    return [BookingType.THIRTY_FOR_THIRTY] + [
        value for value in BookingType.values if value != BookingType.THIRTY_FOR_THIRTY and value in listed
    ]


def type_choices(types: list[str]) -> list[tuple[str, str]]:
    return [(value, TYPE_LABELS[value]) for value in types]


def minutes_label(minutes: int) -> str:
    """``60 minutes`` (German ``60 Minuten``)."""
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


def parse_start(value: str | None) -> datetime | None:
    """An aware UTC datetime from a slot value (``2026-06-03T08:00Z``), else ``None``."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def slot_value(start: datetime) -> str:
    """The form value of a slot: its UTC start, ``YYYY-MM-DDTHH:MMZ``."""
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class SlotPickerForm(forms.Form):
    """Step 1 (query string): ``type``, ``duration`` (minutes, other types only), ``date`` (a day in
    the visitor's zone, ``YYYY-MM-DD``) and ``tz`` (an IANA zone)."""

    type = forms.ChoiceField(label=_("Type"), required=False)
    duration = forms.TypedChoiceField(label=_("Duration"), coerce=int, required=False, empty_value=None)
    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    tz = forms.ChoiceField(label=_("Your time zone"), required=False)

    def __init__(self, *args, types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = type_choices(types)
        self.fields["duration"].choices = [(m, minutes_label(m)) for m in DURATIONS]
        self.fields["tz"].choices = [(name, name.replace("_", " ")) for name in selectable_timezones()]
        self.types = types

    def choice(self, *, default_zone: str) -> dict:
        """The valid values with defaults: ``{"type", "duration" (None for 30-for-30), "date" (or
        None), "tz"}``; invalid values are ignored (their errors stay on the form)."""
        data = {}
        if self.is_bound:
            self.is_valid()  # fields with errors are left out of cleaned_data
            data = self.cleaned_data
        booking_type = data.get("type") or BookingType.THIRTY_FOR_THIRTY
        duration = None
        if booking_type != BookingType.THIRTY_FOR_THIRTY:
            duration = data.get("duration") or DEFAULT_DURATION
        return {
            "type": booking_type,
            "duration": duration,
            "date": data.get("date"),
            "tz": data.get("tz") or default_zone,
        }


class BookingDetailsForm(forms.Form):
    """Step 2 (POST): the chosen slot (hidden: ``type``, ``duration``, ``tz``, ``start``) and the
    visitor's details. ``questions`` arrive one per line and are cleaned to a list of texts."""

    type = forms.ChoiceField(widget=forms.HiddenInput)
    duration = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.HiddenInput)
    tz = forms.ChoiceField(widget=forms.HiddenInput)
    start = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=255)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    message = forms.CharField(
        label=_("What would you like to talk about?"),
        max_length=MAX_MESSAGE_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    questions = forms.CharField(
        label=_("Questions (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    coupon_code = forms.CharField(label=_("Discount code"), max_length=50, required=False)

    def __init__(self, *args, types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = type_choices(types)
        self.fields["duration"].choices = [(m, m) for m in DURATIONS]
        self.fields["tz"].choices = [(name, name) for name in selectable_timezones()]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"

    def clean_start(self) -> datetime:
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(_("Please pick a time from the list."), code="invalid")
        return start

    def clean_questions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]
        if len(lines) > MAX_QUESTIONS:
            raise forms.ValidationError(
                ngettext("At most %(limit)s question.", "At most %(limit)s questions.", MAX_QUESTIONS),
                code="max_questions",
                params={"limit": MAX_QUESTIONS},
            )
        if any(len(line) > MAX_QUESTION_CHARS for line in lines):
            raise forms.ValidationError(
                ngettext(
                    "A question has at most %(limit)s character.",
                    "A question has at most %(limit)s characters.",
                    MAX_QUESTION_CHARS,
                ),
                code="max_length",
                params={"limit": MAX_QUESTION_CHARS},
            )
        return lines

    def clean(self):
        data = super().clean()
        if data.get("type") == BookingType.THIRTY_FOR_THIRTY:
            data["duration"] = None
        elif data.get("type") and not data.get("duration"):
            data["duration"] = DEFAULT_DURATION
        return data


class CancelForm(forms.Form):
    """The cancellation step: an optional reason."""

    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def day_or_none(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query value as a date, else ``None``."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class BookForClientForm(forms.Form):
    """The admin's "Book for a client" (a phone booking): the session, its time in the client's zone,
    and the client. The time is checked by the same services as the booking page, under the lock; a
    taken or closed time comes back as an error of ``start_time`` (:meth:`error_field`)."""

    consultant = forms.ModelChoiceField(queryset=None, label=_("Consultant"))
    booking_type = forms.ChoiceField(label=_("Type"), choices=list(TYPE_LABELS.items()))
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"),
        choices=[("", _("Standard for the type"))] + [(m, minutes_label(m)) for m in DURATIONS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    timezone = forms.ChoiceField(label=_("The client's time zone"), initial="Europe/Berlin")
    client_name = forms.CharField(label=_("Name"), max_length=200)
    client_email = forms.EmailField(label=_("E-mail"), max_length=255)
    client_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    client_company = forms.CharField(label=_("Company"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language of the e-mails"))
    client_message = forms.CharField(
        label=_("What the client wants to discuss"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_MESSAGE_CHARS,
    )

    #: Service error fields → the form field that shows them.
    ERROR_FIELDS = {
        "scheduled_date": "start_time",
        "visitor_timezone": "timezone",
        "duration_minutes": "duration_minutes",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = Consultant.objects.public().order_by("last_name", "first_name")
        self.fields["timezone"].choices = [(zone, zone) for zone in selectable_timezones()]
        self.fields["language"].choices = list(settings.LANGUAGES)

    def clean(self):
        data = super().clean()
        day, clock, zone = data.get("start_date"), data.get("start_time"), data.get("timezone")
        if day and clock and zone:
            data["start"] = datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        return data

    def booking_arguments(self) -> dict:
        """The keyword arguments of ``bookings.services.booking_create_for_client`` (without ``staff``)."""
        data = self.cleaned_data
        return {
            "consultant": data["consultant"],
            "start": data["start"],
            "booking_type": data["booking_type"],
            "duration_minutes": data["duration_minutes"],
            "visitor_timezone": data["timezone"],
            "language": data["language"],
            "client_name": data["client_name"],
            "client_email": data["client_email"],
            "client_phone": data["client_phone"],
            "client_company": data["client_company"],
            "client_message": data["client_message"] or None,
        }

    def error_field(self, field: str | None) -> str | None:
        """The form field for a service error's ``field`` (``None``: the form as a whole)."""
        field = self.ERROR_FIELDS.get(field or "", field)
        return field if field in self.fields else None
