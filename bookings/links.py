"""What other apps' pages may use of a booking's pages: the visitor's links to a booking, the way a
booking's time is written, and the page-side access check.

The payment step (``payments.pages.pay``, ``/bookings/<reference>/pay/``) sits above bookings in
the app layers (docs/architecture.md "Dependencies between apps"): it imports this module, and
bookings reaches it only by its URL name (``payments:pay``), never by importing payments.
"""

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import pgettext

from magnetiq.formatting import format_clock_time

from .access import booking_for_change
from .exceptions import BookingChangeForbidden, BookingLinkExpired, BookingNotFound
from .models import ConsultationBooking
from .tokens import manage_token


def utc_offset(local: datetime) -> str:
    """``UTC+02:00`` for an aware local datetime."""
    raw = local.strftime("%z") or "+0000"
    return f"UTC{raw[:3]}:{raw[3:]}"


def format_day(day) -> str:
    """``Wednesday, 3 June 2026`` for a date or a local datetime, in the active language (German:
    ``Mittwoch, 3. Juni 2026``); the format itself is translated."""
    return date_format(day, pgettext("date with weekday (PHP date format)", "l, j F Y"))


def format_local(local: datetime) -> str:
    """``Wednesday, 3 June 2026, 10:00 AM`` for a datetime in the zone to show: the day
    (:func:`format_day`) and the clock time on the visitor's clock
    (:func:`magnetiq.formatting.format_clock_time`)."""
    return f"{format_day(local)}, {format_clock_time(local)}"


def format_when(moment: datetime, zone: str) -> str:
    """``Wednesday, 3 June 2026, 10:00 AM (UTC+02:00)`` for the aware ``moment`` in the IANA
    ``zone``, in the active language (German: ``Mittwoch, 3. Juni 2026, 10:00 (UTC+02:00)``)."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_local(local)} ({utc_offset(local)})"


def manage_url(booking: ConsultationBooking) -> str:
    """The visitor's link to ``booking`` with its current manage token, a path in the active language:
    ``/bookings/MQ-…/?token=…``."""
    return f"{reverse('bookings:manage', args=[booking.reference])}?{urlencode({'token': manage_token(booking)})}"


def pay_url(booking: ConsultationBooking) -> str:
    """The payment step of a held booking with its current manage token: ``/bookings/MQ-…/pay/?token=…``
    (served by the payments app, ``payments:pay``)."""
    return f"{reverse('payments:pay', args=[booking.reference])}?{urlencode({'token': manage_token(booking)})}"


def given_token(request) -> str:
    """The manage token a page request carries (``token`` in the form or the query), or ``""``."""
    return request.POST.get("token") or request.GET.get("token") or ""


def booking_for_page_change(request, reference: str) -> tuple[ConsultationBooking, str]:
    """The booking of ``reference`` if the request may change it (:mod:`bookings.access`: the manage
    token or the signed-in owner, consultant or staff), with its current manage token for the next
    links. Staff who may only read it → ``PermissionDenied`` (the 403 page); anyone else, the link of
    a booking that is over included → ``Http404``."""
    try:
        booking = booking_for_change(reference=reference, user=request.user, token=given_token(request))
    except (BookingNotFound, BookingLinkExpired):
        raise Http404("No such booking.") from None
    except BookingChangeForbidden as exc:
        raise PermissionDenied(exc.message) from None
    return booking, manage_token(booking)
