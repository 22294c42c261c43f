"""Settings shared by every environment, read from the environment (or ``.env``) with django-environ.

Every setting is documented in ``.env.example``. Development defaults are safe for a laptop;
``production.py`` removes the defaults that must never reach production.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:3036")

DJANGO_APPS = [
    # Django's admin with the grouped index and the staff dashboard (magnetiq.sites.MagnetiqAdminSite).
    "magnetiq.apps.MagnetiqAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "easy_thumbnails",
]
LOCAL_APPS = [
    "magnetiq",
    "accounts",
    "content",
    "consultants",
    "bookings",
    "payments",
    "payouts",
    "consulting",
    "coupons",
    "reviews",
    "leads",
    "whitepapers",
    "webinars",
    "social",
    "communications",
    "fraud",
    # Last: they read every app above and nothing imports them.
    "analytics",
    "portal",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "magnetiq.api.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "magnetiq.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The API's language from Accept-Language (LocaleMiddleware keeps unprefixed addresses English).
    "magnetiq.middleware.APILanguageMiddleware",
    # The visitor's 12/24-hour clock (time_format cookie) for the times pages write.
    "magnetiq.middleware.TimeFormatMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Public pages for anonymous visitors from the cache (magnetiq.pagecache): after the CSRF
    # middleware, which sets a fresh visitor's cookie for a cached form; before everything a cached
    # page does not need (authentication, messages, MFA).
    "magnetiq.pagecache.PageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "magnetiq.urls"
WSGI_APPLICATION = "magnetiq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "magnetiq.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in WAL mode with IMMEDIATE transactions and a busy timeout (docs/decisions.md:
# DEFERRED transactions fail with "database is locked" under concurrent writers).
# DATABASE_URL switches to PostgreSQL.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
    ),
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds a worker keeps its database connection between requests (0: a new one per request; on
# SQLite every new connection also runs the PRAGMAs above), checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttle and lockout state shared by every worker) ------------------------------
# REDIS_URL (redis://host:6379/0) moves the cache, and with it the rate-limit counters
# (magnetiq.ratelimit), to that Redis database, and the task queue to the next database number
# (docs/operations.md "Redis"): a cache clear() is a FLUSHDB, which must not drop queued jobs.
# An explicit CACHE_URL or TASKS_BACKEND still wins.
REDIS_URL = env("REDIS_URL", default="")


def _redis_db_url(url: str, offset: int) -> str:
    """``url`` with its database number (the path, 0 when absent) raised by ``offset``."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{database}"))


if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_db_url(REDIS_URL, 0),
            # Seconds: a Redis that stops answering fails a request instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": env.cache_url_config("dbcache://magnetiq_cache")}

# Rendered public pages for anonymous visitors (magnetiq.pagecache, docs/decisions.md "Page cache"):
# beside the default cache when every process shares it (Redis, Memcached); with the database cache
# in each process's memory, so a cache hit reads no page from the database (the content version
# that invalidates them is shared: magnetiq.ratelimit's counter store). 0 seconds switches it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# Apps whose models the cached pages show: a save or delete of any of their rows invalidates them.
PAGE_CACHE_APPS = ["content", "consultants", "whitepapers", "webinars", "reviews"]
# Cookies that change a public page (the visitor's 12/24-hour clock, time zone): their values are part of the key.
PAGE_CACHE_KEY_COOKIES = ["time_format", "tz"]
# Paths never served from the page cache (the API caches its public data itself).
PAGE_CACHE_SKIP_PREFIXES = ("/api/", "/admin/", "/static/", "/media/")
# Seconds between the writes of counts a public GET buffers in process memory (magnetiq.counters;
# only with the database cache: a shared cache is written by cron, e.g. flush_whitepaper_views).
BUFFERED_COUNTS_FLUSH_SECONDS = env.int("BUFFERED_COUNTS_FLUSH_SECONDS", default=30)
_SHARED_CACHE_BACKENDS = ("RedisCache", "MemcacheCache", "PyMemcacheCache", "PyLibMCCache")
if CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] in _SHARED_CACHE_BACKENDS:
    CACHES["pages"] = CACHES["default"]
else:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "magnetiq-pages",
        "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_MAX_ENTRIES", default=1000)},
    }

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: visitor and consultant accounts sign up and log in by e-mail (no usernames).
# New accounts get the client role through the adapter; staff accounts are made by staff.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_PREVENT_ENUMERATION = True
# Staff MFA (accounts.mfa): TOTP and recovery codes through allauth.mfa. The roles below must have
# TOTP to reach the admin or get API tokens; other staff roles may enrol at /accounts/2fa/.
STAFF_MFA_REQUIRED_ROLES = env.list("STAFF_MFA_REQUIRED_ROLES", default=["super_admin", "admin", "payment_manager"])
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Magnetiq"
# Staff accounts are made by staff and their first password is set through an e-mailed link, which
# proves the address; allauth's own e-mail verification is for visitor sign-ups.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# The API's second login step (accounts.mfa): challenge lifetime in seconds, and code attempts per
# challenge and per user (magnetiq.ratelimit rates; every attempt counts, a right code is refunded).
MFA_CHALLENGE_MAX_AGE = env.int("MFA_CHALLENGE_MAX_AGE", default=300)
MFA_CODE_RATES = {
    "challenge": env("THROTTLE_MFA_CHALLENGE", default="5/hour"),
    "user": env("THROTTLE_MFA_USER", default="10/hour"),
}
# Link of password reset and invitation e-mails (accounts.services); {uid} and {token} are filled in.
PASSWORD_RESET_URL = env("PASSWORD_RESET_URL", default=SITE_URL + "/accounts/reset-password/{uid}/{token}/")

# django-axes: locks out the admin login after repeated failures (RELIABILITY A-6).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_HANDLER = env("AXES_HANDLER", default="axes.handlers.database.AxesDatabaseHandler")
AXES_IPWARE_PROXY_COUNT = env.int("NUM_PROXIES", default=0)

# --- JWT (RS256) ------------------------------------------------------------------------------
JWT_PRIVATE_KEY_PATH = Path(env("JWT_PRIVATE_KEY_PATH", default=str(BASE_DIR / "var" / "keys" / "jwt_private.pem")))
JWT_PUBLIC_KEY_PATH = Path(env("JWT_PUBLIC_KEY_PATH", default=str(BASE_DIR / "var" / "keys" / "jwt_public.pem")))


def _read_key(path: Path) -> str:
    return path.read_text() if path.exists() else ""


SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": env("JWT_PRIVATE_KEY", default="") or _read_key(JWT_PRIVATE_KEY_PATH),
    "VERIFYING_KEY": env("JWT_PUBLIC_KEY", default="") or _read_key(JWT_PUBLIC_KEY_PATH),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a hash of the password hash: a password change ends every session (accounts.tokens).
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
# A rotated-away refresh token presented again later than this revokes its whole family
# (accounts.tokens); within it, it is taken for a concurrent twin of the rotation. 0 = always revoke.
JWT_REFRESH_REUSE_LEEWAY = timedelta(seconds=env.int("JWT_REFRESH_REUSE_LEEWAY_SECONDS", default=10))

# --- REST framework ---------------------------------------------------------------------------
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Web processes serving requests (deploy/gunicorn.conf.py reads the same variable, default 2): limits
# counted in each process's memory allow each process its share (magnetiq.ratelimit.read_counter_store).
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=2)
# Days an IP an account logged in from stays exempt from the account's login ceiling (accounts.throttling).
LOGIN_TRUSTED_IP_DAYS = env.int("LOGIN_TRUSTED_IP_DAYS", default=30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["magnetiq.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "magnetiq.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "magnetiq.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["magnetiq.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "magnetiq.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "public": env("THROTTLE_PUBLIC", default="300/min"),
        # API login (accounts.throttling): per (IP, account), per IP, per account from IPs it has
        # not logged in from before.
        "login_pair": env("THROTTLE_LOGIN_PAIR", default="5/min"),
        "login_ip": env("THROTTLE_LOGIN_IP", default="50/min"),
        "login_account": env("THROTTLE_LOGIN_ACCOUNT", default="10/min"),
        "webinar_register": env("THROTTLE_WEBINAR_REGISTER", default="10/min"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="5/hour"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_VERSION = "v1"

# --- Coupons (coupons.services) -----------------------------------------------------------------
# Whether a fully refunded booking gives its coupon use back (it counts again towards the limits).
COUPON_REFUND_RECREDITS_USE = env.bool("COUPON_REFUND_RECREDITS_USE", default=True)

# --- Fraud controls (fraud.conf reads these; docs/operations.md lists them) --------------------
# Validation attempts (coupon codes …) per scope: the throttle per client IP and per normalised
# e-mail (magnetiq.ratelimit rates), per-scope overrides as {"<scope>": {"ip": "…", "email": "…"}}.
FRAUD_ATTEMPT_RATE_IP = env("FRAUD_ATTEMPT_RATE_IP", default="20/min")
FRAUD_ATTEMPT_RATE_EMAIL = env("FRAUD_ATTEMPT_RATE_EMAIL", default="10/min")
FRAUD_ATTEMPT_SCOPE_RATES: dict[str, dict[str, str]] = {}
# Failed attempts from one IP within the window that block it automatically, and for how long.
FRAUD_BLOCK_AFTER_FAILURES = env.int("FRAUD_BLOCK_AFTER_FAILURES", default=10)
FRAUD_FAILURE_WINDOW_MINUTES = env.int("FRAUD_FAILURE_WINDOW_MINUTES", default=60)
FRAUD_BLOCK_MINUTES = env.int("FRAUD_BLOCK_MINUTES", default=24 * 60)
# Failed attempts of one e-mail or user within the window that flag it (never a whitelisted user).
FRAUD_FLAG_AFTER_FAILURES = env.int("FRAUD_FLAG_AFTER_FAILURES", default=20)
# Days attempt records keep the full IP (blocking needs it); then only the truncated form.
FRAUD_ATTEMPT_IP_RETENTION_DAYS = env.int("FRAUD_ATTEMPT_IP_RETENTION_DAYS", default=30)

SPECTACULAR_SETTINGS = {
    "TITLE": "Magnetiq API",
    "DESCRIPTION": (
        "The JSON API of the Magnetiq consultancy portal. Every response is wrapped in the "
        "envelope `{success, data, message, metadata}`; errors carry `{code, message, details}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "DEFAULT_GENERATOR_CLASS": "magnetiq.api.schema.SchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "magnetiq.api.schema.wrap_in_envelope",
    ],
    # Several models have a "status" field; name each choice set so the schema names stay stable.
    "ENUM_NAME_OVERRIDES": {
        "ConsultantStatusEnum": "consultants.models.ConsultantStatus",
        "PageStatusEnum": "content.models.PageStatus",
        "WebinarStatusEnum": "webinars.models.WebinarStatus",
        "WebinarRegistrationStatusEnum": "webinars.models.RegistrationStatus",
        "BookingStatusEnum": "bookings.models.BookingStatus",
        "BookingLanguageEnum": "bookings.models.BookingLanguage",
        "BookingStaffStatusEnum": ["confirmed", "completed", "cancelled", "no_show"],
        "PaymentIntentStatusEnum": "payments.models.PaymentIntentStatus",
        "RefundStatusEnum": "payments.models.RefundStatus",
        "DisputeStatusEnum": "payments.models.DisputeStatus",
    },
}
# Schema and docs: open in development, staff only in production (production.py).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

# --- Background tasks -------------------------------------------------------------------------
# django-tasks-db (jobs in the database, `manage.py db_worker`) by default; with REDIS_URL,
# django-tasks-rq (jobs in Redis, `manage.py rqworker --job-class django_tasks_rq.Job`; docs/decisions.md).
TASKS_BACKEND = env("TASKS_BACKEND", default="") or (
    "django_tasks_rq.RQBackend" if REDIS_URL else "django_tasks_db.DatabaseBackend"
)
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        "default": {
            "URL": env("RQ_REDIS_URL", default="") or _redis_db_url(REDIS_URL or "redis://127.0.0.1:6379/0", 1),
            # Seconds a job may run before the worker stops it (a whitepaper PDF takes a few).
            "DEFAULT_TIMEOUT": env.int("RQ_JOB_TIMEOUT_SECONDS", default=600),
        }
    }

# --- I18n, time -------------------------------------------------------------------------------
# UI text is gettext: English msgids in the code, one .po file per app (<app>/locale/<lang>/) and one
# for the project's templates and magnetiq/ (locale/ at the root). A language is a line here plus its
# .po files; nothing else in the code names the languages (docs/operations.md, "Add a language").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Consultant photos (consultants/photos.py): easy-thumbnails makes these sizes when a photo is saved,
# square crops for the directory card and the profile, each at 1x and 2x for srcset.
THUMBNAIL_ALIASES = {
    "consultants.Consultant.photo": {
        "card": {"size": (96, 96), "crop": "smart", "upscale": True, "replace_alpha": "#ffffff"},
        "card_2x": {"size": (192, 192), "crop": "smart", "upscale": True, "replace_alpha": "#ffffff"},
        "profile": {"size": (160, 160), "crop": "smart", "upscale": True, "replace_alpha": "#ffffff"},
        "profile_2x": {"size": (320, 320), "crop": "smart", "upscale": True, "replace_alpha": "#ffffff"},
    },
}
THUMBNAIL_SUBDIR = "thumbs"
CONSULTANT_PHOTO_MAX_BYTES = env.int("CONSULTANT_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# --- Directory: rates in one currency ---------------------------------------------------------
# Value of one unit of each currency in US dollars (Decimal strings), set by hand (docs/operations.md
# "Exchange rates"): the directory sorts rates of different currencies by their USD value.
EXCHANGE_RATES = {"USD": "1.0", "EUR": "1.08", "GBP": "1.27", "CHF": "1.13"}

# --- Whitepapers, leads (their conf.py modules hold the defaults) ----------------------------
WHITEPAPER_PRIVATE_ROOT = Path(env("WHITEPAPER_PRIVATE_ROOT", default=str(BASE_DIR / "var" / "private")))
WHITEPAPER_IMAP_URL = env("WHITEPAPER_IMAP_URL", default="")
ODOO_URL = env("ODOO_URL", default="")
ODOO_DATABASE = env("ODOO_DATABASE", default="")
ODOO_API_KEY = env("ODOO_API_KEY", default="")

# --- LinkedIn import (consultants/scoopp_gateway.py): Scoopp scrapes profiles; unset = 503 ------
SCOOPP_API_KEY = env("SCOOPP_API_KEY", default="")
SCOOPP_BASE_URL = env("SCOOPP_BASE_URL", default="https://api.scoopp.com/v1")
SCOOPP_WEBHOOK_SECRET = env("SCOOPP_WEBHOOK_SECRET", default="")
SCOOPP_TIMEOUT_SECONDS = env.float("SCOOPP_TIMEOUT_SECONDS", default=15.0)
# A running job without a webhook is polled this many minutes after its start, then after 2x, 4x…
SCOOPP_POLL_AFTER_MINUTES = env.int("SCOOPP_POLL_AFTER_MINUTES", default=10)

# --- Meetings (bookings/meetings.py): Zoom server-to-server OAuth; unset = the consultant's room --
ZOOM_ACCOUNT_ID = env("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env("ZOOM_CLIENT_SECRET", default="")

# --- Researchers (consulting/): OpenAlex, the public scholarly data source ------------------------
OPENALEX_MAILTO = env("OPENALEX_MAILTO", default="")

# --- Payments (payments/): Stripe, PayPal, Brevo; empty STRIPE_API_BASE = Stripe itself ----------
# Development without keys runs against localstripe (`make run` starts it on :8420 and sets these).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
# Fee estimate when Stripe's balance transaction has none (localstripe): percent + fixed, major units.
STRIPE_FEE_PERCENT = env.float("STRIPE_FEE_PERCENT", default=0.0)
STRIPE_FEE_FIXED = env("STRIPE_FEE_FIXED", default="0.00")
STRIPE_SUBSCRIPTION_PRICE_ID = env("STRIPE_SUBSCRIPTION_PRICE_ID", default="")
PAYPAL_API_BASE = env("PAYPAL_API_BASE", default="https://api-m.paypal.com")
PAYPAL_CLIENT_ID = env("PAYPAL_CLIENT_ID", default="")
PAYPAL_CLIENT_SECRET = env("PAYPAL_CLIENT_SECRET", default="")
PAYPAL_WEBHOOK_ID = env("PAYPAL_WEBHOOK_ID", default="")
BREVO_WEBHOOK_SECRET = env("BREVO_WEBHOOK_SECRET", default="")
# Stripe SDK: seconds to read an answer, and how often it retries a connection error, 409, 429 or
# 5xx (with the same idempotency key, so a retried create or refund happens once).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
PAYPAL_TIMEOUT_SECONDS = env.float("PAYPAL_TIMEOUT_SECONDS", default=10.0)

# --- Social publishing (social/conf.py): LinkedIn and X OAuth clients, token encryption ----------
# SOCIAL_TOKEN_KEY: Fernet key(s) encrypting the stored OAuth tokens (comma-separated, first encrypts);
# empty in development and tests = derived from SECRET_KEY; production requires it (production.py).
SOCIAL_TOKEN_KEY = env("SOCIAL_TOKEN_KEY", default="")
SOCIAL_TOKEN_KEY_REQUIRED = False
SOCIAL_TIMEOUT_SECONDS = env.float("SOCIAL_TIMEOUT_SECONDS", default=15.0)
LINKEDIN_CLIENT_ID = env("LINKEDIN_CLIENT_ID", default="")
LINKEDIN_CLIENT_SECRET = env("LINKEDIN_CLIENT_SECRET", default="")
LINKEDIN_REDIRECT_URI = env("LINKEDIN_REDIRECT_URI", default="")
LINKEDIN_ORGANIZATION_URN = env("LINKEDIN_ORGANIZATION_URN", default="")
LINKEDIN_AUTH_URL = env("LINKEDIN_AUTH_URL", default="https://www.linkedin.com/oauth/v2")
LINKEDIN_API_URL = env("LINKEDIN_API_URL", default="https://api.linkedin.com")
LINKEDIN_API_VERSION = env("LINKEDIN_API_VERSION", default="202501")
X_CLIENT_ID = env("X_CLIENT_ID", default="")
X_CLIENT_SECRET = env("X_CLIENT_SECRET", default="")
X_REDIRECT_URI = env("X_REDIRECT_URI", default="")
X_AUTHORIZE_URL = env("X_AUTHORIZE_URL", default="https://x.com/i/oauth2/authorize")
X_API_URL = env("X_API_URL", default="https://api.x.com")

# --- Every outside service (magnetiq/vendors.py, magnetiq/http.py) ----------------------------
# "raise": a vendor call inside an open transaction is refused (tests, development); "log": logged
# as an ERROR and let through; "off".
VENDOR_TRANSACTION_GUARD = env("VENDOR_TRANSACTION_GUARD", default="raise")
VENDOR_CONNECT_TIMEOUT_SECONDS = env.float("VENDOR_CONNECT_TIMEOUT_SECONDS", default=3.0)
VENDOR_MAX_RETRIES = env.int("VENDOR_MAX_RETRIES", default=2)
VENDOR_RETRY_BACKOFF_SECONDS = env.float("VENDOR_RETRY_BACKOFF_SECONDS", default=0.5)
VENDOR_RETRY_MAX_DELAY_SECONDS = env.float("VENDOR_RETRY_MAX_DELAY_SECONDS", default=5.0)

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Magnetiq <hello@magnetiq.local>")
# The one address visitors are told to write to (pages, e-mails, replies to the follow-up).
CONTACT_EMAIL = env("CONTACT_EMAIL", default="hello@magnetiq.local")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# The relay's login (Brevo: the SMTP login and key of the account), and how the connection is
# encrypted: EMAIL_USE_TLS = STARTTLS on the submission port 587, EMAIL_USE_SSL = TLS from the first
# byte on 465; never both. magnetiq/checks.py refuses a combination that cannot work.
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds an SMTP connect, send or read may take (Django's default is to wait for ever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The outbox (magnetiq/mail.py): retries of a transient failure, the first wait in minutes (then
# four times as long each time: 1, 4, 16), and minutes after which a send a worker started and never
# finished is taken back and sent again.
OUTBOUND_EMAIL_MAX_RETRIES = env.int("OUTBOUND_EMAIL_MAX_RETRIES", default=3)
OUTBOUND_EMAIL_RETRY_MINUTES = env.float("OUTBOUND_EMAIL_RETRY_MINUTES", default=1.0)
OUTBOUND_EMAIL_STALE_MINUTES = env.int("OUTBOUND_EMAIL_STALE_MINUTES", default=10)

# --- Security headers (RELIABILITY A-12) ------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Content-Security-Policy (django-csp; RELIABILITY A-12) -----------------------------------
# Scripts and styles come from our own origin; an inline <script>/<style> needs the per-request
# nonce (``nonce="{{ request.csp_nonce }}"``; the header carries it only when a page used it).
# Views that need more say so with a decorator: the payment page (payments.csp, Stripe.js),
# the API docs (magnetiq.csp); the admin gets its policy from magnetiq.csp.CSPMiddleware.
# style-src-attr: the Portable Text HTML renderer (content.portable_text.html) writes exactly these
# style attributes, as the official @portabletext/to-html does; their hashes allow them and nothing else.
PORTABLE_TEXT_STYLE_ATTRIBUTES = ("text-decoration:underline", "display:none")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "style-src-attr": [
            csp.UNSAFE_HASHES,
            *(
                f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'"
                for value in PORTABLE_TEXT_STYLE_ATTRIBUTES
            ),
        ],
        # Consultant photos are any https URL staff enter or the LinkedIn import brings.
        "img-src": [csp.SELF, "data:", "https:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
