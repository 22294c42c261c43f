"""Helpers of the staff-side payments tests (admin, staff API, reports, refund policy)."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import Group, Permission

from accounts.models import Role, User
from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
from payments.models import LedgerEntry, Payment, PaymentIntentStatus
from payments.services import payment_confirm_card, payment_create_for_booking

from .conftest import hold, next_slot


def staff_user(*perms: str, email: str = "staff@example.com") -> User:
    """A staff user whose only permissions are ``perms`` (through a group made here)."""
    user = User.objects.create_user(email, "pw-0123456789", role=Role.VIEWER)
    user.groups.clear()
    group, _ = Group.objects.get_or_create(name=f"test-{email}")
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def paid_booking(consultant, *, days: int = 3, hour: int = 10, email: str = "clara@example.com"):
    """A booking paid with Stripe's test card through localstripe: ``(booking, payment)``."""
    booking = hold(consultant, start=next_slot(days=days, hour=hour), email=email)
    payment = payment_confirm_card(
        payment=payment_create_for_booking(booking=booking), payment_method_id="pm_card_visa"
    )
    assert payment.status == PaymentIntentStatus.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    return booking, payment


_counter = iter(range(1, 1_000_000))


def local_payment(
    booking=None, *, amount="100.00", currency="USD", status=PaymentIntentStatus.SUCCEEDED, **extra
) -> Payment:
    """A payment row made without Stripe (for lists, filters and the admin)."""
    n = next(_counter)
    return Payment.objects.create(
        booking=booking,
        payment_intent_id=extra.pop("payment_intent_id", f"pi_local_{n}"),
        idempotency_key=f"local-{n}",
        amount=Decimal(amount),
        currency=currency,
        status=status,
        **extra,
    )


def confirmed_booking(consultant, *, days: int = 3, hour: int = 10, email: str = "clara@example.com"):
    """A confirmed booking marked paid, without Stripe."""
    booking = hold(consultant, start=next_slot(days=days, hour=hour), email=email)
    ConsultationBooking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED, payment_status=BookingPaymentStatus.COMPLETED
    )
    booking.refresh_from_db()
    return booking


def ledger(kind: str, amount: str, when: datetime, *, currency: str = "USD", consultant=None, source: str = ""):
    return LedgerEntry.objects.create(
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        consultant=consultant,
        source_id=source or f"src_{kind}_{next(_counter)}",
        occurred_at=when,
    )
