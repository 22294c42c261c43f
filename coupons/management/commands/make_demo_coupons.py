"""``manage.py make_demo_coupons``: two demo discount codes, created through ``coupons.services``.

``WELCOME20`` (20 % off for first-time clients, at most 50 € / $ off, once per person) and
``FREESESSION`` (one free session per person, ten in all, funded by the platform). Idempotent: a code
that exists (even deleted) is left as it is.
"""

from decimal import Decimal

from django.core.management import BaseCommand
from django.utils import timezone

from coupons.models import Coupon
from coupons.services import coupon_create

DEMO_COUPONS = (
    {
        "code": "WELCOME20",
        "internal_name": "Demo: welcome discount",
        "description": {"en": "20 % off your first consultation", "de": "20 % Rabatt auf Ihre erste Beratung"},
        "discount_type": "percentage",
        "discount_value": Decimal("20"),
        "max_discount_amount": Decimal("50"),
        "applicable_to": "first_time_users",
        "campaign_source": "demo",
    },
    {
        "code": "FREESESSION",
        "internal_name": "Demo: free session",
        "description": {"en": "One free session", "de": "Ein kostenloser Termin"},
        "discount_type": "free_session",
        "discount_value": Decimal("0"),
        "max_uses_total": 10,
        "funded_by": "platform",
        "campaign_source": "demo",
    },
)


class Command(BaseCommand):
    help = "Create the demo discount codes WELCOME20 and FREESESSION (idempotent)."

    def handle(self, *args, **options):
        for data in DEMO_COUPONS:
            if Coupon.objects.filter(code=data["code"]).exists():
                self.stdout.write(f"{data['code']}: exists")
                continue
            coupon_create(data={**data, "valid_from": timezone.now()})
            self.stdout.write(f"{data['code']}: created")
