"""A consultant's calendar feed (ICS): their confirmed and completed bookings.

The feed URL carries a signed token (``django.core.signing.Signer`` over the consultant id, salted),
so a calendar app can subscribe without logging in; changing ``SECRET_KEY`` revokes every feed.
Event UIDs are stable (``booking-<reference>@magnetiq``) and ``SEQUENCE`` is the booking's, so a
rescheduled booking updates the same event.
"""

from datetime import timedelta

from django.core.signing import Signer
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from icalendar import Calendar, Event

from .models import BookingStatus, ConsultationBooking

_SALT = "bookings.consultant-feed"
#: How far back the feed reaches; older meetings are of no use in a calendar subscription.
FEED_HISTORY_DAYS = 90


def consultant_feed_token(consultant) -> str:
    return Signer(salt=_SALT).signature(f"consultant:{consultant.pk}")


def check_feed_token(consultant, token: str | None) -> bool:
    return bool(token) and constant_time_compare(token, consultant_feed_token(consultant))


def consultant_calendar(consultant, *, now=None) -> bytes:
    """The ICS text (bytes) of the consultant's confirmed/completed bookings from 90 days ago on."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Magnetiq//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Magnetiq bookings – {consultant.full_name}")
    bookings = ConsultationBooking.objects.filter(
        consultant=consultant,
        status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED],
        start__gte=now - timedelta(days=FEED_HISTORY_DAYS),
    ).order_by("start", "pk")
    for booking in bookings:
        event = Event()
        event.add("uid", booking.ics_uid)
        event.add("sequence", booking.sequence)
        event.add("dtstamp", booking.updated_at or now)
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        event.add("summary", f"{booking.get_booking_type_display()}: {booking.client_name}")
        lines = [f"Client: {booking.client_name} <{booking.client_email}>"]
        if booking.client_company:
            lines.append(f"Company: {booking.client_company}")
        if booking.meeting_link:
            lines.append(f"Meeting: {booking.meeting_link}")
            event.add("location", booking.meeting_link)
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
