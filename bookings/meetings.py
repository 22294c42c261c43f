"""Meeting links of bookings, through a small provider interface.

Providers:

- ``manual`` (the default): the consultant's own room, ``Consultant.calendar_integration
  ["meeting_url"]``, else ``BOOKINGS["DEFAULT_MEETING_URL"]``; with neither the booking has no link
  and the e-mails say the consultant will send one. Nothing to update or delete later.
- ``zoom`` when ``ZOOM_ACCOUNT_ID``, ``ZOOM_CLIENT_ID`` and ``ZOOM_CLIENT_SECRET`` are set: a
  scheduled Zoom meeting per booking (``bookings.zoom_gateway``), moved on reschedule and deleted on
  cancellation. It serves bookings whose platform is ``manual`` or ``zoom``; a client who asked for
  Teams, Meet or a phone call keeps that platform and gets the manual room (or the consultant's
  own invitation). A Zoom failure falls back to ``manual`` and is logged; the booking never fails
  because of its meeting.

The meeting is created once per booking (claimed by a ``BookingNotification`` ``meeting_created``
row) after it is confirmed, before the confirmation e-mail (``bookings.notifications``).
"""

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from magnetiq.audit import log_action

from . import conf, zoom_gateway
from .exceptions import ZoomError
from .ics import summary
from .models import BookingNotification, BookingNotificationKind, BookingStatus, ConsultationBooking, MeetingPlatform

logger = logging.getLogger(__name__)

_ZOOM_JOIN_PATH = re.compile(r"^https://(?:[a-z0-9-]+\.)*zoom\.us/j/(\d+)(?:[/?#]|$)")


@dataclass(frozen=True)
class Meeting:
    """What a provider made: ``platform`` (a ``MeetingPlatform`` value) and ``link`` ("" = none yet)."""

    platform: str
    link: str


class MeetingProvider(ABC):
    """One meeting service. Methods may call the outside service and raise its error; they never
    write the booking (the ``booking_*_meeting`` functions below do)."""

    name: str

    @abstractmethod
    def create(self, booking: ConsultationBooking) -> Meeting:
        """Make the meeting for the booking's current time."""

    def update(self, booking: ConsultationBooking) -> bool:
        """Move the booking's meeting to its current time; ``True`` if the service was told."""
        return False

    def delete(self, booking: ConsultationBooking) -> bool:
        """Remove the booking's meeting; ``True`` if the service was told."""
        return False


def _valid_url(value) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        URLValidator(schemes=["https", "http"])(value.strip())
    except ValidationError:
        return ""
    return value.strip()


class ManualProvider(MeetingProvider):
    """The consultant's own room URL (or the site-wide default room), or no link at all."""

    name = "manual"

    def create(self, booking: ConsultationBooking) -> Meeting:
        integration = booking.consultant.calendar_integration
        own = integration.get("meeting_url") if isinstance(integration, dict) else None
        link = _valid_url(own) or _valid_url(conf.get("DEFAULT_MEETING_URL"))
        platform = (
            MeetingPlatform.MANUAL if booking.meeting_platform == MeetingPlatform.ZOOM else booking.meeting_platform
        )
        return Meeting(platform=platform, link=link)


def zoom_meeting_id(link: str) -> int | None:
    """The meeting id in a Zoom join URL (``https://us05web.zoom.us/j/85746065432?pwd=…``), else None."""
    match = _ZOOM_JOIN_PATH.match(link or "")
    return int(match.group(1)) if match else None


class ZoomProvider(MeetingProvider):
    """A scheduled Zoom meeting (type 2) per booking; its id is read back from the join URL."""

    name = "zoom"

    def create(self, booking: ConsultationBooking) -> Meeting:
        meeting = zoom_gateway.create_meeting(
            topic=summary(booking),
            start=booking.start,
            duration_minutes=booking.duration_minutes,
            agenda=f"Magnetiq booking {booking.reference}: {booking.client_name}",
        )
        return Meeting(platform=MeetingPlatform.ZOOM, link=meeting.join_url)

    def update(self, booking: ConsultationBooking) -> bool:
        meeting_id = zoom_meeting_id(booking.meeting_link)
        if meeting_id is None:
            return False
        zoom_gateway.update_meeting(meeting_id, start=booking.start, duration_minutes=booking.duration_minutes)
        return True

    def delete(self, booking: ConsultationBooking) -> bool:
        meeting_id = zoom_meeting_id(booking.meeting_link)
        if meeting_id is None:
            return False
        return zoom_gateway.delete_meeting(meeting_id)


def provider_for(booking: ConsultationBooking) -> MeetingProvider:
    """Zoom for ``manual``/``zoom`` bookings while Zoom is configured, else the manual room."""
    if booking.meeting_platform in (MeetingPlatform.MANUAL, MeetingPlatform.ZOOM) and zoom_gateway.is_configured():
        return ZoomProvider()
    return ManualProvider()


def _existing_provider(booking: ConsultationBooking) -> MeetingProvider | None:
    """The provider that owns the booking's current meeting, when it can change it."""
    if booking.meeting_platform == MeetingPlatform.ZOOM and booking.meeting_link:
        if not zoom_gateway.is_configured():
            logger.warning("bookings.meeting Zoom is off; booking %s keeps its Zoom meeting as is", booking.pk)
            return None
        return ZoomProvider()
    return None


def booking_create_meeting(*, booking_id: int) -> ConsultationBooking | None:
    """Give a confirmed booking without a link its meeting, once; returns the booking (fresh) or None.

    Claims the ``meeting_created`` row first, so a repeated signal or a second worker does not make
    a second Zoom meeting. A provider failure falls back to the manual room (logged). The link is
    written only while the booking still has none (staff may have set one meanwhile; a Zoom meeting
    made for nothing is then deleted again). Writes an audit entry ``bookings.booking.meeting_created``.
    """
    booking = ConsultationBooking.objects.select_related("consultant").filter(pk=booking_id).first()
    if booking is None or booking.status != BookingStatus.CONFIRMED or booking.meeting_link:
        return booking
    _, claimed = BookingNotification.objects.get_or_create(
        booking=booking, kind=BookingNotificationKind.MEETING_CREATED, sequence=0
    )
    if not claimed:
        return booking
    provider = provider_for(booking)
    try:
        meeting = provider.create(booking)
    except ZoomError as error:
        logger.error("bookings.meeting Zoom failed for booking %s, using the manual room: %s", booking.pk, error)
        provider = ManualProvider()
        meeting = provider.create(booking)
    except Exception:
        BookingNotification.objects.filter(
            booking=booking, kind=BookingNotificationKind.MEETING_CREATED, sequence=0
        ).delete()
        raise
    written = ConsultationBooking.objects.filter(pk=booking.pk, meeting_link="").update(
        meeting_link=meeting.link, meeting_platform=meeting.platform, updated_at=timezone.now()
    )
    if not written:
        if meeting.platform == MeetingPlatform.ZOOM:
            booking.meeting_link = meeting.link  # not saved: only to address the orphaned meeting
            _quietly(provider.delete, booking)
        booking.refresh_from_db()
        return booking
    booking.meeting_link, booking.meeting_platform = meeting.link, meeting.platform
    log_action(
        booking,
        "bookings.booking.meeting_created",
        data={"reference": booking.reference, "provider": provider.name, "platform": meeting.platform},
    )
    return booking


def _quietly(action, booking: ConsultationBooking) -> bool:
    try:
        return action(booking)
    except ZoomError as error:
        logger.error("bookings.meeting Zoom call failed for booking %s: %s", booking.pk, error)
        return False


def booking_update_meeting(*, booking: ConsultationBooking) -> bool:
    """Tell the meeting's service the booking's current time (after a reschedule); ``True`` if told.
    A failure is logged, never raised: the reschedule itself has happened."""
    provider = _existing_provider(booking)
    return bool(provider) and _quietly(provider.update, booking)


def booking_delete_meeting(*, booking: ConsultationBooking) -> bool:
    """Remove the booking's meeting from its service (after a cancellation); ``True`` if removed.
    A failure is logged, never raised."""
    provider = _existing_provider(booking)
    return bool(provider) and _quietly(provider.delete, booking)
