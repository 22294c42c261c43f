"""No business tables: one unmanaged model that only carries the analytics permissions.

Django permissions belong to a content type, so the two custom permissions of spec 000
"Permission-Based Access Control" (``ANALYTICS_VIEW``, ``ANALYTICS_EXPORT``) hang on this model,
which has no table (``managed = False``) and no default add/change/delete/view permissions. Roles
get them through ``accounts.roles.ROLE_PERMISSIONS`` as ``analytics.analytics_view`` and
``analytics.analytics_export``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_PERMISSION = "analytics.analytics_view"
"""Read the analytics endpoints and see the admin dashboard's figures."""
EXPORT_PERMISSION = "analytics.analytics_export"
"""Download analytics as CSV (``?format=csv``)."""


class AnalyticsAccess(models.Model):
    """Holder of the analytics permissions; never instantiated, never stored."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("analytics_view", _("Can view analytics")),
            ("analytics_export", _("Can export analytics")),
        ]
        verbose_name = _("analytics access")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
