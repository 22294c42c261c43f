"""Whether consultants have a bookable slot, answered by the bookings app.

The consultants app sits below ``bookings`` and never imports it (docs/architecture.md
"Dependencies between apps"), yet the directory's "Available this week" must mean what the booking
page offers: a free slot after the minimum notice, not taken by a booking, a hold, a buffer or the
day limit. Bookings registers its slot computation here in ``BookingsConfig.ready()``
(``bookings.availability.consultants_with_free_slot``), so that rule stays written once.

A finder is ``(consultants, *, start, end) -> set[int]``: ``consultants`` a sequence of
``Consultant`` rows (``pk``, ``timezone``, ``booking_buffer_minutes`` and ``max_bookings_per_day``
loaded), ``start``/``end`` aware datetimes; it returns the ids of those with at least one free slot
starting in ``[start, end)`` and runs a bounded number of queries whatever their number.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

from .models import Consultant

FreeSlotFinder = Callable[..., set[int]]

_FINDERS: dict[str, FreeSlotFinder] = {}


def register_free_slot_finder(finder: FreeSlotFinder) -> None:
    """Make ``finder`` the one that answers :func:`consultants_with_free_slot` (a second
    registration replaces the first)."""
    _FINDERS["finder"] = finder


def consultants_with_free_slot(consultants: Sequence[Consultant], *, start: datetime, end: datetime) -> set[int]:
    """The ids of ``consultants`` with a free slot starting in ``[start, end)``, by the registered
    finder. Raises ``ImproperlyConfigured`` when none is registered (the bookings app is not
    installed)."""
    finder = _FINDERS.get("finder")
    if finder is None:
        raise ImproperlyConfigured("No free-slot finder is registered: is the bookings app installed?")
    return finder(consultants, start=start, end=end)
