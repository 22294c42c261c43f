from django.apps import AppConfig


class LeadsConfig(AppConfig):
    """Leads are captured by whitepapers, webinars and bookings alike, so they live in their own app
    (DESIGN.md put them inside whitepapers; every other capture point would then import it)."""

    name = "leads"
