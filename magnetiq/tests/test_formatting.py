from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from magnetiq.formatting import (
    current_clock,
    default_clock,
    format_clock_time,
    format_money,
    parse_clock,
    preferred_clock,
)


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


AFTERNOON = datetime(2026, 3, 4, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(("language", "clock"), [("en", "12h"), ("de", "24h"), ("fr", "24h"), ("en-gb", "24h")])
def test_the_default_clock_is_cldrs_for_the_language(language, clock):
    assert default_clock(language) == clock


def test_clock_time_in_the_datetimes_own_zone_on_either_clock():
    assert format_clock_time(AFTERNOON, "12h", "en") == "2:05 PM"
    assert format_clock_time(AFTERNOON, "24h", "en") == "14:05"
    assert format_clock_time(AFTERNOON, "24h", "de") == "14:05"
    assert format_clock_time(AFTERNOON.astimezone(ZoneInfo("America/New_York")), "12h", "en") == "8:05 AM"
    assert format_clock_time(time(9, 30), "24h", "de") == "09:30"


def test_clock_time_follows_the_preference_else_the_language():
    with translation.override("en"):
        assert format_clock_time(AFTERNOON) == "2:05 PM"
        with preferred_clock("24h"):
            assert current_clock() == "24h"
            assert format_clock_time(AFTERNOON) == "14:05"
        assert current_clock() == "12h"
    with translation.override("de"), preferred_clock("12h"):
        assert format_clock_time(AFTERNOON) == "2:05\u202fPM"


def test_parse_clock_accepts_only_the_two_clocks():
    assert [parse_clock(v) for v in ("12h", "24h", "12H", "", None, "13h")] == ["12h", "24h", None, None, None, None]


def test_clock_time_filter_and_current_clock_tag():
    template = Template(
        "{% load formatting %}{{ start|clock_time }}|{% current_clock as c %}{{ c }}|{{ none|clock_time }}"
    )
    with translation.override("en"):
        assert template.render(Context({"start": AFTERNOON, "none": None})) == "2:05 PM|12h|"
    with translation.override("de"):
        assert template.render(Context({"start": AFTERNOON})) == "14:05|24h|"
        with preferred_clock("12h"):
            assert template.render(Context({"start": AFTERNOON})) == "2:05\u202fPM|12h|"
