"""Locale-aware display of money (and, by the same rules, numbers) for pages and e-mails.

Amounts are ``Decimal`` in major units (``Decimal("180.00")``) with an ISO 4217 code; the text follows
the CLDR rules of the active Django language through Babel: ``€180.00`` in English, ``180,00 €`` in
German. A language without CLDR data falls back to English rather than failing a page.
"""

from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django.utils import translation


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale for a Django language code (``"de"``, ``"pt-br"``), default the active one."""
    code = (language or translation.get_language() or "en").replace("-", "_")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(amount: Decimal | int | str | None, currency: str, language: str | None = None) -> str:
    """``amount`` of ``currency`` written for ``language`` (default: the active language).

    ``None`` gives ``""`` so templates can pass optional prices. The currency's own number of decimals
    is used (two for EUR, none for JPY).
    """
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), (currency or "EUR").upper(), locale=babel_locale(language))
