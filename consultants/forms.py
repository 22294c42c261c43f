"""The directory's search form: a plain GET form that works without JavaScript."""

from django import forms

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

SORT_LABELS = {
    "en": {
        "": "Recommended",
        "rating": "Best rated",
        "rate_asc": "Rate: low to high",
        "rate_desc": "Rate: high to low",
        "experience": "Most experienced",
        "reviews": "Most reviews",
        "name": "Name",
        "newest": "Newest",
    },
    "de": {
        "": "Empfohlen",
        "rating": "Beste Bewertung",
        "rate_asc": "Honorar: aufsteigend",
        "rate_desc": "Honorar: absteigend",
        "experience": "Meiste Erfahrung",
        "reviews": "Meiste Bewertungen",
        "name": "Name",
        "newest": "Neueste",
    },
}


class DirectoryFilterForm(forms.Form):
    """``q`` (free text), ``expertise`` (one of the directory's tags) and ``sort``."""

    q = forms.CharField(required=False, max_length=200)
    expertise = forms.ChoiceField(required=False)
    sort = forms.ChoiceField(required=False)

    def __init__(self, *args, expertise_names: list[str], language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        labels = SORT_LABELS.get(language, SORT_LABELS["en"])
        everything = "Alle Fachgebiete" if language == "de" else "All expertise"
        self.fields["expertise"].choices = [("", everything)] + [(name, name) for name in expertise_names]
        self.fields["sort"].choices = [(key, labels[key]) for key in ["", *SORT_OPTIONS]]

    def search_arguments(self) -> dict:
        """Keyword arguments for the search selector, from valid data only."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        arguments: dict = {"query": data.get("q") or None}
        if data.get("expertise"):
            arguments["expertise"] = [data["expertise"]]
        if data.get("sort"):
            arguments["sort_by"], arguments["sort_order"] = SORT_OPTIONS[data["sort"]]
        return arguments
