from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    """E-mail marketing: templates in Portable Text, campaigns to segments of leads, webinar
    registrants and clients, their send records, tracking, and the unsubscribe pages. It sits above
    leads, webinars and bookings (segments read them) and below analytics."""

    name = "communications"
    verbose_name = _("E-mail campaigns")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the Brevo and GDPR receivers
