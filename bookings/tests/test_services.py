"""Booking services: price and hold, the 24 h policy, reschedule atomicity, hold expiry, the
database constraint (C-3), rebooking a cancelled slot (C-4), signals and the audit trail."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from bookings import signals
from bookings.exceptions import (
    BookingLinkExpired,
    BookingNotFound,
    BookingPaymentRequired,
    BookingPolicyWindowClosed,
    BookingStateConflict,
    BookingUnavailable,
)
from bookings.models import BookingChange, BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.services import (
    booking_cancel,
    booking_complete,
    booking_confirm,
    booking_confirm_attendance,
    booking_create,
    booking_mark_accepted,
    booking_mark_no_show,
    booking_mark_payment_failed,
    booking_record_refund,
    booking_reschedule,
    booking_set_payment_intent,
    booking_update_status,
    bookings_release_expired_holds,
)
from bookings.tasks import release_expired_holds_task
from bookings.tests.conftest import NOW, staff_user
from bookings.tests.factories import BookingFactory
from bookings.tokens import check_manage_token, manage_token
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db
SLOT = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # Wednesday 10:00 Berlin


def book(consultant, start=SLOT, **extra):
    fields = {"client_name": "Clara Client", "client_email": "Clara@Example.com", "visitor_timezone": "Europe/Berlin"}
    return booking_create(consultant=consultant, start=start, now=NOW, **{**fields, **extra})


def test_priced_booking_is_a_hold_with_amount_in_the_consultants_currency(consultant):
    consultant.hourly_rate = Decimal("150.00")
    consultant.currency = "EUR"
    consultant.save()

    booking = book(consultant, booking_type="strategy", duration_minutes=45, client_message="Hello\n\nSecond")

    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert booking.hold_expires_at == NOW + timedelta(minutes=15)
    assert (booking.payment_amount, booking.payment_currency) == (Decimal("112.50"), "EUR")
    assert booking.payment_status == BookingPaymentStatus.PENDING
    assert booking.end == SLOT + timedelta(minutes=45)
    assert booking.client_email == "clara@example.com"
    assert [b["children"][0]["text"] for b in booking.client_message] == ["Hello", "Second"]
    assert list(booking.changes.values_list("kind", flat=True)) == ["created"]
    assert AuditLogEntry.objects.for_object(booking).first().action == "bookings.booking.created"


def test_free_booking_is_confirmed_at_once_and_signals_after_commit(
    free_consultant, django_capture_on_commit_callbacks
):
    received = []
    signals.booking_confirmed.connect(
        lambda sender, booking_id, **kw: received.append(booking_id), weak=False, dispatch_uid="t1"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            booking = book(free_consultant, start=datetime(2026, 6, 3, 10, tzinfo=UTC))
    finally:
        signals.booking_confirmed.disconnect(dispatch_uid="t1")

    assert (booking.status, booking.payment_amount, booking.payment_status) == (
        "confirmed",
        Decimal("0.00"),
        "not_required",
    )
    assert booking.hold_expires_at is None
    assert received == [booking.pk]


def test_free_types_setting(consultant, settings):
    settings.BOOKINGS = {"FREE_BOOKING_TYPES": ["30for30"]}
    assert book(consultant).status == BookingStatus.CONFIRMED


def test_taken_slot_outside_schedule_and_bad_input(consultant):
    book(consultant)
    with pytest.raises(BookingUnavailable):
        book(consultant, client_email="other@example.com")
    with pytest.raises(BookingUnavailable):
        book(consultant, start=datetime(2026, 6, 3, 20, tzinfo=UTC))
    from bookings.exceptions import BookingInvalid

    with pytest.raises(BookingInvalid):
        book(consultant, start=SLOT + timedelta(hours=1), visitor_timezone="Mars/Olympus")
    from content.exceptions import PortableTextError

    with pytest.raises(PortableTextError):
        book(consultant, start=SLOT + timedelta(hours=1), client_message=[{"_type": "script"}])
    assert ConsultationBooking.objects.count() == 1


def test_c3_two_orm_inserts_of_an_active_booking_at_one_start_violate_the_constraint(consultant):
    BookingFactory(consultant=consultant, start=SLOT)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(
            consultant=consultant,
            start=SLOT,
            status=BookingStatus.PENDING_PAYMENT,
            hold_expires_at=NOW + timedelta(minutes=5),
        )
    # Inactive rows at the same start are fine.
    BookingFactory(consultant=consultant, start=SLOT, status=BookingStatus.CANCELLED)


def test_c4_cancel_then_book_the_same_slot_again(consultant):
    first = book(consultant)
    booking_cancel(booking=first, now=NOW)
    second = book(consultant, client_email="second@example.com")
    assert second.start == first.start
    assert ConsultationBooking.objects.filter(start=SLOT).count() == 2


@pytest.mark.parametrize(
    ("before_start", "allowed"),
    [(timedelta(hours=24, minutes=1), True), (timedelta(hours=24), True), (timedelta(hours=23, minutes=59), False)],
)
def test_guest_cancel_window(consultant, before_start, allowed):
    booking = BookingFactory(consultant=consultant, start=SLOT)
    now = SLOT - before_start
    if allowed:
        assert booking_cancel(booking=booking, now=now).status == BookingStatus.CANCELLED
    else:
        with pytest.raises(BookingPolicyWindowClosed):
            booking_cancel(booking=booking, now=now)
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED


def test_staff_and_consultant_may_cancel_late_clients_may_not(consultant):
    late = SLOT - timedelta(hours=23, minutes=59)
    staff = staff_user("bookings.change_consultationbooking")
    assert (
        booking_cancel(booking=BookingFactory(consultant=consultant, start=SLOT), actor=staff, now=late).cancelled_by
        == "staff"
    )

    consultant.user = User.objects.create_user("consultant@example.com", "pw-0123456789", role=Role.CONSULTANT)
    consultant.save()
    booking = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    assert booking_cancel(booking=booking, actor=consultant.user, now=SLOT).cancelled_by == "consultant"

    client = User.objects.create_user("client@example.com", "pw-0123456789", role=Role.CLIENT)
    owned = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=2), client_user=client)
    with pytest.raises(BookingPolicyWindowClosed):
        booking_cancel(booking=owned, actor=client, now=owned.start - timedelta(hours=23, minutes=59))


@pytest.mark.parametrize(
    ("before_start", "allowed"), [(timedelta(hours=24, minutes=1), True), (timedelta(hours=23, minutes=59), False)]
)
def test_guest_reschedule_window(consultant, settings, before_start, allowed):
    settings.BOOKINGS = {"MIN_NOTICE_HOURS": 1}
    booking = BookingFactory(consultant=consultant, start=SLOT)
    target = SLOT + timedelta(hours=2)
    if allowed:
        assert booking_reschedule(booking=booking, new_start=target, now=SLOT - before_start).start == target
    else:
        with pytest.raises(BookingPolicyWindowClosed):
            booking_reschedule(booking=booking, new_start=target, now=SLOT - before_start)
        staff = staff_user("bookings.change_consultationbooking")
        assert (
            booking_reschedule(booking=booking, new_start=target, actor=staff, now=SLOT - before_start).start == target
        )


def test_reschedule_to_a_taken_time_changes_nothing(consultant):
    booking = BookingFactory(consultant=consultant, start=SLOT)
    BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    before = ConsultationBooking.objects.values().get(pk=booking.pk)

    with pytest.raises(BookingUnavailable):
        booking_reschedule(booking=booking, new_start=SLOT + timedelta(hours=1), now=NOW)

    assert ConsultationBooking.objects.values().get(pk=booking.pk) == before
    assert not BookingChange.objects.filter(booking=booking).exists()


def test_reschedule_moves_frees_the_old_slot_and_keeps_old_links(consultant, django_capture_on_commit_callbacks):
    booking = BookingFactory(consultant=consultant, start=SLOT, reminder_24h_sent_at=NOW)
    old_token = manage_token(booking)
    received = []
    signals.booking_rescheduled.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            moved = booking_reschedule(booking=booking, new_start=SLOT + timedelta(hours=2), now=NOW)
    finally:
        signals.booking_rescheduled.disconnect(dispatch_uid="t2")

    assert (moved.start, moved.end) == (SLOT + timedelta(hours=2), SLOT + timedelta(hours=2, minutes=30))
    assert (moved.sequence, moved.reschedule_count, moved.reminder_24h_sent_at) == (1, 1, None)
    assert moved.reference == booking.reference
    assert received == [
        {
            "signal": signals.booking_rescheduled,
            "booking_id": booking.pk,
            "previous_start": SLOT,
            "previous_end": SLOT + timedelta(minutes=30),
        }
    ]
    change = moved.changes.get()
    assert (change.kind, change.old_start, change.new_start) == ("rescheduled", SLOT, moved.start)
    # The old time can be booked again; the link sent before the move still opens the booking.
    assert book(consultant, client_email="next@example.com").start == SLOT
    assert manage_token(moved) == old_token
    check_manage_token(moved, old_token, now=NOW)
    with pytest.raises(BookingNotFound):
        check_manage_token(moved, "forged", now=NOW)


def test_a_manage_token_works_until_14_days_after_the_end_then_expires(consultant):
    booking = BookingFactory(consultant=consultant, start=SLOT)
    token = manage_token(booking)
    assert booking.end == SLOT + timedelta(minutes=30)

    check_manage_token(booking, token, now=SLOT + timedelta(minutes=30, days=14) - timedelta(seconds=1))
    with pytest.raises(BookingLinkExpired):
        check_manage_token(booking, token, now=SLOT + timedelta(minutes=30, days=14))
    with pytest.raises(BookingNotFound):
        check_manage_token(booking, "forged", now=SLOT + timedelta(minutes=30, days=14))


def test_tokens_of_earlier_releases_still_open_a_rescheduled_booking(consultant):
    from django.core.signing import Signer

    booking = BookingFactory(consultant=consultant, start=SLOT, reschedule_count=2)
    legacy = [Signer(salt="bookings.manage-token").signature(f"{booking.reference}:{n}") for n in range(3)]

    for token in legacy:
        check_manage_token(booking, token, now=NOW)
    with pytest.raises(BookingNotFound):
        check_manage_token(booking, Signer(salt="bookings.manage-token").signature(f"{booking.reference}:3"), now=NOW)


def test_cancelled_or_completed_bookings_cannot_be_rescheduled(consultant):
    cancelled = BookingFactory(consultant=consultant, start=SLOT, status=BookingStatus.CANCELLED)
    completed = BookingFactory(consultant=consultant, start=SLOT, status=BookingStatus.COMPLETED)
    for booking in (cancelled, completed):
        with pytest.raises(BookingStateConflict) as error:
            booking_reschedule(booking=booking, new_start=SLOT + timedelta(hours=1), now=NOW)
        assert error.value.code == "BOOKING_NOT_RESCHEDULABLE"
    with pytest.raises(BookingStateConflict):
        booking_cancel(booking=cancelled, now=NOW)


def test_hold_expiry_frees_the_slot_by_command_task_and_on_the_next_booking(consultant, capsys):
    hold = book(consultant)
    later = NOW + timedelta(minutes=16)
    # Before the release, the expired hold no longer blocks a new booking: booking_create frees it.
    second = booking_create(consultant=consultant, start=SLOT, client_name="B", client_email="b@example.com", now=later)
    hold.refresh_from_db()
    assert (hold.status, hold.cancelled_by) == ("cancelled", "system")
    assert second.status == BookingStatus.PENDING_PAYMENT

    third = book(consultant, start=SLOT + timedelta(hours=1), client_email="c@example.com")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        call_command("release_expired_holds")
        assert capsys.readouterr().out.strip() == "Released 2 expired holds."
        call_command("release_expired_holds")
        assert capsys.readouterr().out.strip() == "Released 0 expired holds."
        assert release_expired_holds_task.enqueue().return_value == 0
    third.refresh_from_db()
    assert third.status == BookingStatus.CANCELLED
    assert bookings_release_expired_holds(now=NOW + timedelta(days=1)) == 0


def test_confirm_hold_idempotent_and_after_release(consultant):
    hold = book(consultant)
    confirmed = booking_confirm(booking=hold, payment_intent_id="pi_1", now=NOW + timedelta(minutes=5))
    assert (confirmed.status, confirmed.payment_status, confirmed.payment_intent_id, confirmed.sequence) == (
        "confirmed",
        "completed",
        "pi_1",
        1,
    )
    assert booking_confirm(booking=confirmed, payment_intent_id="pi_1", now=NOW).sequence == 1

    # An expired (not yet released) hold is confirmed when its time is still free …
    late = book(consultant, start=SLOT + timedelta(hours=1), client_email="late@example.com")
    assert booking_confirm(booking=late, now=NOW + timedelta(hours=1)).status == "confirmed"
    # … but not once it was released and taken by someone else.
    lost = book(consultant, start=SLOT + timedelta(hours=2), client_email="lost@example.com")
    booking_create(
        consultant=consultant,
        start=SLOT + timedelta(hours=2),
        client_name="X",
        client_email="x@example.com",
        now=NOW + timedelta(minutes=20),
    )
    with pytest.raises(BookingStateConflict):
        booking_confirm(booking=lost, now=NOW + timedelta(minutes=21))


def test_a_late_payment_revives_a_hold_released_by_expiry_when_the_time_is_still_free(
    consultant, django_capture_on_commit_callbacks
):
    hold = book(consultant)
    assert bookings_release_expired_holds(now=NOW + timedelta(minutes=16)) == 1
    hold.refresh_from_db()
    assert (hold.status, hold.cancelled_by, hold.sequence) == ("cancelled", "system", 1)
    received = []
    signals.booking_confirmed.connect(
        lambda sender, booking_id, **kw: received.append(booking_id), weak=False, dispatch_uid="t-revive"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            revived = booking_confirm(booking=hold, payment_intent_id="pi_late", now=NOW + timedelta(minutes=20))
    finally:
        signals.booking_confirmed.disconnect(dispatch_uid="t-revive")

    revived.refresh_from_db()
    assert (
        revived.status,
        revived.payment_status,
        revived.payment_intent_id,
        revived.sequence,
        revived.confirmed_at,
        revived.hold_expires_at,
        revived.cancelled_at,
        revived.cancelled_by,
        revived.cancellation_reason,
    ) == ("confirmed", "completed", "pi_late", 2, NOW + timedelta(minutes=20), None, None, "", "")
    assert list(revived.changes.order_by("pk").values_list("kind", "old_status", "new_status", "note")) == [
        ("created", "", "pending_payment", ""),
        ("hold_expired", "pending_payment", "cancelled", ""),
        ("confirmed", "cancelled", "confirmed", "Paid after the hold expired; the time was still free."),
    ]
    entries = AuditLogEntry.objects.for_object(revived).filter(action="bookings.booking.confirmed")
    assert [entry.data["revived"] for entry in entries] == [True]
    assert received == [revived.pk]
    # Applying the same payment again changes nothing.
    assert booking_confirm(booking=revived, payment_intent_id="pi_late", now=NOW + timedelta(minutes=30)).sequence == 2


def test_a_late_payment_for_a_released_hold_whose_time_was_taken_is_refused(consultant):
    hold = book(consultant)
    assert bookings_release_expired_holds(now=NOW + timedelta(minutes=16)) == 1
    other = booking_create(
        consultant=consultant,
        start=SLOT,
        client_name="X",
        client_email="x@example.com",
        now=NOW + timedelta(minutes=17),
    )

    with pytest.raises(BookingUnavailable):
        booking_confirm(booking=hold, payment_intent_id="pi_late", now=NOW + timedelta(minutes=20))

    hold.refresh_from_db()
    other.refresh_from_db()
    assert (hold.status, hold.cancelled_by, hold.sequence, hold.payment_intent_id) == ("cancelled", "system", 1, "")
    assert other.status == BookingStatus.PENDING_PAYMENT
    assert list(hold.changes.values_list("kind", flat=True).order_by("pk")) == ["created", "hold_expired"]


def test_only_a_payment_revives_and_only_a_hold_released_by_expiry(consultant):
    expired = book(consultant)
    bookings_release_expired_holds(now=NOW + timedelta(minutes=16))
    # Staff confirming without a payment cannot bring an expired hold back.
    with pytest.raises(BookingStateConflict):
        booking_confirm(booking=expired, now=NOW + timedelta(minutes=20))
    # A booking the client, the consultant or staff cancelled is never revived by a payment.
    for index, actor in enumerate([None, staff_user("bookings.change_consultationbooking")]):
        booking = book(consultant, start=SLOT + timedelta(hours=1 + index), client_email=f"c{index}@example.com")
        booking_cancel(booking=booking, actor=actor, now=NOW + timedelta(minutes=1))
        with pytest.raises(BookingStateConflict):
            booking_confirm(booking=booking, payment_intent_id="pi_x", now=NOW + timedelta(minutes=2))
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by) == ("cancelled", ["client", "staff"][index])
    # An expired hold already refunded is not revived either.
    ConsultationBooking.objects.filter(pk=expired.pk).update(payment_status=BookingPaymentStatus.REFUNDED)
    with pytest.raises(BookingStateConflict):
        booking_confirm(booking=expired, payment_intent_id="pi_late", now=NOW + timedelta(minutes=20))


def test_attendance_confirm_needs_payment(consultant):
    hold = book(consultant)
    with pytest.raises(BookingPaymentRequired):
        booking_confirm_attendance(booking=hold, now=NOW)
    booking = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    assert booking_confirm_attendance(booking=booking, now=NOW).attendance_confirmed_at == NOW


def test_complete_no_show_and_staff_status(consultant):
    staff = staff_user("bookings.change_consultationbooking")
    booking = BookingFactory(consultant=consultant, start=SLOT)
    with pytest.raises(BookingStateConflict):
        booking_complete(booking=booking, now=SLOT - timedelta(minutes=1))
    assert booking_complete(booking=booking, actor=staff, now=SLOT + timedelta(hours=1)).status == "completed"
    other = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    assert booking_mark_no_show(booking=other, now=SLOT + timedelta(hours=2)).status == "no_show"
    third = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=2))
    updated = booking_update_status(booking=third, status="cancelled", actor=staff, reason="Ill", now=SLOT)
    assert (updated.status, updated.cancelled_by, updated.cancellation_reason) == ("cancelled", "staff", "Ill")
    assert AuditLogEntry.objects.for_object(updated).first().actor == staff


# --- writes other apps ask for (payments, consulting) ---------------------------------------------


def _payment_audit(booking) -> list[tuple[str, str]]:
    return [
        (e.data["from"], e.data["to"])
        for e in AuditLogEntry.objects.for_object(booking)
        .filter(action="bookings.booking.payment_status_changed")
        .order_by("pk")
    ]


def test_a_failed_payment_marks_only_a_held_booking(consultant):
    hold = book(consultant)
    paid = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))

    assert booking_mark_payment_failed(booking_id=hold.pk) is True
    assert booking_mark_payment_failed(booking_id=hold.pk) is False
    assert booking_mark_payment_failed(booking_id=paid.pk) is False

    hold.refresh_from_db()
    paid.refresh_from_db()
    assert (hold.payment_status, paid.payment_status) == (BookingPaymentStatus.FAILED, BookingPaymentStatus.COMPLETED)
    assert _payment_audit(hold) == [(BookingPaymentStatus.PENDING, BookingPaymentStatus.FAILED)]
    assert _payment_audit(paid) == []


def test_refunds_keep_the_payment_status_in_step(consultant):
    paid = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    free = BookingFactory(
        consultant=consultant, start=SLOT + timedelta(hours=2), payment_status=BookingPaymentStatus.NOT_REQUIRED
    )

    assert booking_record_refund(booking_id=paid.pk, fully_refunded=False) is False
    assert booking_record_refund(booking_id=paid.pk, fully_refunded=True) is True
    assert booking_record_refund(booking_id=paid.pk, fully_refunded=False) is True
    assert booking_record_refund(booking_id=free.pk, fully_refunded=True) is False

    paid.refresh_from_db()
    free.refresh_from_db()
    assert (paid.payment_status, free.payment_status) == (
        BookingPaymentStatus.COMPLETED,
        BookingPaymentStatus.NOT_REQUIRED,
    )
    assert _payment_audit(paid) == [
        (BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED),
        (BookingPaymentStatus.REFUNDED, BookingPaymentStatus.COMPLETED),
    ]


def test_payment_intent_pointer_and_acceptance_are_written_once(consultant):
    booking = BookingFactory(consultant=consultant, start=SLOT + timedelta(hours=1))
    first = datetime.now(UTC)

    booking_set_payment_intent(booking_id=booking.pk, payment_intent_id="pi_123")
    assert booking_mark_accepted(booking=booking, now=first) is True
    assert booking_mark_accepted(booking=booking, now=first + timedelta(minutes=5)) is False

    booking.refresh_from_db()
    assert (booking.payment_intent_id, booking.accepted_at) == ("pi_123", first)
    assert AuditLogEntry.objects.for_object(booking).filter(action="bookings.booking.accepted").count() == 1
