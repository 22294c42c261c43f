"""Forms of the public webinar pages: the list's filters and the registration form."""

from django import forms

FILTER_CHOICES = {
    "en": [("upcoming", "Upcoming"), ("this-week", "This week"), ("this-month", "This month"), ("all", "All")],
    "de": [("upcoming", "Demnächst"), ("this-week", "Diese Woche"), ("this-month", "Diesen Monat"), ("all", "Alle")],
}
LANGUAGE_CHOICES = {
    "en": [("", "Any language"), ("en", "English"), ("de", "German")],
    "de": [("", "Alle Sprachen"), ("en", "Englisch"), ("de", "Deutsch")],
}


class WebinarFilterForm(forms.Form):
    """``when`` (upcoming / this-week / this-month / all), ``q``, ``topic`` and ``language``."""

    when = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, max_length=200)
    topic = forms.ChoiceField(required=False)
    language = forms.ChoiceField(required=False)

    def __init__(self, *args, topics: list[str], language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when"].choices = FILTER_CHOICES.get(language, FILTER_CHOICES["en"])
        everything = "Alle Themen" if language == "de" else "All topics"
        self.fields["topic"].choices = [("", everything)] + [(topic, topic) for topic in topics]
        self.fields["language"].choices = LANGUAGE_CHOICES.get(language, LANGUAGE_CHOICES["en"])

    def selection(self) -> dict:
        """The valid filter values (invalid ones are shown as errors and ignored)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "when": data.get("when") or "upcoming",
            "q": data.get("q") or "",
            "topic": data.get("topic") or "",
            "language": data.get("language") or "",
        }


LABELS = {
    "en": {
        "first_name": "First name",
        "last_name": "Last name",
        "email": "E-mail",
        "company": "Company",
        "job_title": "Job title",
        "phone": "Phone",
        "questions": "Questions for the speaker",
        "consent_terms": "I accept the terms of use and the privacy policy.",
        "consent_marketing": "Send me news about webinars and whitepapers (optional, revocable at any time).",
        "terms_required": "Please accept the terms to register.",
    },
    "de": {
        "first_name": "Vorname",
        "last_name": "Nachname",
        "email": "E-Mail",
        "company": "Firma",
        "job_title": "Position",
        "phone": "Telefon",
        "questions": "Fragen an den Referenten",
        "consent_terms": "Ich akzeptiere die Nutzungsbedingungen und die Datenschutzerklärung.",
        "consent_marketing": "Informieren Sie mich über Webinare und Whitepaper (optional, jederzeit widerrufbar).",
        "terms_required": "Bitte akzeptieren Sie die Bedingungen, um sich anzumelden.",
    },
}


class WebinarRegistrationForm(forms.Form):
    """The attendee fields of spec 001, both consents and a honeypot (``nickname``, hidden by CSS)."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=255)
    company = forms.CharField(max_length=200, required=False)
    job_title = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=40, required=False)
    questions = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    consent_terms = forms.BooleanField(required=True)
    consent_marketing = forms.BooleanField(required=False)
    nickname = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        labels = LABELS.get(language, LABELS["en"])
        for name, field in self.fields.items():
            if name in labels:
                field.label = labels[name]
        self.fields["consent_terms"].error_messages["required"] = labels["terms_required"]
        self.fields["nickname"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_bot(self) -> bool:
        """A human never sees, so never fills, the honeypot."""
        return bool(self.data.get("nickname"))
