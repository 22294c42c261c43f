import pytest

from communications.tests.factories import EmailTemplateFactory


@pytest.fixture
def template(db):
    return EmailTemplateFactory()


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://magnetiq.example"
    settings.DEFAULT_FROM_EMAIL = "Magnetiq <news@magnetiq.example>"
