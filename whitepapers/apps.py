from django.apps import AppConfig


class WhitepapersConfig(AppConfig):
    name = "whitepapers"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the lead_erased receiver)
