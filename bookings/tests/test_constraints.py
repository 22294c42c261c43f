"""RELIABILITY C-5 (docs/reliability.md): one consultant, no overlapping active bookings, even with different starts.

On PostgreSQL the exclusion constraint ``booking_no_active_overlap`` (migration 0004) refuses them in
the database; on SQLite that migration does nothing and the locked re-check of ``bookings.services``
is the guard. The service tests run on both vendors; the constraint tests only on PostgreSQL
(``DATABASE_URL=postgres://…``).
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.exceptions import BookingUnavailable
from bookings.models import BookingChange, BookingPaymentStatus, BookingStatus, CancelledBy, ConsultationBooking
from bookings.services import booking_confirm, booking_create, booking_reschedule
from bookings.tests.conftest import NOW
from bookings.tests.factories import BookingFactory, weekday_rules
from consultants.tests.factories import ConsultantFactory
from magnetiq.tests.parallel import run_together

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only"
)

#: The day after NOW (a Tuesday); the consultants here work 09:00–17:00 UTC every day.
DAY = datetime(2026, 6, 2, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def make_consultant(**fields):
    consultant = ConsultantFactory(
        timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=48, **{"hourly_rate": None, **fields}
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    return consultant


def booking(consultant, start: datetime, minutes: int, status=BookingStatus.CONFIRMED, **fields):
    """A row written straight through the ORM (no service, no re-check)."""
    if status == BookingStatus.PENDING_PAYMENT:
        fields.setdefault("hold_expires_at", NOW + timedelta(minutes=15))
        fields.setdefault("payment_status", BookingPaymentStatus.PENDING)
    return BookingFactory(
        consultant=consultant,
        booking_type="strategy",
        start=start,
        duration_minutes=minutes,
        status=status,
        **fields,
    )


def create(consultant, start: datetime, minutes: int, n: int = 0) -> ConsultationBooking:
    return booking_create(
        consultant=consultant,
        start=start,
        booking_type="strategy",
        duration_minutes=minutes,
        client_name=f"Client {n}",
        client_email=f"client{n}@example.com",
        now=NOW,
    )


def assert_exclusion_violation(error: IntegrityError) -> None:
    cause = error.__cause__
    assert (cause.sqlstate, cause.diag.constraint_name) == ("23P01", "booking_no_active_overlap")


@pytest.fixture
def skip_recheck(monkeypatch):
    """Let every time through the services' re-check, so only the database stands in the way."""
    monkeypatch.setattr("bookings.services.consultant_has_free_slot", lambda **kwargs: True)


# --- both vendors: the service refuses the overlap --------------------------------------------------


@pytest.mark.django_db
def test_service_refuses_an_overlap_with_a_different_start_and_allows_back_to_back():
    consultant = make_consultant()
    first = create(consultant, at(10), 60)

    with pytest.raises(BookingUnavailable) as excinfo:
        create(consultant, at(10, 30), 30, n=1)
    after = create(consultant, at(11), 30, n=2)

    assert excinfo.value.code == "BOOKING_UNAVAILABLE"
    assert first.status == after.status == BookingStatus.CONFIRMED
    assert list(
        ConsultationBooking.objects.filter(consultant=consultant).order_by("start").values_list("start", "end")
    ) == [
        (at(10), at(11)),
        (at(11), at(11, 30)),
    ]


def _race(calls) -> list[str]:
    """Run ``calls`` in threads released together; each result is ``"ok"``, ``"unavailable"`` or the error."""
    return [
        "unavailable" if isinstance(r, BookingUnavailable) else repr(r) if isinstance(r, Exception) else "ok"
        for r in run_together(calls)
    ]


def _overlapping_calls(consultant) -> list:
    # Ten 3-hour bookings starting 10:00, 10:15, … 12:15: every two of them overlap (all hold 12:15–13:00).
    return [lambda n=n: create(consultant, at(10) + timedelta(minutes=15 * n), 180, n=n) for n in range(10)]


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_overlapping_bookings_with_different_starts_make_exactly_one(settings):
    settings.BOOKINGS = {"SLOT_STEP_MINUTES": 15}
    consultant = make_consultant(hourly_rate=Decimal("200.00"))  # priced: the winner is a pending_payment hold

    results = _race(_overlapping_calls(consultant))

    assert sorted(results) == ["ok"] + ["unavailable"] * 9, results
    active = ConsultationBooking.objects.filter(consultant=consultant, status__in=["pending_payment", "confirmed"])
    assert list(active.values_list("status", flat=True)) == [BookingStatus.PENDING_PAYMENT]
    assert ConsultationBooking.objects.count() == 1


# --- PostgreSQL: the exclusion constraint ----------------------------------------------------------


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first_status", "second_status"),
    [
        (BookingStatus.CONFIRMED, BookingStatus.CONFIRMED),
        (BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT),
        (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED),
    ],
)
def test_orm_insert_of_an_overlapping_active_booking_is_refused(first_status, second_status):
    consultant = make_consultant()
    booking(consultant, at(10), 60, status=first_status)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        booking(consultant, at(10, 30), 30, status=second_status)

    assert_exclusion_violation(excinfo.value)
    assert ConsultationBooking.objects.filter(consultant=consultant).count() == 1


@postgresql_only
@pytest.mark.django_db
def test_orm_update_that_makes_an_overlap_active_is_refused():
    consultant = make_consultant()
    booking(consultant, at(10), 60)
    cancelled = booking(consultant, at(10, 30), 30, status=BookingStatus.CANCELLED)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        ConsultationBooking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CONFIRMED)

    assert_exclusion_violation(excinfo.value)
    assert ConsultationBooking.objects.get(pk=cancelled.pk).status == BookingStatus.CANCELLED


@postgresql_only
@pytest.mark.django_db
def test_inactive_back_to_back_and_other_consultants_bookings_may_overlap_or_touch():
    consultant, other = make_consultant(), make_consultant()
    booking(consultant, at(10), 60)

    for status in (BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        booking(consultant, at(10, 30), 30, status=status)
    booking(consultant, at(11), 30)  # [10:00, 11:00) and [11:00, 11:30) do not overlap
    booking(consultant, at(9, 30), 30)
    booking(other, at(10, 30), 30)

    assert ConsultationBooking.objects.filter(consultant=consultant).count() == 6
    assert ConsultationBooking.objects.filter(consultant=other).count() == 1


@postgresql_only
@pytest.mark.django_db
def test_exclusion_violation_in_booking_create_is_a_409_and_leaves_the_transaction_usable(skip_recheck):
    consultant = make_consultant()
    booking(consultant, at(10), 60)

    # The test runs inside a transaction: booking_create's atomic block is a savepoint, and the next
    # queries would fail with "current transaction is aborted" had it not been rolled back.
    with pytest.raises(BookingUnavailable) as excinfo:
        create(consultant, at(10, 30), 30)

    assert excinfo.value.code == "BOOKING_UNAVAILABLE"
    assert ConsultationBooking.objects.filter(consultant=consultant).count() == 1
    assert BookingChange.objects.count() == 0


@postgresql_only
@pytest.mark.django_db
def test_exclusion_violation_in_booking_reschedule_is_a_409_and_changes_nothing(skip_recheck):
    consultant = make_consultant()
    booking(consultant, at(10), 60)
    moving = booking(consultant, at(14), 30)

    with pytest.raises(BookingUnavailable):
        booking_reschedule(booking=moving, new_start=at(10, 30), actor=None, now=NOW)

    moving.refresh_from_db()
    assert (moving.start, moving.end, moving.sequence, moving.reschedule_count) == (at(14), at(14, 30), 0, 0)
    assert BookingChange.objects.count() == 0


@postgresql_only
@pytest.mark.django_db
def test_exclusion_violation_in_booking_confirm_of_a_late_payment_is_a_409(skip_recheck):
    consultant = make_consultant(hourly_rate=Decimal("200.00"))
    booking(consultant, at(10), 60)
    expired = booking(
        consultant,
        at(10, 30),
        30,
        status=BookingStatus.CANCELLED,
        cancelled_by=CancelledBy.SYSTEM,
        payment_status=BookingPaymentStatus.PENDING,
    )

    with pytest.raises(BookingUnavailable):
        booking_confirm(booking=expired, payment_intent_id="pi_late", now=NOW)

    expired.refresh_from_db()
    assert (expired.status, expired.payment_intent_id) == (BookingStatus.CANCELLED, "")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_overlapping_bookings_are_stopped_by_the_constraint_alone(settings, skip_recheck):
    """C-5 proper: with the re-check let through, the constraint still lets exactly one of ten win."""
    settings.BOOKINGS = {"SLOT_STEP_MINUTES": 15}
    consultant = make_consultant()

    results = _race(_overlapping_calls(consultant))

    assert sorted(results) == ["ok"] + ["unavailable"] * 9, results
    assert list(ConsultationBooking.objects.values_list("consultant_id", "status")) == [
        (consultant.pk, BookingStatus.CONFIRMED)
    ]
