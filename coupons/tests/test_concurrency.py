"""RELIABILITY C-6 and C-7 (docs/reliability.md): coupon limits hold under simultaneous redemptions.

The test database is a SQLite file (WAL, IMMEDIATE transactions) or PostgreSQL (``DATABASE_URL``);
``transaction=True`` so each thread commits for real and the threads race on the same coupon row.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.services import booking_apply_discount, booking_create
from bookings.tests.factories import BookingFactory, weekday_rules
from consultants.tests.factories import ConsultantFactory
from coupons.exceptions import CouponAlreadyUsed, CouponExhausted
from coupons.models import Coupon, CouponUsage
from magnetiq.tests.parallel import run_together

from .factories import CouponFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _held(consultant, n: int, email: str) -> ConsultationBooking:
    start = datetime.combine((timezone.now() + timedelta(days=3)).date(), time(8), tzinfo=UTC) + timedelta(
        minutes=30 * n
    )
    return BookingFactory(
        consultant=consultant,
        start=start,
        client_email=email,
        status=BookingStatus.PENDING_PAYMENT,
        payment_status=BookingPaymentStatus.PENDING,
        hold_expires_at=timezone.now() + timedelta(hours=1),
    )


def _apply(booking_id: int, code: str):
    return booking_apply_discount(booking=ConsultationBooking.objects.get(pk=booking_id), coupon_code=code)


def test_a_five_use_coupon_under_thirty_simultaneous_redemptions_is_used_exactly_five_times():
    consultant = ConsultantFactory()
    coupon = CouponFactory(code="FIVE", max_uses_total=5, valid_from=timezone.now() - timedelta(days=1))
    bookings = [_held(consultant, n, f"racer{n}@example.com") for n in range(30)]

    results = run_together([partial(_apply, b.pk, "FIVE") for b in bookings])

    won = [r for r in results if isinstance(r, ConsultationBooking)]
    lost = [r for r in results if not isinstance(r, ConsultationBooking)]
    assert len(won) == 5, results
    assert all(isinstance(r, CouponExhausted) for r in lost), lost
    coupon.refresh_from_db()
    assert coupon.uses_count == 5
    assert CouponUsage.objects.live().count() == 5
    assert ConsultationBooking.objects.filter(discount_code="FIVE").count() == 5
    assert ConsultationBooking.objects.filter(payment_amount=Decimal("80.00")).count() == 5


def test_a_once_per_person_coupon_booked_ten_times_at_once_by_one_person_is_used_once():
    consultant = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=48)
    weekday_rules(consultant, start=time(6), end=time(20), weekdays=range(7))
    CouponFactory(code="ONCE", valid_from=timezone.now() - timedelta(days=1))
    day = datetime.combine((timezone.now() + timedelta(days=3)).date(), time(8), tzinfo=UTC)

    def book(n: int):
        return booking_create(
            consultant=ConsultantFactory._meta.model.objects.get(pk=consultant.pk),
            start=day + timedelta(minutes=30 * n),
            client_name="Same Person",
            client_email=f"same.person+{n}@gmail.com",
            coupon_code="ONCE",
        )

    results = run_together([partial(book, n) for n in range(10)])

    won = [r for r in results if isinstance(r, ConsultationBooking)]
    assert len(won) == 1, results
    assert all(isinstance(r, CouponAlreadyUsed) for r in results if r not in won), results
    assert ConsultationBooking.objects.count() == 1
    assert CouponUsage.objects.live().count() == 1
    assert Coupon.objects.get().uses_count == 1
