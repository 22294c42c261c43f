"""Submitting and moderating reviews, and the consultant's rating recounted from the approved rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory
from leads.services import lead_erase
from leads.tests.factories import LeadFactory
from magnetiq.models import AuditLogEntry
from magnetiq.tests.parallel import run_together
from reviews.exceptions import ReviewAlreadySubmitted, ReviewInvalid, ReviewNotAllowed
from reviews.models import Review, ReviewStatus
from reviews.services import consultant_rating_refresh, review_approve, review_reject, review_submit

from .factories import ReviewFactory, completed_booking

pytestmark = pytest.mark.django_db


def test_submit_records_a_pending_review_with_the_first_name_only():
    booking = completed_booking(client_name="Clara Maria Client")
    review = review_submit(booking=booking, rating=4, text="  Helpful.  ", language="de")
    assert (review.status, review.rating, review.text, review.language) == ("pending", 4, "Helpful.", "de")
    assert review.author_name == "Clara"
    assert review.consultant_id == booking.consultant_id
    assert AuditLogEntry.objects.filter(action="reviews.review.submitted").count() == 1


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW])
def test_only_completed_bookings_can_be_rated(status):
    with pytest.raises(ReviewNotAllowed):
        review_submit(booking=BookingFactory(status=status), rating=5)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("rating", "text", "language", "field"),
    [
        (0, "", "en", "rating"),
        (6, "", "en", "rating"),
        (True, "", "en", "rating"),
        (5, "x" * 2001, "en", "text"),
        (5, "", "fr", "language"),
    ],
)
def test_invalid_fields(rating, text, language, field):
    with pytest.raises(ReviewInvalid) as caught:
        review_submit(booking=completed_booking(), rating=rating, text=text, language=language)
    assert caught.value.details[0]["field"] == field


def test_one_review_per_booking():
    booking = completed_booking()
    review_submit(booking=booking, rating=5)
    with pytest.raises(ReviewAlreadySubmitted):
        review_submit(booking=booking, rating=1)
    assert Review.objects.get().rating == 5


def test_the_database_refuses_a_rating_outside_1_to_5():
    booking = completed_booking()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(booking=booking, consultant=booking.consultant, rating=6)


def test_approval_and_rejection_recount_the_consultants_rating():
    consultant = ConsultantFactory(average_rating=Decimal("4.90"), total_reviews=120)
    first = ReviewFactory(booking=completed_booking(consultant=consultant), rating=5)
    second = ReviewFactory(booking=completed_booking(consultant=consultant), rating=4)
    third = ReviewFactory(booking=completed_booking(consultant=consultant), rating=4)
    staff = UserFactory(role=Role.CONSULTANT_MANAGER)

    review_approve(review=first, actor=staff)
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("5.00"), 1)

    review_approve(review=second)
    review_approve(review=third)
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("4.33"), 3)

    review_reject(review=first)
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("4.00"), 2)
    first.refresh_from_db()
    assert first.status == ReviewStatus.REJECTED and first.moderated_at is not None
    assert first.moderated_by is None  # the last decision was the system's

    review_reject(review=second)
    review_reject(review=third)
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (None, 0)


def test_approving_twice_changes_nothing_more():
    review = ReviewFactory(rating=3)
    review_approve(review=review)
    review_approve(review=review)
    review.consultant.refresh_from_db()
    assert review.consultant.total_reviews == 1
    assert AuditLogEntry.objects.filter(action="reviews.review.approved").count() == 1


def test_refresh_replaces_seed_figures_with_the_rows():
    consultant = ConsultantFactory(average_rating=Decimal("4.10"), total_reviews=73)
    assert consultant_rating_refresh(consultant_id=consultant.pk) is True
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (None, 0)
    assert consultant_rating_refresh(consultant_id=consultant.pk) is False


@pytest.mark.django_db(transaction=True)
def test_simultaneous_approvals_all_count():
    consultant = ConsultantFactory()
    reviews = [ReviewFactory(booking=completed_booking(consultant=consultant), rating=r) for r in (5, 4, 3, 2)]
    results = run_together([lambda review=review: review_approve(review=review) for review in reviews])
    assert all(isinstance(result, Review) for result in results), results
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("3.50"), 4)


def test_erasing_the_lead_erases_the_clients_words_and_name_but_not_the_rating():
    consultant = ConsultantFactory()
    mine = ReviewFactory(booking=completed_booking(consultant=consultant, client_email="clara@example.com"), rating=2)
    other = ReviewFactory(booking=completed_booking(consultant=consultant, client_email="otto@example.com"), rating=4)
    review_approve(review=mine)
    review_approve(review=other)
    lead_erase(lead=LeadFactory(email="clara@example.com"), actor=None)
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.text, mine.author_name, mine.rating, mine.status) == ("", "", 2, "approved")
    assert (other.text, other.author_name) == ("Clear and useful.", "Clara")
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("3.00"), 2)
    assert AuditLogEntry.objects.filter(action="reviews.review.client_erased").count() == 1
