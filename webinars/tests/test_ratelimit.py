"""Must show: 30 registrations sent at once from one IP, limit 10 a minute → exactly 10 accepted.

Real parallel HTTP requests against the live server, once with the local-memory cache of the test
settings and once with the database cache of production (where DRF's history lists let 29 of 30
through); with the database cache the counter lives in the counter table.
"""

import pytest
import time_machine
from django.core.management import call_command

from magnetiq.models import RateCounter
from magnetiq.tests.parallel import post_in_parallel, widen_backlog, window_start
from webinars.models import WebinarRegistration
from webinars.tests.factories import WebinarFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "magnetiq_cache"}}


@pytest.mark.parametrize("store", ["cache", "database"])
def test_thirty_parallel_registrations_from_one_ip_admit_exactly_ten(live_server, settings, store):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "webinar_register": "10/min"},
    }
    if store == "database":
        settings.CACHES = DB_CACHE
        call_command("createcachetable")
    with time_machine.travel(window_start(), tick=True):
        webinar = WebinarFactory(capacity=100)
        bodies = [
            {"attendee": {"first_name": "P", "last_name": str(i), "email": f"p{i}@example.com"}, "terms_accepted": True}
            for i in range(30)
        ]
        statuses = post_in_parallel(
            f"{widen_backlog(live_server)}/api/v1/public/webinars/{webinar.pk}/register", bodies
        )
    assert sorted(statuses) == [201] * 10 + [429] * 20
    assert WebinarRegistration.objects.filter(webinar=webinar).count() == 10
    counted = RateCounter.objects.filter(key__startswith="rl:webinar_register:").values_list("hits", flat=True)
    assert list(counted) == ([30] if store == "database" else [])
