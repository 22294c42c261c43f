"""Consulting sessions (spec 004 "Book Session", "Accept Session") and the papers they refer to.

Sessions ARE bookings: :func:`session_create` calls ``bookings.services.booking_create`` (type
``custom``, the spec 004 duration) and :func:`session_accept` records the researcher's acceptance
on the booking (``accepted_at``). Cancelling is ``bookings.services.booking_cancel`` itself (the 24 h
guest rule lives there). Every state change is written to the audit trail (``log_action``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import BookingType, ConsultationBooking
from bookings.services import booking_create, booking_mark_accepted
from consulting import conf
from consulting import openalex_gateway as openalex
from consulting.exceptions import (
    PaperNotFound,
    SessionInvalid,
    SessionNotAcceptable,
)
from consulting.models import (
    Paper,
    ResearcherProfile,
)
from magnetiq.audit import log_action

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


def _invalid(field: str, message: Message, code: str = "invalid") -> SessionInvalid:
    return SessionInvalid(message, details=[{"field": field, "message": message, "code": code}])


# --- papers -------------------------------------------------------------------------------------


def paper_lookup(identifier: str) -> Paper:
    """A paper by DOI (``10.…`` or ``https://doi.org/10.…``), OpenAlex work id (``W…`` or its URL),
    or ``paper-<pk>`` (:attr:`Paper.reference` of a paper with neither). Raises :class:`PaperNotFound`."""
    text = (identifier or "").strip()
    doi = openalex.bare_doi(text)
    work = openalex.short_id(text, "W")
    match = re.fullmatch(r"paper-(\d+)", text)
    query = None
    if doi:
        query = Q(doi=doi)
    elif work:
        query = Q(openalex_id=work)
    elif match:
        query = Q(pk=int(match.group(1)), doi="", openalex_id="")
    paper = Paper.objects.select_related("researcher__consultant").filter(query).first() if query else None
    if paper is None:
        raise PaperNotFound()
    return paper


# --- sessions -----------------------------------------------------------------------------------


def session_create(
    *,
    client,
    researcher: ResearcherProfile,
    start: datetime,
    end: datetime | None = None,
    paper_id: str = "",
    questions: Any = None,
    visitor_timezone: str = "UTC",
    language: str = "en",
    now: datetime | None = None,
) -> ConsultationBooking:
    """Book a spec 004 session for the signed-in ``client`` with ``researcher``.

    The session lasts ``end - start`` (15–240 minutes; default ``CONSULTING_SESSION_MINUTES``) and is
    a ``custom`` booking of the researcher's consultant, so it takes a real slot under the booking
    lock: ``confirmed`` at once when free, else ``pending_payment`` with a hold. ``paper_id`` (DOI or
    OpenAlex id) must name a known paper; the booking stores its :attr:`Paper.reference`.
    Raises :class:`SessionInvalid` / ``BookingInvalid`` (422), :class:`PaperNotFound` (404),
    ``BookingUnavailable`` (409) and ``NotFound`` (researcher not public).
    """
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise _invalid("start_time", _("Give times with a UTC offset or Z."))
    minutes = conf.get("CONSULTING_SESSION_MINUTES")
    if end is not None:
        seconds = (end - start).total_seconds()
        if seconds <= 0:
            raise _invalid("end_time", _("The session must end after it starts."))
        if seconds % 60:
            raise _invalid("end_time", _("Sessions last whole minutes."))
        minutes = int(seconds // 60)
    if not 15 <= minutes <= 240:
        raise _invalid("end_time", _("A session lasts 15 to 240 minutes."))
    reference = paper_lookup(paper_id).reference if paper_id else ""
    return booking_create(
        consultant=researcher.consultant,
        start=start,
        booking_type=BookingType.CUSTOM,
        duration_minutes=minutes,
        client_name=client.get_full_name(),
        client_email=client.email,
        client_user=client,
        questions=questions,
        visitor_timezone=visitor_timezone,
        language=language,
        paper_id=reference,
        actor=client,
        now=now,
    )


def session_accept(*, booking: ConsultationBooking, actor, now: datetime | None = None) -> ConsultationBooking:
    """The researcher accepts a session (spec 004 "Accept Session"): sets ``accepted_at`` once.

    Only an active booking (confirmed, or pending payment within its hold) can be accepted; an
    accepted one is returned unchanged. Accepting never confirms an unpaid hold (payment does that;
    RELIABILITY C-12). The caller checks that ``actor`` is the session's researcher.
    Raises :class:`SessionNotAcceptable` (409).
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = ConsultationBooking.objects.select_for_update().select_related("consultant").get(pk=booking.pk)
        if booking.accepted_at is not None:
            return booking
        if not booking.is_active or booking.start <= now:
            raise SessionNotAcceptable()
        booking_mark_accepted(booking=booking, actor=actor, now=now)
        booking.refresh_from_db(fields=["accepted_at", "updated_at"])
        log_action(booking, "consulting.session.accepted", actor=actor, data={"reference": booking.reference})
    return booking
