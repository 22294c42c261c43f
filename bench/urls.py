"""The site's URLconf plus the yardstick: a bare ``TemplateView`` at ``/bench/bare/``, rendered by
the same middleware as every page. Only ``magnetiq.settings.bench`` mounts it."""

from django.urls import path
from django.views.generic import TemplateView

from magnetiq import urls as site_urls

urlpatterns = [
    path("bench/bare/", TemplateView.as_view(template_name="bench/bare.html"), name="bench-bare"),
    *site_urls.urlpatterns,
]

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
