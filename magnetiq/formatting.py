"""Locale-aware display of money and clock times for pages and e-mails.

Amounts are ``Decimal`` in major units (``Decimal("180.00")``) with an ISO 4217 code; the text follows
the CLDR rules of the active Django language through Babel: ``€180.00`` in English, ``180,00 €`` in
German. A language without CLDR data falls back to English rather than failing a page.

Clock times are written on a 12-hour (``2:30 PM``) or 24-hour (``14:30``) clock: the visitor's choice
(the ``time_format`` cookie, ``12h`` or ``24h``, set by :func:`magnetiq.views.set_time_format` and
made current for a request by :class:`magnetiq.middleware.TimeFormatMiddleware`), else the clock CLDR
gives the active language (12-hour for English, 24-hour for German).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, get_time_format
from babel.numbers import format_currency
from django.utils import translation

Clock = Literal["12h", "24h"]
CLOCKS: tuple[Clock, ...] = ("12h", "24h")
#: The cookie that keeps a visitor's clock (``12h`` or ``24h``) for a year.
TIME_FORMAT_COOKIE = "time_format"
# CLDR skeletons: hour and minute on a 12-hour clock with the day period, or on a 24-hour clock.
_SKELETONS: dict[Clock, str] = {"12h": "hm", "24h": "Hm"}
_preferred_clock: ContextVar[Clock | None] = ContextVar("preferred_clock", default=None)


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


def default_clock(language: str | None = None) -> Clock:
    """The clock CLDR's short time format uses in ``language`` (default: the active one): ``"12h"``
    when it counts hours 1–12 or 0–11 (``h:mm a`` in English), else ``"24h"`` (``HH:mm`` in German)."""
    pattern = get_time_format("short", locale=babel_locale(language)).pattern
    return "12h" if any(field in pattern for field in ("h", "K")) else "24h"


def parse_clock(value: str | None) -> Clock | None:
    """``"12h"`` or ``"24h"`` when ``value`` is one of them (a cookie or a form field), else ``None``."""
    return next((clock for clock in CLOCKS if clock == value), None)


@contextmanager
def preferred_clock(clock: Clock | None) -> Iterator[None]:
    """Write clock times on ``clock`` inside the block (``None``: the language's own clock)."""
    token = _preferred_clock.set(clock)
    try:
        yield
    finally:
        _preferred_clock.reset(token)


def current_clock(language: str | None = None) -> Clock:
    """The clock times are written on now: the visitor's choice, else :func:`default_clock`."""
    return _preferred_clock.get() or default_clock(language)


def format_clock_time(value: datetime | time, clock: Clock | None = None, language: str | None = None) -> str:
    """The hour and minute of ``value`` in its own zone (convert an aware datetime to the zone to show
    first): ``2:30 PM`` / ``14:30`` in English, ``2:30 PM`` / ``14:30`` in German, per ``clock``
    (default :func:`current_clock`) and ``language`` (default: the active language)."""
    locale = babel_locale(language)
    chosen = clock or current_clock(language)
    if isinstance(value, time):
        value = datetime.combine(datetime(2000, 1, 1).date(), value)  # noqa: DTZ001 - a wall-clock time only
    return format_skeleton(_SKELETONS[chosen], value, locale=locale)
