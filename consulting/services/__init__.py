"""Every write of the consulting app (``<entity>_<verb>`` services), re-exported from its modules.

Sessions go through ``bookings.services``; every state change is written to the audit trail.

- :mod:`.sessions` — ``session_create``, ``session_accept``, ``paper_lookup``
- :mod:`.outreach` — ``outreach_create``, ``outreach_send_invitation``, ``outreach_resend``,
  ``outreach_decline``, ``outreach_record_email_failure``
- :mod:`.researchers` — ``researcher_register`` (from an invitation), ``researcher_upsert_from_openalex``,
  ``Registration``
- :mod:`.collection` — ``collection_job_create``, ``collection_job_retry``, ``collection_job_run``
"""

from .collection import collection_job_create, collection_job_retry, collection_job_run
from .outreach import (
    outreach_create,
    outreach_decline,
    outreach_record_email_failure,
    outreach_resend,
    outreach_send_invitation,
)
from .researchers import PLACEHOLDER_EMAIL_DOMAIN, Registration, researcher_register, researcher_upsert_from_openalex
from .sessions import paper_lookup, session_accept, session_create

__all__ = [
    "PLACEHOLDER_EMAIL_DOMAIN",
    "Registration",
    "collection_job_create",
    "collection_job_retry",
    "collection_job_run",
    "outreach_create",
    "outreach_decline",
    "outreach_record_email_failure",
    "outreach_resend",
    "outreach_send_invitation",
    "paper_lookup",
    "researcher_register",
    "researcher_upsert_from_openalex",
    "session_accept",
    "session_create",
]
