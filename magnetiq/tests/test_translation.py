"""The language of a request (``magnetiq.translation.request_language``)."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from magnetiq.translation import request_language


@pytest.mark.parametrize(("code", "expected"), [("en", "en"), ("de", "de"), ("fr", "en"), ("", "en")])
def test_request_language_is_an_offered_language(code, expected):
    request = RequestFactory().get("/")
    request.LANGUAGE_CODE = code

    with translation.override("en"):
        assert request_language(request) == expected


def test_request_language_without_locale_middleware_is_the_active_language():
    request = RequestFactory().get("/")

    with translation.override("de"):
        assert request_language(request) == "de"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "expected"), [("/webinars/", "en"), ("/de/webinars/", "de")])
def test_the_url_prefix_decides_the_page_language(client, path, expected):
    response = client.get(path, headers={"accept-language": "de" if expected == "en" else "en"})

    assert response.status_code == 200
    assert request_language(response.wsgi_request) == expected
