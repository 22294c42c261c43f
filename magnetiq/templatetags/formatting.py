"""Template filters for locale-aware money and clock times: ``{% load formatting %}`` then
``{{ price|money:"EUR" }}`` and ``{{ start|clock_time }}``."""

from datetime import datetime, time

from django import template

from magnetiq import formatting
from magnetiq.formatting import format_clock_time, format_money

register = template.Library()


@register.filter
def money(amount, currency="EUR") -> str:
    """``{{ amount|money:currency }}``: ``€180.00`` in English, ``180,00 €`` in German."""
    return format_money(amount, currency)


@register.filter
def clock_time(value: datetime | time | None) -> str:
    """``{{ start|clock_time }}``: the hour and minute of ``start`` in its own zone (pass it converted
    to the zone the page shows) on the visitor's clock (the ``time_format`` cookie: ``2:30 PM`` or
    ``14:30``), else the page language's (12-hour in English, 24-hour in German); ``""`` for none."""
    if value in (None, ""):
        return ""
    return format_clock_time(value)


@register.simple_tag
def current_clock() -> str:
    """``{% current_clock as clock %}``: ``"12h"`` or ``"24h"``, the clock ``clock_time`` uses now."""
    return formatting.current_clock()
