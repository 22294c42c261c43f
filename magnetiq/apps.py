from django.apps import AppConfig


class MagnetiqConfig(AppConfig):
    name = "magnetiq"
    verbose_name = "Magnetiq"
