"""The admin site: business models first, technical records grouped apart, and index panels.

:class:`MagnetiqAdminSite` is ``admin.site`` (``magnetiq.apps.MagnetiqAdminConfig``). It changes two
things of Django's site:

- **The app list** (index page and navigation sidebar): the technical records staff rarely open —
  login attempts (axes), issued and blacklisted JWTs, background task results, the webhook inbox,
  the rate counters, the e-mail outbox — leave their apps and are listed together at the end under "Technical
  records", so the business apps (bookings, payments, leads, …) come first. An app's own page
  (``/admin/<app_label>/``) still lists all its models.
- **Index panels**: an app higher up (analytics, the staff dashboard) adds context to the index
  page with :meth:`MagnetiqAdminSite.add_index_context` and may set ``index_template``; this module
  imports no app, so the layers stay one-way.
"""

from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: Whole apps whose models are technical records.
TECHNICAL_APPS = frozenset({"axes", "token_blacklist", "django_tasks_database"})
#: Single technical models of otherwise business apps, as ``(app_label, model_name)``.
TECHNICAL_MODELS = frozenset({("payments", "webhookevent"), ("magnetiq", "ratecounter"), ("magnetiq", "outboundemail")})
TECHNICAL_LABEL = "technical"


def is_technical(app_label: str, model_name: str) -> bool:
    return app_label in TECHNICAL_APPS or (app_label, model_name) in TECHNICAL_MODELS


class MagnetiqAdminSite(admin.AdminSite):
    """Django's ``AdminSite`` with the grouped app list and index panels (module docstring)."""

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        self._index_context: list[Callable[[HttpRequest], dict]] = []

    def add_index_context(self, provider: Callable[[HttpRequest], dict]) -> None:
        """Call ``provider(request)`` on every index page and add the dict it returns to the context."""
        if provider not in self._index_context:
            self._index_context.append(provider)

    def get_app_list(self, request, app_label=None):
        """Django's sorted app list; on the index (no ``app_label``) the technical models are moved
        into one last entry with ``app_label`` ``"technical"`` and ``technical: True``."""
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        business, technical = [], []
        for app in app_list:
            keep = []
            for model in app["models"]:
                if is_technical(app["app_label"], model["object_name"].lower()):
                    technical.append({**model, "name": f"{model['name']} ({app['name']})"})
                else:
                    keep.append(model)
            if keep:
                business.append({**app, "models": keep})
        if technical:
            technical.sort(key=lambda model: str(model["name"]).lower())
            business.append(
                {
                    "name": _("Technical records"),
                    "app_label": TECHNICAL_LABEL,
                    "app_url": reverse(f"{self.name}:index", current_app=self.name) + "#technical",
                    "has_module_perms": True,
                    "models": technical,
                    "technical": True,
                }
            )
        return business

    def index(self, request, extra_context=None):
        """Django's index, plus ``business_apps`` and ``technical_apps`` (the app list split for a
        template that shows them apart) and the context of every index panel."""
        app_list = self.get_app_list(request)
        context: dict = {
            "business_apps": [app for app in app_list if not app.get("technical")],
            "technical_apps": [app for app in app_list if app.get("technical")],
        }
        for provider in self._index_context:
            context |= provider(request)
        return super().index(request, extra_context={**context, **(extra_context or {})})
