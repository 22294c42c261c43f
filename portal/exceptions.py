"""The account pages' errors (subclasses of ``magnetiq.exceptions``; shown as page messages)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import Conflict


class UpcomingBookingsBlockErasure(Conflict):
    """The account still has a session ahead (as client or consultant): it is a contract in
    progress, so it is cancelled first and the data deleted after. 409."""

    code = "UPCOMING_BOOKINGS"
    message = _("You have sessions ahead. Cancel them first, then delete your data.")
