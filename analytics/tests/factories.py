"""A seeded quarter for the analytics tests, with the figures expected from it computed here from the
plan itself (plain sums over the literal rows below), never by the code under test.

The quarter is the three whole UTC months before the current one, so the data moves with the clock
the test runs on (``--clock-shift``). Every row is created with time-machine at its own instant, so
``created_at`` and the ledger's ``occurred_at`` are exactly the planned times.
"""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from bookings.models import BookingPaymentStatus, BookingStatus, CancelledBy
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory
from leads.tests.factories import LeadEventFactory, LeadFactory
from payments.models import LedgerKind, Payment, PaymentIntentStatus, Refund, RefundStatus
from payments.services.ledger import ledger_record
from webinars.models import RegistrationStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory
from whitepapers.models import WhitepaperDownload
from whitepapers.tests.factories import WhitepaperFactory

_seq = itertools.count(1)

# (month 0–2, day, hour, consultant "a"/"b", amount, fee, refund or None, status, client e-mail)
# Consultant a bills USD, b EUR. Day 0 means the month's last day at 23:59:59 UTC (the boundary).
BOOKINGS = [
    (0, 3, 9, "a", "100.00", "3.20", None, BookingStatus.COMPLETED, "lena@example.com"),
    (0, 10, 14, "a", "150.00", "4.65", "50.00", BookingStatus.COMPLETED, "omar@example.com"),
    (0, 12, 8, "b", "90.00", "2.00", None, BookingStatus.NO_SHOW, "ida@example.com"),
    (0, 0, 0, "a", "120.00", "3.80", None, BookingStatus.COMPLETED, "late@example.com"),
    (1, 2, 10, "a", "100.00", "3.20", "100.00", BookingStatus.CANCELLED, "lena@example.com"),
    (1, 15, 16, "b", "90.00", "2.00", "30.00", BookingStatus.COMPLETED, "ida@example.com"),
    (1, 20, 11, "a", "200.00", "6.10", None, BookingStatus.COMPLETED, "zoe@example.com"),
    (2, 1, 0, "a", "100.00", "3.20", None, BookingStatus.CONFIRMED, "lena@example.com"),
    (2, 7, 13, "b", "180.00", "5.40", None, BookingStatus.COMPLETED, "max@example.com"),
    (2, 28, 12, "a", "150.00", "4.65", "20.00", BookingStatus.COMPLETED, "omar@example.com"),
]
# Free bookings (no payment) and holds that expired unpaid (not bookings): (month, day, consultant, e-mail).
FREE = [(1, 5, "b", "free@example.com")]
ABANDONED = [(0, 6, "a", "gone@example.com"), (2, 9, "b", "gone2@example.com")]
# Leads: (month, day, e-mail). lena, omar and ida also booked (and paid); nina never did.
LEADS = [
    (0, 2, "lena@example.com"),
    (0, 4, "nina@example.com"),
    (1, 1, "ida@example.com"),
    (2, 3, "OMAR@example.com"),
    (2, 5, "free@example.com"),
]
DOWNLOADS = [(0, 2), (0, 4), (1, 1), (2, 3), (2, 5), (2, 6)]
REGISTRATIONS = [(0, 8), (1, 9), (1, 10)]


def quarter_months(now: datetime | None = None) -> list[date]:
    """The first days of the three whole UTC months before ``now``'s month."""
    first = (now or timezone.now()).astimezone(UTC).date().replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.insert(0, first)
    return months


def at(months: list[date], month: int, day: int, hour: int = 12) -> datetime:
    start = months[month]
    if day == 0:
        following = (start + timedelta(days=32)).replace(day=1)
        return datetime.combine(following, datetime.min.time(), tzinfo=UTC) - timedelta(seconds=1)
    return datetime(start.year, start.month, day, hour, tzinfo=UTC)


def paid_booking(consultant, when: datetime, *, amount: str, fee: str, status: str, email: str):
    """A booking made at ``when`` and paid at once: payment and fee ledger rows at ``when``."""
    n = next(_seq)
    with time_machine.travel(when, tick=False):
        booking = BookingFactory(
            consultant=consultant,
            start=when + timedelta(days=7, minutes=n),
            status=status,
            client_email=email,
            payment_amount=Decimal(amount),
            payment_currency=consultant.currency,
            cancelled_by=CancelledBy.CLIENT if status == BookingStatus.CANCELLED else "",
        )
        payment = Payment.objects.create(
            booking=booking,
            payment_intent_id=f"pi_an{n}",
            charge_id=f"ch_an{n}",
            amount=Decimal(amount),
            currency=consultant.currency,
            status=PaymentIntentStatus.SUCCEEDED,
            idempotency_key=f"booking-{booking.reference}-pi-v1",
            succeeded_at=when,
        )
        for kind, value in ((LedgerKind.PAYMENT, Decimal(amount)), (LedgerKind.FEE, -Decimal(fee))):
            ledger_record(
                kind=kind,
                amount=value,
                currency=consultant.currency,
                source_id=payment.charge_id,
                occurred_at=when,
                booking=booking,
                payment=payment,
            )
    return booking


def refund(booking, when: datetime, amount: str) -> None:
    payment = booking.payments.get()
    n = next(_seq)
    row = Refund.objects.create(
        payment=payment,
        refund_id=f"re_an{n}",
        amount=Decimal(amount),
        currency=payment.currency,
        status=RefundStatus.SUCCEEDED,
    )
    ledger_record(
        kind=LedgerKind.REFUND,
        amount=-Decimal(amount),
        currency=payment.currency,
        source_id=row.refund_id,
        occurred_at=when,
        booking=booking,
        payment=payment,
    )


@dataclass
class Seeded:
    months: list[date]
    a: object
    b: object
    bookings: list = field(default_factory=list)

    def keys(self) -> list[str]:
        return [f"{m.year:04d}-{m.month:02d}" for m in self.months]

    # Expected figures, from the plan only.
    @staticmethod
    def revenue(month: int, currency: str) -> Decimal:
        wanted = "a" if currency == "USD" else "b"
        rows = [row for row in BOOKINGS if row[0] == month and row[3] == wanted]
        return sum((Decimal(row[4]) - Decimal(row[6] or 0) for row in rows), Decimal("0.00"))

    @staticmethod
    def gross(month: int, currency: str) -> Decimal:
        wanted = "a" if currency == "USD" else "b"
        return sum((Decimal(row[4]) for row in BOOKINGS if row[0] == month and row[3] == wanted), Decimal("0.00"))

    @staticmethod
    def fees(month: int, currency: str) -> Decimal:
        wanted = "a" if currency == "USD" else "b"
        return -sum((Decimal(row[5]) for row in BOOKINGS if row[0] == month and row[3] == wanted), Decimal("0.00"))

    @staticmethod
    def bookings_in(month: int, consultant: str | None = None) -> int:
        paid = [row for row in BOOKINGS if row[0] == month and consultant in (None, row[3])]
        free = [row for row in FREE if row[0] == month and consultant in (None, row[2])]
        return len(paid) + len(free)

    @staticmethod
    def paid_in(month: int) -> int:
        return len([row for row in BOOKINGS if row[0] == month])

    @staticmethod
    def leads_in(month: int) -> int:
        return len([row for row in LEADS if row[0] == month])


def seed_quarter(now: datetime | None = None) -> Seeded:
    """Create the plan above in the quarter before ``now``'s month; returns the expectations."""
    months = quarter_months(now)
    consultants = {
        "a": ConsultantFactory(first_name="Anna", last_name="Alpha", currency="USD"),
        "b": ConsultantFactory(first_name="Bernd", last_name="Beta", currency="EUR"),
    }
    seeded = Seeded(months=months, a=consultants["a"], b=consultants["b"])
    for month, day, hour, who, amount, fee, refunded, status, email in BOOKINGS:
        when = at(months, month, day, hour)
        booking = paid_booking(consultants[who], when, amount=amount, fee=fee, status=status, email=email)
        if refunded:
            refund(booking, when + timedelta(minutes=5) if day else when, refunded)
        seeded.bookings.append(booking)
    for month, day, who, email in FREE:
        with time_machine.travel(at(months, month, day), tick=False):
            BookingFactory(
                consultant=consultants[who],
                start=at(months, month, day) + timedelta(days=3),
                client_email=email,
                payment_amount=Decimal("0.00"),
                payment_currency=consultants[who].currency,
                payment_status=BookingPaymentStatus.NOT_REQUIRED,
                status=BookingStatus.COMPLETED,
            )
    for month, day, who, email in ABANDONED:
        with time_machine.travel(at(months, month, day), tick=False):
            BookingFactory(
                consultant=consultants[who],
                start=at(months, month, day) + timedelta(days=4),
                client_email=email,
                payment_status=BookingPaymentStatus.PENDING,
                status=BookingStatus.CANCELLED,
                cancelled_by=CancelledBy.SYSTEM,
            )
    for month, day, email in LEADS:
        with time_machine.travel(at(months, month, day, 7), tick=False):
            lead = LeadFactory(email=email.lower())
            LeadEventFactory(lead=lead, action="whitepaper_download", points=10, occurred_at=timezone.now())
    whitepaper = WhitepaperFactory(author=consultants["a"])
    for month, day in DOWNLOADS:
        WhitepaperDownload.objects.create(whitepaper=whitepaper, downloaded_at=at(months, month, day, 6))
    webinar = WebinarFactory(speaker=consultants["b"])
    for month, day in REGISTRATIONS:
        with time_machine.travel(at(months, month, day), tick=False):
            RegistrationFactory(webinar=webinar, status=RegistrationStatus.REGISTERED)
    return seeded
