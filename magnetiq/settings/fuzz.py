"""Settings of the schemathesis run (``make fuzz``, ``fuzz/run.py``): development settings with
production error handling, throttles raised out of the way and every vendor pointed at a local
stand-in through the environment.

``fuzz/run.py`` sets the environment: ``DATABASE_URL`` (a fresh SQLite file under ``var/``), the
Stripe keys and ``STRIPE_API_BASE`` (localstripe behind the recorded-response facade), ``ZOOM_*``,
``OPENALEX_BASE_URL``, ``ODOO_*`` and ``PAYPAL_*`` (the recorded-response servers of
``fuzz/standins.py``). Throttles stay switched on (their code runs) but at ``FUZZ_THROTTLE_RATE``
(default 100000/min), so schemathesis is answered by the views rather than by 429s.
"""

from collections import defaultdict

from .local import *  # noqa: F403
from .local import REST_FRAMEWORK, env

# Errors as in production: a 500 is the JSON envelope (and a traceback in the server log), not
# the debug page.
DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

FUZZ_THROTTLE_RATE = env("FUZZ_THROTTLE_RATE", default="100000/min")
# A defaultdict: scopes added later (per-view throttles read DEFAULT_THROTTLE_RATES[scope]) get the
# fuzz rate too instead of a KeyError.
_rates = defaultdict(lambda: FUZZ_THROTTLE_RATE)
_rates.update(dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], FUZZ_THROTTLE_RATE))
_rates["webinar_register"] = FUZZ_THROTTLE_RATE
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": _rates}
WHITEPAPER_DOWNLOAD_THROTTLE = FUZZ_THROTTLE_RATE
WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 100000
# The admin login lock-out stays on but out of reach: schemathesis posts wrong passwords by the
# thousand from one address.
AXES_FAILURE_LIMIT = 100000

# Vendors without a setting in base.py (their apps read them with a default).
ZOOM_OAUTH_URL = env("ZOOM_OAUTH_URL", default="")
ZOOM_API_URL = env("ZOOM_API_URL", default="")
OPENALEX_BASE_URL = env("OPENALEX_BASE_URL", default="")
