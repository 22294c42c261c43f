"""Filters shared by the API's list endpoints: ids, dates and times that cannot overflow.

Every ``FilterSet`` of the project derives from :class:`FilterSet`, whose defaults for model fields
(``Meta.fields``) are the bounded filters below; declared filters use them by name. The bounds are
those of :mod:`magnetiq.api.fields` (ids 1 to 2⁶³−1, years 1900–2200): anything outside is a 422
from the filter form, never a query or a date computation that raises ``OverflowError``.
"""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import filterset
from django_filters.rest_framework import DjangoFilterBackend

from .fields import MAX_ID, MAX_YEAR, MIN_YEAR, in_supported_range

__all__ = ["MAX_ID", "DateFilter", "DateTimeFilter", "FilterBackend", "FilterSet", "IdFilter", "IntegerFilter"]

_OUT_OF_RANGE = _("Give a value between the years %(min_year)s and %(max_year)s.")


def _check_range(value):
    if value is not None and not in_supported_range(value):
        raise forms.ValidationError(
            _OUT_OF_RANGE, code="out_of_range", params={"min_year": MIN_YEAR, "max_year": MAX_YEAR}
        )


class _BoundedDateFormField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        _check_range(value)


class _BoundedDateTimeFormField(forms.DateTimeField):
    def validate(self, value):
        super().validate(value)
        _check_range(value)


class IdFilter(django_filters.NumberFilter):
    """``?consultant=12``: a database id, a whole number from 1 to 2⁶³−1. Anything else (a float, a
    number too large for the database) is a 422 from the filter form, never a query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class DateFilter(django_filters.DateFilter):
    """``?date_from=2026-05-01``: a date in the years 1900–2200 (422 otherwise)."""

    field_class = _BoundedDateFormField


class DateTimeFilter(django_filters.DateTimeFilter):
    """``?after=2026-05-01T09:00:00Z``: a time in the years 1900–2200 (422 otherwise)."""

    field_class = _BoundedDateTimeFormField


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number column (a count, a score): −2⁶³ to 2⁶³−1, so the query cannot overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID - 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


_ID = {"filter_class": IdFilter}
_INTEGER = {"filter_class": IntegerFilter}


class FilterSet(django_filters.FilterSet):
    """Base of every API filter set. Filters generated from ``Meta.fields`` use the bounded filters:
    primary and foreign keys → :class:`IdFilter` (by id, without loading a choice list), integer
    columns → :class:`IntegerFilter`, dates → :class:`DateFilter`, date-times → :class:`DateTimeFilter`."""

    FILTER_DEFAULTS = {
        **filterset.FILTER_FOR_DBFIELD_DEFAULTS,
        models.AutoField: _ID,
        models.BigAutoField: _ID,
        models.SmallAutoField: _ID,
        models.ForeignKey: _ID,
        models.OneToOneField: _ID,
        models.IntegerField: _INTEGER,
        models.BigIntegerField: _INTEGER,
        models.SmallIntegerField: _INTEGER,
        models.PositiveIntegerField: _INTEGER,
        models.PositiveBigIntegerField: _INTEGER,
        models.PositiveSmallIntegerField: _INTEGER,
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """The project's default filter backend: a view that lists ``filterset_fields`` instead of a
    ``filterset_class`` gets a filter set built on :class:`FilterSet`, so it is bounded too."""

    filterset_base = FilterSet
