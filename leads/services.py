"""Every write to a lead goes through here (the services room of ``docs/architecture.md``).

The interface other apps call:

* :func:`lead_capture` — a visitor left their details (whitepaper form, webinar registration,
  booking): creates or updates the one lead of that e-mail and records the consents;
* :func:`lead_record_action` — append an action to the lead's ledger and add its points to the
  score;
* :func:`truncate_ip` — shorten a visitor's IP before it is stored in event data (the project's
  rule, :func:`magnetiq.ips.truncate_ip`, re-exported here).

Staff operations (admin, ``/api/v1/admin/leads``): :func:`lead_score_adjust`,
:func:`lead_qualify`, :func:`lead_erase` (GDPR), :func:`lead_export_personal_data`,
:func:`lead_export_odoo` and :func:`lead_enqueue_odoo_export`.

The do-not-contact list (every marketing send path checks it, ``leads.selectors.is_contactable``):
:func:`do_not_contact_add`, :func:`do_not_contact_remove`, :func:`do_not_contact_forget_address`.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from magnetiq.ips import truncate_ip

from . import conf, odoo_gateway
from .exceptions import LeadErased, LeadNotFound, OdooError, OdooExportInProgress, OdooNotConfigured
from .models import (
    CONSENT_WORDING_VERSION,
    ConsentKind,
    DoNotContact,
    DoNotContactReason,
    Lead,
    LeadAction,
    LeadConsent,
    LeadEvent,
    OdooStatus,
    email_hash,
)

logger = logging.getLogger(__name__)

#: Contact fields a capture may fill in; an empty value never overwrites a known one.
CONTACT_FIELDS = ("first_name", "last_name", "company", "website", "phone", "job_title")


def _invalid(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, details=[{"field": field, "message": message, "code": code}])


def _validation_to_invalid(error: ValidationError) -> InvalidInput:
    details: list[dict[str, str | None]] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            details.extend({"field": field, "message": message, "code": "invalid"} for message in errors)
    else:
        details = [{"field": None, "message": message, "code": "invalid"} for message in error.messages]
    return InvalidInput(details[0]["message"] if details else None, details=details)


def normalize_email(email: str) -> str:
    """Trimmed and lower-cased: the form every lead's e-mail is stored in."""
    return (email or "").strip().lower()


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
    consent_version: str = CONSENT_WORDING_VERSION,
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
    too long for its field.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise _invalid("email", _("Enter a valid e-mail address.")) from None
    if not consent_terms:
        raise _invalid("consent_terms", _("You must accept the terms to continue."), code="required")
    if not (source or "").strip():
        raise _invalid("source", _("The capture source is required."), code="required")
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
        raise _invalid("action", _("Unknown lead action %(action)s.") % {"action": repr(action)}, code="invalid_choice")
    if data is not None and not isinstance(data, dict):
        raise _invalid("data", _("Event data must be a JSON object."))
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


#: Fields staff may correct by hand (the e-mail is the lead's identity and is not edited).
EDITABLE_FIELDS = frozenset({*CONTACT_FIELDS, "language", "tags"})
#: At most this many tags per lead, each at most :data:`TAG_MAX_LENGTH` characters.
TAGS_MAX = 20
TAG_MAX_LENGTH = 50


def normalise_tags(value: Any) -> list[str]:
    """Staff's labels for a lead as stored: from a list of strings or one comma-separated string,
    each stripped, inner whitespace collapsed, lower-cased; empty ones dropped; duplicates removed;
    sorted. Raises :class:`InvalidInput` (field ``tags``) for another type, more than
    :data:`TAGS_MAX` tags or a tag longer than :data:`TAG_MAX_LENGTH` characters."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
        raise _invalid("tags", _("Give the tags as a list of words or a comma-separated text."))
    tags = sorted({" ".join(tag.split()).lower() for tag in value} - {""})
    if len(tags) > TAGS_MAX:
        raise _invalid("tags", _("A lead takes at most %(max)d tags.") % {"max": TAGS_MAX})
    too_long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
    if too_long:
        raise _invalid(
            "tags", _("A tag has at most %(max)d characters: %(tag)s") % {"max": TAG_MAX_LENGTH, "tag": too_long[0]}
        )
    return tags


@transaction.atomic
def lead_update(*, lead: Lead, data: dict, actor) -> Lead:
    """Correct contact fields of a lead (staff, admin form). ``data``: ``{field: value}`` with keys of
    :data:`EDITABLE_FIELDS` (others → :class:`InvalidInput`); empty values are allowed here (staff
    may clear a wrong phone); ``tags`` goes through :func:`normalise_tags`. Raises :class:`LeadErased`,
    :class:`InvalidInput`."""
    unknown = sorted(set(data) - EDITABLE_FIELDS)
    if unknown:
        raise _invalid(unknown[0], _("This field cannot be changed here."))
    locked = _get_lead_for_update(lead.pk)
    if locked.is_erased:
        raise LeadErased()
    values = {
        field: normalise_tags(value) if field == "tags" else (value or "").strip() for field, value in data.items()
    }
    changed = sorted(field for field, value in values.items() if getattr(locked, field) != value)
    for field in changed:
        setattr(locked, field, values[field])
    if not changed:
        return locked
    try:
        locked.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise _validation_to_invalid(error) from None
    locked.save()
    log_action(locked, "leads.lead.updated", actor=actor, data={"fields": changed})
    return locked


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the score changes."), code="required")
    if len(reason) > 500:
        raise _invalid("reason", _("At most 500 characters."), code="max_length")
    return reason


@transaction.atomic
def lead_score_adjust(*, lead: Lead, points: int, reason: str, actor) -> LeadEvent:
    """Add ``points`` (may be negative, not 0) to the score as a ``manual_adjustment`` ledger entry
    carrying ``reason``, so the score stays the sum of its events. Raises :class:`InvalidInput`
    (``points`` 0 or not a whole number, empty ``reason``), :class:`LeadErased`."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise _invalid("points", _("Give a non-zero whole number of points."))
    reason = _reason(reason)
    locked = _get_lead_for_update(lead.pk)
    event = lead_record_action(
        lead=locked, action=LeadAction.MANUAL_ADJUSTMENT, points=points, data={"reason": reason}, actor=actor
    )
    log_action(locked, "leads.lead.score_adjusted", actor=actor, data={"points": points, "score": locked.score})
    lead.score = locked.score
    return event


@transaction.atomic
def lead_score_set(*, lead: Lead, score: int, reason: str, actor) -> LeadEvent | None:
    """Bring the score to ``score`` with one ``manual_adjustment`` of the difference (computed under
    the row lock, so a simultaneous action is not lost). Returns the event, or ``None`` when the
    score already is ``score``. Same errors as :func:`lead_score_adjust`."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise _invalid("score", _("Give a whole number."))
    reason = _reason(reason)
    locked = _get_lead_for_update(lead.pk)
    if locked.score == score:
        lead.score = score
        return None
    return lead_score_adjust(lead=lead, points=score - locked.score, reason=reason, actor=actor)


@transaction.atomic
def lead_qualify(*, lead: Lead, qualified: bool, actor) -> Lead:
    """Mark the lead qualified (recording when and by whom) or take the mark back.
    Raises :class:`LeadErased`."""
    locked = _get_lead_for_update(lead.pk)
    if locked.is_erased:
        raise LeadErased()
    if locked.is_qualified != bool(qualified):
        locked.is_qualified = bool(qualified)
        locked.qualified_at = timezone.now() if qualified else None
        locked.qualified_by = actor if (qualified and getattr(actor, "is_authenticated", False)) else None
        locked.save(update_fields=["is_qualified", "qualified_at", "qualified_by", "updated_at"])
        log_action(locked, "leads.lead.qualified" if qualified else "leads.lead.unqualified", actor=actor)
    return locked


def lead_consent_state(lead: Lead) -> dict[str, LeadConsent | None]:
    """The consent in force per kind (``{"terms": …, "marketing": …}``): the latest row of each
    kind, granted or withdrawn, or ``None`` when none was ever recorded. Consents are a history:
    a withdrawal is a new row with ``granted=False``, never an edit of the old one."""
    state: dict[str, LeadConsent | None] = dict.fromkeys(ConsentKind.values)
    for consent in lead.consents.order_by("-recorded_at", "-id"):
        state.setdefault(consent.kind, None)
        if state[consent.kind] is None:
            state[consent.kind] = consent
    return state


@transaction.atomic
def lead_consent_withdraw(*, lead: Lead, kind: str, source: str, actor=None) -> LeadConsent | None:
    """Withdraw the lead's ``kind`` consent (GDPR Art. 7(3): as easy to withdraw as to give).

    Appends a ``granted=False`` row (same wording version as the consent it withdraws, ``source``
    where it was withdrawn, e.g. ``"account"``) so the history shows what was given and when it
    ended. Returns the new row, or ``None`` when the consent is not in force (nothing to withdraw).
    Only ``marketing`` can be withdrawn on its own: the terms consent is what the lead exists on,
    and ending it is the erasure (:func:`lead_erase`). Raises :class:`InvalidInput` (422, field
    ``kind``) for another kind and :class:`LeadErased` for an erased lead.
    """
    if kind != ConsentKind.MARKETING:
        raise _invalid(
            "kind", _("Only the marketing consent can be withdrawn on its own; delete your data to end the rest.")
        )
    locked = _get_lead_for_update(lead.pk)
    if locked.is_erased:
        raise LeadErased()
    current = lead_consent_state(locked)[kind]
    if current is None or not current.granted:
        return None
    withdrawal = LeadConsent(
        lead=locked,
        kind=kind,
        granted=False,
        wording_version=current.wording_version,
        source=(source or "").strip()[:100] or "account",
        recorded_at=timezone.now(),
    )
    withdrawal.full_clean()
    withdrawal.save()
    log_action(locked, "leads.consent.withdrawn", actor=actor, data={"kind": kind, "source": withdrawal.source})
    return withdrawal


#: ``LeadEvent.data`` keys that survive the GDPR erasure: campaign attribution and ids of our own
#: objects, nothing that identifies or locates the person (e-mail, names, IP, referrer, free text).
ANONYMOUS_EVENT_DATA_KEYS = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "language"}
)


def _anonymous_event_data(data: dict) -> dict:
    return {
        key: value
        for key, value in (data or {}).items()
        if key in ANONYMOUS_EVENT_DATA_KEYS or (key.endswith("_id") and isinstance(value, int | str))
    }


@transaction.atomic
def lead_erase(*, lead: Lead, actor) -> Lead:
    """GDPR erasure: keep the lead as an anonymous row, forget who it was.

    Every personal field gets an anonymous value (the e-mail becomes
    ``erased-<id>@erased.invalid``), the consent rows are deleted, event ``data`` keeps only
    anonymous keys (UTM parameters, language, ``*_id`` references) and each event keeps its action,
    points, time and subject, so counts and scores stay right. The Odoo mapping and error are
    cleared (the audit entry keeps the Odoo record id so staff can delete it there). Sends
    :data:`leads.signals.lead_erased` inside the transaction so other apps erase their copies.
    Idempotent: erasing an erased lead changes nothing. Returns the erased lead.
    """
    from .signals import lead_erased

    locked = _get_lead_for_update(lead.pk)
    if locked.is_erased:
        return locked
    email = locked.email
    odoo_id = locked.odoo_id
    locked.email = f"erased-{locked.pk}@erased.invalid"
    for field in CONTACT_FIELDS:
        setattr(locked, field, "")
    locked.tags = []
    locked.qualified_by = None
    locked.odoo_id = None
    locked.odoo_error = ""
    if locked.odoo_status == OdooStatus.FAILED:
        locked.odoo_status = OdooStatus.NOT_EXPORTED
    locked.erased_at = timezone.now()
    locked.save()
    consents = locked.consents.all().delete()[0]
    events = list(locked.events.all())
    for event in events:
        event.data = _anonymous_event_data(event.data)
        event.actor = None
    LeadEvent.objects.bulk_update(events, ["data", "actor"])
    lead_erased.send(sender=Lead, lead=locked, email=email)
    log_action(
        locked,
        "leads.lead.erased",
        actor=actor,
        data={"events_kept": len(events), "consents_deleted": consents, "odoo_id": odoo_id},
    )
    lead.refresh_from_db()
    return locked


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def lead_export_personal_data(*, lead: Lead) -> dict:
    """Everything we hold about the lead (GDPR access request), JSON-ready.

    Shape: ``{"lead": {email, first_name, last_name, company, website, phone, job_title,
    language, source, tags, score, is_qualified, qualified_at, odoo_id, created_at, updated_at,
    erased_at}, "consents": [{kind, granted, wording_version, source, recorded_at}],
    "events": [{action, points, occurred_at, subject, data}], "exported_at"}``; times in ISO 8601.
    """
    fresh = Lead.objects.get(pk=lead.pk)
    return {
        "lead": {
            "id": fresh.pk,
            "email": fresh.email,
            **{field: getattr(fresh, field) for field in CONTACT_FIELDS},
            "language": fresh.language,
            "source": fresh.source,
            "tags": fresh.tags,
            "score": fresh.score,
            "is_qualified": fresh.is_qualified,
            "qualified_at": _iso(fresh.qualified_at),
            "odoo_id": fresh.odoo_id,
            "created_at": _iso(fresh.created_at),
            "updated_at": _iso(fresh.updated_at),
            "erased_at": _iso(fresh.erased_at),
        },
        "consents": [
            {
                "kind": consent.kind,
                "granted": consent.granted,
                "wording_version": consent.wording_version,
                "source": consent.source,
                "recorded_at": _iso(consent.recorded_at),
            }
            for consent in fresh.consents.order_by("recorded_at", "id")
        ],
        "events": [
            {
                "action": event.action,
                "points": event.points,
                "occurred_at": _iso(event.occurred_at),
                "subject": event.subject
                or (f"{event.content_type.model}#{event.object_id}" if event.content_type else ""),
                "data": event.data,
            }
            for event in fresh.events.select_related("content_type").order_by("occurred_at", "id")
        ],
        "exported_at": timezone.now().isoformat(),
    }


#: An export that claimed the lead longer ago than this is taken to have died (worker killed).
ODOO_EXPORT_CLAIM_TIMEOUT = timedelta(minutes=5)


def odoo_lead_values(lead: Lead) -> dict:
    """The ``crm.lead`` values for ``lead`` (empty fields left out, so Odoo keeps what it has)."""
    values = {
        "name": f"{lead.full_name or lead.email} ({lead.source})",
        "type": "lead",
        "contact_name": lead.full_name,
        "email_from": lead.email,
        "partner_name": lead.company,
        "phone": lead.phone,
        "website": lead.website,
        "function": lead.job_title,
        "description": f"Magnetiq lead #{lead.pk}. Source: {lead.source}. Score: {lead.score}. "
        f"Qualified: {'yes' if lead.is_qualified else 'no'}.",
    }
    return {key: value for key, value in values.items() if value}


def _record_odoo_failure(lead_id: int, error: Exception, actor) -> None:
    message = getattr(error, "message", str(error))
    with transaction.atomic():
        Lead.objects.filter(pk=lead_id).update(
            odoo_status=OdooStatus.FAILED, odoo_error=message, odoo_export_started_at=None, updated_at=timezone.now()
        )
        log_action(
            Lead(pk=lead_id), "leads.lead.odoo_export_failed", actor=actor, data={"code": getattr(error, "code", "")}
        )


def lead_export_odoo(*, lead: Lead, actor=None) -> Lead:
    """Send the lead to Odoo as a ``crm.lead``: create it the first time, update the same record
    (``lead.odoo_id``) on every later export, so a re-export never duplicates.

    The lead is claimed (status ``exporting``) in a short transaction and the HTTP call runs
    outside it, so no row lock is held while Odoo answers; a second export meanwhile gets
    :class:`OdooExportInProgress` (409). Success stores ``odoo_id``, status ``exported`` and
    ``odoo_synced_at`` and resets ``odoo_attempts``; a failure stores status ``failed``, the error
    text and increments ``odoo_attempts``, then raises :class:`leads.exceptions.OdooError` (502,
    ``.transient`` says whether a retry may help) or :class:`leads.exceptions.OdooNotConfigured` (503).
    Raises :class:`LeadErased` for an erased lead. Returns the refreshed lead.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = _get_lead_for_update(lead.pk)
        if locked.is_erased:
            raise LeadErased()
        started = locked.odoo_export_started_at
        if locked.odoo_status == OdooStatus.EXPORTING and started and started > now - ODOO_EXPORT_CLAIM_TIMEOUT:
            raise OdooExportInProgress()
        locked.odoo_status = OdooStatus.EXPORTING
        locked.odoo_export_started_at = now
        locked.odoo_attempts = F("odoo_attempts") + 1
        locked.save(update_fields=["odoo_status", "odoo_export_started_at", "odoo_attempts", "updated_at"])
        values = odoo_lead_values(locked)
        odoo_id = locked.odoo_id
    try:
        if odoo_id:
            odoo_gateway.update_lead(odoo_id, values)
        else:
            odoo_id = odoo_gateway.create_lead(values)
    except (OdooError, OdooNotConfigured) as error:
        _record_odoo_failure(lead.pk, error, actor)
        lead.refresh_from_db()
        raise
    with transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(
            odoo_id=odoo_id,
            odoo_status=OdooStatus.EXPORTED,
            odoo_error="",
            odoo_attempts=0,
            odoo_export_started_at=None,
            odoo_synced_at=timezone.now(),
            updated_at=timezone.now(),
        )
        log_action(lead, "leads.lead.exported_to_odoo", actor=actor, data={"odoo_id": odoo_id})
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_enqueue_odoo_export(*, lead: Lead, actor=None) -> Lead:
    """Mark the lead ``queued`` and enqueue :func:`leads.tasks.export_lead_to_odoo` after commit.
    Raises :class:`LeadErased`, :class:`OdooExportInProgress` (already exporting) and
    :class:`leads.exceptions.OdooNotConfigured` (nothing is queued while the export is disabled)."""
    from .tasks import export_lead_to_odoo

    conf.odoo_config()
    locked = _get_lead_for_update(lead.pk)
    if locked.is_erased:
        raise LeadErased()
    if locked.odoo_status == OdooStatus.EXPORTING:
        raise OdooExportInProgress()
    locked.odoo_status = OdooStatus.QUEUED
    locked.save(update_fields=["odoo_status", "updated_at"])
    log_action(locked, "leads.lead.odoo_export_queued", actor=actor)
    transaction.on_commit(lambda: export_lead_to_odoo.enqueue(locked.pk))
    lead.odoo_status = locked.odoo_status
    return locked


# --- the do-not-contact list ---------------------------------------------------------------------


@transaction.atomic
def do_not_contact_add(
    *, email: str, reason: str, source: str = "", note: str = "", actor=None
) -> tuple[DoNotContact, bool]:
    """Put ``email`` on the do-not-contact list; returns ``(entry, created)``.

    ``reason``: a :class:`DoNotContactReason` value. An address already listed keeps its first
    entry (its reason and time: the first suppression is the one that counts), so repeated
    unsubscribes, bounces and webhook redeliveries are harmless; the database's unique hash decides
    a race between two adds. Raises :class:`InvalidInput` (422) for a malformed address or an
    unknown reason.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise _invalid("email", _("Enter a valid e-mail address.")) from None
    if reason not in DoNotContactReason.values:
        raise _invalid("reason", _("Unknown reason %(reason)s.") % {"reason": repr(reason)}, code="invalid_choice")
    digest = email_hash(email)
    existing = DoNotContact.objects.filter(email_hash=digest).first()
    if existing is not None:
        return existing, False
    entry = DoNotContact(
        email=email,
        email_hash=digest,
        reason=reason,
        source=(source or "").strip()[:50],
        note=(note or "").strip()[:500],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Another add of the same address won between our read and our insert.
        return DoNotContact.objects.get(email_hash=digest), False
    log_action(entry, "leads.do_not_contact.added", actor=actor, data={"reason": reason, "source": entry.source})
    return entry, True


@transaction.atomic
def do_not_contact_remove(*, email: str, reasons: Iterable[str] | None = None, actor=None) -> bool:
    """Take ``email`` off the list; returns whether an entry was removed.

    ``reasons``: remove only an entry listed for one of these (the preference page passes
    ``["unsubscribed"]``: a visitor may subscribe again, but not lift a bounce, a complaint or a
    staff entry). ``None``: any reason (staff in the admin).
    """
    entries = DoNotContact.objects.filter(email_hash=email_hash(email))
    if reasons is not None:
        entries = entries.filter(reason__in=list(reasons))
    entry = entries.first()
    if entry is None:
        return False
    log_action(entry, "leads.do_not_contact.removed", actor=actor, data={"reason": entry.reason})
    entry.delete()
    return True


@transaction.atomic
def do_not_contact_remove_entry(*, entry: DoNotContact, actor=None) -> None:
    """Staff remove one entry (the admin), also an erased person's hash-only one."""
    log_action(entry, "leads.do_not_contact.removed", actor=actor, data={"reason": entry.reason})
    DoNotContact.objects.filter(pk=entry.pk).delete()


def do_not_contact_forget_address(*, email: str) -> None:
    """GDPR erasure of ``email``: its entry keeps only the hash (the address is blanked), and an
    erased person who was not listed is listed now (reason ``manual``, source ``gdpr_erasure``), so
    nobody is mailed again after asking to be forgotten. Runs inside the erasure's transaction
    (the ``lead_erased`` receiver in ``leads.receivers``)."""
    digest = email_hash(email)
    if not DoNotContact.objects.filter(email_hash=digest).exists():
        DoNotContact.objects.create(
            email="",
            email_hash=digest,
            reason=DoNotContactReason.MANUAL,
            source="gdpr_erasure",
            created_at=timezone.now(),
        )
        return
    DoNotContact.objects.filter(email_hash=digest).update(email="", updated_at=timezone.now())
