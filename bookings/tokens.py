"""Manage tokens for visitor links (``/bookings/<reference>/?token=…``).

A token is an HMAC (``django.core.signing.Signer``, salted, keyed by ``SECRET_KEY``) of
``"<reference>:<reschedule_count>"``. Rescheduling increments ``reschedule_count``, so every link
handed out for an earlier time stops working (→ 410 ``BOOKING_LINK_EXPIRED``); a forged or foreign
token → 404. Status changes (confirm, cancel) keep the token valid, so a visitor can still view a
cancelled booking. Nothing is stored: the booking's current fields are the state.
"""

from django.core.signing import Signer
from django.utils.crypto import constant_time_compare

from .exceptions import BookingLinkExpired, BookingNotFound

_SALT = "bookings.manage-token"


def _signature(reference: str, version: int) -> str:
    return Signer(salt=_SALT).signature(f"{reference}:{version}")


def manage_token(booking) -> str:
    """The token for the booking's current time."""
    return _signature(booking.reference, booking.reschedule_count)


def check_manage_token(booking, token: str | None) -> None:
    """Accept the current token; raise :class:`BookingLinkExpired` (410) for a token of an earlier
    time and :class:`BookingNotFound` (404) for anything else."""
    if token and constant_time_compare(token, manage_token(booking)):
        return
    if token:
        for version in range(booking.reschedule_count):
            if constant_time_compare(token, _signature(booking.reference, version)):
                raise BookingLinkExpired()
    raise BookingNotFound()
