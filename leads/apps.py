from django.apps import AppConfig


class LeadsConfig(AppConfig):
    """Leads are captured by whitepapers, webinars and bookings alike, so they live in their own app
    (inside whitepapers, every other capture point would have to import whitepapers)."""

    name = "leads"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the lead_erased receiver
