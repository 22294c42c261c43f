"""Fixtures of the fraud tests: API clients with a real JWT of a user holding a role."""

import time

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory


@pytest.fixture
def api_as():
    """``api_as(role)``: an API client with a real JWT of a new user holding ``role``."""

    def make(role: str = Role.ADMIN) -> APIClient:
        user = UserFactory(role=role, email=f"{role}-{time.monotonic_ns()}@example.com")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        client.user = user
        return client

    return make


@pytest.fixture
def admin_api(api_as):
    return api_as(Role.ADMIN)
