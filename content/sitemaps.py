"""``sitemap.xml``: every published page in English and German, with hreflang alternates."""

from django.contrib.sitemaps import Sitemap
from django.utils import translation

from magnetiq.translation import LANGUAGE_CODES

from .models import Page


class PageSitemap(Sitemap):
    """One ``<url>`` per published page and language (``/about/``, ``/de/about/``), linked as alternates."""

    i18n = True
    languages = list(LANGUAGE_CODES)
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return list(Page.objects.published().order_by("slug"))

    def location(self, page: Page) -> str:
        return page.get_absolute_url(translation.get_language() or "en")

    def lastmod(self, page: Page):
        return page.updated_at

    def priority(self, page: Page) -> float:
        return 1.0 if page.is_home else 0.7
