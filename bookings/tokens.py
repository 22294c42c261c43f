"""Manage tokens for visitor links (``/bookings/<reference>/?token=…``).

A token is an HMAC (``django.core.signing.Signer``, salted, keyed by ``SECRET_KEY``) of the
booking's ``reference``, which never changes: a reschedule keeps the booking and its reference, so
every link handed out before it (in the confirmation, a reminder, an earlier reschedule e-mail)
still opens the booking in its current state. Tokens signed by earlier releases over
``"<reference>:<reschedule_count>"`` are accepted as well, so links already in inboxes keep working.

A token expires when the booking is over: from ``end`` + :data:`MANAGE_LINK_GRACE` on it is
refused with :class:`BookingLinkExpired` (410), whatever its age before that. The grace (14 days)
covers the follow-up e-mail (sent an hour after the end, ``FOLLOW_UP_DELAY_MINUTES``) and a refund
the visitor wants to look up afterwards. A forged or foreign token → :class:`BookingNotFound` (404).
Status changes (confirm, cancel) keep the token valid, so a visitor can still view a cancelled
booking. Nothing is stored: the booking's current fields are the state.
"""

from datetime import datetime, timedelta

from django.core.signing import Signer
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .exceptions import BookingLinkExpired, BookingNotFound

_SALT = "bookings.manage-token"

#: How long after a booking's end its manage links keep working.
MANAGE_LINK_GRACE = timedelta(days=14)


def _signature(value: str) -> str:
    return Signer(salt=_SALT).signature(value)


def manage_token(booking) -> str:
    """The booking's token: the same before and after any reschedule or status change."""
    return _signature(booking.reference)


def manage_token_expires_at(booking) -> datetime:
    """When the booking's links stop working: its ``end`` (UTC) + :data:`MANAGE_LINK_GRACE`."""
    return booking.end + MANAGE_LINK_GRACE


def _matches(booking, token: str) -> bool:
    if constant_time_compare(token, manage_token(booking)):
        return True
    # Links signed over "<reference>:<reschedule_count>" before tokens were bound to the reference alone.
    return any(
        constant_time_compare(token, _signature(f"{booking.reference}:{version}"))
        for version in range(booking.reschedule_count + 1)
    )


def check_manage_token(booking, token: str | None, *, now: datetime | None = None) -> None:
    """Accept a token of ``booking`` (any link it was ever sent) until
    :func:`manage_token_expires_at`; raise :class:`BookingLinkExpired` (410) for one of its tokens
    after that and :class:`BookingNotFound` (404) for anything else."""
    if not token or not _matches(booking, token):
        raise BookingNotFound()
    if (now or timezone.now()) >= manage_token_expires_at(booking):
        raise BookingLinkExpired()
