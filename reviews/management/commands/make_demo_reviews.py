"""``manage.py make_demo_reviews``: rated sessions of three demo consultants, made by the real flows.

Each demo review is a 30-for-30 session some weeks ago (``days_ago`` before now, on the first free
slot of the consultant's schedule from that day on), booked, confirmed and completed through
``bookings.services`` at the times they would have happened, rated through
:func:`reviews.services.review_submit` (what the rating page calls) two hours after the end and,
except one left ``pending`` for the admin's moderation queue, approved a day later through
:func:`reviews.services.review_approve`, which recounts the consultant's ``average_rating`` and
``total_reviews``. Anna Schmidt ends with 4.67 from 3 reviews (and the pending one), James Carter
with 4.50 from 2, Sofia Rossi with 5.00 from 1.

The sessions are confirmed as staff confirm one paid outside the site (:func:`booking_confirm`
without a payment): no ``Payment`` row, so no ledger entry, earnings or payout. After commit they
get what any booking gets (the meeting, the client's lead, the confirmation e-mails, the payouts'
recount of ``total_consultations``, which counts only sessions paid on the site, so these leave it
at 0); every client address is under ``clients.magnetiq.example``, a reserved name where nothing
is delivered.

Idempotent: a demo session is found again by its consultant and client address, and only the
steps it still lacks are done, so a second run changes nothing and an interrupted run is finished.
A review staff moderated meanwhile is left as they decided. Consultants missing from the database
(``import_consultants`` not run) or without a free slot, and a demo session staff marked as a
no-show, are skipped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management import BaseCommand
from django.utils import timezone

from bookings.availability import slots_by_day
from bookings.models import BookingStatus, BookingType, ConsultationBooking
from bookings.services import booking_complete, booking_confirm, booking_create
from consultants.models import Consultant
from reviews.models import Review, ReviewStatus
from reviews.services import review_approve, review_submit

#: How many days from a session's target day a free slot is looked for.
SEARCH_DAYS = 7


@dataclass(frozen=True)
class DemoReview:
    consultant_email: str
    client_name: str
    client_email: str
    days_ago: int
    rating: int
    text: str
    language: str = "en"
    approved: bool = True


DEMO_REVIEWS = (
    DemoReview(
        "anna.schmidt@magnetiq.example",
        "Clara Hoffmann",
        "clara.hoffmann@clients.magnetiq.example",
        62,
        5,
        "Anna took our three growth ideas apart in thirty minutes and left us with one we could start on Monday.",
    ),
    DemoReview(
        "anna.schmidt@magnetiq.example",
        "Markus Lenz",
        "markus.lenz@clients.magnetiq.example",
        41,
        4,
        "Sehr strukturiert und ehrlich. Für die Preisfrage hätte ich mir etwas mehr Zeit gewünscht.",
        language="de",
    ),
    DemoReview(
        "anna.schmidt@magnetiq.example",
        "Priya Nair",
        "priya.nair@clients.magnetiq.example",
        27,
        5,
        "Clear, direct and well prepared: she had read our deck before the call.",
    ),
    DemoReview(
        "anna.schmidt@magnetiq.example",
        "Tom Becker",
        "tom.becker@clients.magnetiq.example",
        19,
        3,
        "Useful, but most of it we knew already.",
        approved=False,
    ),
    DemoReview(
        "james.carter@magnetiq.example",
        "Rachel Moore",
        "rachel.moore@clients.magnetiq.example",
        55,
        5,
        "James spotted the gap in our audit plan within ten minutes. Worth every cent.",
    ),
    DemoReview(
        "james.carter@magnetiq.example",
        "Daniel Ortiz",
        "daniel.ortiz@clients.magnetiq.example",
        33,
        4,
        "Good checklist and a follow-up e-mail with the links he mentioned.",
    ),
    DemoReview(
        "sofia.rossi@magnetiq.example",
        "Giulia Conti",
        "giulia.conti@clients.magnetiq.example",
        48,
        5,
        "Sofia helped us cut our go-to-market plan to what a team of four can actually do.",
    ),
)


def _first_free_start(consultant: Consultant, day_ago: datetime) -> tuple[datetime, datetime] | None:
    """The first free 30-for-30 slot on or after the consultant's local date of ``day_ago`` (within
    :data:`SEARCH_DAYS`), with the moment it is booked (midnight at the start of the day before,
    so notice and window hold), or ``None`` when the schedule has no free slot then."""
    zone = ZoneInfo(consultant.timezone or "UTC")
    first_day = day_ago.astimezone(zone).date()
    booked_at = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    days = slots_by_day(
        consultant=consultant,
        first_day=first_day,
        last_day=first_day + timedelta(days=SEARCH_DAYS - 1),
        tz=zone,
        booking_type=BookingType.THIRTY_FOR_THIRTY,
        now=booked_at,
        available_only=True,
    )
    for states in days.values():
        if states:
            return states[0].slot.start, booked_at
    return None


class Command(BaseCommand):
    help = "Give three demo consultants completed sessions with reviews, six approved and one pending (idempotent)."

    def handle(self, *args, **options):
        now = timezone.now()
        made = 0
        for demo in DEMO_REVIEWS:
            consultant = Consultant.objects.alive().filter(email=demo.consultant_email).first()
            if consultant is None:
                self.stdout.write(f"{demo.consultant_email}: no such consultant, skipped")
                continue
            booking = (
                ConsultationBooking.objects.filter(consultant=consultant, client_email=demo.client_email)
                .exclude(status=BookingStatus.CANCELLED)
                .order_by("pk")
                .first()
            )
            confirm_at = booking.start - timedelta(days=1) if booking else None
            if booking is None:
                found = _first_free_start(consultant, now - timedelta(days=demo.days_ago))
                if found is None:
                    self.stdout.write(f"{demo.consultant_email}: no free slot {demo.days_ago} days ago, skipped")
                    continue
                start, booked_at = found
                booking = booking_create(
                    consultant=consultant,
                    start=start,
                    client_name=demo.client_name,
                    client_email=demo.client_email,
                    booking_type=BookingType.THIRTY_FOR_THIRTY,
                    visitor_timezone=consultant.timezone or "UTC",
                    language=demo.language,
                    now=booked_at,
                )
                # Staff confirm it (paid outside the site) while the hold still stands.
                confirm_at = booked_at + timedelta(minutes=5)
            if booking.status == BookingStatus.PENDING_PAYMENT:
                booking = booking_confirm(booking=booking, now=confirm_at)
            if booking.status == BookingStatus.CONFIRMED:
                booking = booking_complete(booking=booking, now=booking.end)
            if booking.status != BookingStatus.COMPLETED:
                self.stdout.write(f"{booking.reference}: {booking.status} (changed by staff), not rated")
                continue
            review = Review.objects.filter(booking=booking).first()
            if review is None:
                review = review_submit(
                    booking=booking,
                    rating=demo.rating,
                    text=demo.text,
                    language=demo.language,
                    now=booking.end + timedelta(hours=2),
                )
                made += 1
            if demo.approved and review.status == ReviewStatus.PENDING and review.moderated_at is None:
                review_approve(review=review, now=booking.end + timedelta(days=1))
        self.stdout.write(f"{made} review(s) made.")
