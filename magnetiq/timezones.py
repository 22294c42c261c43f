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
