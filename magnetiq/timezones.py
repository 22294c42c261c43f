"""Time-zone names, checked once for the whole project.

A visitor or an importer can send any string as a zone; ``ZoneInfo(name)`` then does file-system
look-ups and raises ``ValueError``, ``ZoneInfoNotFoundError`` or even ``OSError`` (a name too long
for a path), so every check asks the set of known IANA names instead.
"""

import zoneinfo
from functools import cache

PSEUDO_ZONES = frozenset({"Factory", "localtime", "posixrules"})
"""Files of a tz database that are no place's time: ``localtime`` is whatever the server is set to,
``posixrules`` the template for POSIX TZ strings, ``Factory`` the "zone not yet set" marker (its
abbreviation is ``-00``). ``zoneinfo.available_timezones()`` lists them when they are present."""


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name this machine's tz database knows (``"Europe/Berlin"``, ``"UTC"``, …),
    without the :data:`PSEUDO_ZONES`."""
    return frozenset(zoneinfo.available_timezones()) - PSEUDO_ZONES


def is_known_timezone(name: object) -> bool:
    """``True`` for a known IANA zone name; ``False`` for anything else, never an exception."""
    return isinstance(name, str) and name in known_timezones()


_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@cache
def selectable_timezones() -> tuple[str, ...]:
    """The zones a person picks from: UTC, then every regional name (``"Europe/Berlin"``), sorted.
    Legacy aliases (``"US/Eastern"``, ``"CET"``) are left out of pickers but still accepted by
    :func:`is_known_timezone`."""
    return ("UTC", *sorted(name for name in known_timezones() if name.split("/", 1)[0] in _REGIONS and "/" in name))
