"""Calendar invites (RFC 5545) for webinar registrations, built with icalendar.

One event per (webinar, registration) with the stable UID ``webinar-<webinar id>-<reference>@magnetiq``,
so a calendar replaces the entry it already has: a time change sends ``METHOD:REQUEST`` with a
higher ``SEQUENCE`` (``Webinar.sequence``), a cancellation ``METHOD:CANCEL``. Times are in UTC.
"""

from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from content.portable_text import to_plain_text
from magnetiq.links import absolute_url
from magnetiq.translation import pick_language

from .models import WebinarRegistration


def invite_uid(registration: WebinarRegistration) -> str:
    return f"webinar-{registration.webinar_id}-{registration.reference}@magnetiq"


def registration_ics(
    registration: WebinarRegistration, *, method: str = "REQUEST", now: datetime | None = None
) -> bytes:
    """The ``.ics`` bytes of ``registration``'s invite; ``method`` ``REQUEST`` or ``CANCEL``.

    ``SEQUENCE`` is the webinar's sequence (one more for a cancellation, which must supersede the
    last invite). ``LOCATION`` is the meeting link, ``URL`` the webinar's page.
    """
    webinar = registration.webinar
    lang = registration.language
    title = pick_language(webinar.title, lang) or ""
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)

    calendar = Calendar()
    calendar.add("prodid", "-//Magnetiq//Webinars//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)

    event = Event()
    event.add("uid", invite_uid(registration))
    event.add("sequence", webinar.sequence + (1 if method == "CANCEL" else 0))
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", webinar.starts_at.astimezone(UTC))
    event.add("dtend", webinar.ends_at.astimezone(UTC))
    event.add("summary", title)
    description = to_plain_text(pick_language(webinar.description, lang) or [])
    if description:
        event.add("description", description)
    event.add("url", absolute_url(webinar.get_absolute_url()))
    if webinar.meeting_link:
        event.add("location", webinar.meeting_link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name or "Magnetiq")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.full_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
