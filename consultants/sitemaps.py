"""``ConsultantSitemap``: every public profile, for the site's ``sitemap.xml``."""

from django.contrib.sitemaps import Sitemap

from .models import Consultant


class ConsultantSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Consultant.objects.public().order_by("slug").only("slug", "updated_at")

    def lastmod(self, obj: Consultant):
        return obj.updated_at
