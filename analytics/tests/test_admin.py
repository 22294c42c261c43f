"""The admin index: the staff dashboard with the exact figures of a seeded month, its charts with
table fallbacks, German text, and the technical records grouped apart."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.models import BookingStatus
from consultants.tests.factories import ConsultantFactory
from leads.tests.factories import LeadFactory
from payments.models import WebhookEvent

from .factories import paid_booking, refund

pytestmark = pytest.mark.django_db


def mid_month() -> datetime:
    today = timezone.now().astimezone(UTC)
    return datetime(today.year, today.month, 15, 12, tzinfo=UTC)


def seed_two_months(now: datetime):
    """This month: 2 bookings (100.00 and 250.00 USD, 40.00 of it refunded), 2 leads of which one
    booked and paid. Last month: 1 booking of 80.00 USD, no lead. One confirmed session ahead."""
    consultant = ConsultantFactory(first_name="Anna", last_name="Alpha", currency="USD")
    this = now.replace(day=1, hour=0)
    last = (this - timedelta(days=1)).replace(day=10, hour=9)
    paid_booking(
        consultant,
        this.replace(day=3, hour=9),
        amount="100.00",
        fee="3.20",
        status=BookingStatus.COMPLETED,
        email="lena@example.com",
    )
    ahead = paid_booking(
        consultant,
        this.replace(day=14, hour=10),
        amount="250.00",
        fee="7.55",
        status=BookingStatus.CONFIRMED,
        email="omar@example.com",
    )
    refund(ahead, this.replace(day=14, hour=11), "40.00")
    paid_booking(consultant, last, amount="80.00", fee="2.60", status=BookingStatus.COMPLETED, email="ida@example.com")
    for day, email in ((2, "lena@example.com"), (6, "nina@example.com")):
        with time_machine.travel(this.replace(day=day, hour=8), tick=False):
            LeadFactory(email=email)
    return consultant, ahead


@pytest.fixture
def seeded_now():
    now = mid_month()
    seed_two_months(now)
    with time_machine.travel(now, tick=False):
        yield now


def test_dashboard_shows_the_exact_figures_of_the_month(client, seeded_now):
    client.force_login(UserFactory(role=Role.ANALYTICS_VIEWER, email="analyst@example.com"))
    response = client.get("/admin/")
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    compare = {row["key"]: (row["this"], row["last"]) for row in dashboard["compare"]}
    assert compare == {
        "bookings": (2, 1),
        "revenue-USD": (Decimal("310.00"), Decimal("80.00")),
        "leads": (2, 0),
        "conversion": ("50.00", None),
    }
    html = response.content.decode()
    assert '<tr data-figure="revenue-USD">' in html
    assert '<td class="this">$310.00</td>' in html
    assert '<td class="last">$80.00</td>' in html
    assert '<td class="this">50.00</td>' in html and '<td class="last">n/a</td>' in html
    # 12 months of bookings and of USD revenue, each an SVG with its table under <details>.
    assert [chart.key for chart in dashboard["charts"]] == ["bookings", "revenue-USD"]
    assert html.count('class="analytics-svg"') == 2 and html.count("<details>") == 2
    bookings_chart = dashboard["charts"][0]
    assert len(bookings_chart.bars) == 12
    assert [bar.value for bar in bookings_chart.bars[-2:]] == [1, 2]
    revenue_chart = dashboard["charts"][1]
    assert [bar.value for bar in revenue_chart.bars[-2:]] == [Decimal("80.00"), Decimal("310.00")]
    assert dashboard["top_consultants"][0]["revenue"] == Decimal("310.00")
    assert "Anna Alpha" in html
    assert [b.client_email for b in dashboard["upcoming"]] == ["omar@example.com"]


def test_the_tallest_bar_fills_the_plot_and_the_others_scale(client, seeded_now):
    from analytics.dashboard import bar_chart

    chart = bar_chart("x", "X", [("a", 0), ("b", 5), ("c", 10)])
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == 2 * heights[1]
    negative = bar_chart("y", "Y", [("a", Decimal("-10")), ("b", Decimal("30"))])
    assert negative.bars[0].y == negative.baseline
    assert negative.bars[1].y + negative.bars[1].height == negative.baseline


def test_failing_jobs_link_to_their_admin_lists(client, seeded_now):
    WebhookEvent.objects.create(provider="stripe", event_id="evt_bad", type="x", status="failed", attempts=5)
    client.force_login(UserFactory(role=Role.SUPER_ADMIN, email="root@example.com"))
    html = client.get("/admin/").content.decode()
    assert '<li data-job="webhooks_failed" class="failing">' in html
    assert 'href="/admin/payments/webhookevent/"' in html


def test_dashboard_in_german(rf, seeded_now):
    """The admin answers in English (its URLs have no language prefix); the dashboard's text and
    money follow the active language wherever it is rendered."""
    from django.contrib import admin
    from django.template.loader import render_to_string

    from analytics.dashboard import dashboard
    from magnetiq.formatting import format_money

    with translation.override("de"):
        html = render_to_string("analytics/admin/dashboard.html", {"dashboard": dashboard()})
        assert "Wie das Geschäft läuft" in html
        assert f'<td class="this">{format_money(Decimal("310.00"), "USD")}</td>' in html
        assert format_money(Decimal("310.00"), "USD").startswith("310,00")
        assert "Die Zahlen als Tabelle zeigen" in html
        request = rf.get("/admin/")
        request.user = UserFactory(role=Role.SUPER_ADMIN, email="root@example.com")
        assert str(admin.site.get_app_list(request)[-1]["name"]) == "Technische Einträge"


def test_staff_without_the_analytics_permission_see_no_figures(client, seeded_now):
    client.force_login(UserFactory(role=Role.EDITOR, email="editor@example.com"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert 'id="dashboard"' not in response.content.decode()


def test_technical_records_are_grouped_after_the_business_apps(client):
    client.force_login(UserFactory(role=Role.SUPER_ADMIN, email="root@example.com"))
    response = client.get("/admin/")
    technical = response.context["technical_apps"]
    business = response.context["business_apps"]
    assert [app["app_label"] for app in technical] == ["technical"]
    technical_models = {model["object_name"] for model in technical[0]["models"]}
    assert {"WebhookEvent", "AccessAttempt", "OutstandingToken", "BlacklistedToken", "DBTaskResult"} <= technical_models
    payments = next(app for app in business if app["app_label"] == "payments")
    assert "WebhookEvent" not in {model["object_name"] for model in payments["models"]}
    assert "LedgerEntry" in {model["object_name"] for model in payments["models"]}
    assert not any(app["app_label"] in ("axes", "token_blacklist") for app in business)
    html = response.content.decode()
    assert html.index('id="technical"') > html.index("app-payments")
    # The app's own page still lists the inbox with the other payment records.
    payments_page = client.get("/admin/payments/")
    assert "WebhookEvent" in {m["object_name"] for m in payments_page.context["app_list"][0]["models"]}
