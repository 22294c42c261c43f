"""Reads the account pages compose from the apps below (nothing here writes).

Every list is the signed-in user's own: bookings they own plus guest bookings under an address they
verified (``accounts.selectors.verified_emails``), the webinar registrations, whitepaper downloads
and consents of those addresses, and for a consultant the profile linked to their user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import verified_emails
from bookings.models import ACTIVE_STATUSES, ConsultationBooking
from consultants.models import Consultant
from leads.models import Lead
from webinars.models import WebinarRegistration
from whitepapers.models import WhitepaperDownload


@dataclass(frozen=True)
class Owner:
    """Who the pages are about: the user and the addresses they proved to own."""

    user: object
    emails: list[str]


def owner_of(user) -> Owner:
    """The signed-in ``user`` with their verified addresses."""
    return Owner(user=user, emails=verified_emails(user))


def account_bookings(owner: Owner) -> QuerySet[ConsultationBooking]:
    """Their bookings as a client, newest start first (see ``BookingQuerySet.for_account``)."""
    return (
        ConsultationBooking.objects.for_account(owner.user, owner.emails)
        .select_related("consultant")
        .order_by("-start", "-pk")
    )


def account_registrations(owner: Owner) -> QuerySet[WebinarRegistration]:
    """Webinar registrations under their verified addresses, latest webinar first."""
    return (
        WebinarRegistration.objects.filter(email__in=owner.emails)
        .select_related("webinar")
        .order_by("-webinar__starts_at", "-pk")
    )


def account_leads(owner: Owner) -> QuerySet[Lead]:
    """The (non-erased) leads of their verified addresses: at most one per address."""
    return Lead.objects.with_emails(owner.emails).order_by("pk")


def account_downloads(owner: Owner) -> QuerySet[WhitepaperDownload]:
    """Whitepapers downloaded through links sent to their verified addresses, latest first."""
    return (
        WhitepaperDownload.objects.filter(lead__in=account_leads(owner))
        .select_related("whitepaper")
        .order_by("-downloaded_at", "-pk")
    )


def consultant_of(user) -> Consultant | None:
    """The (not deleted) consultant profile linked to ``user``, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Consultant.objects.filter(user=user, deleted_at__isnull=True).first()


def upcoming_sessions(consultant: Consultant, now=None) -> QuerySet[ConsultationBooking]:
    """The consultant's sessions still ahead that hold their time (confirmed or held), soonest first."""
    now = now or timezone.now()
    return consultant.bookings.filter(status__in=ACTIVE_STATUSES, end__gt=now).order_by("start", "pk")


def has_upcoming_bookings(owner: Owner, consultant: Consultant | None, now=None) -> bool:
    """Whether a session is still ahead for them, as client or (with ``consultant``) as consultant."""
    now = now or timezone.now()
    if account_bookings(owner).filter(status__in=ACTIVE_STATUSES, end__gt=now).exists():
        return True
    return consultant is not None and upcoming_sessions(consultant, now).exists()
