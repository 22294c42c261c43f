"""Forms of the account pages. They only read input; every write is an owning app's service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import OverrideKind
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
