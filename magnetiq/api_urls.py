"""The single ``/api/v1`` router: each app contributes its own ``api/urls.py``."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import health
from .api.handlers import handler404

app_name = "api"

urlpatterns = [
    path("health", health.HealthView.as_view(), name="health"),
    path("health/detailed", health.DetailedView.as_view(), name="health-detailed"),
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),
    path("health/live", health.LiveView.as_view(), name="health-live"),
    path("admin/system-health", health.SystemHealthView.as_view(), name="system-health"),
    path("", include("accounts.api.urls")),
    path("", include("content.api.urls")),
    # Before consultants: /admin/consultants/statistics, /performance, … and /{id}/analytics,
    # /{id}/statistics are the analytics app's.
    path("", include("analytics.api.urls")),
    path("", include("consultants.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("payments.api.admin_urls")),
    path("", include("payouts.api.urls")),
    path("", include("consulting.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("leads.api.urls")),
    path("", include("whitepapers.api.urls")),
    path("", include("webinars.api.urls")),
    path("", include("social.api.urls")),
    path("", include("communications.api.urls")),
    # Before coupons: /admin/coupons/fraud… and /admin/coupons/security… are the fraud app's.
    path("", include("fraud.api.urls")),
    path("", include("coupons.api.urls")),
    # Last: an unknown API path answers in the JSON error shape even with DEBUG on
    # (Django would otherwise show its HTML technical 404 page), for every method: exempt from
    # CSRF like the DRF views (JWT, no session), else a POST would get Django's HTML CSRF 403.
    re_path(r"^.*$", csrf_exempt(handler404), name="not-found"),
]
