"""Every write to reviews: a client submits one per completed booking, staff approve or reject it.

After each moderation the consultant's ``average_rating`` and ``total_reviews`` are recomputed in the
database from the approved rows, under the consultant's row lock (``select_for_update`` inside
``transaction.atomic``), and stored through :func:`consultants.services.consultant_set_rating`: two
moderations of one consultant's reviews at the same time queue on that lock, so the second one
counts the first one's row and the stored pair is never stale. One review per booking is the
database's unique ``booking`` column; the 1–5 rating its check constraint.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import BookingStatus, ConsultationBooking
from consultants.models import Consultant
from consultants.services import consultant_set_rating
from magnetiq.audit import log_action
from magnetiq.translation import LANGUAGE_CODES

from .exceptions import ReviewAlreadySubmitted, ReviewInvalid, ReviewNotAllowed
from .models import MAX_RATING, MAX_TEXT_CHARS, MIN_RATING, Review, ReviewStatus


def _invalid(field: str, message) -> ReviewInvalid:
    return ReviewInvalid(details=[{"field": field, "message": str(message), "code": "invalid"}])


def review_can_submit(booking: ConsultationBooking) -> bool:
    """Whether ``booking`` may be rated now: it is completed and has no review yet."""
    return booking.status == BookingStatus.COMPLETED and not Review.objects.filter(booking_id=booking.pk).exists()


def review_submit(
    *, booking: ConsultationBooking, rating: int, text: str = "", language: str = "en", now: datetime | None = None
) -> Review:
    """Record the client's rating (``rating`` 1–5, ``text`` ≤ 2000 characters, ``language`` a site
    language) of a completed ``booking`` as a ``pending`` review; staff approve it before it is shown.

    The caller has checked that the client may (the booking's manage token, ``bookings.tokens``).
    Raises :class:`ReviewInvalid` (422), :class:`ReviewNotAllowed` (409: the booking is not completed)
    or :class:`ReviewAlreadySubmitted` (409: rated before, also when two submissions race).
    """
    if not isinstance(rating, int) or isinstance(rating, bool) or not MIN_RATING <= rating <= MAX_RATING:
        raise _invalid("rating", _("Choose from 1 to 5 stars."))
    text = (text or "").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise _invalid("text", _("Keep it under %(limit)d characters.") % {"limit": MAX_TEXT_CHARS})
    if language not in LANGUAGE_CODES:
        raise _invalid("language", _("Use one of %(languages)s.") % {"languages": ", ".join(LANGUAGE_CODES)})
    if booking.status != BookingStatus.COMPLETED:
        raise ReviewNotAllowed()
    first_name = (booking.client_name or "").strip().split(" ")[0][:100]
    try:
        with transaction.atomic():
            review = Review.objects.create(
                booking=booking,
                consultant_id=booking.consultant_id,
                rating=rating,
                text=text,
                language=language,
                author_name=first_name,
                created_at=now or timezone.now(),
            )
            log_action(review, "reviews.review.submitted", data={"booking": booking.reference, "rating": rating})
    except IntegrityError:
        raise ReviewAlreadySubmitted() from None
    return review


def _consultant_rating(consultant_id: int) -> tuple[Decimal | None, int]:
    """The average (two places, half up) and count of the consultant's approved reviews, by one query."""
    figures = (
        Review.objects.approved()
        .filter(consultant_id=consultant_id)
        .aggregate(average=Avg("rating"), total=Count("id"))
    )
    average = figures["average"]
    if average is None:
        return None, 0
    return Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), figures["total"]


def consultant_rating_refresh(*, consultant_id: int) -> bool:
    """Recompute the consultant's rating from the approved reviews under its row lock and store it;
    ``True`` when it changed. Used after each moderation and by the demo data."""
    with transaction.atomic():
        # The lock orders every recount of this consultant (a read: consultants' service writes).
        Consultant.objects.select_for_update().filter(pk=consultant_id).values_list("pk", flat=True).first()
        average, total = _consultant_rating(consultant_id)
        return consultant_set_rating(consultant_id=consultant_id, average=average, total=total)


def _moderate(*, review: Review, status: str, actor, now: datetime | None) -> Review:
    now = now or timezone.now()
    with transaction.atomic():
        # Consultant first, then the review: the same order for every moderation of one consultant.
        Consultant.objects.select_for_update().filter(pk=review.consultant_id).values_list("pk", flat=True).first()
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.status != status:
            old_status = review.status
            review.status = status
            review.moderated_by = actor if getattr(actor, "is_authenticated", False) else None
            review.moderated_at = now
            review.save(update_fields=["status", "moderated_by", "moderated_at"])
            log_action(
                review,
                f"reviews.review.{status}",
                actor=actor,
                data={"booking_id": review.booking_id, "from": old_status, "to": status},
            )
        average, total = _consultant_rating(review.consultant_id)
        consultant_set_rating(consultant_id=review.consultant_id, average=average, total=total)
    return review


def review_approve(*, review: Review, actor=None, now: datetime | None = None) -> Review:
    """Show the review (status ``approved``) and recount the consultant's rating. Idempotent."""
    return _moderate(review=review, status=ReviewStatus.APPROVED, actor=actor, now=now)


def review_reject(*, review: Review, actor=None, now: datetime | None = None) -> Review:
    """Hide the review (status ``rejected``; an approved one is taken off the profile) and recount the
    consultant's rating. Idempotent."""
    return _moderate(review=review, status=ReviewStatus.REJECTED, actor=actor, now=now)


def reviews_erase_client(*, email: str) -> int:
    """Erase the client's words and name from their reviews (GDPR Art. 17), on the erasure of the
    lead with ``email`` (``leads.signals.lead_erased``, same transaction): ``text`` and
    ``author_name`` become empty, the rating (not personal, part of the consultant's average) and
    the moderation stay. Covers the reviews of bookings still under ``email`` and of bookings whose
    contact data bookings already erased (``bookings.services.booking_client_erase`` replaces the
    address by ``erased-<id>@erased.invalid``), whichever receiver runs first. Returns how many
    reviews changed; idempotent."""
    email = (email or "").strip().lower()
    erased = Q(booking__client_email__endswith="@erased.invalid")
    if email:
        erased |= Q(booking__client_email=email)
    with transaction.atomic():
        reviews = list(Review.objects.select_for_update().filter(erased).exclude(text="", author_name=""))
        for review in reviews:
            review.text = ""
            review.author_name = ""
            review.save(update_fields=["text", "author_name"])
            log_action(review, "reviews.review.client_erased", data={"booking_id": review.booking_id})
    return len(reviews)
