"""The visitor's clock: ``POST /time-format/`` sets the cookie, the middleware applies it to pages."""

import pytest
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import path

from magnetiq.formatting import format_clock_time
from magnetiq.middleware import TimeFormatMiddleware
from magnetiq.tests.test_formatting import AFTERNOON


def test_setting_the_clock_sets_a_year_long_cookie_and_goes_back(client):
    response = client.post("/time-format/", {"time_format": "24h", "next": "/consultants/ada/book/?date=2026-03-04"})

    assert response.status_code == 302
    assert response["Location"] == "/consultants/ada/book/?date=2026-03-04"
    cookie = response.cookies["time_format"]
    assert cookie.value == "24h"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"


def test_without_next_it_goes_back_to_the_referring_page_of_this_site(client):
    response = client.post("/time-format/", {"time_format": "12h"}, headers={"referer": "/de/webinars/"})

    assert response["Location"] == "/de/webinars/"
    assert response.cookies["time_format"].value == "12h"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_a_foreign_or_missing_next_goes_home(client, next_url):
    response = client.post("/time-format/", {"time_format": "12h", "next": next_url})

    assert response["Location"] == "/"


@pytest.mark.parametrize("value", ["", "25h", "12H"])
def test_another_value_is_a_400_naming_the_choices(client, value):
    response = client.post("/time-format/", {"time_format": value, "next": "/"})

    assert response.status_code == 400
    assert response.content.decode() == "Choose the time format 12h / 24h."
    assert "time_format" not in response.cookies


def test_a_get_is_refused(client):
    assert client.get("/time-format/?time_format=12h").status_code == 405


def _clock_view(request):
    from django.http import HttpResponse

    return HttpResponse(format_clock_time(AFTERNOON))


urlpatterns = [path("clock/", _clock_view)]


@pytest.mark.parametrize(("cookie", "expected"), [("24h", "14:05"), ("12h", "2:05 PM"), ("bogus", "2:05 PM")])
def test_the_middleware_applies_the_cookie_to_the_request(cookie, expected):
    request = RequestFactory().get("/clock/")
    request.COOKIES["time_format"] = cookie

    response = TimeFormatMiddleware(_clock_view)(request)

    assert response.content.decode() == expected
    assert format_clock_time(AFTERNOON) == "2:05 PM"  # nothing outlives the request


@override_settings(ROOT_URLCONF=__name__)
def test_the_cookie_reaches_templates_through_the_middleware_stack(client):
    client.cookies["time_format"] = "24h"

    assert client.get("/clock/").content.decode() == "14:05"


def test_the_toggle_marks_the_clock_in_use():
    template = engines["django"].from_string('{% include "includes/time_format_toggle.html" %}')
    request = RequestFactory().get("/de/consultants/ada/book/")

    html = template.render({"request": request}, request)

    assert 'action="/time-format/"' in html
    assert '<input type="hidden" name="next" value="/de/consultants/ada/book/">' in html
    assert 'value="12h" aria-pressed="true" disabled>12-hour</button>' in html
    assert 'value="24h" aria-pressed="false">24-hour</button>' in html
