"""Must show: 20 download requests sent at once from one IP, limit 7 a minute → exactly 7 answered
with a link, 13 × 429 (real parallel HTTP requests against the live server, with the local-memory
cache of the test settings and with production's database cache)."""

import pytest
import time_machine
from django.core.management import call_command

from leads.models import Lead
from magnetiq.tests.parallel import post_in_parallel, widen_backlog, window_start
from whitepapers.models import DownloadToken
from whitepapers.tests.factories import WhitepaperFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "magnetiq_cache"}}


@pytest.mark.parametrize("store", ["cache", "database"])
def test_twenty_parallel_download_requests_admit_exactly_the_limit(live_server, settings, store):
    settings.WHITEPAPER_DOWNLOAD_THROTTLE = "7/min"
    if store == "database":  # production's default cache
        settings.CACHES = DB_CACHE
        call_command("createcachetable")
    with time_machine.travel(window_start(), tick=True):
        whitepaper = WhitepaperFactory()
        bodies = [
            {"lead": {"name": f"Reader {i}", "email": f"reader{i}@example.com"}, "terms_accepted": True}
            for i in range(20)
        ]
        url = f"{widen_backlog(live_server)}/api/v1/public/whitepapers/{whitepaper.pk}/download"
        statuses = post_in_parallel(url, bodies)
    assert sorted(statuses) == [201] * 7 + [429] * 13
    assert DownloadToken.objects.filter(whitepaper=whitepaper).count() == 7
    assert Lead.objects.count() == 7
