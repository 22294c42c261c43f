"""The rules of ``coupons.services`` through the booking flow: every refusal code, the discount
arithmetic, e-mail normalisation, first-time detection and the hold → release / finalise / refund cycle
(a free session's cancellation included)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from bookings.exceptions import BookingStateConflict
from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.services import (
    booking_apply_discount,
    booking_cancel,
    booking_confirm,
    booking_record_refund,
    bookings_release_expired_holds,
)
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory
from coupons import exceptions as errors
from coupons.models import Coupon, CouponUsage, UsageStatus
from coupons.services import (
    coupon_bulk_create,
    coupon_create,
    coupon_validate,
    discount_for,
    identity_for,
    is_first_time,
)
from fraud.models import Attempt
from magnetiq.models import AuditLogEntry

from .conftest import NOW, book
from .factories import CampaignFactory, CouponFactory

pytestmark = pytest.mark.django_db


def refused(consultant, error, **kwargs):
    with pytest.raises(error) as caught:
        book(consultant, **kwargs)
    assert not ConsultationBooking.objects.exists()
    return caught.value


# --- the discount -------------------------------------------------------------------------------


def test_a_percentage_code_lowers_the_held_amount_and_reserves_one_use(consultant):
    CouponFactory(code="SPRING20")

    booking = book(consultant, code="spring20")

    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert (booking.list_amount, booking.discount_amount, booking.payment_amount) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("80.00"),
    )
    assert (booking.discount_code, booking.discount_funded_by) == ("SPRING20", "platform")
    usage = CouponUsage.objects.get()
    assert (usage.status, usage.list_amount, usage.discount_amount, usage.final_amount) == (
        UsageStatus.RESERVED,
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("80.00"),
    )
    assert Coupon.objects.get().uses_count == 1


@pytest.mark.parametrize(
    ("fields", "discount"),
    [
        ({"discount_type": "percentage", "discount_value": Decimal("33.333")}, Decimal("33.33")),
        (
            {"discount_type": "percentage", "discount_value": Decimal("50"), "max_discount_amount": Decimal("30")},
            Decimal("30.00"),
        ),
        ({"discount_type": "fixed_amount", "discount_value": Decimal("25"), "currency": "USD"}, Decimal("25.00")),
        ({"discount_type": "fixed_amount", "discount_value": Decimal("250"), "currency": "USD"}, Decimal("100.00")),
        ({"discount_type": "free_session", "discount_value": Decimal("0")}, Decimal("100.00")),
    ],
)
def test_the_discount_is_capped_and_never_below_zero(fields, discount):
    assert discount_for(Coupon(**fields), Decimal("100.00")) == discount


def test_a_free_session_code_confirms_the_booking_without_payment(consultant, django_capture_on_commit_callbacks):
    CouponFactory(code="FREEBIE", discount_type="free_session", discount_value=0, funded_by="consultant")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(consultant, code="FREEBIE")

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment_status == BookingPaymentStatus.NOT_REQUIRED
    assert (booking.payment_amount, booking.discount_amount, booking.hold_expires_at) == (
        Decimal("0.00"),
        Decimal("100.00"),
        None,
    )
    assert CouponUsage.objects.get().status == UsageStatus.REDEEMED


# --- every refusal ------------------------------------------------------------------------------


def test_unknown_and_deleted_codes(consultant):
    refused(consultant, errors.CouponUnknown, code="NOPE")
    CouponFactory(code="GONE", deleted_at=NOW)
    assert refused(consultant, errors.CouponUnknown, code="GONE").code == "COUPON_UNKNOWN"


def test_inactive_code_and_paused_campaign(consultant):
    CouponFactory(code="OFF", is_active=False)
    assert refused(consultant, errors.CouponInactive, code="OFF").reason == "inactive"
    CouponFactory(code="PAUSED", campaign=CampaignFactory(paused_at=NOW))
    refused(consultant, errors.CouponInactive, code="PAUSED")


def test_validity_window(consultant):
    CouponFactory(code="LATER", valid_from=NOW + timedelta(days=1))
    CouponFactory(code="OVER", valid_until=NOW)
    assert refused(consultant, errors.CouponNotStarted, code="LATER").reason == "not_started"
    assert refused(consultant, errors.CouponExpired, code="OVER").reason == "expired"


def test_exhausted(consultant):
    CouponFactory(code="TWO", max_uses_total=2, uses_count=2)
    error = refused(consultant, errors.CouponExhausted, code="TWO")
    assert (error.reason, error.status) == ("exhausted", 409)


def test_consultant_restrictions(consultant):
    other = ConsultantFactory()
    coupon = CouponFactory(code="ONLYHER", applicable_to="specific_consultants")
    coupon.consultant_restrictions.set([other])
    assert refused(consultant, errors.CouponNotForConsultant, code="ONLYHER").reason == "not_for_this_consultant"
    coupon.consultant_restrictions.add(consultant)
    assert book(consultant, code="ONLYHER").discount_amount == Decimal("20.00")


def test_service_restrictions(consultant):
    CouponFactory(code="MEETINGS", applicable_to="book_a_meeting")
    CouponFactory(code="AUDITS", service_type_restrictions=["audit"])
    CouponFactory(code="THIRTY", applicable_to="30_for_30")
    assert refused(consultant, errors.CouponNotForService, code="MEETINGS").reason == "not_for_this_service"
    refused(consultant, errors.CouponNotForService, code="AUDITS")
    assert book(consultant, code="THIRTY").discount_code == "THIRTY"
    meeting = book(consultant, 1, code="MEETINGS", email="bo@example.com", booking_type="strategy", duration_minutes=60)
    assert (meeting.list_amount, meeting.discount_amount) == (Decimal("200.00"), Decimal("40.00"))


def test_minimum_order_value(consultant):
    CouponFactory(code="BIG", minimum_order_value=Decimal("150"))
    error = refused(consultant, errors.CouponMinimumNotMet, code="BIG")
    assert error.reason == "minimum_not_met"
    assert error.message == "This code needs an order of at least $150.00."


def test_a_fixed_amount_in_another_currency_is_refused(consultant):
    CouponFactory(code="EURO10", discount_type="fixed_amount", discount_value=10, currency="EUR")
    error = refused(consultant, errors.CouponCurrencyMismatch, code="EURO10")
    assert (error.reason, error.code) == ("currency_mismatch", "COUPON_CURRENCY_MISMATCH")


def test_per_person_limit_uses_the_normalised_email(consultant):
    CouponFactory(code="ONCE")
    book(consultant, code="ONCE", email="J.O.E+news@gmail.com")

    with pytest.raises(errors.CouponAlreadyUsed) as caught:
        book(consultant, 1, code="once", email="joe@googlemail.com")

    assert caught.value.reason == "already_used_by_you"
    assert ConsultationBooking.objects.count() == 1
    assert CouponUsage.objects.get().email_normalised == "joe@gmail.com"


def test_per_person_limit_counts_the_signed_in_client_under_another_email(consultant):
    client = UserFactory()
    CouponFactory(code="TWICE", max_uses_per_user=2)
    book(consultant, code="TWICE", email="a@example.com", client_user=client)
    book(consultant, 1, code="TWICE", email="b@example.com", client_user=client)
    with pytest.raises(errors.CouponAlreadyUsed):
        book(consultant, 2, code="TWICE", email="c@example.com", client_user=client)


def test_first_time_users_only(consultant):
    CouponFactory(code="WELCOME", applicable_to="first_time_users")
    # An unpaid, cancelled hold does not make anyone a returning client; a paid booking does.
    BookingFactory(client_email="new@example.com", status="cancelled", payment_status="pending")
    BookingFactory(client_email="old+x@example.com", payment_status="completed")

    assert book(consultant, code="WELCOME", email="new@example.com").discount_code == "WELCOME"
    error = refused_one(consultant, email="old@example.com")
    assert error.reason == "first_time_only"


def refused_one(consultant, *, email):
    with pytest.raises(errors.CouponFirstTimeOnly) as caught:
        book(consultant, 5, code="WELCOME", email=email)
    return caught.value


def test_first_time_detection():
    user = UserFactory()
    BookingFactory(
        client_email="someone@else.example", client_user=user, status="completed", payment_status="not_required"
    )
    BookingFactory(client_email="j.ane@gmail.com", payment_status="refunded", status="cancelled")

    assert not is_first_time(identity_for("fresh@example.com", user))
    assert not is_first_time(identity_for("jane+promo@gmail.com"))
    assert is_first_time(identity_for("jane@example.com"))


# --- validation answer and attempts -------------------------------------------------------------


def test_validate_answers_with_the_reason_and_records_every_attempt(consultant):
    CouponFactory(code="SPRING20")

    good = coupon_validate(
        code="spring20", email="a@example.com", list_amount=Decimal("100"), currency="USD", ip="203.0.113.5"
    )
    bad = coupon_validate(
        code="NOPE", email="a@example.com", list_amount=Decimal("100"), currency="USD", ip="203.0.113.5"
    )

    assert (good.valid, good.discount_amount) == (True, Decimal("20.00"))
    assert (bad.valid, bad.error.reason) == (False, "unknown")
    assert list(Attempt.objects.order_by("pk").values_list("subject", "success", "reason")) == [
        ("SPRING20", True, ""),
        ("NOPE", False, "unknown"),
    ]


# --- hold, release, finalise, refund ------------------------------------------------------------


def test_an_expired_hold_gives_the_use_back(consultant, django_capture_on_commit_callbacks):
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")

    with django_capture_on_commit_callbacks(execute=True):
        bookings_release_expired_holds(now=booking.hold_expires_at + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        bookings_release_expired_holds(now=booking.hold_expires_at + timedelta(seconds=2))

    coupon.refresh_from_db()
    assert coupon.uses_count == 0
    assert CouponUsage.objects.get().status == UsageStatus.RELEASED
    assert (
        book(consultant, 1, code="ONE", email="next@example.com", now=NOW + timedelta(hours=1)).discount_code == "ONE"
    )


def test_cancelling_before_payment_gives_the_use_back(consultant, django_capture_on_commit_callbacks):
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (0, UsageStatus.RELEASED)


def test_payment_makes_the_use_final_and_a_refund_gives_it_back(
    consultant, django_capture_on_commit_callbacks, settings
):
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")

    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking, payment_intent_id="pi_1", now=NOW)
    assert CouponUsage.objects.get().status == UsageStatus.REDEEMED

    settings.COUPON_REFUND_RECREDITS_USE = False
    with django_capture_on_commit_callbacks(execute=True):
        booking_record_refund(booking_id=booking.pk, fully_refunded=True)
    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (1, UsageStatus.REDEEMED)


def test_a_refund_re_credits_the_use_when_the_setting_says_so(consultant, django_capture_on_commit_callbacks, settings):
    settings.COUPON_REFUND_RECREDITS_USE = True
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking, payment_intent_id="pi_1", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        booking_record_refund(booking_id=booking.pk, fully_refunded=True)

    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (0, UsageStatus.REFUNDED)


def test_a_late_payment_of_a_released_hold_redeems_the_use_again(consultant, django_capture_on_commit_callbacks):
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")
    later = booking.hold_expires_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        bookings_release_expired_holds(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking, payment_intent_id="pi_late", now=later)

    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (1, UsageStatus.REDEEMED)


def test_apply_to_a_held_booking_and_not_after_payment_started(consultant):
    CouponFactory(code="LATE10", discount_type="fixed_amount", discount_value=10, currency="USD")
    booking = book(consultant)

    booking = booking_apply_discount(booking=booking, coupon_code="late10", now=NOW)

    assert (booking.payment_amount, booking.discount_amount) == (Decimal("90.00"), Decimal("10.00"))
    other = book(consultant, 1, email="pi@example.com")
    ConsultationBooking.objects.filter(pk=other.pk).update(payment_intent_id="pi_started")
    with pytest.raises(Exception) as caught:
        booking_apply_discount(booking=other, coupon_code="LATE10", now=NOW)
    assert caught.value.code == "DISCOUNT_NOT_APPLICABLE"


def free_session(consultant, capture, n: int = 0, *, email: str = "ann@example.com"):
    """A booking made free by the code ``FREE`` (confirmed at once, nothing to pay), its use redeemed;
    ``capture``: the ``django_capture_on_commit_callbacks`` fixture."""
    with capture(execute=True):
        booking = book(consultant, n, code="FREE", email=email)
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, BookingPaymentStatus.NOT_REQUIRED)
    assert CouponUsage.objects.get(booking=booking).status == UsageStatus.REDEEMED
    return booking


@pytest.mark.parametrize("by", ["client", "staff"])
def test_a_cancelled_free_session_gives_the_use_back(consultant, django_capture_on_commit_callbacks, settings, by):
    settings.COUPON_REFUND_RECREDITS_USE = True
    coupon = CouponFactory(code="FREE", discount_type="free_session", max_uses_total=1)
    booking = free_session(consultant, django_capture_on_commit_callbacks)
    coupon.refresh_from_db()
    assert coupon.uses_count == 1
    with pytest.raises(errors.CouponExhausted):
        book(consultant, 1, code="FREE", email="next@example.com")

    actor = UserFactory(role="super_admin") if by == "staff" else None
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_cancel(booking=booking, actor=actor, now=NOW)

    assert booking.cancelled_by == by
    coupon.refresh_from_db()
    usage = CouponUsage.objects.get(booking=booking)
    assert (coupon.uses_count, usage.status) == (0, UsageStatus.REFUNDED)
    assert usage.released_at is not None
    assert AuditLogEntry.objects.filter(
        action="coupons.usage.free_session_cancelled", object_id=str(usage.pk), data={"booking_id": booking.pk}
    ).exists()
    assert (
        free_session(consultant, django_capture_on_commit_callbacks, 1, email="next@example.com").discount_code
        == "FREE"
    )


def test_a_cancelled_free_session_stays_spent_when_the_setting_is_off(
    consultant, django_capture_on_commit_callbacks, settings
):
    settings.COUPON_REFUND_RECREDITS_USE = False
    coupon = CouponFactory(code="FREE", discount_type="free_session", max_uses_total=1)
    booking = free_session(consultant, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (1, UsageStatus.REDEEMED)
    with pytest.raises(errors.CouponExhausted):
        book(consultant, 1, code="FREE", email="next@example.com")


def test_a_free_session_cancelled_twice_or_signalled_twice_gives_one_use_back(
    consultant, django_capture_on_commit_callbacks, settings
):
    settings.COUPON_REFUND_RECREDITS_USE = True
    coupon = CouponFactory(code="FREE", discount_type="free_session")
    booking = free_session(consultant, django_capture_on_commit_callbacks, 0, email="ann@example.com")
    kept = free_session(consultant, django_capture_on_commit_callbacks, 1, email="bob@example.com")
    coupon.refresh_from_db()
    assert coupon.uses_count == 2

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking_cancel(booking=booking, now=NOW)
    for callback in callbacks * 2:  # the booking_cancelled signal delivered twice
        callback()
    with pytest.raises(BookingStateConflict):
        booking_cancel(booking=booking, now=NOW)

    coupon.refresh_from_db()
    assert coupon.uses_count == 1
    assert CouponUsage.objects.get(booking=booking).status == UsageStatus.REFUNDED
    assert CouponUsage.objects.get(booking=kept).status == UsageStatus.REDEEMED
    assert AuditLogEntry.objects.filter(action="coupons.usage.free_session_cancelled").count() == 1


def test_a_paid_booking_cancelled_without_a_refund_keeps_its_use(
    consultant, django_capture_on_commit_callbacks, settings
):
    settings.COUPON_REFUND_RECREDITS_USE = True
    coupon = CouponFactory(code="ONE", max_uses_total=1)
    booking = book(consultant, code="ONE")
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking, payment_intent_id="pi_1", now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    coupon.refresh_from_db()
    assert (coupon.uses_count, CouponUsage.objects.get().status) == (1, UsageStatus.REDEEMED)


# --- campaigns, bulk codes, staff --------------------------------------------------------------


def test_the_velocity_cap_pauses_the_campaign_and_tells_staff(consultant, django_capture_on_commit_callbacks):
    UserFactory(email="boss@example.com", role="super_admin")
    UserFactory(email="editor@example.com", role="editor")
    UserFactory(email="viewer@example.com", role="viewer")
    campaign = CampaignFactory(velocity_cap_per_hour=2)
    CouponFactory(code="FAST", campaign=campaign, max_uses_per_user=5)

    with django_capture_on_commit_callbacks(execute=True):
        book(consultant, 0, code="FAST", email="a@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        book(consultant, 1, code="FAST", email="b@example.com")
    with pytest.raises(errors.CouponInactive):
        book(consultant, 2, code="FAST", email="c@example.com")

    campaign.refresh_from_db()
    assert campaign.paused_at == NOW
    assert [m.to for m in mail.outbox] == [["boss@example.com", "editor@example.com"]]
    assert "paused" in mail.outbox[0].subject


def test_bulk_codes_are_unique_and_unambiguous():
    coupons = coupon_bulk_create(
        prefix="fair", count=50, template={"discount_type": "percentage", "discount_value": 10}
    )

    codes = [c.code for c in coupons]
    assert len(set(codes)) == 50
    assert all(code.startswith("FAIR-") and len(code) == 13 for code in codes)
    assert not set("".join(code[5:] for code in codes)) & set("0O1IL5S2Z8B")
    assert all(c.max_uses_total == 1 for c in coupons)


def test_create_refuses_a_taken_code_in_any_case_and_bad_fields():
    coupon_create(data={"code": "Summer", "internal_name": "S", "discount_type": "percentage", "discount_value": 10})
    with pytest.raises(errors.CouponCodeTaken):
        coupon_create(data={"code": "SUMMER", "internal_name": "S", "discount_type": "percentage", "discount_value": 5})
    with pytest.raises(errors.CouponInvalid):
        coupon_create(data={"code": "PCT", "internal_name": "P", "discount_type": "percentage", "discount_value": 120})
    with pytest.raises(errors.CouponInvalid):
        coupon_create(data={"code": "FIX", "internal_name": "F", "discount_type": "fixed_amount", "discount_value": 5})


def test_demo_coupons_are_created_once():
    from io import StringIO

    from django.core.management import call_command

    call_command("make_demo_coupons", stdout=StringIO())
    out = StringIO()
    call_command("make_demo_coupons", stdout=out)

    assert sorted(Coupon.objects.values_list("code", flat=True)) == ["FREESESSION", "WELCOME20"]
    assert out.getvalue().splitlines() == ["WELCOME20: exists", "FREESESSION: exists"]


def test_a_gdpr_erasure_takes_the_email_off_uses_and_attempts_and_the_limit_still_holds(consultant):
    from leads.services import lead_erase
    from leads.tests.factories import LeadFactory

    CouponFactory(code="ONCE")
    book(consultant, code="ONCE", email="Joe+x@gmail.com")
    coupon_validate(
        code="NOPE", email="joe@gmail.com", list_amount=Decimal("100"), currency="USD", ip="203.0.113.9", now=NOW
    )
    assert Attempt.objects.filter(email_normalised="joe@gmail.com").count() == 1

    lead_erase(lead=LeadFactory(email="joe+x@gmail.com"), actor=None)

    usage = CouponUsage.objects.get()
    assert usage.email_normalised.startswith("sha256:")
    assert (usage.session_id, usage.referrer_url, usage.ip_address) == ("", "", "")
    attempt = Attempt.objects.get()
    assert (attempt.email_normalised, attempt.ip) == ("", None)
    with pytest.raises(errors.CouponAlreadyUsed):
        book(consultant, 1, code="ONCE", email="joe@gmail.com")
