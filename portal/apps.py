from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The signed-in person's own pages: the client's account (bookings, webinar registrations,
    downloads, consents, export and erasure of their data) and the consultant's self-service
    (schedule, sessions, earnings, profile). No tables: it reads every app below it and writes only
    through their services."""

    name = "portal"
    verbose_name = _("Account pages")
