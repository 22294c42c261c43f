"""Absolute links on the site's public origin (``magnetiq.links``)."""

import pytest

from magnetiq.links import absolute_url, site_url


@pytest.mark.parametrize("configured", ["https://magnetiq.example", "https://magnetiq.example/"])
def test_site_url_has_no_trailing_slash(settings, configured):
    settings.SITE_URL = configured

    assert site_url() == "https://magnetiq.example"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/de/webinars/x/", "https://magnetiq.example/de/webinars/x/"),
        ("payouts/return/", "https://magnetiq.example/payouts/return/"),
        ("/bookings/MQ-1/?token=a/b", "https://magnetiq.example/bookings/MQ-1/?token=a/b"),
        ("/", "https://magnetiq.example/"),
        ("", "https://magnetiq.example/"),
    ],
)
def test_absolute_url_joins_the_path_once_onto_the_origin(settings, path, expected):
    settings.SITE_URL = "https://magnetiq.example/"

    assert absolute_url(path) == expected
