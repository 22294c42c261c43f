from django.apps import AppConfig


class MagnetiqConfig(AppConfig):
    name = "magnetiq"
    verbose_name = "Magnetiq"

    def ready(self) -> None:
        # Before any URLconf is imported: every app's URLs use <id:…> for database ids.
        from django.urls import register_converter

        from .converters import IdConverter

        register_converter(IdConverter, "id")

        # Connects the receivers that invalidate cached public pages on every save, in every process.
        from . import pagecache  # noqa: F401
