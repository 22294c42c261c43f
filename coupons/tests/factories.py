"""factory_boy factories for coupons (rows saved directly; service tests go through the services)."""

from datetime import UTC, datetime
from decimal import Decimal

import factory

from coupons.models import Coupon, CouponCampaign


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponCampaign

    name = factory.Sequence(lambda n: f"Campaign {n}")


class CouponFactory(factory.django.DjangoModelFactory):
    """A 20 % code for everyone, valid from 2020-01-01, unlimited uses, once per person."""

    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"CODE{n:04d}")
    internal_name = factory.LazyAttribute(lambda o: f"Internal {o.code}")
    description = factory.LazyFunction(lambda: {"en": "Twenty percent off", "de": "Zwanzig Prozent Rabatt"})
    discount_type = "percentage"
    discount_value = Decimal("20")
    valid_from = datetime(2020, 1, 1, tzinfo=UTC)
