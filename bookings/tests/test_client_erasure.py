"""A client's personal data leaves their bookings (GDPR): ``booking_client_erase``, also run when
their lead is erased (the ``lead_erased`` receiver), and the date overrides of a schedule."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.exceptions import BookingInvalid
from bookings.models import AvailabilityOverride, BookingPaymentStatus, BookingStatus
from bookings.services import availability_override_add, availability_override_delete, booking_client_erase
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory
from leads.services import lead_erase
from leads.tests.factories import LeadFactory
from magnetiq.exceptions import NotFound

pytestmark = pytest.mark.django_db


def test_past_bookings_are_erased_upcoming_ones_kept_paid_ones_keep_the_invoice_name():
    now = timezone.now()
    paid = BookingFactory(
        client_email="clara@example.com",
        client_phone="+49 30 1",
        client_company="ACME",
        questions=["Budget?"],
        start=now - timedelta(days=10),
        status=BookingStatus.COMPLETED,
    )
    free = BookingFactory(
        client_email="clara@example.com",
        client_company="ACME",
        start=now - timedelta(days=12),
        status=BookingStatus.CANCELLED,
        payment_amount=Decimal("0"),
        payment_status=BookingPaymentStatus.NOT_REQUIRED,
    )
    ahead = BookingFactory(client_email="clara@example.com", start=now + timedelta(days=2))
    other = BookingFactory(client_email="otto@example.com", start=now - timedelta(days=10))

    assert booking_client_erase(email=" Clara@Example.com ") == (2, 1)

    paid.refresh_from_db()
    assert paid.client_email == f"erased-{paid.pk}@erased.invalid"
    assert (paid.client_phone, paid.questions) == ("", [])
    assert (paid.client_name, paid.client_company) == ("Clara Client", "ACME")
    assert paid.payment_amount == Decimal("100.00") and paid.status == BookingStatus.COMPLETED
    free.refresh_from_db()
    assert (free.client_name, free.client_company) == ("(erased)", "")
    ahead.refresh_from_db()
    assert ahead.client_email == "clara@example.com"
    other.refresh_from_db()
    assert other.client_email == "otto@example.com"
    # Idempotent: nothing left to erase, the upcoming one still kept.
    assert booking_client_erase(email="clara@example.com") == (0, 1)


def test_erasing_a_lead_erases_its_past_bookings():
    lead = LeadFactory(email="clara@example.com")
    booking = BookingFactory(client_email="clara@example.com", start=timezone.now() - timedelta(days=3))
    lead_erase(lead=lead, actor=None)
    booking.refresh_from_db()
    assert booking.client_email == f"erased-{booking.pk}@erased.invalid"


def test_date_overrides_are_checked_added_and_removed():
    consultant = ConsultantFactory()
    day = (timezone.now() + timedelta(days=5)).date()
    off = availability_override_add(consultant=consultant, day=day)
    assert (off.kind, off.start_time) == ("unavailable", None)
    extra = availability_override_add(
        consultant=consultant, day=day, kind="extra", start_time=time(18), end_time=time(20), note="Evening"
    )
    assert extra.note == "Evening"
    for kwargs, field in [
        ({"kind": "holiday"}, "kind"),
        ({"start_time": time(9)}, "end_time"),
        ({"start_time": time(12), "end_time": time(11)}, "end_time"),
        ({"kind": "extra"}, "start_time"),
        ({"note": "x" * 201}, "note"),
    ]:
        with pytest.raises(BookingInvalid) as caught:
            availability_override_add(consultant=consultant, day=day, **kwargs)
        assert caught.value.details[0]["field"] == field
    with pytest.raises(NotFound):
        availability_override_delete(consultant=ConsultantFactory(), override_id=off.pk)
    availability_override_delete(consultant=consultant, override_id=off.pk)
    assert list(AvailabilityOverride.objects.filter(consultant=consultant)) == [extra]
