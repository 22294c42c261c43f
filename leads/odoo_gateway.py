"""The only module that talks to Odoo: one small module per outside service, so tests replace one thing.

Odoo 19's external JSON-2 API: ``POST {ODOO_URL}/json/2/<model>/<method>`` with
``Authorization: bearer <API key>``, ``X-Odoo-Database`` and a JSON object of the method's named
arguments (plus ``ids`` for record methods). Success is a 200 with the method's return value;
an error is a 4xx/5xx with ``{"name", "message", "arguments", "context", "debug"}``.

Used here: ``crm.lead/create`` (``{"vals_list": [{…}]}`` → ``[id]``) and ``crm.lead/write``
(``{"ids": [id], "vals": {…}}`` → ``true``). Sent through :func:`magnetiq.http.vendor_request`
(connect timeout ``VENDOR_CONNECT_TIMEOUT_SECONDS``, read timeout ``ODOO_TIMEOUT_SECONDS``; a
refused connection is retried, and ``write`` — the same values again change nothing — also after a
timeout, 5xx or 429; a ``create`` is not repeated, the export task retries it later). Never called
inside a database transaction. Settings come from :func:`leads.conf.odoo_config`.
"""

import json

from django.utils.translation import gettext_lazy as _

from magnetiq.http import VendorUnreachable, vendor_request

from .conf import odoo_config
from .exceptions import OdooError

USER_AGENT = "Magnetiq lead export"


def call(model: str, method: str, payload: dict, *, idempotent: bool = False):
    """POST ``payload`` to ``/json/2/<model>/<method>`` and return the decoded JSON result.

    ``idempotent``: repeating the call cannot do anything twice (then a timeout, 5xx or 429 is
    retried at once, see :mod:`magnetiq.http`). Raises :class:`leads.exceptions.OdooNotConfigured` when
    the settings are missing and :class:`OdooError` for a network failure, a timeout, an error
    status or a body that is not JSON.
    """
    config = odoo_config()
    try:
        response = vendor_request(
            "POST",
            f"{config.url}/json/2/{model}/{method}",
            vendor="Odoo",
            read_timeout=config.timeout,
            content=json.dumps(payload).encode(),
            headers={
                "Authorization": f"bearer {config.api_key}",
                "X-Odoo-Database": config.database,
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            idempotent=idempotent,
        )
    except VendorUnreachable as error:
        raise OdooError(_("Odoo did not answer: %(reason)s") % {"reason": error.reason}, transient=True) from None
    if response.status_code >= 400:
        raise _http_error(response.status_code, response.content)
    try:
        return json.loads(response.content)
    except ValueError:
        raise OdooError(_("Odoo answered with a body that is not JSON."), transient=True) from None


def _http_error(status: int, content: bytes) -> OdooError:
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        body = {}
    detail = body.get("message") if isinstance(body, dict) else None
    name = body.get("name") if isinstance(body, dict) else None
    text = f"Odoo answered {status}"
    if name:
        text += f" ({name})"
    if detail:
        text += f": {detail}"
    transient = status >= 500 or status in (408, 429)
    return OdooError(text[:1000], transient=transient, http_status=status)


def create_lead(values: dict) -> int:
    """Create one ``crm.lead`` from ``values`` and return its Odoo record id."""
    result = call("crm.lead", "create", {"vals_list": [values]})
    if isinstance(result, list) and len(result) == 1 and isinstance(result[0], int):
        return result[0]
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    raise OdooError(
        _("Unexpected answer to crm.lead/create: %(result)s") % {"result": str(result)[:200]}, transient=False
    )


def update_lead(odoo_id: int, values: dict) -> None:
    """Write ``values`` onto the existing ``crm.lead`` ``odoo_id``."""
    result = call("crm.lead", "write", {"ids": [odoo_id], "vals": values}, idempotent=True)
    if result is not True:
        raise OdooError(
            _("Unexpected answer to crm.lead/write: %(result)s") % {"result": str(result)[:200]}, transient=False
        )
