"""Admin smoke tests and the admin actions (through the services, staff override of the 24 h rule)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from bookings.models import BookingStatus, ConsultantAvailability, ConsultationBooking
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_user("root@example.com", "pw-0123456789", role=Role.SUPER_ADMIN)
    client.force_login(user)
    return client


def test_changelists_search_and_change_pages(admin_client, consultant):
    booking = BookingFactory(consultant=consultant)
    for url in (
        reverse("admin:bookings_consultationbooking_changelist"),
        reverse("admin:bookings_consultationbooking_changelist") + "?q=clara&status__exact=confirmed",
        reverse("admin:bookings_consultationbooking_change", args=[booking.pk]),
        reverse("admin:bookings_consultantavailability_changelist"),
        reverse("admin:bookings_consultantavailability_change", args=[consultant.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_cancel_action_overrides_the_24h_rule(admin_client, consultant):
    soon = BookingFactory(consultant=consultant, start=timezone.now() + timedelta(hours=2))
    done = BookingFactory(consultant=consultant, status=BookingStatus.CANCELLED)
    response = admin_client.post(
        reverse("admin:bookings_consultationbooking_changelist"),
        {"action": "cancel_bookings", "_selected_action": [soon.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    soon.refresh_from_db()
    assert (soon.status, soon.cancelled_by) == ("cancelled", "staff")
    messages = [str(m) for m in response.context["messages"]]
    assert "1 booking cancelled." in messages
    assert any(m.startswith(done.reference) for m in messages)


def test_availability_admin_edits_rules_inline(admin_client, consultant):
    url = reverse("admin:bookings_consultantavailability_change", args=[consultant.pk])
    rules = list(consultant.availability_rules.all())
    data = {
        "booking_buffer_minutes": 10,
        "max_bookings_per_day": 5,
        "availability_rules-TOTAL_FORMS": len(rules) + 1,
        "availability_rules-INITIAL_FORMS": len(rules),
        "availability_rules-MIN_NUM_FORMS": 0,
        "availability_rules-MAX_NUM_FORMS": 1000,
        "availability_overrides-TOTAL_FORMS": 1,
        "availability_overrides-INITIAL_FORMS": 0,
        "availability_overrides-MIN_NUM_FORMS": 0,
        "availability_overrides-MAX_NUM_FORMS": 1000,
        "availability_overrides-0-date": "2026-06-05",
        "availability_overrides-0-kind": "unavailable",
    }
    for i, rule in enumerate(rules):
        data |= {
            f"availability_rules-{i}-id": rule.pk,
            f"availability_rules-{i}-consultant": consultant.pk,
            f"availability_rules-{i}-weekday": rule.weekday,
            f"availability_rules-{i}-start_time": "09:00",
            f"availability_rules-{i}-end_time": "17:00",
        }
    n = len(rules)
    data |= {
        f"availability_rules-{n}-weekday": 0,
        f"availability_rules-{n}-start_time": "18:00",
        f"availability_rules-{n}-end_time": "20:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    proxy = ConsultantAvailability.objects.get(pk=consultant.pk)
    assert (proxy.booking_buffer_minutes, proxy.availability_rules.count()) == (10, 8)
    assert proxy.availability_overrides.get().kind == "unavailable"


def test_admin_action_texts_are_translatable():
    """The admin sits outside the language prefixes (always English on this site); its texts are
    gettext all the same, so a German back office needs only a language switch there."""
    action = django_admin.site._registry[ConsultationBooking].cancel_bookings
    with translation.override("de"):
        assert str(action.short_description) == "Ausgewählte Buchungen stornieren"
    assert str(action.short_description) == "Cancel selected bookings"


def test_times_show_in_the_consultants_zone_and_the_amount_with_its_currency(admin_client, consultant):
    consultant.timezone = "America/New_York"
    consultant.save(update_fields=["timezone"])
    booking = BookingFactory(
        consultant=consultant,
        start=datetime(2030, 1, 15, 15, 0, tzinfo=UTC),
        timezone="Europe/Berlin",
        payment_amount=Decimal("100.00"),
        payment_currency="USD",
    )

    html = admin_client.get(reverse("admin:bookings_consultationbooking_change", args=[booking.pk])).content.decode()

    assert "2030-01-15 10:00 America/New_York" in html
    assert "2030-01-15 10:30 America/New_York" in html
    assert "2030-01-15 16:00 Europe/Berlin" in html
    assert "$100.00" in html
    changelist = admin_client.get(reverse("admin:bookings_consultationbooking_changelist")).content.decode()
    assert "2030-01-15 10:00 America/New_York" in changelist
