"""The calendar invite (RFC 5545, built with icalendar) of one booking, attached to its e-mails.

One event per booking with the stable UID ``booking-<reference>@magnetiq``
(:attr:`ConsultationBooking.ics_uid`, also used by the consultant's feed in ``bookings.feeds``), so
every calendar replaces the entry it already has: ``SEQUENCE`` is the booking's ``sequence``, which
the core raises on every change of time or status. ``METHOD:REQUEST`` for the confirmation and a
reschedule, ``METHOD:CANCEL`` (``STATUS:CANCELLED``) for a cancellation. Times are UTC.
"""

from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event, vCalAddress, vText

from .models import ConsultationBooking

METHODS = ("REQUEST", "CANCEL")


def summary(booking: ConsultationBooking, language: str | None = None) -> str:
    """``30-minute consultation with Anna Schmidt`` in ``language`` (default: the booking's; German:
    ``30-minütige Beratung mit …``)."""
    minutes = booking.duration_minutes
    with translation.override(language or booking.language):
        return ngettext(
            "%(minutes)s-minute consultation with %(name)s",
            "%(minutes)s-minute consultation with %(name)s",
            minutes,
        ) % {"minutes": minutes, "name": booking.consultant.full_name}


def _organizer(booking: ConsultationBooking) -> vCalAddress:
    consultant = booking.consultant
    if consultant.email:
        name, email = consultant.full_name, consultant.email
    else:
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = vText(name or "Magnetiq")
    return organizer


def booking_ics(
    booking: ConsultationBooking, *, method: str = "REQUEST", manage_url: str = "", now: datetime | None = None
) -> bytes:
    """The ``.ics`` bytes of ``booking``'s invite.

    ``method``: ``REQUEST`` (``STATUS:CONFIRMED``) or ``CANCEL`` (``STATUS:CANCELLED``).
    ``manage_url``: the visitor's absolute manage link, put in ``DESCRIPTION``. ``LOCATION`` and
    ``URL`` are the meeting link when there is one. ``ORGANIZER`` is the consultant (their e-mail,
    else ``DEFAULT_FROM_EMAIL``), the one ``ATTENDEE`` the client. Raises ``ValueError`` for
    another method. The text (summary, description) is in the booking's language.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    with translation.override(booking.language):
        return _booking_calendar(booking, method=method, manage_url=manage_url, now=now).to_ical()


def _booking_calendar(booking: ConsultationBooking, *, method: str, manage_url: str, now: datetime | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Magnetiq//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", booking.ics_uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary(booking))
    lines = []
    if booking.meeting_link:
        lines.append(f"{_('Meeting link:')} {booking.meeting_link}")
        event.add("location", booking.meeting_link)
        event.add("url", booking.meeting_link)
    if manage_url:
        lines.append(f"{_('View, reschedule or cancel:')} {manage_url}")
    if lines:
        event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _organizer(booking))
    attendee = vCalAddress(f"mailto:{booking.client_email}")
    attendee.params["cn"] = vText(booking.client_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar


def _calendar_details(booking: ConsultationBooking, manage_url: str) -> str:
    lines = []
    if booking.meeting_link:
        lines.append(f"{_('Meeting link:')} {booking.meeting_link}")
    if manage_url:
        lines.append(f"{_('View, reschedule or cancel:')} {manage_url}")
    return "\n".join(lines)


def google_calendar_url(booking: ConsultationBooking, *, manage_url: str = "") -> str:
    """A Google Calendar "add event" link for ``booking`` (times in UTC, ``YYYYMMDDTHHMMSSZ``), with
    the summary and details in the active language; ``manage_url`` (absolute) goes in the details."""
    dates = f"{booking.start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{booking.end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    query = {
        "action": "TEMPLATE",
        "text": summary(booking, translation.get_language()),
        "dates": dates,
        "details": _calendar_details(booking, manage_url),
    }
    if booking.meeting_link:
        query["location"] = booking.meeting_link
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(booking: ConsultationBooking, *, manage_url: str = "") -> str:
    """An Outlook on the web "new event" link for ``booking`` (ISO 8601 UTC times), with the summary
    and details in the active language; ``manage_url`` (absolute) goes in the body."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": summary(booking, translation.get_language()),
        "startdt": booking.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": booking.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": _calendar_details(booking, manage_url),
    }
    if booking.meeting_link:
        query["location"] = booking.meeting_link
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)
