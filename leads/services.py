"""Every write to a lead goes through here (STYLE.md §2–3).

The interface other apps call:

* :func:`lead_capture` — a visitor left their details (whitepaper form, webinar registration,
  booking): creates or updates the one lead of that e-mail and records the consents;
* :func:`lead_record_action` — append an action to the lead's ledger and add its points to the
  score;
* :func:`truncate_ip` — shorten a visitor's IP before it is stored in event data.

Staff operations (admin, ``/api/v1/admin/leads``): :func:`lead_score_adjust`,
:func:`lead_qualify`, :func:`lead_erase` (GDPR), :func:`lead_export_personal_data`,
:func:`lead_export_odoo` and :func:`lead_enqueue_odoo_export`.
"""

import ipaddress
import logging
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from magnetiq.audit import log_action
from magnetiq.exceptions import Conflict, InvalidInput, NotFound

from . import conf
from .models import ConsentKind, Lead, LeadAction, LeadConsent, LeadEvent

logger = logging.getLogger(__name__)

#: Contact fields a capture may fill in; an empty value never overwrites a known one.
CONTACT_FIELDS = ("first_name", "last_name", "company", "website", "phone", "job_title")


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    message = "Lead not found."


class LeadErased(Conflict):
    code = "LEAD_ERASED"
    message = "This lead's personal data has been erased; it cannot be changed."


def _invalid(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, details=[{"field": field, "message": message, "code": code}])


def _validation_to_invalid(error: ValidationError) -> InvalidInput:
    details = []
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            details.extend({"field": field, "message": message, "code": "invalid"} for message in errors)
    else:
        details = [{"field": None, "message": message, "code": "invalid"} for message in error.messages]
    return InvalidInput(details[0]["message"] if details else None, details=details)


def normalize_email(email: str) -> str:
    """Trimmed and lower-cased: the form every lead's e-mail is stored in."""
    return (email or "").strip().lower()


def truncate_ip(ip: str) -> str:
    """The network part of ``ip`` only: IPv4 → its /24 (``"203.0.113.77"`` → ``"203.0.113.0"``),
    IPv6 → its /48 (``"2001:db8:1:2::1"`` → ``"2001:db8:1::"``). An empty or unparsable value
    gives ``""`` (we would rather store nothing than a full address)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def _get_lead_for_update(lead_id: int) -> Lead:
    try:
        return Lead.objects.select_for_update().get(pk=lead_id)
    except Lead.DoesNotExist:
        raise LeadNotFound() from None


@transaction.atomic
def lead_capture(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    company: str = "",
    website: str = "",
    phone: str = "",
    job_title: str = "",
    language: str = "en",
    source: str,
    consent_terms: bool,
    consent_marketing: bool = False,
    consent_version: str = "2026-11",
    actor=None,
) -> Lead:
    """Create or update the one lead of ``email`` and record the consents given with it.

    ``email`` is compared and stored lower-cased. Non-empty contact values replace the stored
    ones; empty values never blank a known field. ``source`` (``"whitepaper"``, ``"webinar"``,
    ``"booking"``, …) is kept from the first capture; ``language`` follows the latest one. A terms
    consent row is written on every capture and a marketing consent row when it is given (an
    unticked box on a later form is not a withdrawal). Two simultaneous captures of a new address
    give one lead: the database's unique constraint refuses the second insert, which then reads
    the first one's row. Raises :class:`InvalidInput` (422) for a malformed e-mail (field
    ``email``), a missing terms consent (field ``consent_terms``), an empty ``source`` or a value
    too long for its field. Issue 5 "Leads and gated downloads".
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise _invalid("email", "Enter a valid e-mail address.") from None
    if not consent_terms:
        raise _invalid("consent_terms", "You must accept the terms to continue.", code="required")
    if not (source or "").strip():
        raise _invalid("source", "The capture source is required.", code="required")
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "website": website,
        "phone": phone,
        "job_title": job_title,
    }
    values = {field: (value or "").strip() for field, value in values.items()}
    language = (language or "").strip() or "en"
    now = timezone.now()

    lead = Lead.objects.select_for_update().with_email(email).first()
    created = lead is None
    if created:
        lead = Lead(email=email, source=source.strip(), language=language, **values)
        try:
            lead.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise _validation_to_invalid(error) from None
        try:
            with transaction.atomic():
                lead.save()
        except IntegrityError:
            # Another capture inserted this address between our read and our insert.
            lead = Lead.objects.select_for_update().with_email(email).first()
            if lead is None:
                raise
            created = False
    if not created:
        if lead.language != language:
            lead.language = language
        for field, value in values.items():
            if value:
                setattr(lead, field, value)
        try:
            lead.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise _validation_to_invalid(error) from None
        lead.save()

    consents = [ConsentKind.TERMS] + ([ConsentKind.MARKETING] if consent_marketing else [])
    for kind in consents:
        consent = LeadConsent(
            lead=lead,
            kind=kind,
            granted=True,
            wording_version=(consent_version or "").strip(),
            source=source.strip(),
            recorded_at=now,
        )
        try:
            consent.full_clean()
        except ValidationError as error:
            raise _validation_to_invalid(error) from None
        consent.save()
    log_action(
        lead,
        "leads.lead.created" if created else "leads.lead.updated",
        actor=actor,
        data={"source": source.strip(), "consent_marketing": bool(consent_marketing)},
    )
    return lead


#: Keys of ``LeadEvent.data`` holding an IP address; stored truncated (see :func:`truncate_ip`).
IP_KEYS = frozenset({"ip", "ip_address"})


@transaction.atomic
def lead_record_action(
    *,
    lead: Lead,
    action: str,
    data: dict | None = None,
    subject=None,
    occurred_at: datetime | None = None,
    points: int | None = None,
    actor=None,
) -> LeadEvent:
    """Append ``action`` to ``lead``'s ledger and add its points to ``lead.score``.

    ``action``: a ``LeadAction`` value. ``points``: the configured points of the action
    (``settings.LEADS["SCORE_POINTS"]``) unless given. ``subject``: a model instance (stored as
    content type + id, e.g. the whitepaper downloaded) or a string reference. ``data``: JSON
    context (UTM parameters, referrer, ids); an ``ip``/``ip_address`` value is truncated.
    The score is incremented in the database (``F`` expression), so simultaneous actions all
    count; ``lead.score`` is refreshed. Raises :class:`InvalidInput` (unknown action, data not a
    dict), :class:`LeadErased` (409) for an erased lead.
    """
    if action not in LeadAction.values:
        raise _invalid("action", f"Unknown lead action {action!r}.", code="invalid_choice")
    if data is not None and not isinstance(data, dict):
        raise _invalid("data", "Event data must be a JSON object.")
    if lead.is_erased:
        raise LeadErased()
    data = dict(data or {})
    for key in IP_KEYS & data.keys():
        data[key] = truncate_ip(str(data[key]))
    points = conf.points_for(action) if points is None else int(points)
    event = LeadEvent(
        lead=lead,
        action=action,
        points=points,
        occurred_at=occurred_at or timezone.now(),
        data=data,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if isinstance(subject, models.Model):
        event.content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        event.object_id = str(subject.pk)
    elif subject is not None:
        event.subject = str(subject)[:200]
    try:
        event.full_clean()
    except ValidationError as error:
        raise _validation_to_invalid(error) from None
    event.save()
    updated = Lead.objects.filter(pk=lead.pk, erased_at__isnull=True).update(
        score=F("score") + points, last_activity_at=timezone.now(), updated_at=timezone.now()
    )
    if not updated:
        # Erased (or deleted) between the caller's read and now: the event must not survive.
        raise LeadErased()
    lead.refresh_from_db(fields=["score", "last_activity_at", "updated_at"])
    return event
