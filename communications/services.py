"""Every write of the communications app: templates, campaigns, the send worker, tracking and
unsubscribes (the services room of ``docs/architecture.md``).

The send path, and why no recipient gets a campaign twice:

1. :func:`campaign_start` snapshots the segment's recipients into :class:`CampaignSend` rows
   (``queued``) in the same transaction that moves the campaign to ``sending``; the unique
   (campaign, email) constraint keeps each address once.
2. :func:`campaign_process` (the worker) claims a batch of due ``queued`` rows with one conditional
   UPDATE (``claim_token``, ``claimed_until``: a lease; on PostgreSQL the candidates are read with
   ``SELECT … FOR UPDATE SKIP LOCKED``), sends over ONE SMTP connection opened outside any
   transaction (kept for the run's next batches) and, per row: marks it ``sending`` (a conditional
   UPDATE that only the lease holder can make), hands the message to SMTP, and records it ``sent``
   in the same commit that marks the next row ``sending`` (or ``failed``/back to ``queued`` with
   backoff at once).
3. A worker killed between "handed to SMTP" and "marked sent" leaves that one row ``sending``: after
   ``SENDING_LEASE_MINUTES`` it is "uncertain" and never resent automatically — staff decide
   (:func:`campaign_resolve_uncertain`; docs/operations.md "E-mail campaigns"). Its other claimed
   rows are still ``queued`` and go out after the claim lease. So a crash can leave at most one
   message per worker in doubt and never sends a recorded one again.
"""

from __future__ import annotations

import functools
import logging
import secrets
import smtplib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from content.exceptions import PortableTextError
from content.portable_text import validate_localized
from leads.models import DoNotContactReason, LeadAction
from leads.services import do_not_contact_add, do_not_contact_remove, lead_record_action
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from magnetiq.links import site_url
from magnetiq.vendors import assert_no_transaction

from . import links, rendering
from .conf import config
from .exceptions import CampaignNotFound, CampaignStateError, EmailTemplateNotFound, InvalidTrackingLink, TemplateInUse
from .mime import CampaignEmail, bare_address
from .models import (
    EDITABLE_CAMPAIGN_STATUSES,
    Campaign,
    CampaignSend,
    CampaignStatus,
    EmailTemplate,
    SendStatus,
)
from .segments import recipients, validate_segment

logger = logging.getLogger(__name__)

#: What a caller may set on a template (the API serializers build their fields from these).
TEMPLATE_FIELDS = ("name", "description", "subject", "body", "preheader")
#: What a caller may set on a campaign while it is a draft or scheduled.
CAMPAIGN_FIELDS = ("name", "template", "segment", "scheduled_at", "send_rate", "track")
MAX_SEND_RATE = 100_000


def _invalid(field_name: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, details=[{"field": field_name, "message": message, "code": code}])


def _validation_to_invalid(error: ValidationError) -> InvalidInput:
    details = [
        {"field": name, "message": message, "code": "invalid"}
        for name, messages in error.message_dict.items()
        for message in messages
    ]
    return InvalidInput(details[0]["message"] if details else None, details=details)


# --- templates -----------------------------------------------------------------------------------


def _check_localised_text(value, field_name: str, *, required: bool, max_length: int) -> dict:
    if value in (None, "") and not required:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _invalid(field_name, _('Give one text per language: {"en": "…", "de": "…"}.'))
    from django.conf import settings

    languages = dict(settings.LANGUAGES)
    unknown = sorted(set(value) - set(languages))
    if unknown:
        raise _invalid(f"{field_name}.{unknown[0]}", _("Unknown language."))
    if required and not (value.get("en") or "").strip():
        raise _invalid(f"{field_name}.en", _("The English text is required."), code="required")
    for language, text in value.items():
        if len(text) > max_length:
            raise _invalid(f"{field_name}.{language}", _("At most %(n)d characters.") % {"n": max_length})
    return {language: text.strip() for language, text in value.items() if text.strip()}


def _clean_template_values(values: dict) -> dict:
    unknown = sorted(set(values) - set(TEMPLATE_FIELDS))
    if unknown:
        raise _invalid(unknown[0], _("This field cannot be set."))
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise _invalid("name", _("Give the template a name."), code="required")
    if "subject" in cleaned:
        cleaned["subject"] = _check_localised_text(cleaned["subject"], "subject", required=True, max_length=255)
    if "preheader" in cleaned:
        cleaned["preheader"] = _check_localised_text(cleaned["preheader"], "preheader", required=False, max_length=255)
    if "body" in cleaned:
        try:
            validate_localized(cleaned["body"], field="body")
        except PortableTextError:
            raise
        cleaned["body"] = {language: blocks for language, blocks in cleaned["body"].items() if blocks}
    return cleaned


def _save_template(template: EmailTemplate) -> None:
    rendering.check_variables(subject=template.subject, body=template.body, preheader=template.preheader)
    try:
        template.full_clean()
    except ValidationError as error:
        raise _validation_to_invalid(error) from None
    template.save()


@transaction.atomic
def email_template_create(*, data: dict, actor=None) -> EmailTemplate:
    """A template from ``data`` (keys of :data:`TEMPLATE_FIELDS`; ``name``, ``subject`` with ``en``
    and ``body`` with ``en`` required). Raises :class:`InvalidInput` (422), ``PortableTextError``
    (422, a bad block) and :class:`UnknownTemplateVariable` (422, naming field and variable)."""
    missing = [name for name in ("name", "subject", "body") if name not in data]
    if missing:
        raise _invalid(missing[0], _("This field is required."), code="required")
    values = _clean_template_values(data)
    template = EmailTemplate(created_by=actor if getattr(actor, "is_authenticated", False) else None, **values)
    _save_template(template)
    log_action(template, "communications.template.created", actor=actor)
    return template


@transaction.atomic
def email_template_update(*, template: EmailTemplate, data: dict, actor=None) -> EmailTemplate:
    """Change the fields given in ``data`` (same rules as :func:`email_template_create`). A campaign
    already sending keeps what it prepared when it started; later batches use the new text."""
    locked = EmailTemplate.objects.select_for_update().alive().filter(pk=template.pk).first()
    if locked is None:
        raise EmailTemplateNotFound()
    for name, value in _clean_template_values(data).items():
        setattr(locked, name, value)
    _save_template(locked)
    log_action(locked, "communications.template.updated", actor=actor, data={"fields": sorted(data)})
    return locked


@transaction.atomic
def email_template_delete(*, template: EmailTemplate, actor=None) -> None:
    """Soft-delete; refused with :class:`TemplateInUse` (409) while a campaign that is not sent or
    cancelled uses it."""
    active = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED)
    if Campaign.objects.filter(template_id=template.pk, status__in=active).exists():
        raise TemplateInUse()
    EmailTemplate.objects.filter(pk=template.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    log_action(template, "communications.template.deleted", actor=actor)


# --- campaigns -----------------------------------------------------------------------------------


def _clean_campaign_values(values: dict) -> dict:
    unknown = sorted(set(values) - set(CAMPAIGN_FIELDS))
    if unknown:
        raise _invalid(unknown[0], _("This field cannot be set."))
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise _invalid("name", _("Give the campaign a name."), code="required")
    if "template" in cleaned:
        template = cleaned["template"]
        template_id = template.pk if isinstance(template, EmailTemplate) else template
        found = EmailTemplate.objects.alive().filter(pk=template_id).first() if isinstance(template_id, int) else None
        if found is None:
            raise _invalid("template", _("No such e-mail template."), code="does_not_exist")
        cleaned["template"] = found
    if "segment" in cleaned:
        cleaned["segment"] = validate_segment(cleaned["segment"] or {})
    if "send_rate" in cleaned:
        rate = cleaned["send_rate"]
        if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= MAX_SEND_RATE:
            raise _invalid("send_rate", _("Give messages per minute between 1 and %(max)d.") % {"max": MAX_SEND_RATE})
    if "track" in cleaned:
        cleaned["track"] = bool(cleaned["track"])
    return cleaned


def _save_campaign(campaign: Campaign) -> None:
    try:
        campaign.full_clean()
    except ValidationError as error:
        raise _validation_to_invalid(error) from None
    campaign.save()


@transaction.atomic
def campaign_create(*, data: dict, actor=None) -> Campaign:
    """A draft campaign (``name`` and ``template`` required; ``segment`` defaults to every
    consenting lead; ``send_rate`` to 600 per minute). Raises :class:`InvalidInput` (422)."""
    missing = [name for name in ("name", "template") if name not in data]
    if missing:
        raise _invalid(missing[0], _("This field is required."), code="required")
    values = _clean_campaign_values({"segment": {"audience": "leads"}, **data})
    campaign = Campaign(created_by=actor if getattr(actor, "is_authenticated", False) else None, **values)
    _save_campaign(campaign)
    log_action(campaign, "communications.campaign.created", actor=actor)
    return campaign


def _lock_campaign(pk: int) -> Campaign:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_lock_campaign needs an open transaction")
    campaign = Campaign.objects.select_for_update().filter(pk=pk).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: dict, actor=None) -> Campaign:
    """Change a draft or scheduled campaign (fields of :data:`CAMPAIGN_FIELDS`); a scheduled one
    whose ``scheduled_at`` is set to ``None`` becomes a draft. Raises :class:`CampaignStateError`
    (409) in any other status, :class:`InvalidInput` (422)."""
    locked = _lock_campaign(campaign.pk)
    if locked.status not in EDITABLE_CAMPAIGN_STATUSES:
        raise CampaignStateError()
    for name, value in _clean_campaign_values(data).items():
        setattr(locked, name, value)
    if locked.status == CampaignStatus.SCHEDULED and locked.scheduled_at is None:
        locked.status = CampaignStatus.DRAFT
    _save_campaign(locked)
    log_action(locked, "communications.campaign.updated", actor=actor, data={"fields": sorted(data)})
    return locked


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor=None) -> None:
    """Delete a draft, scheduled or cancelled campaign with its send rows. One that is sending,
    paused or sent answers :class:`CampaignStateError` (409): cancel it first; a sent campaign
    keeps its record of who got what."""
    locked = _lock_campaign(campaign.pk)
    if locked.status not in (*EDITABLE_CAMPAIGN_STATUSES, CampaignStatus.CANCELLED):
        raise CampaignStateError()
    log_action(locked, "communications.campaign.deleted", actor=actor, data={"name": locked.name})
    locked.delete()


def campaign_send(*, campaign: Campaign, scheduled_at: datetime | None = None, actor=None, now=None) -> Campaign:
    """Send a draft or scheduled campaign: at ``scheduled_at`` (or the campaign's own) when that is
    in the future (status ``scheduled``; ``send_campaigns`` starts it), else now
    (:func:`campaign_start`). Raises :class:`CampaignStateError` (409) in another status."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_campaign(campaign.pk)
        if locked.status not in EDITABLE_CAMPAIGN_STATUSES:
            raise CampaignStateError()
        when = scheduled_at or locked.scheduled_at
        if when is not None and when > now:
            locked.status = CampaignStatus.SCHEDULED
            locked.scheduled_at = when
            locked.save(update_fields=["status", "scheduled_at", "updated_at"])
            log_action(locked, "communications.campaign.scheduled", actor=actor, data={"at": when.isoformat()})
            return locked
    return campaign_start(campaign_id=campaign.pk, actor=actor, now=now)


def campaign_start(*, campaign_id: int, actor=None, now=None) -> Campaign:
    """Snapshot the recipients into send rows and set ``sending`` — one transaction, so a campaign
    is either started with all its rows or not at all; a second start finds it ``sending`` and
    adds nothing. Raises :class:`CampaignStateError` (409) when it is not draft or scheduled."""
    now = now or timezone.now()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound()
    people = recipients(campaign.segment)
    with transaction.atomic():
        locked = _lock_campaign(campaign_id)
        if locked.status not in EDITABLE_CAMPAIGN_STATUSES:
            raise CampaignStateError()
        CampaignSend.objects.bulk_create(
            [
                CampaignSend(
                    campaign=locked,
                    lead_id=person.lead_id,
                    email=person.email,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    language=person.language,
                    next_attempt_at=now,
                )
                for person in people
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        locked.status = CampaignStatus.SENDING
        locked.started_at = now
        locked.recipients_count = CampaignSend.objects.filter(campaign=locked).count()
        locked.consecutive_failures = 0
        locked.pause_reason = ""
        locked.save(
            update_fields=[
                "status",
                "started_at",
                "recipients_count",
                "consecutive_failures",
                "pause_reason",
                "updated_at",
            ]
        )
        log_action(locked, "communications.campaign.started", actor=actor, data={"recipients": locked.recipients_count})
    return locked


def _transition(campaign: Campaign, allowed: tuple, to: str, action: str, actor, reason: str = "") -> Campaign:
    with transaction.atomic():
        locked = _lock_campaign(campaign.pk)
        if locked.status not in allowed:
            raise CampaignStateError()
        locked.status = to
        locked.pause_reason = reason
        if to == CampaignStatus.SENDING:
            locked.consecutive_failures = 0
        if to == CampaignStatus.CANCELLED:
            locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "pause_reason", "consecutive_failures", "finished_at", "updated_at"])
        log_action(locked, action, actor=actor, data={"reason": reason} if reason else None)
    return locked


def campaign_pause(*, campaign: Campaign, actor=None, reason: str = "") -> Campaign:
    """Stop sending after the message in flight (workers re-read the status before each batch and
    each message). Raises :class:`CampaignStateError` unless ``sending``."""
    return _transition(
        campaign, (CampaignStatus.SENDING,), CampaignStatus.PAUSED, "communications.campaign.paused", actor, reason
    )


def campaign_resume(*, campaign: Campaign, actor=None) -> Campaign:
    """Carry on with the queued recipients. Raises :class:`CampaignStateError` unless ``paused``."""
    return _transition(
        campaign, (CampaignStatus.PAUSED,), CampaignStatus.SENDING, "communications.campaign.resumed", actor
    )


def campaign_cancel(*, campaign: Campaign, actor=None) -> Campaign:
    """No further message goes out (queued rows stay queued, as a record of who did not get it).
    Raises :class:`CampaignStateError` when already sent or cancelled."""
    return _transition(
        campaign,
        (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED),
        CampaignStatus.CANCELLED,
        "communications.campaign.cancelled",
        actor,
    )


@transaction.atomic
def campaign_resolve_uncertain(*, campaign: Campaign, resolution: str, actor=None) -> int:
    """Decide the "uncertain" rows (handed to SMTP, outcome never recorded): ``"sent"`` — the relay's
    log shows they left; ``"requeue"`` — send them again, accepting that a recipient may get the
    campaign twice. Returns the number of rows changed. Raises :class:`InvalidInput` for another
    ``resolution``."""
    rows = CampaignSend.objects.filter(campaign_id=campaign.pk).uncertain()
    if resolution == "sent":
        changed = rows.update(status=SendStatus.SENT, sent_at=F("sending_at"), claim_token="", claimed_until=None)
    elif resolution == "requeue":
        changed = rows.update(
            status=SendStatus.QUEUED,
            next_attempt_at=timezone.now(),
            claim_token="",
            claimed_until=None,
            sending_at=None,
        )
    else:
        raise _invalid("resolution", _("Choose sent or requeue."))
    log_action(
        campaign,
        "communications.campaign.uncertain_resolved",
        actor=actor,
        data={"resolution": resolution, "rows": changed},
    )
    return changed


# --- the worker ----------------------------------------------------------------------------------


@dataclass
class ProcessResult:
    """What one :func:`campaign_process` run did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    paused: bool = False
    finished: bool = False
    errors: list[str] = field(default_factory=list)


def _is_transient(error: Exception) -> bool:
    """RFC 5321 section 4.2.1: 4yz replies are transient, 5yz permanent; a lost or refused
    connection (``OSError``, ``SMTPServerDisconnected``) is transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def _backoff(attempts: int) -> timedelta:
    cfg = config()
    return timedelta(seconds=min(cfg.backoff_seconds * 2 ** max(attempts - 1, 0), cfg.backoff_max_seconds))


def sends_claim(*, campaign_id: int, limit: int, now: datetime) -> tuple[str, list[CampaignSend]]:
    """Claim up to ``limit`` due queued rows for a new token; returns ``(token, rows)``.

    One conditional UPDATE takes them (``status=queued`` and no live claim), so two workers never
    hold the same row; on PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED`` so workers
    take different rows instead of queueing behind each other."""
    token = secrets.token_hex(16)
    lease = config().claim_lease
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    with transaction.atomic():
        candidates = CampaignSend.objects.filter(
            free, campaign_id=campaign_id, status=SendStatus.QUEUED, next_attempt_at__lte=now
        ).order_by("id")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        CampaignSend.objects.filter(free, id__in=ids, status=SendStatus.QUEUED).update(
            claim_token=token, claimed_until=now + lease
        )
    return token, list(CampaignSend.objects.filter(claim_token=token, status=SendStatus.QUEUED).order_by("id"))


def _release(token: str) -> None:
    CampaignSend.objects.filter(claim_token=token, status=SendStatus.QUEUED).update(claim_token="", claimed_until=None)


def _finish_if_done(campaign_id: int, now: datetime) -> bool:
    """``sending`` → ``sent`` once no row is queued and none is being sent right now (uncertain
    rows do not hold a campaign open: staff see them)."""
    live_sending = CampaignSend.objects.filter(
        campaign_id=campaign_id, status=SendStatus.SENDING, sending_at__gte=now - config().sending_lease
    )
    with transaction.atomic():
        if (
            CampaignSend.objects.filter(campaign_id=campaign_id, status=SendStatus.QUEUED).exists()
            or live_sending.exists()
        ):
            return False
        return bool(
            Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).update(
                status=CampaignStatus.SENT, finished_at=now, updated_at=now
            )
        )


def build_message(
    *, send: CampaignSend, prepared: rendering.PreparedMail, track: bool, from_email: str, cfg=None
) -> tuple[CampaignEmail, str]:
    """The :class:`communications.mime.CampaignEmail` of one send row (subject, text, inlined HTML) with the
    RFC 8058 headers: ``List-Unsubscribe: <https://…>, <mailto:…?subject=unsubscribe>`` and
    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, and a fresh ``Message-ID``."""
    cfg = cfg or config()
    token = links.unsubscribe_token(send.pk)
    unsubscribe = links.unsubscribe_url(send.pk, token)
    values = {
        "first_name": send.first_name,
        "last_name": send.last_name,
        "full_name": " ".join(part for part in (send.first_name, send.last_name) if part),
        "email": send.email,
        "unsubscribe_url": unsubscribe,
        "preferences_url": links.preferences_url(send.pk, prepared.language, token),
        "site_url": site_url(),
    }
    if track:
        subject, text, html = prepared.personalise(
            values, click_url=lambda index: links.click_url(send.pk, index), open_url=links.open_url(send.pk)
        )
    else:
        subject, text, html = prepared.personalise(values)
    message_id = make_msgid(domain=bare_address(from_email).rpartition("@")[2] or "localhost")
    message = CampaignEmail(
        subject=subject,
        body=text,
        from_email=from_email,
        to=[send.email],
        headers={
            "Message-ID": message_id,
            # Folded after the comma (RFC 5322 section 2.2.3): one line would pass 78 characters.
            "List-Unsubscribe": f"<{unsubscribe}>,\r\n <mailto:{cfg.unsubscribe_mailto}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Magnetiq-Campaign": str(send.campaign_id),
        },
    )
    message.attach_alternative(html, "text/html")
    return message, message_id


def campaign_process(
    *,
    campaign_id: int,
    max_messages: int | None = None,
    deadline: float | None = None,
    progress: Callable[[ProcessResult], None] | None = None,
) -> ProcessResult:
    """Send a ``sending`` campaign's due recipients, batch by batch (see the module docstring).

    ``max_messages``: stop after this many attempts; ``deadline``: a ``time.monotonic()`` value
    after which no new batch starts. The campaign's ``send_rate`` (messages per minute) paces the
    sends. ``progress`` is called after every batch. Finishes the campaign (``sent``) when nothing
    is left to send; pauses it after ``PAUSE_AFTER_FAILURES`` failed sends in a row. SMTP errors
    are recorded on the rows, never raised; anything else (a bug, the database gone) propagates and
    leaves at most the row in flight ``sending`` (then "uncertain").
    """
    assert_no_transaction("SMTP")
    cfg = config()
    result = ProcessResult()
    campaign = Campaign.objects.select_related("template").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return result
    interval = 60.0 / campaign.send_rate
    started = time.monotonic()
    prepared: dict[str, rendering.PreparedMail] = {}
    template = campaign.template
    # One SMTP connection for the run, opened with the first batch and kept for the next ones
    # (a new one after a lost connection); closed when the run ends, whatever ends it.
    connection = get_connection()
    try:
        _process_batches(
            campaign, connection, cfg, result, prepared, template, interval, started, max_messages, deadline, progress
        )
    finally:
        connection.close()
    return result


def _process_batches(
    campaign, connection, cfg, result, prepared, template, interval, started, max_messages, deadline, progress
) -> None:
    campaign_id = campaign.pk
    attempted = 0
    failures_in_row = campaign.consecutive_failures
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            break
        budget = cfg.batch_size if max_messages is None else min(cfg.batch_size, max_messages - attempted)
        if budget <= 0:
            break
        if not Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).exists():
            break
        now = timezone.now()
        token, batch = sends_claim(campaign_id=campaign_id, limit=budget, now=now)
        if not batch:
            result.finished = _finish_if_done(campaign_id, now)
            break
        delivered: int | None = None  # the row last handed to SMTP, recorded with the next one
        try:
            if getattr(connection, "connection", None) is None:
                connection.open()
            for send in batch:
                if attempted and interval * attempted > time.monotonic() - started:
                    time.sleep(interval * attempted - (time.monotonic() - started))
                language = send.language if send.language in (template.body or {}) else "en"
                if language not in prepared:
                    prepared[language] = rendering.prepare(
                        subject=template.subject, body=template.body, preheader=template.preheader, language=language
                    )
                message, message_id = build_message(
                    send=send, prepared=prepared[language], track=campaign.track, from_email=cfg.from_email, cfg=cfg
                )
                now = timezone.now()
                # One statement records the previous message as sent and claims this one for SMTP.
                if delivered is not None:
                    claimed = _mark_sent_and_sending(delivered, send.pk, token, message_id, now)
                    delivered = None
                else:
                    claimed = _mark_sending(send.pk, token, message_id, now)
                if not claimed:
                    continue
                attempted += 1
                try:
                    _deliver(connection, message)
                except (smtplib.SMTPException, OSError) as error:
                    failures_in_row += 1
                    _record_failure(send, error, result)
                    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                        connection.close()
                        connection.open()
                    if failures_in_row >= cfg.pause_after_failures:
                        reason = _("Paused after %(n)d failed sends in a row; last error: %(error)s") % {
                            "n": failures_in_row,
                            "error": str(error)[:300],
                        }
                        Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).update(
                            status=CampaignStatus.PAUSED, pause_reason=reason, updated_at=timezone.now()
                        )
                        result.paused = True
                        break
                    continue
                delivered = send.pk
                failures_in_row = 0
                result.sent += 1
                # A pause or cancel by staff takes effect within 20 messages, not at the batch's end.
                if attempted % 20 == 0 and not _still_sending(campaign_id):
                    break
        finally:
            # Only after a clean end of the loop: a worker that dies mid-send leaves its last
            # message "sending" (uncertain), never recorded as sent without knowing.
            if delivered is not None and sys.exc_info()[0] is None:
                _mark_sent(delivered, timezone.now())
                delivered = None
            _release(token)
            Campaign.objects.filter(pk=campaign_id).update(consecutive_failures=failures_in_row)
        if progress:
            progress(result)
        if result.paused:
            break


# The two writes every message costs, as plain SQL: the ORM's query building would cost more than
# the SMTP conversation itself on loopback (bench/scenarios.py "campaign"). Both are conditional, so
# only the lease holder moves a row and a row moves forward only.
_SENDING_SQL = (
    "UPDATE {table} SET status = %s, sending_at = %s, attempts = attempts + 1, message_id = %s "
    "WHERE id = %s AND claim_token = %s AND status = %s"
)
_SENT_SQL = (
    "UPDATE {table} SET status = %s, sent_at = %s, claim_token = '', claimed_until = NULL, last_error = '' "
    "WHERE id = %s AND status = %s"
)


def _mark_sending(send_id: int, token: str, message_id: str, now: datetime) -> bool:
    """``queued`` → ``sending`` for the holder of ``token``; ``False`` when the row is no longer ours."""
    table = db_connection.ops.quote_name(CampaignSend._meta.db_table)
    with db_connection.cursor() as cursor:
        cursor.execute(
            _SENDING_SQL.format(table=table),
            [
                SendStatus.SENDING.value,
                db_connection.ops.adapt_datetimefield_value(now),
                message_id,
                send_id,
                token,
                SendStatus.QUEUED.value,
            ],
        )
        return cursor.rowcount == 1


_SENT_AND_SENDING_SQL = (
    "UPDATE {table} SET "
    "status = CASE WHEN id = %s THEN %s ELSE %s END, "
    "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
    "claim_token = CASE WHEN id = %s THEN '' ELSE claim_token END, "
    "claimed_until = CASE WHEN id = %s THEN NULL ELSE claimed_until END, "
    "last_error = CASE WHEN id = %s THEN '' ELSE last_error END, "
    "sending_at = CASE WHEN id = %s THEN %s ELSE sending_at END, "
    "attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END, "
    "message_id = CASE WHEN id = %s THEN %s ELSE message_id END "
    "WHERE (id = %s AND status = %s) OR (id = %s AND claim_token = %s AND status = %s) "
    "RETURNING id"
)


def _mark_sent_and_sending(sent_id: int, send_id: int, token: str, message_id: str, now: datetime) -> bool:
    """:func:`_mark_sent` of ``sent_id`` and :func:`_mark_sending` of ``send_id`` as one statement
    (one commit); returns whether ``send_id`` is now ours to send."""
    table = db_connection.ops.quote_name(CampaignSend._meta.db_table)
    at = db_connection.ops.adapt_datetimefield_value(now)
    sending, sent, queued = SendStatus.SENDING.value, SendStatus.SENT.value, SendStatus.QUEUED.value
    with db_connection.cursor() as cursor:
        cursor.execute(
            _SENT_AND_SENDING_SQL.format(table=table),
            [
                sent_id, sent, sending,
                sent_id, at,
                sent_id,
                sent_id,
                sent_id,
                send_id, at,
                send_id,
                send_id, message_id,
                sent_id, sending, send_id, token, queued,
            ],
        )  # fmt: skip
        return any(row[0] == send_id for row in cursor.fetchall())


def _mark_sent(send_id: int, now: datetime) -> None:
    table = db_connection.ops.quote_name(CampaignSend._meta.db_table)
    with db_connection.cursor() as cursor:
        cursor.execute(
            _SENT_SQL.format(table=table),
            [
                SendStatus.SENT.value,
                db_connection.ops.adapt_datetimefield_value(now),
                send_id,
                SendStatus.SENDING.value,
            ],
        )


def _deliver(connection, message: CampaignEmail) -> None:
    """Hand one message to SMTP over the open ``connection``. With Django's own SMTP backend the
    prepared bytes go straight to its ``smtplib`` connection (the addresses were validated when the
    lead was captured, so the backend's per-message address parsing is skipped); any other backend
    (a subclass, locmem in tests, console) gets ``send_messages`` as usual."""
    if type(connection) is SMTPBackend and connection.connection is not None:
        connection.connection.sendmail(
            message.from_email_address, message.to, message.message().as_bytes(linesep="\r\n")
        )
        return
    connection.send_messages([message])


def _still_sending(campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).exists()


def _record_failure(send: CampaignSend, error: Exception, result: ProcessResult) -> None:
    cfg = config()
    attempts = CampaignSend.objects.filter(pk=send.pk).values_list("attempts", flat=True).first() or 1
    text = f"{type(error).__name__}: {error}"[:2000]
    result.errors.append(text)
    if _is_transient(error) and attempts < cfg.max_attempts:
        CampaignSend.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(
            status=SendStatus.QUEUED,
            next_attempt_at=timezone.now() + _backoff(attempts),
            claim_token="",
            claimed_until=None,
            sending_at=None,
            last_error=text,
        )
        result.retried += 1
    else:
        CampaignSend.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(
            status=SendStatus.FAILED, claim_token="", claimed_until=None, last_error=text
        )
        result.failed += 1


def campaigns_start_due(*, now=None) -> list[Campaign]:
    """Start every scheduled campaign whose time has come (idempotent; cron-safe)."""
    now = now or timezone.now()
    started = []
    for campaign_id in Campaign.objects.due(now).values_list("pk", flat=True):
        try:
            started.append(campaign_start(campaign_id=campaign_id, now=now))
        except CampaignStateError:
            # Started (or cancelled) by another run between the listing and the lock.
            continue
    return started


def campaigns_run(
    *, seconds: float = 55.0, progress: Callable[[int, ProcessResult], None] | None = None
) -> dict[int, ProcessResult]:
    """One worker run (``manage.py send_campaigns``, the cron entry, the task): start the due
    campaigns, then send for each ``sending`` one until ``seconds`` have passed. Returns the result
    per campaign id."""
    campaigns_start_due()
    deadline = time.monotonic() + seconds
    results = {}
    for campaign_id in Campaign.objects.sending().order_by("started_at", "id").values_list("pk", flat=True):
        if time.monotonic() >= deadline:
            break
        results[campaign_id] = campaign_process(
            campaign_id=campaign_id,
            deadline=deadline,
            progress=functools.partial(progress, campaign_id) if progress else None,
        )
    return results


# --- tracking and unsubscribe ---------------------------------------------------------------------


def _send_or_404(send_id: int) -> CampaignSend:
    send = CampaignSend.objects.select_related("campaign", "campaign__template").filter(pk=send_id).first()
    if send is None:
        raise InvalidTrackingLink()
    return send


def send_record_open(*, token: str) -> bool:
    """The tracking pixel was loaded: the first time, set ``opened_at`` and add an ``email_open``
    event to the lead's score ledger; returns whether it was recorded. Nothing for a campaign
    without tracking, a bad token or a send row that is gone (the pixel is answered anyway, so a
    mail program never shows a broken image)."""
    send_id = links.open_send_id(token)
    send = CampaignSend.objects.select_related("campaign", "lead").filter(pk=send_id).first() if send_id else None
    if send is None or not send.campaign.track:
        return False
    with transaction.atomic():
        first = CampaignSend.objects.filter(pk=send.pk, opened_at__isnull=True).update(opened_at=timezone.now())
        lead = send.lead
        if first and lead is not None and not lead.is_erased:
            lead_record_action(
                lead=lead,
                action=LeadAction.EMAIL_OPEN,
                subject=send.campaign,
                data={"campaign_id": send.campaign_id},
            )
    return bool(first)


def send_record_click(*, token: str) -> str:
    """A tracked link was followed: returns the address to redirect to — only an ``http(s)`` link
    of the campaign's template (by its index in :attr:`PreparedMail.links`). The first click sets
    ``clicked_at`` and adds an ``email_click`` event. Raises :class:`InvalidTrackingLink` (404)."""
    send_id, index = links.click_target(token)
    send = _send_or_404(send_id)
    template = send.campaign.template
    language = send.language if send.language in (template.body or {}) else "en"
    targets = rendering.prepare(
        subject=template.subject, body=template.body, preheader=template.preheader, language=language
    ).links
    if not 0 <= index < len(targets):
        raise InvalidTrackingLink()
    if send.campaign.track:
        with transaction.atomic():
            first = CampaignSend.objects.filter(pk=send.pk, clicked_at__isnull=True).update(clicked_at=timezone.now())
            lead = send.lead
            if first and lead is not None and not lead.is_erased:
                lead_record_action(
                    lead=lead,
                    action=LeadAction.EMAIL_CLICK,
                    subject=send.campaign,
                    data={"campaign_id": send.campaign_id, "url": targets[index][:500]},
                )
    return targets[index]


def unsubscribe_recipient(*, token: str, source: str = "one_click") -> str | None:
    """Put the address of an unsubscribe token on the do-not-contact list (reason
    ``unsubscribed``); returns the address, or ``None`` when its send row is gone (the GDPR erasure
    already listed its hash). Idempotent. Raises :class:`InvalidTrackingLink` (404)."""
    send_id = links.unsubscribe_send_id(token)
    email = CampaignSend.objects.filter(pk=send_id).values_list("email", flat=True).first()
    if email is None:
        return None
    do_not_contact_add(email=email, reason=DoNotContactReason.UNSUBSCRIBED, source=source)
    return email


def preferences_save(*, token: str, subscribed: bool) -> str | None:
    """The preference page's choice: ``subscribed=False`` unsubscribes (as
    :func:`unsubscribe_recipient`); ``True`` lifts an earlier unsubscribe (never a bounce, a
    complaint or a staff entry). Returns the address, ``None`` when the send row is gone."""
    if not subscribed:
        return unsubscribe_recipient(token=token, source="preference_page")
    send_id = links.unsubscribe_send_id(token)
    email = CampaignSend.objects.filter(pk=send_id).values_list("email", flat=True).first()
    if email is None:
        return None
    do_not_contact_remove(email=email, reasons=[DoNotContactReason.UNSUBSCRIBED])
    return email


# --- other apps' events ---------------------------------------------------------------------------


@transaction.atomic
def brevo_event_apply(*, email: str, reason: str, event_type: str, message_id: str = "") -> None:
    """A suppressing Brevo event (``communications.receivers``): list the address with ``reason``
    (source ``brevo``) and note the event on the send row of ``message_id``, if it is ours."""
    do_not_contact_add(email=email, reason=reason, source="brevo", note=f"Brevo {event_type}"[:500])
    if message_id:
        CampaignSend.objects.filter(message_id=message_id).update(last_error=f"Brevo: {event_type}"[:2000])


def campaign_sends_erase(*, lead_id: int, email: str) -> int:
    """GDPR erasure: delete every send row of the lead or the address; returns how many. Runs in
    the erasure's transaction."""
    return CampaignSend.objects.filter(Q(lead_id=lead_id) | Q(email=email.strip().lower())).delete()[0]
