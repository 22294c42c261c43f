from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from magnetiq.formatting import format_money


def test_money_follows_the_language():
    assert format_money(Decimal("180.00"), "EUR", "en") == "€180.00"
    assert format_money(Decimal("180.00"), "EUR", "de") == "180,00\xa0€"
    assert format_money(Decimal("1234.5"), "USD", "en") == "$1,234.50"


def test_money_uses_the_active_language_and_tolerates_none():
    with translation.override("de"):
        assert format_money(Decimal("99.9"), "eur") == "99,90\xa0€"
    assert format_money(None, "EUR") == ""


def test_money_filter_in_templates():
    template = Template('{% load formatting %}{{ price|money:"EUR" }}')
    with translation.override("en"):
        assert template.render(Context({"price": Decimal("180")})) == "€180.00"
    with translation.override("de"):
        assert template.render(Context({"price": Decimal("180")})) == "180,00\xa0€"
