from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from . import (
            policies,  # noqa: F401  (connects the automatic refund on cancellation)
            receivers,  # noqa: F401  (connects the bookings signal receivers)
        )
