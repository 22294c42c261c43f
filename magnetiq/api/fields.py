"""Serializer fields every API input uses for dates, times and ids, so no value can overflow later.

Python's dates end at the years 1 and 9999: ``date(9999, 12, 31) + timedelta(days=1)`` and
``datetime(1, 1, 1, tzinfo=UTC).astimezone(Berlin)`` raise ``OverflowError``, and so does SQLite for
an integer beyond 64 bits. Accepting such a value and failing deep inside a service turns bad input
into a 500; these fields refuse it as a 422 at the edge instead.
"""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MIN_YEAR = 1900
"""Earliest year of any date the API accepts (no booking, report or lead is older)."""
MAX_YEAR = 2200
"""Latest year of any date the API accepts (far beyond any booking window or report period)."""
MAX_ID = 2**63 - 1
"""Largest primary key a 64-bit database column holds (SQLite, PostgreSQL ``bigint``)."""


def in_supported_range(value: dt.date) -> bool:
    """``True`` when ``value`` (a date or datetime) falls in the years :data:`MIN_YEAR`–:data:`MAX_YEAR`."""
    return MIN_YEAR <= value.year <= MAX_YEAR


class DateField(serializers.DateField):
    """``YYYY-MM-DD`` between 1900-01-01 and 2200-12-31; outside: 422 ``out_of_range``."""

    default_error_messages = {
        "out_of_range": _("Give a date between the years {min_year} and {max_year}."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not in_supported_range(parsed):
            self.fail("out_of_range", min_year=MIN_YEAR, max_year=MAX_YEAR)
        return parsed


class DateTimeField(serializers.DateTimeField):
    """ISO 8601 date-time between the years 1900 and 2200 (in the server's zone, UTC); outside: 422
    ``out_of_range``. Output is unchanged, so a stored value outside the range still renders."""

    default_error_messages = {
        "out_of_range": _("Give a time between the years {min_year} and {max_year}."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not in_supported_range(parsed):
            self.fail("out_of_range", min_year=MIN_YEAR, max_year=MAX_YEAR)
        return parsed


class IdField(serializers.IntegerField):
    """A database id: a whole number from 1 to 2⁶³−1 (422 otherwise; never a query that overflows)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's related field by id, refusing a value that is no 64-bit id (422 ``incorrect_type`` or
    ``does_not_exist``) before it reaches the look-up, where SQLite would raise ``OverflowError``."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data).strip()
        if not text.isascii() or not text.isdecimal() or not 1 <= int(text) <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(text))


class ModelSerializer(serializers.ModelSerializer):
    """Base of every API model serializer that takes input: fields generated from model date,
    date-time and foreign-key columns are the bounded fields of this module."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: DateField,
        models.DateTimeField: DateTimeField,
    }
    serializer_related_field = PrimaryKeyRelatedField


def query_param(request, name: str, field: serializers.Field, default=None):
    """The query parameter ``name`` of ``request`` validated by ``field`` (e.g. ``IdField()``):
    ``default`` when absent or blank, else the validated value; a bad value is a 422 for ``name``."""
    raw = request.query_params.get(name, "")
    if not raw.strip():
        return default
    try:
        return field.run_validation(raw.strip())
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc
