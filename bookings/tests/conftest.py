"""Fixtures of the bookings tests."""

from datetime import UTC, datetime, time

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.servers.basehttp import WSGIServer

from accounts.models import Role, User
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory

# Django's test server listens with a backlog of 10; 30 simultaneous connects overflow it and the
# kernel resets some before they reach Django. Real servers listen with hundreds, so the race
# tests raise it (before the session's live server starts listening).
WSGIServer.request_queue_size = 128

#: A Monday far enough ahead for every test that moves the clock to NOW.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


@pytest.fixture
def consultant(db):
    """Berlin, 09:00–17:00 every day, no buffer, 200 USD/h, at most 10 bookings a day."""
    c = ConsultantFactory(timezone="Europe/Berlin", booking_buffer_minutes=0, max_bookings_per_day=10)
    weekday_rules(c, start=time(9), end=time(17), weekdays=range(7))
    return c


@pytest.fixture
def free_consultant(db):
    c = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, hourly_rate=None)
    weekday_rules(c, start=time(9), end=time(17), weekdays=range(7))
    return c


def staff_user(*perms: str, email: str = "staff@example.com") -> User:
    """A staff user whose only permissions are ``perms`` (through a group made here)."""
    user = User.objects.create_user(email, "pw-0123456789", role=Role.VIEWER)
    user.groups.clear()
    group, _ = Group.objects.get_or_create(name=f"test-{email}")
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)  # fresh permission cache
