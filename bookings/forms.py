"""Forms of the booking pages: the slot picker (step 1, GET), the visitor's details (step 2, POST)
and the cancellation (POST).

Labels follow the page language (``language="en"|"de"``). The picker never raises: invalid values
are shown as field errors and the view falls back to defaults (``SlotPickerForm.choice``).
"""

from datetime import UTC, date, datetime

from django import forms

from magnetiq.timezones import selectable_timezones

from .availability import MAX_DURATION, MIN_DURATION
from .models import BookingType
from .services import MAX_MESSAGE_CHARS, MAX_QUESTION_CHARS, MAX_QUESTIONS

#: Durations offered for strategy, audit and custom sessions (spec 000 ``BookingRequest``: 15–240).
DURATIONS = list(range(MIN_DURATION, MAX_DURATION + 1, 15))
DEFAULT_DURATION = 60

TYPE_LABELS = {
    "en": {
        BookingType.THIRTY_FOR_THIRTY: "30-for-30 consultation",
        BookingType.STRATEGY: "Strategy session",
        BookingType.AUDIT: "Audit",
        BookingType.CUSTOM: "Custom session",
    },
    "de": {
        BookingType.THIRTY_FOR_THIRTY: "30-für-30-Beratung",
        BookingType.STRATEGY: "Strategiegespräch",
        BookingType.AUDIT: "Audit",
        BookingType.CUSTOM: "Individuelle Sitzung",
    },
}

FIELD_LABELS = {
    "en": {
        "type": "Type",
        "duration": "Duration (other types)",
        "minutes": "minutes",
        "date": "Day",
        "tz": "Your time zone",
        "name": "Name",
        "email": "E-mail",
        "phone": "Phone",
        "company": "Company",
        "message": "What would you like to talk about?",
        "questions": "Questions (one per line)",
        "reason": "Reason (optional)",
        "bad_start": "Please pick a time from the list.",
        "too_many_questions": f"At most {MAX_QUESTIONS} questions.",
        "question_too_long": f"A question has at most {MAX_QUESTION_CHARS} characters.",
    },
    "de": {
        "type": "Art",
        "duration": "Dauer (andere Arten)",
        "minutes": "Minuten",
        "date": "Tag",
        "tz": "Ihre Zeitzone",
        "name": "Name",
        "email": "E-Mail",
        "phone": "Telefon",
        "company": "Firma",
        "message": "Worüber möchten Sie sprechen?",
        "questions": "Fragen (eine pro Zeile)",
        "reason": "Grund (optional)",
        "bad_start": "Bitte wählen Sie eine Uhrzeit aus der Liste.",
        "too_many_questions": f"Höchstens {MAX_QUESTIONS} Fragen.",
        "question_too_long": f"Eine Frage hat höchstens {MAX_QUESTION_CHARS} Zeichen.",
    },
}


def offered_types(consultant) -> list[str]:
    """The booking types this consultant can be booked for: 30-for-30 always, then the others they
    list in ``consultation_types`` (unknown names are ignored), in the order of :class:`BookingType`."""
    listed = set(consultant.consultation_types or [])
    return [BookingType.THIRTY_FOR_THIRTY] + [
        value for value in BookingType.values if value != BookingType.THIRTY_FOR_THIRTY and value in listed
    ]


def type_choices(types: list[str], language: str) -> list[tuple[str, str]]:
    labels = TYPE_LABELS.get(language, TYPE_LABELS["en"])
    return [(value, labels[value]) for value in types]


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


class _Localised:
    def _label(self, language: str) -> dict:
        labels = FIELD_LABELS.get(language, FIELD_LABELS["en"])
        for name, field in self.fields.items():
            if name in labels:
                field.label = labels[name]
        return labels


class SlotPickerForm(_Localised, forms.Form):
    """Step 1 (query string): ``type``, ``duration`` (minutes, other types only), ``date`` (a day in
    the visitor's zone, ``YYYY-MM-DD``) and ``tz`` (an IANA zone)."""

    type = forms.ChoiceField(required=False)
    duration = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    tz = forms.ChoiceField(required=False)

    def __init__(self, *args, types: list[str], language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        labels = self._label(language)
        self.fields["type"].choices = type_choices(types, language)
        self.fields["duration"].choices = [(m, f"{m} {labels['minutes']}") for m in DURATIONS]
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


class BookingDetailsForm(_Localised, forms.Form):
    """Step 2 (POST): the chosen slot (hidden: ``type``, ``duration``, ``tz``, ``start``) and the
    visitor's details. ``questions`` arrive one per line and are cleaned to a list of texts."""

    type = forms.ChoiceField(widget=forms.HiddenInput)
    duration = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.HiddenInput)
    tz = forms.ChoiceField(widget=forms.HiddenInput)
    start = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=255)
    phone = forms.CharField(max_length=20, required=False)
    company = forms.CharField(max_length=200, required=False)
    message = forms.CharField(max_length=MAX_MESSAGE_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    questions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, types: list[str], language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = self._label(language)
        self.fields["type"].choices = type_choices(types, language)
        self.fields["duration"].choices = [(m, m) for m in DURATIONS]
        self.fields["tz"].choices = [(name, name) for name in selectable_timezones()]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"

    def clean_start(self) -> datetime:
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(self.labels["bad_start"])
        return start

    def clean_questions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]
        if len(lines) > MAX_QUESTIONS:
            raise forms.ValidationError(self.labels["too_many_questions"])
        if any(len(line) > MAX_QUESTION_CHARS for line in lines):
            raise forms.ValidationError(self.labels["question_too_long"])
        return lines

    def clean(self):
        data = super().clean()
        if data.get("type") == BookingType.THIRTY_FOR_THIRTY:
            data["duration"] = None
        elif data.get("type") and not data.get("duration"):
            data["duration"] = DEFAULT_DURATION
        return data


class CancelForm(_Localised, forms.Form):
    """The cancellation step: an optional reason."""

    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self._label(language)


def day_or_none(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query value as a date, else ``None``."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
