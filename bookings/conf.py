"""Booking settings: ``settings.BOOKINGS`` (a dict) over the defaults below.

Keys (all optional):

- ``MIN_NOTICE_HOURS`` (12): the earliest slot starts this long after now (issue 3 "Availability").
- ``WINDOW_DAYS`` (60): the latest slot starts within this many days of now.
- ``HOLD_MINUTES`` (15): how long a ``pending_payment`` booking holds its slot.
- ``GUEST_CHANGE_CUTOFF_HOURS`` (24): guests may cancel or reschedule until this long before the
  start (spec 004 "Cancel Session"); later only staff or the consultant.
- ``SLOT_STEP_MINUTES`` (30): slots start every this many minutes from the start of each interval.
- ``FREE_BOOKING_TYPES`` (()): booking types that never cost anything (confirmed at once).
"""

from django.conf import settings

DEFAULTS = {
    "MIN_NOTICE_HOURS": 12,
    "WINDOW_DAYS": 60,
    "HOLD_MINUTES": 15,
    "GUEST_CHANGE_CUTOFF_HOURS": 24,
    "SLOT_STEP_MINUTES": 30,
    "FREE_BOOKING_TYPES": (),
}


def get(name: str):
    """The value of ``BOOKINGS[name]``, or its default; an unknown name is a programming error."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown BOOKINGS setting {name!r}")
    return getattr(settings, "BOOKINGS", {}).get(name, DEFAULTS[name])
