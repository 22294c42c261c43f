"""Forms of the public webinar pages: the list's filters and the registration form.

Labels and choices are lazy translations, rendered in the language the request activated.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

FILTER_CHOICES = [
    ("upcoming", _("Upcoming")),
    ("this-week", _("This week")),
    ("this-month", _("This month")),
    ("all", pgettext_lazy("webinar period filter", "All")),
]
LANGUAGE_CHOICES = [("", _("Any language")), ("en", _("English")), ("de", _("German"))]


class WebinarFilterForm(forms.Form):
    """``when`` (upcoming / this-week / this-month / all), ``q``, ``topic`` and ``language``."""

    when = forms.ChoiceField(required=False, choices=FILTER_CHOICES, label=_("When"))
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    topic = forms.ChoiceField(required=False, label=_("Topic"))
    language = forms.ChoiceField(required=False, choices=LANGUAGE_CHOICES, label=_("Language"))

    def __init__(self, *args, topics: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("All topics"))] + [(topic, topic) for topic in topics]

    def selection(self) -> dict:
        """The valid filter values (invalid ones are shown as errors and ignored)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "when": data.get("when") or "upcoming",
            "q": data.get("q") or "",
            "topic": data.get("topic") or "",
            "language": data.get("language") or "",
        }


class WebinarRegistrationForm(forms.Form):
    """The attendee fields of spec 001, both consents and a honeypot (``nickname``, hidden by CSS)."""

    first_name = forms.CharField(max_length=100, label=_("First name"))
    last_name = forms.CharField(max_length=100, label=_("Last name"))
    email = forms.EmailField(max_length=255, label=_("E-mail"))
    company = forms.CharField(max_length=200, required=False, label=_("Company"))
    job_title = forms.CharField(max_length=200, required=False, label=_("Job title"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    questions = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Questions for the speaker"),
    )
    consent_terms = forms.BooleanField(
        required=True,
        label=_("I accept the terms of use and the privacy policy."),
        error_messages={"required": _("Please accept the terms to register.")},
    )
    consent_marketing = forms.BooleanField(
        required=False,
        label=_("Send me news about webinars and whitepapers (optional, revocable at any time)."),
    )
    nickname = forms.CharField(
        required=False, max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )

    @property
    def is_bot(self) -> bool:
        """A human never sees, so never fills, the honeypot."""
        return bool(self.data.get("nickname"))
