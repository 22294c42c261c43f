"""The payout computation: fee %, refunds, disputes (lost deducted, open held back, won kept), tax,
catch-up of held-back sessions, idempotency, consultant totals, manual payouts and earnings."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from bookings.models import BookingStatus
from consultants.models import Consultant
from consultants.tests.factories import ConsultantFactory
from payments.models import RefundStatus
from payouts.exceptions import PayoutExceedsOwed
from payouts.models import ConsultantPayout, PayoutItem, PayoutKind, PayoutStatus
from payouts.services import (
    consultant_earnings,
    consultant_owed,
    parse_period,
    payout_create_manual,
    payouts_build_for_period,
)
from payouts.tests.factories import dispute, paid_session, refund

pytestmark = pytest.mark.django_db

NOV = parse_period("2026-11")
NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna():
    return ConsultantFactory(first_name="Anna", stripe_account_id="")


def build(consultant, period=NOV):
    return payouts_build_for_period(period_start=period[0], period_end=period[1], consultant=consultant)


def test_parse_period_month_boundaries():
    assert parse_period("2026-11") == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert parse_period("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "11/2026", "", "2026-11-01", "abcd-ef"])
def test_parse_period_rejects(bad):
    from payouts.exceptions import InvalidPeriod

    with pytest.raises(InvalidPeriod):
        parse_period(bad)


def test_fee_refund_lost_dispute_deducted_open_dispute_held_back(anna, settings):
    settings.PAYOUTS = {"PLATFORM_FEE_PERCENT": Decimal("20"), "TAX_WITHHOLDING_PERCENT": Decimal("10")}
    plain = paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC), amount="100.00")
    refunded = paid_session(anna, start=datetime(2026, 11, 4, 9, tzinfo=UTC), amount="150.00")
    refund(refunded, "33.33")
    lost = paid_session(anna, start=datetime(2026, 11, 5, 9, tzinfo=UTC), amount="80.00")
    dispute(lost, status="lost")
    won = paid_session(anna, start=datetime(2026, 11, 6, 9, tzinfo=UTC), amount="60.00")
    dispute(won, status="won")
    held = paid_session(anna, start=datetime(2026, 11, 7, 9, tzinfo=UTC), amount="90.00")
    dispute(held, status="needs_response")
    paid_session(anna, start=datetime(2026, 12, 1, 0, tzinfo=UTC))  # next period
    paid_session(anna, start=datetime(2026, 11, 8, 9, tzinfo=UTC), status=BookingStatus.CONFIRMED)  # not completed

    [result] = build(anna)

    assert result.outcome == "created"
    assert [(s.booking.pk, s.held_back) for s in result.held_back] == [(held.pk, "open dispute")]
    payout = result.payout
    items = {i.booking_id: (i.gross, i.refunds, i.disputes, i.fee, i.tax, i.net) for i in payout.items.all()}
    assert items == {
        # 100 → fee 20.00, tax 10% of 80.00 = 8.00
        plain.pk: (
            Decimal("100.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("20.00"),
            Decimal("8.00"),
            Decimal("72.00"),
        ),
        # 150 − 33.33 = 116.67 → fee 23.334 → 23.33, tax 9.334 → 9.33
        refunded.pk: (
            Decimal("150.00"),
            Decimal("33.33"),
            Decimal("0.00"),
            Decimal("23.33"),
            Decimal("9.33"),
            Decimal("84.01"),
        ),
        lost.pk: (
            Decimal("80.00"),
            Decimal("0.00"),
            Decimal("80.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
        ),
        won.pk: (
            Decimal("60.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("12.00"),
            Decimal("4.80"),
            Decimal("43.20"),
        ),
    }
    assert (
        payout.gross_earnings,
        payout.platform_fee,
        payout.tax_withholding,
        payout.refunds_deducted,
        payout.disputes_deducted,
        payout.other_deductions,
        payout.amount,
    ) == (
        Decimal("390.00"),
        Decimal("55.33"),
        Decimal("22.13"),
        Decimal("33.33"),
        Decimal("80.00"),
        Decimal("113.33"),
        Decimal("199.21"),
    )
    assert (payout.status, payout.currency, payout.consultations_count) == (PayoutStatus.PENDING, "USD", 4)
    assert payout.consultation_ids == [plain.pk, refunded.pk, lost.pk, won.pk]
    assert (payout.payout_period_start, payout.payout_period_end) == NOV


def test_half_up_rounding_to_cents(anna, settings):
    settings.PAYOUTS = {"PLATFORM_FEE_PERCENT": Decimal("12.5")}
    paid_session(anna, amount="0.20")  # fee 0.025 → 0.03 (half up, not banker's 0.02)

    [result] = build(anna)

    assert (result.payout.platform_fee, result.payout.amount) == (Decimal("0.03"), Decimal("0.17"))


def test_refund_in_flight_holds_the_session_back(anna):
    booking = paid_session(anna)
    refund(booking, "10.00", status=RefundStatus.PENDING)

    [result] = build(anna)

    assert (result.outcome, result.payout) == ("held", None)
    assert [s.held_back for s in result.held_back] == ["refund in progress"]


def test_run_twice_gives_the_same_rows(anna):
    """Must-show: ``run_payouts`` run twice gives the same rows."""
    paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    paid_session(anna, start=datetime(2026, 11, 4, 9, tzinfo=UTC), amount="50.00")

    first = build(anna)
    snapshot = list(ConsultantPayout.objects.values()), list(PayoutItem.objects.values())
    second = build(anna)

    assert [r.outcome for r in first] == ["created"]
    assert [r.outcome for r in second] == ["unchanged"]
    assert (list(ConsultantPayout.objects.values()), list(PayoutItem.objects.values())) == snapshot
    assert ConsultantPayout.objects.get().amount == Decimal("120.00")


def test_released_dispute_is_caught_up_by_a_later_period(anna):
    booking = paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    case = dispute(booking, status="under_review")
    assert build(anna)[0].outcome == "held"

    case.status = "won"
    case.save()
    from payments.models import LedgerKind
    from payments.services.ledger import ledger_record

    ledger_record(
        kind=LedgerKind.DISPUTE_REVERSAL,
        amount=case.amount,
        currency="USD",
        source_id=case.dispute_id,
        occurred_at=NOW,
        booking=booking,
    )
    with time_machine.travel(datetime(2027, 1, 2, tzinfo=UTC), tick=False):
        [result] = build(anna, parse_period("2026-12"))

    assert (result.outcome, result.payout.consultation_ids, result.payout.amount) == (
        "created",
        [booking.pk],
        Decimal("80.00"),
    )


def test_new_session_joins_a_pending_payout_of_the_period(anna):
    paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    build(anna)
    late = paid_session(anna, start=datetime(2026, 11, 20, 9, tzinfo=UTC))

    [result] = build(anna)

    assert result.outcome == "updated"
    assert (ConsultantPayout.objects.count(), result.payout.consultations_count, result.payout.amount) == (
        1,
        2,
        Decimal("160.00"),
    )
    assert late.pk in result.payout.consultation_ids


def test_one_payout_per_currency(anna):
    paid_session(anna, amount="100.00", currency="USD")
    paid_session(anna, start=datetime(2026, 11, 11, 9, tzinfo=UTC), amount="90.00", currency="EUR")

    results = build(anna)

    assert sorted((r.currency, r.payout.amount) for r in results) == [
        ("EUR", Decimal("72.00")),
        ("USD", Decimal("80.00")),
    ]


def test_consultant_totals_recomputed_not_incremented(anna):
    one = paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    refund(one, "25.00")
    paid_session(anna, start=datetime(2026, 10, 3, 9, tzinfo=UTC), amount="50.00")
    Consultant.objects.filter(pk=anna.pk).update(total_consultations=99, total_revenue=Decimal("9999"))

    build(anna)
    build(anna)

    anna.refresh_from_db()
    assert (anna.total_consultations, anna.total_revenue) == (2, Decimal("125.00"))


def test_manual_payout_limits_and_advance_recovery(anna):
    paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))  # net 80
    paid_session(anna, start=datetime(2026, 11, 4, 9, tzinfo=UTC))  # net 80
    assert consultant_owed(consultant=anna, currency="USD", now=NOW) == Decimal("160.00")

    with pytest.raises(PayoutExceedsOwed):
        payout_create_manual(consultant_id=anna.pk, amount=Decimal("160.01"), payout_method="stripe")
    with pytest.raises(PayoutExceedsOwed):
        payout_create_manual(consultant_id=anna.pk, amount=Decimal("0"), payout_method="stripe")

    manual = payout_create_manual(consultant_id=anna.pk, amount=Decimal("100.00"), payout_method="bank_transfer")

    # The oldest session fits (80), the other 20 are paid ahead.
    assert (manual.kind, manual.amount, manual.consultations_count, manual.advance_paid) == (
        PayoutKind.MANUAL,
        Decimal("100.00"),
        1,
        Decimal("20.00"),
    )
    assert consultant_owed(consultant=anna, currency="USD", now=NOW) == Decimal("60.00")

    [result] = build(anna)  # the second session: 80 minus the 20 advance

    assert (result.payout.amount, result.payout.advance_recovered, result.payout.other_deductions) == (
        Decimal("60.00"),
        Decimal("20.00"),
        Decimal("20.00"),
    )
    assert consultant_owed(consultant=anna, currency="USD", now=NOW) == Decimal("0.00")


def test_earnings_summary(anna):
    a = paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    refund(a, "10.00")
    b = paid_session(anna, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    dispute(b, status="warning_needs_response")
    paid_session(anna, start=datetime(2026, 11, 5, 9, tzinfo=UTC), amount="50.00")
    build(anna)

    [row] = consultant_earnings(consultant=anna, now=NOW)

    assert row == {
        "currency": "USD",
        "completed_paid_sessions": 3,
        "held_back_sessions": 1,
        "gross": Decimal("150.00"),
        "platform_fee": Decimal("28.00"),
        "refunds": Decimal("10.00"),
        "disputes": Decimal("0.00"),
        "tax_withholding": Decimal("0.00"),
        "net_earned": Decimal("112.00"),
        "paid_out": Decimal("0.00"),
        "in_flight": Decimal("112.00"),
        "owed": Decimal("0.00"),
    }
