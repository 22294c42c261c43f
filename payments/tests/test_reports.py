"""Financial reports from the ledger: daily, monthly and tax reports add up to the same totals (to the
cent, per currency), JSON and CSV, validation and permissions."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from consultants.tests.factories import ConsultantFactory
from payments.services.reports import report_daily

from .staff_helpers import ledger, staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/admin/payments"


def at(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def month_of_movements(db):
    """October 2026: three USD payments with fees, a partial refund, a refund that failed (reversed),
    a lost dispute, a won dispute, a payout; one EUR payment; and rows just outside the month."""
    berlin = ConsultantFactory(timezone="Europe/Berlin")
    new_york = ConsultantFactory(timezone="America/New_York")
    rows = [
        ("payment", "100.00", at(10, 1, 9), berlin),
        ("fee", "-3.20", at(10, 1, 9), berlin),
        ("payment", "90.00", at(10, 3), new_york, "EUR"),
        ("fee", "-2.00", at(10, 3), new_york, "EUR"),
        ("payment", "150.00", at(10, 5), new_york),
        ("fee", "-4.65", at(10, 5), new_york),
        ("refund", "-50.00", at(10, 10), berlin),
        ("payment", "200.00", at(10, 12), berlin),
        ("fee", "-6.10", at(10, 12), berlin),
        ("dispute", "-200.00", at(10, 15), berlin),
        ("dispute", "-150.00", at(10, 20), new_york),
        ("dispute_reversal", "150.00", at(10, 25), new_york),
        ("refund", "-20.00", at(10, 31, 8), new_york),
        ("refund_reversal", "20.00", at(10, 31, 9), new_york),
        ("payout", "-80.00", at(10, 31, 23, 59, 59), berlin),
        ("payment", "999.00", at(9, 30, 23, 59, 59), berlin),
        ("payment", "500.00", at(11, 1, 0, 0, 0), berlin),
    ]
    for kind, amount, when, consultant, *currency in rows:
        ledger(kind, amount, when, consultant=consultant, currency=currency[0] if currency else "USD")
    return berlin, new_york


@pytest.fixture
def analyst(api_client):
    api_client.force_authenticate(staff_user("payments.view_ledgerentry", email="analyst@example.com"))
    return api_client


OCTOBER_USD = {
    "currency": "USD",
    "gross": "450.00",
    "fees": "-13.95",
    "refunds": "-50.00",
    "disputes": "-200.00",
    "payouts": "-80.00",
    "net": "106.05",
    "payments_count": 3,
    "refunds_count": 2,
}
OCTOBER_EUR = {
    "currency": "EUR",
    "gross": "90.00",
    "fees": "-2.00",
    "refunds": "0.00",
    "disputes": "0.00",
    "payouts": "0.00",
    "net": "88.00",
    "payments_count": 1,
    "refunds_count": 0,
}
MONEY = ("gross", "fees", "refunds", "disputes", "payouts", "net")


def _add(into: dict, totals: list[dict]) -> None:
    for t in totals:
        acc = into.setdefault(t["currency"], {k: Decimal("0.00") for k in MONEY} | {"n": 0})
        for k in MONEY:
            acc[k] += Decimal(t[k])
        acc["n"] += t["payments_count"]


def test_daily_reports_add_up_to_the_monthly_and_the_tax_report(month_of_movements, analyst):
    monthly = analyst.get(f"{URL}/reports/monthly", {"month": "2026-10"}).json()["data"]
    assert monthly["totals"] == [OCTOBER_EUR, OCTOBER_USD]

    summed: dict = {}
    day = date(2026, 10, 1)
    while day.month == 10:
        _add(summed, report_daily(first=day)["totals"])
        day += timedelta(days=1)
    expected: dict = {}
    _add(expected, monthly["totals"])
    assert summed == expected

    # One daily request over the month gives the same totals and 31 days.
    ranged = analyst.get(f"{URL}/reports/daily", {"from": "2026-10-01", "to": "2026-10-31"}).json()["data"]
    assert ranged["totals"] == monthly["totals"]
    assert len(ranged["days"]) == 31
    assert ranged["days"][30]["date"] == "2026-10-31"
    assert [t["payouts"] for t in ranged["days"][30]["totals"]] == ["-80.00"]

    tax = analyst.get(f"{URL}/tax-reports", {"year": 2026, "quarter": 4}).json()["data"]
    assert (tax["from"], tax["to"]) == ("2026-10-01", "2026-12-31")
    assert [p["month"] for p in tax["periods"]] == ["2026-10", "2026-11", "2026-12"]
    assert tax["periods"][0]["totals"] == monthly["totals"]
    november = analyst.get(f"{URL}/reports/monthly", {"month": "2026-11"}).json()["data"]
    quarter: dict = {}
    for month in ("2026-10", "2026-11", "2026-12"):
        _add(quarter, analyst.get(f"{URL}/reports/monthly", {"month": month}).json()["data"]["totals"])
    tax_totals: dict = {}
    _add(tax_totals, tax["totals"])
    assert tax_totals == quarter
    assert november["totals"][0]["gross"] == "500.00"
    zones = {z["timezone"]: z["totals"] for z in tax["by_consultant_timezone"]}
    assert sorted(zones) == ["America/New_York", "Europe/Berlin"]
    assert [t["net"] for t in zones["Europe/Berlin"]] == ["460.70"]  # 100 - 3.20 - 50 + 200 - 6.10 - 200 - 80 + 500


def test_monthly_report_breaks_down_by_consultant(month_of_movements, analyst):
    berlin, new_york = month_of_movements
    data = analyst.get(f"{URL}/reports/monthly", {"month": "2026-10"}).json()["data"]
    by_id = {c["consultant_id"]: c for c in data["by_consultant"]}
    assert set(by_id) == {berlin.pk, new_york.pk}
    assert [(t["currency"], t["net"]) for t in by_id[berlin.pk]["totals"]] == [("USD", "-39.30")]
    assert [(t["currency"], t["net"]) for t in by_id[new_york.pk]["totals"]] == [("EUR", "88.00"), ("USD", "145.35")]


def test_reports_as_csv_downloads(month_of_movements, analyst):
    response = analyst.get(f"{URL}/reports/monthly", {"month": "2026-10", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="monthly-2026-10.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["section", "period", "group", "currency"]
    totals = [r for r in rows if r[0] == "total"]
    assert totals == [
        ["total", "2026-10", "", "EUR", "90.00", "-2.00", "0.00", "0.00", "0.00", "88.00", "1", "0"],
        ["total", "2026-10", "", "USD", "450.00", "-13.95", "-50.00", "-200.00", "-80.00", "106.05", "3", "2"],
    ]
    assert len([r for r in rows if r[0] == "day"]) == 9  # days with movements: 1 3 5 10 12 15 20 25 31

    daily = analyst.get(f"{URL}/reports/daily", {"date": "2026-10-01", "format": "csv"})
    assert daily["Content-Disposition"] == 'attachment; filename="daily-2026-10-01-2026-10-01.csv"'
    assert list(csv.reader(io.StringIO(daily.content.decode())))[-1][:10] == [
        "total",
        "2026-10-01..2026-10-01",
        "",
        "USD",
        "100.00",
        "-3.20",
        "0.00",
        "0.00",
        "0.00",
        "96.80",
    ]
    tax = analyst.get(f"{URL}/tax-reports", {"year": 2026, "format": "csv"})
    assert tax["Content-Disposition"] == 'attachment; filename="tax-2026.csv"'
    assert len([r for r in csv.reader(io.StringIO(tax.content.decode())) if r[0] == "month"]) == 4  # Sep, Oct×2, Nov


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("reports/daily", {}, "date"),
        ("reports/daily", {"date": "2026-13-01"}, "date"),
        ("reports/daily", {"from": "2026-10-05", "to": "2026-10-01"}, "to"),
        ("reports/daily", {"from": "2026-01-01", "to": "2026-12-31"}, "to"),
        ("reports/monthly", {"month": "2026-13"}, "month"),
        ("reports/monthly", {}, "month"),
        ("tax-reports", {"year": 2026, "quarter": 5}, "quarter"),
        ("tax-reports", {"year": "abc"}, "year"),
        ("reconciliation", {"from": "2026-10-01"}, "to"),
    ],
)
def test_bad_report_parameters_are_422(analyst, path, params, field):
    response = analyst.get(f"{URL}/{path}", params)
    assert response.status_code == 422, response.content
    assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_bad_parameters_with_csv_still_answer_json(analyst):
    response = analyst.get(f"{URL}/reports/monthly", {"month": "nope", "format": "csv"})
    assert response.status_code == 422
    assert response.json()["success"] is False


def test_reports_need_the_ledger_permission(api_client, month_of_movements):
    assert api_client.get(f"{URL}/reports/monthly", {"month": "2026-10"}).status_code == 401
    api_client.force_authenticate(staff_user("payments.view_payment"))
    for path, params in (
        ("reports/daily", {"date": "2026-10-01"}),
        ("reports/monthly", {"month": "2026-10"}),
        ("tax-reports", {"year": 2026}),
        ("reconciliation", {"from": "2026-10-01", "to": "2026-10-31"}),
    ):
        assert api_client.get(f"{URL}/{path}", params).status_code == 403, path
