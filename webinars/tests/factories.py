"""factory_boy factories for webinars (saved directly; service tests go through the services)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from consultants.tests.factories import ConsultantFactory, bio_blocks
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus


class WebinarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webinar

    title = factory.Sequence(lambda n: {"en": f"AI in Manufacturing {n}", "de": f"KI in der Fertigung {n}"})
    description = factory.LazyFunction(
        lambda: {"en": bio_blocks("Learn about AI applications."), "de": bio_blocks("Erfahren Sie mehr über KI.")}
    )
    slug = factory.Sequence(lambda n: f"ai-in-manufacturing-{n}")
    speaker = factory.SubFactory(ConsultantFactory)
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=10)).replace(microsecond=0))
    timezone = "Europe/Berlin"
    duration_minutes = 60
    capacity = 100
    price = Decimal("0.00")
    currency = "EUR"
    tags = factory.LazyFunction(lambda: ["AI", "Manufacturing"])
    language = "en"
    status = WebinarStatus.PUBLISHED
    meeting_link = "https://meet.example.com/ai"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebinarRegistration

    webinar = factory.SubFactory(WebinarFactory)
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    email = factory.Sequence(lambda n: f"ada{n}@example.com")
    company = "ACME"
    consent_terms = True
    consent_terms_at = factory.LazyFunction(timezone.now)
    consent_version = "2026-11"
    status = RegistrationStatus.REGISTERED
