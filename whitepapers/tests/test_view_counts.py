"""Whitepaper views: counted without a database write on every view (cached landing pages
included), shown at once, written by ``manage.py flush_whitepaper_views``."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from whitepapers import selectors, services
from whitepapers.models import Whitepaper

from .factories import WhitepaperFactory

pytestmark = pytest.mark.django_db


def test_every_landing_page_view_counts_cached_or_not():
    whitepaper = WhitepaperFactory()
    for _ in range(3):
        assert Client().get(whitepaper.get_absolute_url()).status_code == 200
    stored = Whitepaper.objects.get(pk=whitepaper.pk)
    assert stored.view_count == 0 and selectors.view_count(stored) == 3


def test_the_command_writes_the_buffered_views_once():
    first, second = WhitepaperFactory(), WhitepaperFactory()
    services.whitepaper_register_view(whitepaper=first)
    services.whitepaper_register_view(whitepaper=first)
    services.whitepaper_count_view(second.pk)
    out = StringIO()
    call_command("flush_whitepaper_views", stdout=out)
    assert out.getvalue().strip() == "3 view(s) of 2 whitepaper(s) written."
    assert Whitepaper.objects.get(pk=first.pk).view_count == 2
    assert Whitepaper.objects.get(pk=second.pk).view_count == 1
    call_command("flush_whitepaper_views", stdout=out)
    assert Whitepaper.objects.get(pk=first.pk).view_count == 2
    assert selectors.view_count(Whitepaper.objects.get(pk=first.pk)) == 2
