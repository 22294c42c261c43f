"""factory_boy factories for consultants (saved directly: tests of the services build their own)."""

from decimal import Decimal

import factory

from consultants.models import Consultant, ConsultantStatus


def bio_blocks(text: str) -> list[dict]:
    """One Portable Text paragraph holding ``text``."""
    return [{"_type": "block", "style": "normal", "children": [{"_type": "span", "text": text, "marks": []}]}]


class ConsultantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultant

    first_name = factory.Sequence(lambda n: f"Anna{n}")
    last_name = "Schmidt"
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}.{o.last_name.lower()}@example.com")
    slug = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}-{o.last_name.lower()}")
    title = "Principal Consultant"
    company = "Magnetiq"
    expertise_areas = factory.LazyFunction(lambda: ["Strategy", "Cloud"])
    consultation_types = factory.LazyFunction(lambda: ["30for30"])
    languages = factory.LazyFunction(lambda: ["en", "de"])
    years_experience = 10
    hourly_rate = Decimal("200.00")
    average_rating = Decimal("4.50")
    total_reviews = 12
    timezone = "Europe/Berlin"
    status = ConsultantStatus.ACTIVE
    bio = factory.LazyAttribute(
        lambda o: {
            "en": bio_blocks(f"{o.first_name} helps clients."),
            "de": bio_blocks(f"{o.first_name} hilft Kunden."),
        }
    )
    meta_description = factory.LazyFunction(lambda: {"en": "A consultant.", "de": "Ein Berater."})
    phone = "+49 30 1234567"
    stripe_account_id = "acct_123"
    paypal_account_id = "pp_123"
    verification_notes = "Checked references."
    linkedin_scraped_data = factory.LazyFunction(lambda: {"headline": "secret"})
    total_revenue = Decimal("12345.00")
