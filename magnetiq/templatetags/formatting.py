"""Template filters for locale-aware money: ``{% load formatting %}`` then ``{{ price|money:"EUR" }}``."""

from django import template

from magnetiq.formatting import format_money

register = template.Library()


@register.filter
def money(amount, currency="EUR") -> str:
    """``{{ amount|money:currency }}``: ``€180.00`` in English, ``180,00 €`` in German."""
    return format_money(amount, currency)
