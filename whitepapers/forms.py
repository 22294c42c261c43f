"""Forms of the whitepaper pages: catalogue filters and the landing page's lead form.

Labels are lazy translations, rendered in the language the request activated.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
EVERYTHING = pgettext_lazy("whitepaper filter", "All")


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    category = forms.ChoiceField(required=False, label=_("Category"))
    tag = forms.ChoiceField(required=False, label=_("Tag"))

    def __init__(self, *args, categories=(), tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", EVERYTHING)] + [(c["name"], c["name"]) for c in categories]
        self.fields["tag"].choices = [("", EVERYTHING)] + [(t["name"], t["name"]) for t in tags]


class LeadForm(forms.Form):
    """The lead form. ``website_url`` is a honeypot, hidden from people by CSS and ``aria-hidden``."""

    first_name = forms.CharField(max_length=100, label=_("First name"))
    last_name = forms.CharField(max_length=100, required=False, label=_("Last name"))
    email = forms.EmailField(max_length=254, label=_("E-mail"))
    company = forms.CharField(max_length=200, required=False, label=_("Company"))
    website = forms.CharField(max_length=200, required=False, label=_("Website"))
    phone = forms.CharField(max_length=50, required=False, label=_("Phone"))
    consent_terms = forms.BooleanField(
        label=_(
            "I accept the terms of use and the privacy policy, and agree that Magnetiq stores my details to send "
            "me this whitepaper."
        ),
        error_messages={"required": _("Please accept the terms to continue.")},
    )
    consent_marketing = forms.BooleanField(
        required=False,
        label=_("Magnetiq may e-mail me about related whitepapers, webinars and events (unsubscribe at any time)."),
    )
    website_url = forms.CharField(
        required=False,
        max_length=500,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    utm_source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_term = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_content = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
