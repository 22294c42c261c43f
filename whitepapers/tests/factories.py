"""factory_boy factories for whitepapers (saved directly; service tests build through the services)."""

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from consultants.tests.factories import ConsultantFactory
from whitepapers.models import Whitepaper

#: The smallest bytes our checks accept as a PDF (they look at the magic number only).
PDF_BYTES = b"%PDF-1.4\n% whitepaper test file\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def block(text: str, style: str = "normal", key: str = "b") -> dict:
    """One Portable Text block holding ``text``."""
    return {
        "_type": "block",
        "_key": key,
        "style": style,
        "markDefs": [],
        "children": [{"_type": "span", "_key": f"{key}s", "text": text, "marks": []}],
    }


class WhitepaperFactory(factory.django.DjangoModelFactory):
    """A published whitepaper with an uploaded PDF (so no test renders a PDF unless it wants to)."""

    class Meta:
        model = Whitepaper

    slug = factory.Sequence(lambda n: f"whitepaper-{n}")
    title = factory.LazyAttribute(lambda o: {"en": f"Title {o.slug}", "de": f"Titel {o.slug}"})
    summary = factory.LazyFunction(lambda: {"en": "What this paper explains.", "de": "Was dieses Papier erklärt."})
    body = factory.LazyFunction(
        lambda: {
            "en": [block("Introduction", "h2", "h"), block("Machines learn from data.", key="p")],
            "de": [block("Einleitung", "h2", "h"), block("Maschinen lernen aus Daten.", key="p")],
        }
    )
    author = factory.SubFactory(ConsultantFactory)
    category = "AI"
    tags = factory.LazyFunction(lambda: ["machine learning", "strategy"])
    language = "en"
    is_active = True
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="upload.pdf"))
    search_text = factory.LazyAttribute(lambda o: f"{o.title['en']} {o.summary['en']} Machines learn from data.")
