"""Filter fields shared by the API's list endpoints."""

import django_filters
from django import forms

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """``?consultant=12``: a database id, a whole number from 1 to 2⁶³−1. Anything else (a float, a
    number too large for the database) is a 422 from the filter form, never a query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
