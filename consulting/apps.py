from django.apps import AppConfig


class ConsultingConfig(AppConfig):
    """Spec 004's researcher consulting service: researcher profiles, papers, outreach and the
    ``/api/v1/consulting/`` facade over the same consultants and bookings."""

    name = "consulting"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the outbox's failure signal
