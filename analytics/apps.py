from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Platform and consultant statistics and the staff dashboard (spec 000 "Analytics & Statistics").

    The top of the app layers: it reads bookings, payments, leads, whitepapers, webinars and
    consultants and owns no business table (only the permissions ``analytics_view`` and
    ``analytics_export``); nothing imports it.
    """

    name = "analytics"
    verbose_name = _("Analytics")
