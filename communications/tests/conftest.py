import pytest

from communications.tests.factories import EmailTemplateFactory


@pytest.fixture
def template(db):
    return EmailTemplateFactory()


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://magnetiq.example"
    settings.DEFAULT_FROM_EMAIL = "Magnetiq <news@magnetiq.example>"


@pytest.fixture
def api_as():
    """``api_as(role)``: an API client with a real JWT of a new user holding ``role``."""
    import time

    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    def make(role: str = Role.EDITOR) -> APIClient:
        user = UserFactory(role=role, email=f"{role}-{time.monotonic_ns()}@example.com")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        client.user = user
        return client

    return make
