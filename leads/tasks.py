"""Background work of the leads app (django-tasks; tasks take ids and are safe to run twice)."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from . import conf
from .exceptions import LeadErased, OdooError, OdooExportInProgress, OdooNotConfigured
from .models import Lead
from .services import lead_export_odoo

logger = logging.getLogger(__name__)


@task()
def export_lead_to_odoo(lead_id: int, attempt: int = 1) -> str:
    """Export lead ``lead_id`` to Odoo (create, or update its ``crm.lead``).

    django-tasks does not retry by itself: a transient failure (network, timeout, Odoo 5xx/429)
    re-enqueues this task with ``attempt + 1`` after ``LEADS["ODOO_RETRY_DELAY_SECONDS"]`` (at once
    on a backend that cannot schedule) until ``LEADS["ODOO_MAX_ATTEMPTS"]``; after that, or for a
    refusal, the failure stays on the lead (status ``failed``, error text) for the admin's
    "retry Odoo export" action. Returns ``"exported"``, ``"retrying"``, ``"failed"``, ``"busy"``,
    ``"erased"`` or ``"missing"``.
    """
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return "missing"
    try:
        lead_export_odoo(lead=lead)
    except LeadErased:
        return "erased"
    except OdooExportInProgress:
        return "busy"
    except OdooNotConfigured:
        return "failed"
    except OdooError as error:
        if error.transient and attempt < conf.odoo_max_attempts():
            retry = export_lead_to_odoo
            if retry.get_backend().supports_defer:
                retry = retry.using(run_after=timezone.now() + timedelta(seconds=conf.odoo_retry_delay_seconds()))
            logger.warning("Odoo export of lead %s failed (attempt %s), retrying: %s", lead_id, attempt, error)
            retry.enqueue(lead_id, attempt + 1)
            return "retrying"
        logger.warning("Odoo export of lead %s failed for good after attempt %s: %s", lead_id, attempt, error)
        return "failed"
    return "exported"
