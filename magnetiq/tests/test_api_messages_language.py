"""The API's own messages (success messages of ``ok``/``created`` and the serializers' refusals)
come in the client's language: German for ``Accept-Language: de``, English without the header."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, UserFactory
from consultants.tests.factories import ConsultantFactory
from content.tests.factories import paragraph

pytestmark = pytest.mark.django_db


def staff_client(role: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create_user(f"{role}@example.com", PASSWORD, role=role))
    return client


def login(headers: dict) -> tuple[int, str]:
    """A success message of ``ok``."""
    UserFactory(email="jane@example.com")
    response = APIClient().post("/api/v1/auth/login", {"email": "jane@example.com", "password": PASSWORD}, **headers)
    return response.status_code, response.json()["message"]


def page_created(headers: dict) -> tuple[int, str]:
    """A success message of ``created``."""
    response = staff_client(Role.EDITOR).post(
        "/api/v1/content/pages",
        {"slug": "services", "title": {"en": "Services"}, "content": {"en": [paragraph("We help.")]}},
        format="json",
        **headers,
    )
    return response.status_code, response.json()["message"]


def search_refused(headers: dict) -> tuple[int, str]:
    """A field error raised by a serializer's ``validate``."""
    response = APIClient().get("/api/v1/public/consultants/search", {"min_rate": "300", "max_rate": "100"}, **headers)
    return response.status_code, response.json()["error"]["details"][0]["message"]


def kyc_updated(headers: dict) -> tuple[int, str]:
    """A payouts success message."""
    consultant = ConsultantFactory(stripe_account_id="")
    response = staff_client(Role.PAYMENT_MANAGER).put(
        f"/api/v1/admin/consultants/{consultant.pk}/kyc-verification",
        {"status": "under_review"},
        format="json",
        **headers,
    )
    return response.status_code, response.json()["message"]


def month_refused(headers: dict) -> tuple[int, str]:
    """A payments field error raised by a ``validate_<field>`` method."""
    response = staff_client(Role.PAYMENT_MANAGER).get(
        "/api/v1/admin/payments/reports/monthly", {"month": "2026-13"}, **headers
    )
    return response.status_code, response.json()["error"]["details"][0]["message"]


CASES: dict[str, tuple[Callable[[dict], tuple[int, str]], int, str, str]] = {
    "login": (login, 200, "Logged in.", "Angemeldet."),
    "created": (page_created, 201, "Page created.", "Seite angelegt."),
    "serializer": (search_refused, 422, "Must not be greater than max_rate.", "Darf nicht größer als max_rate sein."),
    "payouts": (kyc_updated, 200, "KYC status updated.", "KYC-Status aktualisiert."),
    "payments": (month_refused, 422, "Use YYYY-MM, e.g. 2026-11.", "Verwenden Sie JJJJ-MM, z. B. 2026-11."),
}


@pytest.mark.parametrize("case", CASES)
def test_the_message_is_german_for_accept_language_de(case):
    call, status, _english, german = CASES[case]

    assert call({"HTTP_ACCEPT_LANGUAGE": "de"}) == (status, german)


@pytest.mark.parametrize("case", CASES)
def test_the_message_is_english_without_the_header(case):
    call, status, english, _german = CASES[case]

    assert call({}) == (status, english)
