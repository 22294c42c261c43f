from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the lead_erased receiver
