"""Test settings: fast hashing, in-memory e-mail, tasks run at once, throttles on a local cache."""

from magnetiq.keys import generate_pem_pair

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, REST_FRAMEWORK, SIMPLE_JWT, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "magnetiq-tests"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)  # a fresh clone has no var/ yet
    # A file database so concurrency tests see real locking (RELIABILITY: in-memory hides races).
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default=str(BASE_DIR / "var" / "test-db.sqlite3"))}

# A fresh key pair per test run: nothing on disk, nothing shared with development.
SIMPLE_JWT = {**SIMPLE_JWT}
SIMPLE_JWT["SIGNING_KEY"], SIMPLE_JWT["VERIFYING_KEY"] = generate_pem_pair()
API_DOCS_PUBLIC = True
# Vendor retries back off for real in production; tests of unreachable vendors need not wait.
VENDOR_RETRY_BACKOFF_SECONDS = 0.01
# Other apps' tests sign staff in with force_login; accounts/tests/test_mfa*.py switch enforcement on.
STAFF_MFA_REQUIRED_ROLES: list[str] = []
# Static files come from the finders in tests; no collectstatic run is needed.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
