"""Forms of the whitepaper pages: catalogue filters and the landing page's lead form."""

from django import forms

LABELS = {
    "en": {
        "first_name": "First name",
        "last_name": "Last name",
        "email": "E-mail",
        "company": "Company",
        "website": "Website",
        "phone": "Phone",
        "consent_terms": "I accept the terms of use and the privacy policy, and agree that Magnetiq stores my "
        "details to send me this whitepaper.",
        "consent_marketing": "Magnetiq may e-mail me about related whitepapers, webinars and events "
        "(unsubscribe at any time).",
        "website_url": "Leave this field empty",
        "q": "Search",
        "category": "Category",
        "tag": "Tag",
    },
    "de": {
        "first_name": "Vorname",
        "last_name": "Nachname",
        "email": "E-Mail",
        "company": "Firma",
        "website": "Website",
        "phone": "Telefon",
        "consent_terms": "Ich akzeptiere die Nutzungsbedingungen und die Datenschutzerklärung und bin "
        "einverstanden, dass Magnetiq meine Angaben speichert, um mir dieses Whitepaper zu senden.",
        "consent_marketing": "Magnetiq darf mir E-Mails zu ähnlichen Whitepapers, Webinaren und Veranstaltungen "
        "senden (jederzeit abbestellbar).",
        "website_url": "Dieses Feld leer lassen",
        "q": "Suche",
        "category": "Kategorie",
        "tag": "Schlagwort",
    },
}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    category = forms.ChoiceField(required=False)
    tag = forms.ChoiceField(required=False)

    def __init__(self, *args, language: str = "en", categories=(), tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = LABELS.get(language, LABELS["en"])
        for name, field in self.fields.items():
            field.label = labels[name]
        everything = "Alle" if language == "de" else "All"
        self.fields["category"].choices = [("", everything)] + [(c["name"], c["name"]) for c in categories]
        self.fields["tag"].choices = [("", everything)] + [(t["name"], t["name"]) for t in tags]


class LeadForm(forms.Form):
    """The lead form. ``website_url`` is a honeypot, hidden from people by CSS and ``aria-hidden``."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254)
    company = forms.CharField(max_length=200, required=False)
    website = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=50, required=False)
    consent_terms = forms.BooleanField()
    consent_marketing = forms.BooleanField(required=False)
    website_url = forms.CharField(required=False, max_length=500)
    utm_source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_term = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    utm_content = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        labels = LABELS.get(language, LABELS["en"])
        for name, field in self.fields.items():
            if name in labels:
                field.label = labels[name]
        self.fields["website_url"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if language == "de":
            self.fields["consent_terms"].error_messages["required"] = "Bitte akzeptieren Sie die Bedingungen."
        else:
            self.fields["consent_terms"].error_messages["required"] = "Please accept the terms to continue."
