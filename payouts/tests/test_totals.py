"""Consultant totals stay in step: completing a paid session and refunding it move
``total_consultations`` and ``total_revenue`` at once, without waiting for a payout run."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from bookings.models import BookingStatus
from bookings.services import booking_complete
from consultants.tests.factories import ConsultantFactory
from payouts.tests.factories import paid_session, refund

pytestmark = pytest.mark.django_db


def test_completion_and_refund_update_the_totals(django_capture_on_commit_callbacks):
    consultant = ConsultantFactory(total_consultations=0, total_revenue=Decimal("0.00"), currency="USD")
    session = paid_session(
        consultant, start=datetime(2026, 11, 10, 9, tzinfo=UTC), amount="150.00", status=BookingStatus.CONFIRMED
    )
    with (
        time_machine.travel(datetime(2026, 11, 10, 11, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking_complete(booking=session)
    consultant.refresh_from_db()
    assert (consultant.total_consultations, consultant.total_revenue) == (1, Decimal("150.00"))

    with django_capture_on_commit_callbacks(execute=True):
        refund(session, "50.00")
    consultant.refresh_from_db()
    assert (consultant.total_consultations, consultant.total_revenue) == (1, Decimal("100.00"))
