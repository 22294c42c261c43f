from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    """Consultant payment set-up (Stripe Connect, KYC) and payouts. Its own app rather than part of
    ``consultants`` so the directory does not depend on payments and bookings (``docs/architecture.md``)."""

    name = "payouts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the totals receivers
