from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the bookings signal receivers)
