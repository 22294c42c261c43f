"""Domain errors of the leads app and its Odoo export (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    message = _("Lead not found.")


class LeadErased(Conflict):
    code = "LEAD_ERASED"
    message = _("This lead's personal data has been erased; it cannot be changed.")


class OdooExportInProgress(Conflict):
    code = "ODOO_EXPORT_IN_PROGRESS"
    message = _("This lead is being exported to Odoo right now; try again in a moment.")


class OdooNotConfigured(ApplicationError):
    code = "ODOO_NOT_CONFIGURED"
    status = 503
    message = _("The Odoo export is disabled: set ODOO_URL, ODOO_DATABASE and ODOO_API_KEY.")


class OdooError(ApplicationError):
    """A call to Odoo failed. ``transient``: worth retrying later (network error, timeout, 5xx,
    429); a refusal (bad key, access rights, invalid values) is not."""

    code = "ODOO_ERROR"
    status = 502
    message = _("Odoo refused or did not answer the request.")

    def __init__(self, message: Message | None = None, *, transient: bool, http_status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.http_status = http_status
