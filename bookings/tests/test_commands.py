"""``seed_availability``: idempotent demo schedule."""

import pytest
from django.core.management import CommandError, call_command

from bookings.models import AvailabilityRule
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db


def test_seed_availability_is_idempotent_and_keeps_existing_rules(capsys, consultant):
    fresh = ConsultantFactory(timezone="America/New_York")
    call_command("seed_availability")
    assert capsys.readouterr().out.strip() == "Seeded availability for 1 consultant."
    assert sorted(AvailabilityRule.objects.filter(consultant=fresh).values_list("weekday", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert AvailabilityRule.objects.filter(consultant=consultant).count() == 7  # untouched
    call_command("seed_availability", consultant=fresh.slug)
    assert capsys.readouterr().out.strip() == "Seeded availability for 0 consultants."
    with pytest.raises(CommandError):
        call_command("seed_availability", consultant="no-such-slug")
