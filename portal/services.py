"""The account holder's own erasure, composed from the owning apps' services (portal writes no
table of its own).

:func:`account_erase` is what "Delete my account and data" on the account pages does.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.services import user_erase
from bookings.services import booking_client_erase
from consultants.services.profiles import consultant_delete
from leads.services import lead_erase
from webinars.services import webinar_registrations_erase

from . import selectors
from .exceptions import UpcomingBookingsBlockErasure


@transaction.atomic
def account_erase(*, user) -> dict[str, int]:
    """Delete the signed-in ``user``'s account and personal data (GDPR Art. 17), in one transaction.

    Refused with :class:`UpcomingBookingsBlockErasure` (409) while a session is still ahead, as
    client or as consultant (cancel it first: a session in progress is a contract). Otherwise, for
    every address the user verified (an unverified one may be someone else's, so its data stays):

    * each lead is erased (``leads.services.lead_erase``; its ``lead_erased`` signal makes
      webinars, whitepapers and bookings erase their copies);
    * bookings are erased by ``bookings.services.booking_client_erase`` (a paid booking keeps the
      invoice's name and company, § 147 AO) and webinar registrations by
      ``webinars.services.webinar_registrations_erase`` (also without a lead);
    * a linked consultant profile is soft-deleted (``consultant_delete``: off the directory; its
      bookings and payouts stay for the accounts the law requires);
    * the user becomes an anonymous, inactive row (``accounts.services.user_erase``).

    Returns counts: ``{"leads", "bookings", "registrations"}``.
    """
    now = timezone.now()
    owner = selectors.owner_of(user)
    consultant = selectors.consultant_of(user)
    if selectors.has_upcoming_bookings(owner, consultant, now):
        raise UpcomingBookingsBlockErasure()
    emails = owner.emails
    leads = list(selectors.account_leads(owner))
    for lead in leads:
        lead_erase(lead=lead, actor=user)
    bookings = registrations = 0
    for email in emails:
        bookings += booking_client_erase(email=email, now=now)[0]
        registrations += webinar_registrations_erase(email=email, actor=user, now=now)
    bookings += booking_client_erase(email="", user=user, now=now)[0]
    if consultant is not None:
        consultant_delete(consultant=consultant, now=now)
    user_erase(user=user, now=now)
    return {"leads": len(leads), "bookings": bookings, "registrations": registrations}
