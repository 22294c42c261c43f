"""Production settings: no insecure defaults. Start-up fails without the secret key, hosts and JWT keys."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, SIMPLE_JWT, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names in production.")
if not (SIMPLE_JWT["SIGNING_KEY"] and SIMPLE_JWT["VERIFYING_KEY"]):
    raise ImproperlyConfigured(
        "JWT keys are missing: set JWT_PRIVATE_KEY/JWT_PUBLIC_KEY or JWT_PRIVATE_KEY_PATH/JWT_PUBLIC_KEY_PATH."
    )
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# No key derived from SECRET_KEY: without SOCIAL_TOKEN_KEY connecting a social account is refused,
# naming the setting (social/crypto.py).
SOCIAL_TOKEN_KEY_REQUIRED = True
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# --- Logs: one JSON object per line on stderr, one access line per request (magnetiq/logging.py) --
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("magnetiq.api.middleware.RequestIDMiddleware") + 1, "magnetiq.logging.RequestLogMiddleware"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "magnetiq.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "magnetiq.logging.JSONFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The access line of magnetiq.request replaces runserver's own.
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Metrics: Prometheus at /metrics for staff and the scraper (magnetiq/metrics.py) --------------
# Outermost and innermost, so the latency covers every other middleware.
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# Prometheus sends it as `Authorization: Bearer …`; empty = staff sessions only.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Health probes (the container's health check, load balancers) may use plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health"]

# Where manage.py backup writes its archives unless told (--output); the Docker image's volume.
BACKUP_DIR = env.path("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups"))

# The detailed health report's SMTP and vendor probes (magnetiq/health.py): seconds per connection,
# and seconds an answer is reused, so a polled public endpoint cannot multiply outbound connections.
HEALTH_PROBE_TIMEOUT_SECONDS = env.float("HEALTH_PROBE_TIMEOUT_SECONDS", default=2.0)
HEALTH_PROBE_CACHE_SECONDS = env.int("HEALTH_PROBE_CACHE_SECONDS", default=30)
