"""The public site, mounted at ``/`` after every other app (the slug catch-all comes last).

English pages have no prefix, German ones live under ``/de/``; the page with the slug ``home``
is the front page.
"""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from consultants.sitemaps import ConsultantSitemap

from . import views
from .sitemaps import PageSitemap

sitemaps = {"pages": PageSitemap, "consultants": ConsultantSitemap}

urlpatterns = [
    path("", views.home, name="content-home"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("de/", views.home, {"language": "de"}, name="content-home-de"),
    path("de/<slug:slug>/", views.page_detail, {"language": "de"}, name="content-page-de"),
    path("<slug:slug>/", views.page_detail, name="content-page"),
]
