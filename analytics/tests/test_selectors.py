"""The analytics figures of a seeded quarter equal sums computed from the plan (factories.py), and the
revenue of every month equals the monthly payment report's gross + refunds to the cent."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from analytics import selectors
from analytics.exceptions import InvalidPeriod
from payments.services.reports import report_monthly

from .factories import BOOKINGS, DOWNLOADS, REGISTRATIONS, seed_quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter():
    return seed_quarter()


def month_period(seeded, index: int) -> selectors.Period:
    first = seeded.months[index]
    return selectors.period_of_month(first.year, first.month)


def quarter_period(seeded) -> selectors.Period:
    return selectors.Period(seeded.months[0], month_period(seeded, 2).last)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_revenue_of_each_month_equals_the_plan_and_the_monthly_payment_report(quarter, index):
    period = month_period(quarter, index)
    totals = {item["currency"]: item for item in selectors.money_totals(period)}
    report = report_monthly(year=period.first.year, month=period.first.month)
    assert sorted(totals) == sorted(t["currency"] for t in report["totals"])
    for item in report["totals"]:
        currency = item["currency"]
        assert totals[currency]["revenue"] == quarter.revenue(index, currency)
        assert totals[currency]["revenue"] == Decimal(item["gross"]) + Decimal(item["refunds"])
        assert totals[currency]["gross"] == quarter.gross(index, currency) == Decimal(item["gross"])
        assert totals[currency]["fees"] == quarter.fees(index, currency) == Decimal(item["fees"])
        assert totals[currency]["net"] == Decimal(item["net"])
        assert totals[currency]["payments_count"] == item["payments_count"]


def test_quarter_revenue_by_month_and_in_total(quarter):
    period = quarter_period(quarter)
    by_month = selectors.money_by_month(period)
    assert list(by_month) == quarter.keys()
    for index, key in enumerate(quarter.keys()):
        assert selectors.revenue_map(by_month[key]) == {
            "USD": quarter.revenue(index, "USD"),
            "EUR": quarter.revenue(index, "EUR"),
        }
    totals = selectors.revenue_map(selectors.money_totals(period))
    assert totals == {
        "USD": Decimal("100.00")
        + Decimal("100.00")
        + Decimal("120.00")
        + Decimal("0.00")
        + Decimal("200.00")
        + Decimal("100.00")
        + Decimal("130.00"),
        "EUR": Decimal("90.00") + Decimal("60.00") + Decimal("180.00"),
    }
    assert totals["USD"] == sum(quarter.revenue(i, "USD") for i in range(3))


def test_the_last_second_of_a_month_counts_in_that_month(quarter):
    first = month_period(quarter, 0)
    second = month_period(quarter, 1)
    late = next(b for b in quarter.bookings if b.client_email == "late@example.com")
    assert late.created_at == first.end - timedelta(seconds=1)
    assert selectors.booking_summary(first)["total"] == quarter.bookings_in(0)
    assert selectors.booking_summary(second)["total"] == quarter.bookings_in(1)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_booking_summary_per_month(quarter, index):
    summary = selectors.booking_summary(month_period(quarter, index))
    rows = [row for row in BOOKINGS if row[0] == index]
    assert summary["total"] == quarter.bookings_in(index)
    assert summary["paid"] == quarter.paid_in(index)
    assert summary["by_status"]["completed"] == len([r for r in rows if r[7] == "completed"]) + (1 if index == 1 else 0)
    assert summary["by_status"]["cancelled"] == len([r for r in rows if r[7] == "cancelled"])
    assert summary["free"] == (1 if index == 1 else 0)


def test_bookings_series_lists_every_month_and_leaves_out_abandoned_holds(quarter):
    series = selectors.bookings_series(quarter_period(quarter), "month")
    assert series == [
        {"period": key, "total": quarter.bookings_in(i), "paid": quarter.paid_in(i)}
        for i, key in enumerate(quarter.keys())
    ]
    days = selectors.bookings_series(month_period(quarter, 0), "day")
    assert len(days) == month_period(quarter, 0).days
    assert sum(step["total"] for step in days) == quarter.bookings_in(0)
    third = quarter.months[0].replace(day=3).isoformat()
    assert next(step for step in days if step["period"] == third) == {"period": third, "total": 1, "paid": 1}


def test_conversion_funnel_per_month(quarter):
    expected = {0: (2, 1, 1), 1: (1, 1, 1), 2: (2, 2, 1)}
    for index, (leads, booked, paid) in expected.items():
        funnel = selectors.conversion(month_period(quarter, index))
        assert (funnel["leads"], funnel["leads_booked"], funnel["leads_paid"]) == (leads, booked, paid)
        assert funnel["bookings"] == quarter.bookings_in(index)
        assert funnel["paid_bookings"] == quarter.paid_in(index)
        assert funnel["visitors"]["count"] is None
        assert funnel["visitors"]["recorded"] is False
        assert funnel["whitepaper_downloads"] == len([d for d in DOWNLOADS if d[0] == index])
        assert funnel["webinar_registrations"] == len([r for r in REGISTRATIONS if r[0] == index])
    assert selectors.conversion(month_period(quarter, 1))["rates"] == {
        "lead_to_booking": "100.00",
        "lead_to_paid": "100.00",
        "booking_to_paid": "75.00",
    }
    assert selectors.conversion(month_period(quarter, 2))["rates"]["lead_to_paid"] == "50.00"


def test_platform_overview_of_the_quarter(quarter):
    overview = selectors.platform_overview(quarter_period(quarter))
    assert overview["total_bookings"] == sum(quarter.bookings_in(i) for i in range(3))
    assert overview["paid_bookings"] == len(BOOKINGS)
    assert overview["new_leads"] == 5
    assert overview["conversion_rate"] == "60.00"  # lena, ida, omar of five leads
    assert [m["bookings"] for m in overview["monthly_growth"].values()] == [quarter.bookings_in(i) for i in range(3)]
    usd = next(item for item in overview["total_revenue"] if item["currency"] == "USD")
    assert overview["average_booking_value"]["USD"] == (usd["gross"] / usd["payments_count"]).quantize(Decimal("0.01"))


def test_performance_ranks_by_revenue_in_the_currency(quarter):
    period = quarter_period(quarter)
    rows = [selectors.performance_row(c, "USD") for c in selectors.consultant_performance(period, currency="USD")]
    anna = next(r for r in rows if r["consultant_id"] == quarter.a.pk)
    assert rows[0]["consultant_id"] == quarter.a.pk
    assert anna["revenue"] == sum(quarter.revenue(i, "USD") for i in range(3))
    assert anna["bookings"] == 7
    assert anna["completed"] == 5
    bernd = next(r for r in rows if r["consultant_id"] == quarter.b.pk)
    assert bernd["revenue"] == Decimal("0.00")  # EUR only


def test_retention_counts_returning_clients_per_consultant(quarter):
    result = selectors.consultant_retention(month_period(quarter, 2))
    rows = {row["consultant_id"]: row for row in result["consultants"]}
    # Month 3: Anna sees lena (booked her in months 1 and 2) and omar (month 1): both return.
    assert (rows[quarter.a.pk]["clients"], rows[quarter.a.pk]["returning_clients"]) == (2, 2)
    assert (rows[quarter.b.pk]["clients"], rows[quarter.b.pk]["returning_clients"]) == (1, 0)
    assert result["totals"] == {"clients": 3, "returning_clients": 2, "retention_rate": "66.67"}


def test_consultant_statistics_follow_the_spec_shape(quarter):
    stats = selectors.consultant_statistics(quarter.b, quarter_period(quarter))
    assert stats["currency"] == "EUR"
    assert stats["total_revenue"] == Decimal("330.00")
    assert stats["revenue_by_month"] == {key: quarter.revenue(i, "EUR") for i, key in enumerate(quarter.keys())}
    assert stats["monthly_bookings"] == {key: quarter.bookings_in(i, "b") for i, key in enumerate(quarter.keys())}
    assert stats["total_consultations"] == 4
    assert stats["completion_rate"] == "75.00"
    assert stats["client_retention_rate"] == "33.33"  # of ida, free and max, ida came back


def test_period_defaults_to_this_utc_month_and_checks_its_bounds():
    with time_machine.travel(datetime(2026, 2, 14, 23, 30, tzinfo=UTC), tick=False):
        assert selectors.period_make(first=None, last=None) == selectors.Period(date(2026, 2, 1), date(2026, 2, 28))
        assert selectors.period_make(first=date(2025, 12, 5), last=None).last == date(2026, 2, 28)
        assert selectors.period_make(first=None, last=date(2025, 11, 20)).first == date(2025, 11, 1)
    with pytest.raises(InvalidPeriod):
        selectors.period_make(first=date(2026, 3, 2), last=date(2026, 3, 1))
    with pytest.raises(InvalidPeriod):
        selectors.period_make(first=date(2020, 1, 1), last=date(2026, 1, 1))


def test_failing_jobs_counts_what_failed():
    from leads.tests.factories import LeadFactory
    from payments.models import WebhookEvent

    WebhookEvent.objects.create(provider="stripe", event_id="evt_1", type="x", status="failed", attempts=3)
    WebhookEvent.objects.create(provider="stripe", event_id="evt_2", type="x", status="received", attempts=1)
    WebhookEvent.objects.create(provider="stripe", event_id="evt_3", type="x", status="processed", attempts=1)
    LeadFactory(odoo_status="failed")
    counts = {item["key"]: item["count"] for item in selectors.failing_jobs()}
    assert counts == {
        "webhooks_failed": 1,
        "webhooks_retrying": 1,
        "lead_exports_failed": 1,
        "scraping_jobs_failed": 0,
        "collection_jobs_failed": 0,
        "submissions_failed": 0,
        "tasks_failed": 0,
    }


def test_coupon_totals_of_a_month_sum_the_redeemed_uses_by_currency_and_funder():
    from bookings.tests.factories import BookingFactory
    from coupons.models import CouponUsage
    from coupons.tests.factories import CouponFactory

    period = selectors.period_of_month(2026, 5)
    inside = datetime(2026, 5, 10, 12, tzinfo=UTC)
    coupon = CouponFactory()
    plan = [
        # (status, currency, list, discount, funder, redeemed_at)
        ("redeemed", "USD", "200.00", "20.00", "platform", inside),
        ("redeemed", "USD", "150.00", "50.00", "consultant", inside + timedelta(days=20)),
        ("refunded", "EUR", "100.00", "10.00", "platform", inside),
        ("refunded", "EUR", "100.00", "100.00", "platform", inside),  # a free session, cancelled
        ("redeemed", "USD", "180.00", "180.00", "platform", datetime(2026, 5, 31, 23, 59, tzinfo=UTC)),
        ("reserved", "USD", "300.00", "30.00", "platform", None),
        ("released", "USD", "300.00", "30.00", "platform", None),
        ("redeemed", "USD", "90.00", "9.00", "platform", datetime(2026, 4, 30, 23, 59, tzinfo=UTC)),
        ("redeemed", "USD", "90.00", "9.00", "platform", datetime(2026, 6, 1, 0, 0, tzinfo=UTC)),
    ]
    for n, (status, currency, gross, discount, funder, redeemed_at) in enumerate(plan):
        CouponUsage.objects.create(
            coupon=coupon,
            booking=BookingFactory(),
            status=status,
            email_normalised=f"p{n}@example.com",
            list_amount=Decimal(gross),
            discount_amount=Decimal(discount),
            final_amount=Decimal(gross) - Decimal(discount),
            currency=currency,
            funded_by=funder,
            redeemed_at=redeemed_at,
        )
    counted = [
        row
        for row in plan
        if (row[0] == "redeemed" or (row[0] == "refunded" and row[2] != row[3])) and row[5] and row[5].month == 5
    ]
    expected = {}
    for _status, currency, gross, discount, funder, _at in counted:
        item = expected.setdefault(
            currency,
            {
                "redemptions": 0,
                "gross": Decimal(0),
                "discount": Decimal(0),
                "platform": Decimal(0),
                "consultant": Decimal(0),
            },
        )
        item["redemptions"] += 1
        item["gross"] += Decimal(gross)
        item["discount"] += Decimal(discount)
        item[funder] += Decimal(discount)

    totals = selectors.coupon_totals(period)

    assert [row["currency"] for row in totals] == ["EUR", "USD"]
    for row in totals:
        want = expected[row["currency"]]
        assert row["redemptions"] == want["redemptions"]
        assert row["gross"] == want["gross"]
        assert row["discount"] == want["discount"]
        assert row["net"] == want["gross"] - want["discount"]
        assert row["platform_funded"] == want["platform"]
        assert row["consultant_funded"] == want["consultant"]
    usd = totals[1]
    assert (usd["redemptions"], usd["gross"], usd["discount"], usd["net"]) == (
        3,
        Decimal("530.00"),
        Decimal("250.00"),
        Decimal("280.00"),
    )
    assert selectors.platform_overview(period)["coupons"] == totals
