"""Root URLconf: admin, API (``/api/v1``), API docs, then the public pages.

The content app's catch-all ``/<slug>/`` comes last so every other page wins.
"""

from csp.decorators import csp_replace
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import admin_login
from consultants.sitemaps import ConsultantSitemap
from content import views as content_views
from content.sitemaps import PageSitemap
from magnetiq.api.docs import DOCS_VIEW_OPTIONS
from magnetiq.csp import REDOC_POLICY
from magnetiq.metrics import metrics_view
from magnetiq.views import set_time_format

SITEMAPS = {"pages": PageSitemap, "consultants": ConsultantSitemap}

admin.site.site_header = _("Magnetiq back office")
admin.site.site_title = "Magnetiq"
admin.site.index_title = _("Run the portal")
# The admin login goes through allauth's login flow, so staff with MFA give their code (accounts.views).
admin.site.login = admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("magnetiq.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(**DOCS_VIEW_OPTIONS), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", **DOCS_VIEW_OPTIONS),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        csp_replace(REDOC_POLICY)(SpectacularRedocView.as_view(url_name="schema", **DOCS_VIEW_OPTIONS)),
        name="redoc",
    ),
    # Prometheus: staff or the scraper's METRICS_TOKEN only (magnetiq.metrics).
    path("metrics", metrics_view, name="metrics"),
    path("robots.txt", content_views.robots_txt, name="robots-txt"),
    # The visitor's 12/24-hour clock: one address for every language, like Django's set_language.
    path("time-format/", set_time_format, name="set_time_format"),
    path("sitemap.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
]
# The public pages: English without a prefix, German under /de/ (LocaleMiddleware activates the
# language from the path, whatever the browser's Accept-Language says). The content catch-all is last.
urlpatterns += i18n_patterns(
    # Account pages (allauth's login, sign-up and 2FA pages among them) in English and under /de/.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("consultants/", include("consultants.urls")),
    path("", include("bookings.urls")),
    path("", include("payments.urls")),
    # The signed-in person's own pages (account, consents, data, consultant self-service).
    path("account/", include("portal.urls")),
    path("researchers/", include("consulting.urls")),
    path("", include("reviews.urls")),
    path("whitepapers/", include("whitepapers.urls")),
    path("webinars/", include("webinars.urls")),
    # Unsubscribe, e-mail preferences and campaign tracking links.
    path("", include("communications.urls")),
    path("", include("content.urls")),
    prefix_default_language=False,
)

handler400 = "magnetiq.api.handlers.handler400"
handler403 = "magnetiq.api.handlers.handler403"
handler404 = "magnetiq.api.handlers.handler404"
handler500 = "magnetiq.api.handlers.handler500"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
