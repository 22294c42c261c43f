"""Test data of the communications app: templates, campaigns and consenting leads in bulk."""

import factory
from django.utils import timezone

from communications.models import Campaign, EmailTemplate
from leads.models import CONSENT_WORDING_VERSION, ConsentKind, Lead, LeadConsent


def blocks(text: str, *, href: str | None = None) -> list[dict]:
    """One paragraph of Portable Text, with a link over the whole text when ``href`` is given."""
    marks = ["l1"] if href else []
    mark_defs = [{"_key": "l1", "_type": "link", "href": href}] if href else []
    return [
        {
            "_type": "block",
            "_key": "b1",
            "style": "normal",
            "markDefs": mark_defs,
            "children": [{"_type": "span", "_key": "s1", "text": text, "marks": marks}],
        }
    ]


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    name = factory.Sequence(lambda n: f"Newsletter {n}")
    subject = factory.LazyFunction(lambda: {"en": "Hello {{ first_name }}", "de": "Hallo {{ first_name }}"})
    body = factory.LazyFunction(
        lambda: {
            "en": blocks("Dear {{ first_name }}, read our news.", href="https://example.com/news"),
            "de": blocks(
                "Liebe(r) {{ first_name }}, lesen Sie unsere Neuigkeiten.", href="https://example.com/de/news"
            ),
        }
    )
    preheader = factory.LazyFunction(lambda: {"en": "News of the month"})


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    template = factory.SubFactory(EmailTemplateFactory)
    segment = factory.LazyFunction(lambda: {"audience": "leads"})
    send_rate = 100_000


def consenting_leads(count: int, *, prefix: str = "person", marketing: bool = True, **fields) -> list[Lead]:
    """``count`` leads ``<prefix><i>@example.com`` (first name ``Name<i>``), each with a terms consent and,
    when ``marketing``, a marketing one; written in bulk (a 2 000-recipient test needs it fast)."""
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        [
            Lead(
                email=f"{prefix}{i}@example.com",
                first_name=f"Name{i}",
                source=fields.get("source", "whitepaper"),
                language=fields.get("language", "en"),
                score=fields.get("score", 0),
            )
            for i in range(count)
        ]
    )
    if not leads or leads[0].pk is None:
        leads = list(Lead.objects.filter(email__startswith=prefix).order_by("id"))
    kinds = [ConsentKind.TERMS] + ([ConsentKind.MARKETING] if marketing else [])
    LeadConsent.objects.bulk_create(
        [
            LeadConsent(
                lead=lead,
                kind=kind,
                granted=True,
                wording_version=CONSENT_WORDING_VERSION,
                source="test",
                recorded_at=now,
            )
            for lead in leads
            for kind in kinds
        ]
    )
    return leads
