import pytest

from accounts.models import Role

from .factories import PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def super_admin(db):
    return UserFactory(role=Role.SUPER_ADMIN, email="root@example.com")


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, email="admin@example.com")


@pytest.fixture
def auth_client(api_client):
    """``auth_client(user)``: an APIClient sending a fresh access token of ``user``."""
    from accounts.tokens import token_pair_for

    def make(user):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access_token']}")
        return api_client

    return make
