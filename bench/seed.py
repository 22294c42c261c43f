"""Seed the bench database: the demo consultancy (``load_demo_data``), topped up with factories to
``CONSULTANTS`` consultants, ``WHITEPAPERS`` whitepapers and ``WEBINARS`` webinars.

Also two consultants for the booking scenarios (``bench/scenarios.py``): one with ``BOOKINGS``
confirmed bookings over the past ten months and the next 60 days (the availability scenario) and
one with a free calendar (the race for one slot), both available every day 08:00–18:00 UTC.

Run by ``bench/run.py`` as ``python -m bench.seed`` with ``DJANGO_SETTINGS_MODULE`` and
``DATABASE_URL`` set; prints what the bench requests as JSON on its last line.
"""

import json
import os
import sys
from datetime import UTC, datetime, time, timedelta

import django

CONSULTANTS = 500
WHITEPAPERS = 50
WEBINARS = 20
BOOKINGS = 2000
EXPERTISE = ["Strategy", "Cloud", "Data", "AI", "Security", "Finance", "Supply Chain", "Marketing", "HR", "Legal"]


def seed() -> dict:
    import factory
    from django.core.management import call_command
    from django.utils import timezone

    from bookings.tests.factories import BookingFactory, weekday_rules
    from consultants.models import Consultant
    from consultants.tests.factories import ConsultantFactory
    from webinars.models import Webinar
    from webinars.tests.factories import WebinarFactory
    from whitepapers.models import Whitepaper
    from whitepapers.tests.factories import WhitepaperFactory

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo_data", stdout=quiet)
    ConsultantFactory.create_batch(
        CONSULTANTS - Consultant.objects.count(),
        last_name=factory.Iterator(["Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann"]),
        expertise_areas=factory.Iterator([[a, b] for a in EXPERTISE for b in EXPERTISE if a != b]),
        is_featured=factory.Iterator([True, False, False, False, False]),
        is_verified=factory.Iterator([True, False]),
        average_rating=factory.Iterator(["4.90", "4.50", "4.10", "3.80"]),
    )
    authors = list(Consultant.objects.public().order_by("id")[:50])
    WhitepaperFactory.create_batch(
        WHITEPAPERS - Whitepaper.objects.count(),
        author=factory.Iterator(authors),
        category=factory.Iterator(["AI", "Cloud", "Data", "Strategy"]),
    )
    now = timezone.now().replace(microsecond=0)
    WebinarFactory.create_batch(
        WEBINARS - Webinar.objects.count(),
        speaker=factory.Iterator(authors),
        starts_at=factory.Iterator([now + timedelta(days=days) for days in range(3, 60, 3)]),
    )
    busy = ConsultantFactory(first_name="Busy", timezone="UTC", max_bookings_per_day=20)
    free = ConsultantFactory(first_name="Free", timezone="UTC", max_bookings_per_day=48)
    for consultant in (busy, free):
        weekday_rules(consultant, start=time(8), end=time(18), weekdays=range(7))
    # Spread evenly over the half hours of 08:00-18:00 UTC, from 300 days back to 60 days ahead.
    first_day = datetime.combine(timezone.now().date() - timedelta(days=300), time(8), tzinfo=UTC)
    slots = [int(i * 360 * 20 / BOOKINGS) for i in range(BOOKINGS)]
    starts = [first_day + timedelta(days=n // 20, minutes=30 * (n % 20)) for n in slots]
    BookingFactory.create_batch(BOOKINGS, consultant=busy, start=factory.Iterator(starts))
    return {
        "busy_consultant": busy.pk,
        "free_consultant": free.pk,
        "consultant": Consultant.objects.public().order_by("id").values_list("slug", flat=True).first(),
        "whitepaper": Whitepaper.objects.published().order_by("id").values_list("slug", flat=True).first(),
        "webinar": Webinar.objects.visible().order_by("starts_at").values_list("slug", flat=True).first(),
        "counts": {
            "consultants": Consultant.objects.count(),
            "whitepapers": Whitepaper.objects.count(),
            "webinars": Webinar.objects.count(),
        },
    }


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    django.setup()
    print(json.dumps(seed()))
