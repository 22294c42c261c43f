from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MagnetiqConfig(AppConfig):
    name = "magnetiq"
    verbose_name = "Magnetiq"

    def ready(self) -> None:
        # Before any URLconf is imported: every app's URLs use <id:…> for database ids.
        from django.urls import register_converter

        from .converters import IdConverter

        register_converter(IdConverter, "id")

        # pagecache connects the receivers that invalidate cached public pages on every save, in every
        # process; checks registers the system check of the SMTP settings (check, migrate, runserver).
        from . import checks, pagecache  # noqa: F401


class MagnetiqAdminConfig(admin_apps.AdminConfig):
    """Django's admin with :class:`magnetiq.sites.MagnetiqAdminSite` as ``admin.site`` (Django's
    documented way to replace the default site; every ``admin.register`` then registers there)."""

    default = False  # named in INSTALLED_APPS; MagnetiqConfig stays the app "magnetiq"
    default_site = "magnetiq.sites.MagnetiqAdminSite"
