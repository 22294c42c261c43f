"""Factories of the social app's tests, built on the clock the test controls."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from content.tests.factories import png_bytes
from social import crypto
from social.models import AccountStatus, Network, PostStatus, SocialAccount, SocialMedia, SocialPost


def paragraph(text: str) -> dict:
    return {"_type": "block", "style": "normal", "markDefs": [], "children": [{"_type": "span", "text": text}]}


def body(*texts: str) -> list[dict]:
    """A Portable Text body of one paragraph per text."""
    return [paragraph(text) for text in texts]


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    network = Network.LINKEDIN
    external_id = factory.Sequence(lambda n: f"urn:li:person:member{n}")
    author_urn = factory.LazyAttribute(lambda a: a.external_id if a.network == Network.LINKEDIN else "")
    name = factory.Sequence(lambda n: f"Account {n}")
    handle = factory.LazyAttribute(lambda a: "magnetiq" if a.network == Network.X else "")
    status = AccountStatus.CONNECTED
    access_token = factory.LazyFunction(lambda: crypto.encrypt("stored-access-token"))
    refresh_token = factory.LazyFunction(lambda: crypto.encrypt("stored-refresh-token"))
    token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    refresh_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=300))
    connected_at = factory.LazyFunction(timezone.now)


class SocialMediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialMedia

    network = Network.LINKEDIN
    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="image.png"))
    mime_type = "image/png"
    size_bytes = factory.LazyFunction(lambda: len(png_bytes()))
    width = 3
    height = 2
    created_at = factory.LazyFunction(timezone.now)


class SocialPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialPost

    network = Network.LINKEDIN
    title = factory.Sequence(lambda n: f"Post {n}")
    body = factory.LazyFunction(lambda: body("We are hiring consultants. #hiring"))
    status = PostStatus.DRAFT
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
