"""The researcher's registration form (the page behind the invitation link)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from content.admin_widgets import CommaSeparatedListField
from magnetiq.timezones import is_known_timezone


class ResearcherRegistrationForm(forms.Form):
    """The fields of ``consulting.services.researcher_register`` a person types: name, a password
    (twice), affiliation, a short bio, expertise, time zone and an optional hourly rate."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)
    name = forms.CharField(label=_("Your name"), max_length=200)
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    affiliation = forms.CharField(label=_("Affiliation"), required=False, max_length=255)
    bio = forms.CharField(
        label=_("About you"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    expertise = CommaSeparatedListField(label=_("Expertise"), help_text=_("Separate areas with commas."))
    timezone = forms.CharField(label=_("Time zone"), max_length=50, initial="Europe/Berlin")
    rate = forms.DecimalField(
        label=_("Hourly rate (optional)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )

    def clean_timezone(self):
        zone = self.cleaned_data["timezone"].strip()
        if not is_known_timezone(zone):
            raise forms.ValidationError(_("Choose a time zone such as Europe/Berlin."))
        return zone

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password_again")
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned
