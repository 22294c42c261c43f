"""A staff member logs into the admin in Chromium and sees the dashboard's figures and charts."""

import pytest
import time_machine

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory

from .test_admin import mid_month, seed_two_months

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_and_see_the_dashboard(page):
    now = mid_month()
    with time_machine.travel(now, tick=True):
        seed_two_months(now)
        UserFactory(email="analyst@example.com", role=Role.ANALYTICS_VIEWER)
        page.goto("/admin/login/")
        page.fill("#id_username", "analyst@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")

        assert page.inner_text("#dashboard-title") == "How the business is doing"
        assert page.inner_text('tr[data-figure="bookings"] td.this') == "2"
        assert page.inner_text('tr[data-figure="bookings"] td.last') == "1"
        assert page.inner_text('tr[data-figure="revenue-USD"] td.this') == "$310.00"
        assert page.inner_text('tr[data-figure="revenue-USD"] td.last') == "$80.00"
        assert page.inner_text('tr[data-figure="leads"] td.this') == "2"
        assert page.inner_text('tr[data-figure="conversion"] td.this') == "50.00"

        # Two charts drawn on the server, 12 monthly bars each, visible without any script.
        assert page.locator("svg.analytics-svg").count() == 2
        assert page.locator("#chart-bookings svg rect").count() == 12
        assert page.locator("#chart-bookings svg").bounding_box()["height"] > 50
        # The table fallback opens from its <details>.
        table_cell = page.locator("#chart-revenue-USD table tbody tr:last-child td")
        assert not table_cell.is_visible()
        page.click("#chart-revenue-USD summary")
        assert table_cell.inner_text() == "$310.00"

        assert page.inner_text("#dashboard-top-consultants tbody th") == "Anna Alpha"
        assert page.locator("#dashboard-upcoming tbody tr").count() == 1
        # An analyst holds no technical record (inbox, tokens, tasks): no such section.
        assert page.locator("#technical").count() == 0
