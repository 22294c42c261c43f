"""The leads app's settings, read in one place with their defaults.

``settings.LEADS`` (optional dict):

* ``"SCORE_POINTS"``: ``{action: points}`` merged over :data:`DEFAULT_SCORE_POINTS`
  (actions are ``leads.models.LeadAction`` values);
* ``"ODOO_MAX_ATTEMPTS"``: how many times the export task tries one lead (default 5);
* ``"ODOO_RETRY_DELAY_SECONDS"``: the pause before a re-enqueued attempt (default 60; backends
  that cannot schedule run it at once);
* ``"ODOO_TIMEOUT_SECONDS"``: the HTTP timeout of one Odoo call (default 10).

Odoo itself: ``settings.ODOO_URL`` (e.g. ``https://acme.odoo.com``), ``settings.ODOO_DATABASE``
and ``settings.ODOO_API_KEY``. The export is disabled while any of them is empty.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .exceptions import OdooNotConfigured
from .models import LeadAction

DEFAULT_SCORE_POINTS: dict[str, int] = {
    LeadAction.WHITEPAPER_DOWNLOAD: 10,
    LeadAction.WEBINAR_REGISTRATION: 15,
    LeadAction.WEBINAR_ATTENDANCE: 25,
    LeadAction.BOOKING: 40,
    LeadAction.EMAIL_OPEN: 1,
    LeadAction.EMAIL_CLICK: 3,
    LeadAction.MANUAL_ADJUSTMENT: 0,
}


def _leads_settings() -> dict:
    return getattr(settings, "LEADS", None) or {}


def score_points() -> dict[str, int]:
    """``{action: points}``: the defaults overridden by ``settings.LEADS["SCORE_POINTS"]``."""
    points = {str(action): value for action, value in DEFAULT_SCORE_POINTS.items()}
    points.update({str(action): int(value) for action, value in _leads_settings().get("SCORE_POINTS", {}).items()})
    return points


def points_for(action: str) -> int:
    """The configured points of ``action`` (0 for an action without an entry)."""
    return score_points().get(str(action), 0)


def odoo_max_attempts() -> int:
    return int(_leads_settings().get("ODOO_MAX_ATTEMPTS", 5))


def odoo_retry_delay_seconds() -> int:
    return int(_leads_settings().get("ODOO_RETRY_DELAY_SECONDS", 60))


@dataclass(frozen=True)
class OdooConfig:
    url: str
    database: str
    api_key: str
    timeout: float


def odoo_config() -> OdooConfig:
    """The Odoo connection settings; raises :class:`OdooNotConfigured` naming what is missing."""
    values = {
        name: (getattr(settings, name, "") or "").strip() for name in ("ODOO_URL", "ODOO_DATABASE", "ODOO_API_KEY")
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise OdooNotConfigured(
            _("The Odoo export is disabled: %(missing)s not set.") % {"missing": ", ".join(missing)}
        )
    if not values["ODOO_URL"].startswith(("https://", "http://")):
        raise OdooNotConfigured(_("ODOO_URL must start with https:// (or http:// for a local server)."))
    return OdooConfig(
        url=values["ODOO_URL"].rstrip("/"),
        database=values["ODOO_DATABASE"],
        api_key=values["ODOO_API_KEY"],
        timeout=float(_leads_settings().get("ODOO_TIMEOUT_SECONDS", 10)),
    )
