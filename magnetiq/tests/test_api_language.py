"""The API answers in the client's language (``magnetiq.middleware.APILanguageMiddleware``)."""

import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.mark.parametrize(
    ("accept_language", "language", "message"),
    [
        ("de", "de", "Die Eingabe ist ungültig."),
        ("de-AT,de;q=0.9,en;q=0.5", "de", "Die Eingabe ist ungültig."),
        ("en", "en", "The input is not valid."),
        ("fr", "en", "The input is not valid."),
        ("", "en", "The input is not valid."),
    ],
)
def test_a_refusal_comes_in_the_accepted_language(api_client, accept_language, language, message):
    response = api_client.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 422
    assert response.json()["error"]["message"] == message
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_field_errors_are_translated_too(api_client):
    details = api_client.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE="de").json()["error"]["details"]

    assert {"field": "email", "message": "Dieses Feld ist zwingend erforderlich.", "code": "required"} in details


def test_the_language_cookie_counts_for_the_api(api_client, settings):
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    response = api_client.post(LOGIN, {}, format="json")

    assert response.json()["error"]["message"] == "Die Eingabe ist ungültig."


def test_unprefixed_pages_stay_english_whatever_the_browser_asks(client):
    """Pages put German under ``/de/``; only the API reads ``Accept-Language``."""
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")

    assert response["Content-Language"] == "en"


def test_the_cached_public_lists_keep_one_copy_per_language(api_client):
    german = api_client.get("/api/v1/public/consultants", {"page": "1"}, HTTP_ACCEPT_LANGUAGE="de")
    english = api_client.get("/api/v1/public/consultants", {"page": "1"}, HTTP_ACCEPT_LANGUAGE="en")

    assert (german["Content-Language"], english["Content-Language"]) == ("de", "en")
    assert german.json()["data"] == english.json()["data"]
