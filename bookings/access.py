"""Who may read and who may change a booking: the one rule every entry point asks.

Reading a booking needs one of: its owner (``client_user``), its consultant's user, staff holding
``bookings.view_consultationbooking``, or the booking's current manage token. Changing it (reschedule,
cancel, confirm attendance, a status change, paying) needs one of: the owner, the consultant, staff
holding ``bookings.change_consultationbooking``, or the manage token. Roles are groups of these
permissions (``accounts.roles``), so ``viewer``, ``analytics_viewer`` and ``payment_manager`` read
bookings and change none, while ``super_admin``, ``admin`` and ``consultant_manager`` do both
(spec 000 "Permission-Based Access Control": READ vs WRITE on bookings).

Outcomes, the same for the API and the pages: allowed → the booking; a reader asking to change →
:class:`~bookings.exceptions.BookingChangeForbidden` (403); anyone else →
:class:`~bookings.exceptions.BookingNotFound` (404, the booking's existence is not revealed), or
:class:`~bookings.exceptions.BookingLinkExpired` (410) for a manage token of a booking that is over (its end + 14 days).

The 24 h guest window is not part of this rule: the services apply it to whoever passes here.
"""

from __future__ import annotations

from enum import IntEnum

from .exceptions import BookingChangeForbidden, BookingLinkExpired, BookingNotFound
from .models import ConsultationBooking
from .tokens import check_manage_token

VIEW_PERMISSION = "bookings.view_consultationbooking"
CHANGE_PERMISSION = "bookings.change_consultationbooking"
#: Booking for a client (a phone booking, the staff API and the admin's "Book for a client").
ADD_PERMISSION = "bookings.add_consultationbooking"


class BookingAccess(IntEnum):
    """What a caller may do with one booking; a higher level includes the lower."""

    READ = 1
    CHANGE = 2


def _active_user(user):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user


def booking_is_party(booking: ConsultationBooking, user) -> bool:
    """Whether ``user`` is the booking's owner (``client_user``) or its consultant's user."""
    user = _active_user(user)
    if user is None:
        return False
    return booking.client_user_id == user.pk or (
        booking.consultant.user_id is not None and booking.consultant.user_id == user.pk
    )


def booking_access(booking: ConsultationBooking, *, user, token: str | None) -> BookingAccess:
    """The caller's access to ``booking``: ``user`` (a Django user, anonymous or None) and ``token``
    (the manage token from the link, or None).

    Returns :attr:`BookingAccess.CHANGE` for the owner, the consultant, staff holding
    ``bookings.change_consultationbooking`` or a current manage token; :attr:`BookingAccess.READ`
    for staff holding only ``bookings.view_consultationbooking``. Raises :class:`BookingNotFound`
    (404) or :class:`BookingLinkExpired` (410, the token of a booking that is over) for anyone else.
    """
    user = _active_user(user)
    if booking_is_party(booking, user) or (user is not None and user.has_perm(CHANGE_PERMISSION)):
        return BookingAccess.CHANGE
    may_read = user is not None and user.has_perm(VIEW_PERMISSION)
    if token:
        try:
            check_manage_token(booking, token)
        except (BookingNotFound, BookingLinkExpired):
            if not may_read:
                raise
        else:
            return BookingAccess.CHANGE
    if may_read:
        return BookingAccess.READ
    raise BookingNotFound()


def _get(reference: str) -> ConsultationBooking:
    booking = ConsultationBooking.objects.select_related("consultant").filter(reference=reference).first()
    if booking is None:
        raise BookingNotFound()
    return booking


def booking_for_reading(*, reference: str, user, token: str | None) -> tuple[ConsultationBooking, BookingAccess]:
    """The booking of ``reference`` and the caller's access to it, if they may read it.

    Raises :class:`BookingNotFound` (404: no such booking, or not theirs to see) and
    :class:`BookingLinkExpired` (410)."""
    booking = _get(reference)
    return booking, booking_access(booking, user=user, token=token)


def booking_for_change(*, reference: str, user, token: str | None) -> ConsultationBooking:
    """The booking of ``reference`` if the caller may change it.

    Raises :class:`BookingChangeForbidden` (403: staff who may only read it),
    :class:`BookingNotFound` (404) and :class:`BookingLinkExpired` (410)."""
    booking = _get(reference)
    check_may_change(booking, user=user, token=token)
    return booking


def check_may_change(booking: ConsultationBooking, *, user, token: str | None) -> None:
    """Raise unless the caller may change ``booking`` (as :func:`booking_for_change`), for entry
    points that have already loaded it (the staff endpoints address bookings by id)."""
    if booking_access(booking, user=user, token=token) < BookingAccess.CHANGE:
        raise BookingChangeForbidden()
