"""Production settings: no insecure defaults. Start-up fails without the secret key, hosts and JWT keys."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, env

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
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
