"""The directory's search form: a plain GET form that works without JavaScript; labels in the active
language."""

from django import forms
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _

#: Directory sort option → (``sort_by``, ``sort_order``) of ``selectors.public_consultant_search``;
#: ``""`` (recommended) keeps the default order: featured, then rating, then reviews.
SORT_OPTIONS = {
    "rating": ("rating", "desc"),
    "rate_asc": ("rate", "asc"),
    "rate_desc": ("rate", "desc"),
    "experience": ("experience", "desc"),
    "reviews": ("reviews", "desc"),
    "name": ("name", "asc"),
    "newest": ("newest", "desc"),
}

#: Directory sort option → its label (``""``: the default order).
SORT_LABELS = {
    "": _("Recommended"),
    "rating": _("Best rated"),
    "rate_asc": _("Rate: low to high"),
    "rate_desc": _("Rate: high to low"),
    "experience": _("Most experienced"),
    "reviews": _("Most reviews"),
    "name": _("Name"),
    "newest": _("Newest"),
}


def language_label(code: str) -> str:
    """A spoken language's name in the active language (Django's names), else its code in capitals."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


class DirectoryFilterForm(forms.Form):
    """``q`` (free text), ``expertise`` (one of the directory's tags), ``language`` (a spoken
    language), ``available`` (a free slot the booking page offers, starting in the next 7 days:
    ``selectors.with_free_slot``) and ``sort``."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    expertise = forms.ChoiceField(label=pgettext_lazy("directory filter", "Expertise"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    available = forms.BooleanField(label=_("Available this week"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, expertise_names: list[str], languages: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].choices = [("", _("All expertise"))] + [(name, name) for name in expertise_names]
        spoken = sorted(((code, language_label(code)) for code in languages or []), key=lambda item: item[1].lower())
        self.fields["language"].choices = [("", _("Any language")), *spoken]
        self.fields["sort"].choices = [(key, SORT_LABELS[key]) for key in ["", *SORT_OPTIONS]]

    @property
    def is_filtered(self) -> bool:
        """Whether the visitor chose anything (the page then offers "Clear filters")."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def search_arguments(self) -> dict:
        """Keyword arguments for the search selector, from valid data only."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        arguments: dict = {"query": data.get("q") or None}
        if data.get("expertise"):
            arguments["expertise"] = [data["expertise"]]
        if data.get("language"):
            arguments["languages"] = [data["language"]]
        if data.get("available"):
            arguments["available_this_week"] = True
        if data.get("sort"):
            arguments["sort_by"], arguments["sort_order"] = SORT_OPTIONS[data["sort"]]
        return arguments
