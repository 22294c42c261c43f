"""Booking settings: ``settings.BOOKINGS`` (a dict) over the defaults below.

Keys (all optional):

- ``MIN_NOTICE_HOURS`` (12): the earliest slot starts this long after now.
- ``WINDOW_DAYS`` (60): the latest slot starts within this many days of now.
- ``HOLD_MINUTES`` (15): how long a ``pending_payment`` booking holds its slot.
- ``STAFF_HOLD_HOURS`` (48): how long a priced booking staff make for a client (by phone) holds its
  slot while the client pays through the e-mailed link; never past the session's start.
- ``GUEST_CHANGE_CUTOFF_HOURS`` (24): guests may cancel or reschedule until this long before the
  start (spec 004 "Cancel Session"); later only staff or the consultant.
- ``SLOT_STEP_MINUTES`` (30): slots start every this many minutes from the start of each interval.
- ``FREE_BOOKING_TYPES`` (()): booking types that never cost anything (confirmed at once).
- ``DEFAULT_MEETING_URL`` (""): the room of the ``manual`` meeting provider for consultants without
  their own ``calendar_integration["meeting_url"]``; empty: the e-mail says the consultant sends one.
- ``FOLLOW_UP_DELAY_MINUTES`` (60): the follow-up goes this long after the end of a completed booking.
- ``ZOOM_TIMEOUT_SECONDS`` (10): the HTTP timeout of one Zoom call.

Zoom (``bookings.zoom_gateway``) is switched on by the top-level settings ``ZOOM_ACCOUNT_ID``,
``ZOOM_CLIENT_ID`` and ``ZOOM_CLIENT_SECRET`` (a server-to-server OAuth app); ``ZOOM_OAUTH_URL`` and
``ZOOM_API_URL`` default to Zoom's own. See :func:`zoom_config`.
"""

from dataclasses import dataclass

from django.conf import settings

DEFAULTS = {
    "MIN_NOTICE_HOURS": 12,
    "WINDOW_DAYS": 60,
    "HOLD_MINUTES": 15,
    "STAFF_HOLD_HOURS": 48,
    "GUEST_CHANGE_CUTOFF_HOURS": 24,
    "SLOT_STEP_MINUTES": 30,
    "FREE_BOOKING_TYPES": (),
    "DEFAULT_MEETING_URL": "",
    "FOLLOW_UP_DELAY_MINUTES": 60,
    "ZOOM_TIMEOUT_SECONDS": 10,
}


def get(name: str):
    """The value of ``BOOKINGS[name]``, or its default; an unknown name is a programming error."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown BOOKINGS setting {name!r}")
    return getattr(settings, "BOOKINGS", {}).get(name, DEFAULTS[name])


@dataclass(frozen=True)
class ZoomConfig:
    account_id: str
    client_id: str
    client_secret: str
    oauth_url: str
    api_url: str
    timeout: float


def zoom_config() -> ZoomConfig | None:
    """The Zoom server-to-server OAuth settings, or ``None`` while any credential is empty (Zoom off)."""
    values = {
        name: (getattr(settings, name, "") or "").strip()
        for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
    }
    if not all(values.values()):
        return None
    return ZoomConfig(
        account_id=values["ZOOM_ACCOUNT_ID"],
        client_id=values["ZOOM_CLIENT_ID"],
        client_secret=values["ZOOM_CLIENT_SECRET"],
        oauth_url=(getattr(settings, "ZOOM_OAUTH_URL", "") or "https://zoom.us/oauth/token").rstrip("/"),
        api_url=(getattr(settings, "ZOOM_API_URL", "") or "https://api.zoom.us/v2").rstrip("/"),
        timeout=float(get("ZOOM_TIMEOUT_SECONDS")),
    )
