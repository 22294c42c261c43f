"""``manage.py load_demo_data``: the demo reviews (ratings computed by the review services, the
testimonials endpoint and profile section, the moderation queue) and that a second run changes nothing."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from bookings.models import BookingStatus, ConsultationBooking
from consultants.models import Consultant
from reviews.models import Review, ReviewStatus

pytestmark = pytest.mark.django_db

ANNA = "anna.schmidt@magnetiq.example"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """The whitepaper PDFs go to a directory of this test, not the shared ``var/private``."""
    settings.WHITEPAPER_PRIVATE_ROOT = tmp_path / "private"


def load() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """The demo's reviews, their bookings and the stored ratings, comparable between runs."""
    return {
        "reviews": sorted(
            Review.objects.values_list(
                "booking__reference", "consultant__email", "rating", "text", "language", "author_name", "status"
            )
        ),
        "bookings": sorted(
            ConsultationBooking.objects.values_list("reference", "consultant__email", "status", "start", "end")
        ),
        "ratings": sorted(
            Consultant.objects.filter(total_reviews__gt=0).values_list("email", "average_rating", "total_reviews")
        ),
    }


def test_demo_consultants_get_computed_ratings_and_listed_testimonials(api_client):
    output = load()

    assert "7 review(s) made." in output
    assert sorted(
        Consultant.objects.filter(total_reviews__gt=0).values_list("email", "average_rating", "total_reviews")
    ) == [
        (ANNA, Decimal("4.67"), 3),
        ("james.carter@magnetiq.example", Decimal("4.50"), 2),
        ("sofia.rossi@magnetiq.example", Decimal("5.00"), 1),
    ]
    pending = Review.objects.get(status=ReviewStatus.PENDING)
    assert (pending.consultant.email, pending.rating, pending.author_name, pending.moderated_at) == (
        ANNA,
        3,
        "Tom",
        None,
    )
    assert Review.objects.filter(status=ReviewStatus.APPROVED).count() == 6
    # Every rated session is a completed booking that ended in the past, before its review was written:
    # targets 62 to 19 days ago, each moved to the first free slot of the following week at the latest.
    now = timezone.now()
    for review in Review.objects.select_related("booking"):
        booking = review.booking
        assert booking.status == BookingStatus.COMPLETED
        assert (
            now - timedelta(days=62 + 7)
            < booking.start
            < booking.end
            < review.created_at
            < now - timedelta(days=19 - 7)
        )

    anna = Consultant.objects.get(email=ANNA)
    response = api_client.get(f"/api/v1/public/consultants/{anna.pk}/testimonials")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"]["total"] == 3
    assert [(row["author_name"], row["rating"], row["language"]) for row in data["testimonials"]] == [
        ("Priya", 5, "en"),
        ("Markus", 4, "de"),
        ("Clara", 5, "en"),
    ]
    assert "Tom" not in response.content.decode()
    profile = api_client.get(anna.get_absolute_url()).content.decode()
    testimonials = profile.split('id="testimonials"', 1)[1]
    assert "Priya" in testimonials and "Sehr strukturiert und ehrlich." in testimonials and "Tom" not in testimonials


def test_a_second_run_changes_nothing():
    load()
    first = snapshot()

    assert "0 review(s) made." in load()
    assert snapshot() == first


def test_the_demo_sessions_follow_the_clock():
    """The sessions are placed weeks before the day the command runs, whatever that day is."""
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=False):
        load()
        now = timezone.now()
        starts = list(ConsultationBooking.objects.values_list("start", flat=True))
    assert len(starts) == 7
    assert all(now - timedelta(days=62 + 7) < start < now - timedelta(days=19 - 7) for start in starts)
