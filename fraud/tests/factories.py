"""Factories of the fraud tests (rows as the services write them)."""

import factory
from django.utils import timezone

from fraud.models import Attempt, BlockedIP, FlaggedUser, Source, Whitelist


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    scope = "coupon_validate"
    ip = "203.0.113.7"
    ip_truncated = "203.0.113.0"
    email_normalised = factory.Sequence(lambda n: f"visitor{n}@example.com")
    success = False
    reason = "unknown"
    subject = factory.Sequence(lambda n: f"CODE{n}")
    risk = 0
    created_at = factory.LazyFunction(timezone.now)


class BlockedIPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedIP

    network = "198.51.100.9/32"
    reason = "test"
    source = Source.MANUAL


class FlaggedUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlaggedUser

    email_normalised = factory.Sequence(lambda n: f"flagged{n}@example.com")
    reason = "test"
    source = Source.MANUAL


class WhitelistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Whitelist

    reason = "test"
