"""Forms of the account pages. They only read input; every write is an owning app's service."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import OverrideKind
from consultants.validators import PHOTO_FORMATS, PHOTO_MIN_SIDE
from content.admin_widgets import CommaSeparatedListField, PortableTextMarkdownField, StoredValuesFormMixin
from magnetiq.timezones import is_known_timezone

#: The weekdays of the schedule form: (field name, label); the names are the keys
#: ``bookings.services.availability_set_weekly`` takes.
WEEKDAYS = (
    ("monday", _("Monday")),
    ("tuesday", _("Tuesday")),
    ("wednesday", _("Wednesday")),
    ("thursday", _("Thursday")),
    ("friday", _("Friday")),
    ("saturday", _("Saturday")),
    ("sunday", _("Sunday")),
)


class ConsentWithdrawForm(forms.Form):
    """Withdraw the marketing consent of one of the account's leads."""

    lead = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput, max_length=20)


class AccountDeleteForm(forms.Form):
    """The confirmation step of deleting the account and its data."""

    confirm = forms.BooleanField(
        label=_("I understand that my account and personal data are deleted and cannot be restored."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )


class WeeklyScheduleForm(forms.Form):
    """One line per weekday: ``09:00-12:00, 13:00-17:00`` (empty: no hours that day). The cleaned
    data is the ``{"monday": ["09:00-12:00", …], …}`` shape of ``availability_set_weekly``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in WEEKDAYS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=_("For example 09:00-12:00, 13:00-17:00; empty for a day without hours."),
            )

    @staticmethod
    def initial_from(schedule: dict[str, list[str]]) -> dict[str, str]:
        """The form's initial values from ``availability_weekly``'s shape."""
        return {day: ", ".join(ranges) for day, ranges in schedule.items()}

    def schedule(self) -> dict[str, list[str]]:
        """The submitted schedule (call after ``is_valid``)."""
        return {
            name: [part.strip() for part in (self.cleaned_data.get(name) or "").split(",") if part.strip()]
            for name, _label in WEEKDAYS
        }


class OverrideForm(forms.Form):
    """A day off (whole day or a window) or extra hours on one date, in the consultant's zone."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(OverrideKind.UNAVAILABLE, _("Not available")), (OverrideKind.EXTRA, _("Extra hours"))],
        initial=OverrideKind.UNAVAILABLE,
    )
    start_time = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ProfileForm(StoredValuesFormMixin, forms.Form):
    """The fields of ``consultants.services.profiles.CONSULTANT_SELF_EDITABLE_FIELDS``; the bio is
    written in Markdown, one box per language, and stored as Portable Text."""

    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    bio = PortableTextMarkdownField(label=_("Bio"), required=False)
    expertise_areas = CommaSeparatedListField(label=_("Expertise"), help_text=_("Separate areas with commas."))
    languages = CommaSeparatedListField(
        label=_("Languages you speak"), help_text=_("Language codes separated by commas, e.g. en, de.")
    )
    years_experience = forms.IntegerField(label=_("Years of experience"), required=False, min_value=0, max_value=50)
    linkedin_url = forms.URLField(label=_("LinkedIn profile"), required=False, max_length=500, assume_scheme="https")
    timezone = forms.CharField(
        label=_("Time zone"), max_length=50, help_text=_("Your schedule's zone, e.g. Europe/Berlin.")
    )

    def clean_timezone(self):
        zone = self.cleaned_data["timezone"].strip()
        if not is_known_timezone(zone):
            raise forms.ValidationError(_("Choose a time zone such as Europe/Berlin."))
        return zone

    def clean(self):
        cleaned = super().clean()
        if "bio" in cleaned and cleaned["bio"] is None:
            cleaned["bio"] = {}
        return cleaned


class PhotoForm(forms.Form):
    """A new profile photo, or the removal of the current one; either, not both.

    Only reads the upload: what a photo must be (formats, size, pixels) is checked by
    ``consultants.photos.consultant_photo_set`` (``consultants.validators.validate_photo``), whose
    ``ValidationError`` the view puts on the ``photo`` field. ``accept`` only narrows the browser's
    file picker. The help text states that rule from the same constants.
    """

    photo = forms.FileField(
        label=_("New photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(f"image/{name.lower()}" for name in PHOTO_FORMATS)}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = settings.CONSULTANT_PHOTO_MAX_BYTES / 1_048_576
        self.fields["photo"].help_text = gettext(
            "JPEG, PNG or WebP, at least %(min)s × %(min)s pixels, at most %(limit)s MB; shown cut to a square."
        ) % {"min": PHOTO_MIN_SIDE, "limit": number_format(megabytes, decimal_pos=0 if megabytes.is_integer() else 1)}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("photo") and cleaned.get("remove_photo"):
            raise forms.ValidationError(_("Choose a new photo or remove the current one, not both."))
        return cleaned

    def change(self):
        """What to do (after ``is_valid``): ``None`` (keep the photo), ``False`` (remove it) or the
        uploaded file — the ``photo`` argument of ``consultant_photo_set``."""
        if self.cleaned_data.get("remove_photo"):
            return False
        return self.cleaned_data.get("photo") or None
