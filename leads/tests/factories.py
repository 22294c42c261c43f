"""Factories for the leads app's tests."""

import factory
from django.utils import timezone

from leads.models import ConsentKind, Lead, LeadAction, LeadConsent, LeadEvent


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    company = "Analytical Engines Ltd"
    website = "https://engines.example"
    phone = "+44 20 7946 0000"
    language = "en"
    source = "whitepaper"


class LeadConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadConsent

    lead = factory.SubFactory(LeadFactory)
    kind = ConsentKind.TERMS
    granted = True
    wording_version = "2026-11"
    source = "whitepaper"
    recorded_at = factory.LazyFunction(timezone.now)


class LeadEventFactory(factory.django.DjangoModelFactory):
    """A ledger row only: it does not touch ``Lead.score`` (use the service for that)."""

    class Meta:
        model = LeadEvent

    lead = factory.SubFactory(LeadFactory)
    action = LeadAction.WHITEPAPER_DOWNLOAD
    points = 10
    occurred_at = factory.LazyFunction(timezone.now)
