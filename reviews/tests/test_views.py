"""The rating page (token, states, German), the profile's testimonials, the testimonials API, and a
review submitted on the page and approved in the admin changing the profile's rating."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from bookings.tokens import manage_token
from consultants.tests.factories import ConsultantFactory
from reviews.models import Review, ReviewStatus

from .factories import ReviewFactory, completed_booking

pytestmark = pytest.mark.django_db


def _url(booking, token=None, prefix=""):
    return f"{prefix}/bookings/{booking.reference}/review/?token={token or manage_token(booking)}"


@pytest.fixture
def booking():
    end = timezone.now() - timedelta(hours=2)
    consultant = ConsultantFactory(average_rating=Decimal("4.90"), total_reviews=50)
    return completed_booking(consultant=consultant, start=end - timedelta(minutes=30), client_name="Clara Client")


def test_form_without_javascript(client, booking):
    response = client.get(_url(booking))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="radio" name="rating" value="5"' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert booking.consultant.full_name in html


def test_german_page(client, booking):
    response = client.get(_url(booking, prefix="/de"))
    assert response.status_code == 200
    assert "Bewerten Sie Ihre Beratung" in response.content.decode()


@pytest.mark.parametrize("token", ["forged", ""])
def test_wrong_token_is_404(client, booking, token):
    assert client.get(f"/bookings/{booking.reference}/review/?token={token}").status_code == 404
    assert client.post(f"/bookings/{booking.reference}/review/", {"token": token, "rating": 5}).status_code == 404


def test_link_expires_14_days_after_the_end(client, booking):
    with time_machine.travel(booking.end + timedelta(days=14, seconds=1)):
        assert client.get(_url(booking)).status_code == 404
    assert not Review.objects.exists()


def test_not_completed_booking_cannot_be_rated(client):
    booking = BookingFactory(status=BookingStatus.CONFIRMED, start=timezone.now() + timedelta(days=2))
    response = client.get(_url(booking))
    assert 'id="review-not-yet"' in response.content.decode()
    assert client.post(_url(booking), {"rating": 5}).status_code == 409
    assert not Review.objects.exists()


def test_missing_rating_is_a_form_error(client, booking):
    response = client.post(_url(booking), {"text": "No stars"})
    assert response.status_code == 422
    assert 'id="rating-errors"' in response.content.decode()
    assert not Review.objects.exists()


def test_rated_once(client, booking):
    response = client.post(_url(booking), {"rating": 4, "text": "Good."}, follow=True)
    assert response.status_code == 200
    assert 'id="review-done"' in response.content.decode()
    assert client.post(_url(booking), {"rating": 1}).status_code == 409
    assert Review.objects.get().rating == 4


def test_submitted_on_the_page_approved_in_the_admin_changes_the_profile(client, booking):
    """The whole path: the follow-up's link → the page → the admin's approve action → the profile."""
    consultant = booking.consultant
    profile = reverse("consultants:detail", args=[consultant.slug])
    assert "4.9" in client.get(profile).content.decode()  # the seed figure, until a review counts

    client.post(_url(booking, prefix="/de"), {"rating": 4, "text": "Sehr hilfreich."})
    review = Review.objects.get()
    assert (review.status, review.language, review.author_name) == (ReviewStatus.PENDING, "de", "Clara")
    consultant.refresh_from_db()
    assert consultant.total_reviews == 50  # nothing counts before approval

    staff = User.objects.create_user("cm@example.com", "pw-0123456789", role=Role.CONSULTANT_MANAGER)
    staff_client = client.__class__()
    staff_client.force_login(staff)
    response = staff_client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "approve", "_selected_action": [review.pk]},
        follow=True,
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED and review.moderated_by == staff
    consultant.refresh_from_db()
    assert (consultant.average_rating, consultant.total_reviews) == (Decimal("4.00"), 1)

    html = client.get(profile).content.decode()
    assert "★ 4.0 (1 review)" in html
    assert 'id="testimonials"' in html and "Sehr hilfreich." in html and "Clara" in html
    assert "Client" not in html.split('id="testimonials"', 1)[1]


def test_admin_reject_and_filters(client, booking):
    review = ReviewFactory(booking=booking, rating=2)
    staff = User.objects.create_user("root@example.com", "pw-0123456789", role=Role.SUPER_ADMIN)
    client.force_login(staff)
    changelist = reverse("admin:reviews_review_changelist")
    for url in (
        changelist,
        changelist + "?status__exact=pending&rating__exact=2&q=Clara",
        reverse("admin:reviews_review_change", args=[review.pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.post(changelist, {"action": "approve", "_selected_action": [review.pk]})
    client.post(changelist, {"action": "reject", "_selected_action": [review.pk]})
    review.refresh_from_db()
    booking.consultant.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED
    assert (booking.consultant.average_rating, booking.consultant.total_reviews) == (None, 0)


def test_viewer_cannot_moderate(client, booking):
    review = ReviewFactory(booking=booking)
    viewer = User.objects.create_user("viewer@example.com", "pw-0123456789", role=Role.VIEWER)
    client.force_login(viewer)
    response = client.post(
        reverse("admin:reviews_review_changelist"), {"action": "approve", "_selected_action": [review.pk]}
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_testimonials_api(api_client):
    consultant = ConsultantFactory()
    for rating in (5, 4, 3):
        ReviewFactory(
            booking=completed_booking(consultant=consultant, client_name="Ann Other"),
            rating=rating,
            status=ReviewStatus.APPROVED,
            moderated_at=timezone.now(),
        )
    ReviewFactory(booking=completed_booking(consultant=consultant), rating=1)  # pending: not shown
    response = api_client.get(f"/api/v1/public/consultants/{consultant.pk}/testimonials?limit=2")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert set(data["testimonials"][0]) == {"id", "rating", "text", "language", "author_name", "created_at"}
    assert "Other" not in response.content.decode()
    hidden = ConsultantFactory(status="inactive")
    response = api_client.get(f"/api/v1/public/consultants/{hidden.pk}/testimonials")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONSULTANT_NOT_FOUND"
    assert api_client.get(f"/api/v1/public/consultants/{consultant.pk}/testimonials?page=x").status_code in (400, 422)


def _staff_api(role):
    user = User.objects.create_user(f"{role}@example.com", "pw-0123456789", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client, user


def test_staff_api_moderation(booking):
    review = ReviewFactory(booking=booking, rating=3)
    client, staff = _staff_api(Role.CONSULTANT_MANAGER)
    response = client.get("/api/v1/admin/reviews?status=pending")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["data"]["reviews"]] == [review.pk]
    response = client.post(f"/api/v1/admin/reviews/{review.pk}/approve")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "approved"
    booking.consultant.refresh_from_db()
    assert (booking.consultant.average_rating, booking.consultant.total_reviews) == (Decimal("3.00"), 1)
    assert client.post(f"/api/v1/admin/reviews/{review.pk}/reject").json()["data"]["moderated_by"] == staff.pk
    booking.consultant.refresh_from_db()
    assert booking.consultant.total_reviews == 0
    assert client.post("/api/v1/admin/reviews/999999/approve").status_code == 404
    assert client.get("/api/v1/admin/reviews?status=nope").status_code in (400, 422)
    viewer, _ = _staff_api(Role.VIEWER)
    assert viewer.post(f"/api/v1/admin/reviews/{review.pk}/approve").status_code == 403
