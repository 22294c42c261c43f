"""The rating form of the review page (``/bookings/<reference>/review/``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_RATING, MAX_TEXT_CHARS, MIN_RATING


class ReviewForm(forms.Form):
    """1–5 stars as radio buttons (works without JavaScript) and an optional text."""

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(value, str(value)) for value in range(MAX_RATING, MIN_RATING - 1, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    text = forms.CharField(
        label=_("What went well, what could be better? (optional)"),
        required=False,
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
