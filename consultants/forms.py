"""The directory's search form: a plain GET form that works without JavaScript; labels in the active
language."""

from django import forms
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


class DirectoryFilterForm(forms.Form):
    """``q`` (free text), ``expertise`` (one of the directory's tags) and ``sort``."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    expertise = forms.ChoiceField(label=_("Expertise"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, expertise_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].choices = [("", _("All expertise"))] + [(name, name) for name in expertise_names]
        self.fields["sort"].choices = [(key, SORT_LABELS[key]) for key in ["", *SORT_OPTIONS]]

    def search_arguments(self) -> dict:
        """Keyword arguments for the search selector, from valid data only."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        arguments: dict = {"query": data.get("q") or None}
        if data.get("expertise"):
            arguments["expertise"] = [data["expertise"]]
        if data.get("sort"):
            arguments["sort_by"], arguments["sort_order"] = SORT_OPTIONS[data["sort"]]
        return arguments
