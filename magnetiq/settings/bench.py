"""Settings of ``make bench`` (``bench/run.py``): production's behaviour on plain HTTP over loopback.

DEBUG is off, the database is the SQLite file ``bench/run.py`` seeds (``DATABASE_URL``) and the
cache is the default one (the database cache unless ``CACHE_URL`` says otherwise), as on a fresh
single-machine deployment. Differences from ``production.py``, each because the bench needs it:
no HTTPS redirect and no secure-only cookies (wrk speaks plain HTTP), a generated JWT key pair and
secret key (nothing to configure), the URLconf ``bench.urls`` (the site plus a bare
``TemplateView`` at ``/bench/bare/``, the yardstick every page is compared with), and the public
API throttle raised to ``BENCH_THROTTLE_RATE`` so wrk's thousands of requests from one address are
counted (the throttle's cost is measured) but not refused.
"""

from magnetiq.keys import generate_pem_pair

from .base import *  # noqa: F403
from .base import BASE_DIR, PAGE_CACHE_SKIP_PREFIXES, REST_FRAMEWORK, SIMPLE_JWT, TEMPLATES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="bench-secret-key-not-for-production-0123456789abcdef")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
# The yardstick is plain Django: not even a page-cache lookup.
PAGE_CACHE_SKIP_PREFIXES = (*PAGE_CACHE_SKIP_PREFIXES, "/bench/")
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]

SIMPLE_JWT = {**SIMPLE_JWT}
SIMPLE_JWT["SIGNING_KEY"], SIMPLE_JWT["VERIFYING_KEY"] = generate_pem_pair()

BENCH_THROTTLE_RATE = env("BENCH_THROTTLE_RATE", default="100000000/min")
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": BENCH_THROTTLE_RATE},
}
# Requests are logged by nobody (gunicorn's access log is off); keep Django's warnings only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
