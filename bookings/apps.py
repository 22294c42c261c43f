from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # Connects the receivers of bookings.signals that send e-mails, make meetings and record leads.
        from . import notifications  # noqa: F401
