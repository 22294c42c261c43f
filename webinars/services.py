"""Every write to webinars and registrations goes through here (the services room of ``docs/architecture.md``).

The admin, the public/business/admin API, the pages and the commands call these functions, so the
rules hold whichever door a change comes through:

- a webinar never has more ``registered`` people than ``capacity``, even under simultaneous
  registrations: each registration, cancellation and capacity change runs in a transaction that
  first locks the webinar row (:func:`_lock_webinar`; ``SELECT … FOR UPDATE`` on PostgreSQL, the
  IMMEDIATE transaction's write lock on SQLite) and counts seats under that lock;
- a full webinar puts newcomers on the waiting list in arrival order; a freed seat goes to the
  first person waiting, in the same transaction;
- one active registration per (webinar, e-mail), also enforced by a conditional unique constraint;
- e-mails are sent by tasks enqueued after commit (``webinars.tasks``), each at most once.

Every state change is written to the audit trail with ``log_action``.
"""

import logging
from datetime import datetime
from functools import partial, wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import CONSENT_WORDING_VERSION
from leads.services import lead_capture, lead_record_action
from magnetiq.audit import log_action
from magnetiq.exceptions import Busy, InvalidInput
from magnetiq.slugs import unique_slug

from . import notifications
from .exceptions import (
    AlreadyRegistered,
    InvalidRegistrationState,
    WebinarClosed,
    WebinarDeleted,
    WebinarNotFound,
)
from .models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus

logger = logging.getLogger(__name__)

#: Fields a caller may set through create/update, in the staff API's order (which names the
#: speaker ``speaker_id``). ``sequence``, timestamps and counters are ours.
WEBINAR_EDITABLE_FIELDS = (
    "title",
    "description",
    "slug",
    "speaker",
    "starts_at",
    "timezone",
    "duration_minutes",
    "capacity",
    "price",
    "currency",
    "tags",
    "language",
    "status",
    "meeting_link",
    "is_featured",
)
EDITABLE_FIELDS = frozenset(WEBINAR_EDITABLE_FIELDS)
TIME_FIELDS = ("starts_at", "duration_minutes")

# --- locking ----------------------------------------------------------------------------------


def _lock_webinar(pk: int) -> Webinar:
    """The webinar row, locked until the surrounding transaction ends (pretix ``lock_objects``).

    Refuses to run outside ``transaction.atomic`` (a lock released at once protects nothing).
    PostgreSQL waits at most 10 s for the lock; SQLite's IMMEDIATE transactions already hold the
    database's write lock (busy timeout 20 s). A timeout becomes :class:`Busy` ("retry").
    """
    if not connection.in_atomic_block:
        raise RuntimeError("_lock_webinar() must run inside transaction.atomic().")
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '10s'")
        return Webinar.objects.select_for_update().get(pk=pk)
    except Webinar.DoesNotExist:
        raise WebinarNotFound() from None
    except OperationalError as exc:
        raise Busy() from exc


def _atomic_or_busy(func):
    """Run ``func`` in its own transaction; a write lock that cannot be had becomes :class:`Busy`."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "lock timeout" in str(exc).lower():
                raise Busy() from exc
            raise

    return wrapper


# --- webinars ---------------------------------------------------------------------------------


def webinar_unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """``ai-in-manufacturing``, or ``…-2``, ``-3``… when taken (deleted webinars keep theirs)."""
    return unique_slug(Webinar.objects.all(), title, fallback="webinar", exclude_pk=exclude_pk)


def _check_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if isinstance(data.get("tags"), list):
        seen: set[str] = set()
        tags = []
        for tag in data["tags"]:
            if isinstance(tag, str):
                tag = tag.strip()
                if tag.lower() in seen:
                    continue
                seen.add(tag.lower())
            tags.append(tag)
        data["tags"] = tags
    if isinstance(data.get("currency"), str):
        data["currency"] = data["currency"].strip().upper()
    return data


@transaction.atomic
def webinar_create(
    *, title: dict, speaker, starts_at: datetime, actor=None, now: datetime | None = None, **fields: Any
) -> Webinar:
    """Create a webinar (status ``draft`` unless given); the slug comes from the English title.

    ``fields``: any of :data:`EDITABLE_FIELDS`. ``status="published"`` publishes at once (sets
    ``published_at``). Raises ``ValidationError`` per field (422 in the API).
    """
    data = _normalise({"title": title, "speaker": speaker, "starts_at": starts_at, **fields})
    _check_fields(data)
    webinar = Webinar()
    for name, value in data.items():
        setattr(webinar, name, value)
    if not webinar.slug:
        webinar.slug = webinar_unique_slug(webinar.title_en)
    if webinar.status == WebinarStatus.PUBLISHED:
        webinar.published_at = now or timezone.now()
    webinar.full_clean()
    webinar.save()
    log_action(webinar, "webinars.webinar.created", actor=actor, data={"status": webinar.status})
    logger.info("webinar.created id=%s slug=%s", webinar.pk, webinar.slug)
    return webinar


@_atomic_or_busy
def webinar_update(*, webinar: Webinar, data: dict[str, Any], actor=None, now: datetime | None = None) -> Webinar:
    """Change the given fields of a webinar and return it.

    A changed start or duration raises the ICS ``SEQUENCE``, re-arms reminders that now lie in the
    future and sends every registered person an updated invite. A raised capacity gives free seats
    to the waiting list. ``status`` goes through :func:`webinar_publish` / :func:`webinar_cancel`
    (so cancelling notifies people). Raises ``ValidationError`` per field, :class:`WebinarDeleted`.
    """
    now = now or timezone.now()
    data = _normalise(data)
    _check_fields(data)
    locked = _lock_webinar(webinar.pk)
    if locked.deleted_at is not None:
        raise WebinarDeleted()
    new_status = data.pop("status", None)
    before = {name: getattr(locked, name) for name in (*TIME_FIELDS, "capacity")}
    for name, value in data.items():
        setattr(locked, name, value)
    if "slug" in data and not locked.slug:
        locked.slug = webinar_unique_slug(locked.title_en, exclude_pk=locked.pk)
    time_changed = any(getattr(locked, name) != before[name] for name in TIME_FIELDS)
    if time_changed:
        locked.sequence += 1
    locked.full_clean()
    locked.save()
    changed = sorted(name for name in data if name in before and getattr(locked, name) != before[name])
    log_action(locked, "webinars.webinar.updated", actor=actor, data={"fields": sorted(data), "changed": changed})

    if time_changed:
        _rearm_reminders(locked, now)
        registered_ids = list(locked.registrations.registered().values_list("pk", flat=True))
        sequence = locked.sequence
        for pk in registered_ids:
            transaction.on_commit(partial(notifications.enqueue_reschedule, pk, sequence))
        log_action(locked, "webinars.webinar.rescheduled", actor=actor, data={"sequence": sequence})
    if locked.capacity > before["capacity"]:
        _fill_free_seats(locked, actor=actor, now=now)

    if new_status is not None and new_status != locked.status:
        if new_status == WebinarStatus.PUBLISHED:
            locked = webinar_publish(webinar=locked, actor=actor, now=now)
        elif new_status == WebinarStatus.CANCELLED:
            locked = webinar_cancel(webinar=locked, actor=actor, now=now)
        else:
            if new_status not in WebinarStatus.values:
                raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": new_status}})
            previous = locked.status
            locked.status = new_status
            locked.save(update_fields=["status", "updated_at"])
            log_action(
                locked, "webinars.webinar.status_changed", actor=actor, data={"from": previous, "to": new_status}
            )
    webinar.refresh_from_db()
    return locked


def _rearm_reminders(webinar: Webinar, now: datetime) -> None:
    """After a time change, a reminder whose moment is still ahead must go out again."""
    fields = {
        f"{kind.field}": None
        for kind in notifications.REMINDERS
        if kind.before is not None and webinar.starts_at - kind.before > now
    }
    if fields:
        webinar.registrations.update(**fields)


@transaction.atomic
def webinar_publish(*, webinar: Webinar, actor=None, now: datetime | None = None) -> Webinar:
    """Make a draft (or completed) webinar public. Cancelled or deleted ones cannot be published (400)."""
    locked = _lock_webinar(webinar.pk)
    if locked.deleted_at is not None:
        raise WebinarDeleted()
    if locked.status == WebinarStatus.CANCELLED:
        raise WebinarClosed(_("A cancelled webinar cannot be published again."), code="WEBINAR_CANCELLED")
    if locked.status != WebinarStatus.PUBLISHED:
        locked.status = WebinarStatus.PUBLISHED
        locked.published_at = locked.published_at or now or timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
        log_action(locked, "webinars.webinar.published", actor=actor)
    return locked


@transaction.atomic
def webinar_cancel(*, webinar: Webinar, actor=None, now: datetime | None = None) -> Webinar:
    """Cancel a webinar: every registered and waitlisted person gets a cancellation e-mail (with an
    ICS ``METHOD:CANCEL`` for those holding a seat). Registrations keep their status for the record.
    Idempotent."""
    locked = _lock_webinar(webinar.pk)
    if locked.status == WebinarStatus.CANCELLED:
        return locked
    locked.status = WebinarStatus.CANCELLED
    locked.cancelled_at = now or timezone.now()
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    ids = list(locked.registrations.active().values_list("pk", flat=True))
    for pk in ids:
        transaction.on_commit(partial(notifications.enqueue, pk, "webinar_cancelled"))
    log_action(locked, "webinars.webinar.cancelled", actor=actor, data={"notified": len(ids)})
    logger.info("webinar.cancelled id=%s notified=%s", locked.pk, len(ids))
    return locked


@transaction.atomic
def webinar_delete(*, webinar: Webinar, actor=None, now: datetime | None = None) -> Webinar:
    """Soft-delete (404 everywhere afterwards). A published webinar still ahead is cancelled first,
    so its registrants hear about it. Idempotent."""
    now = now or timezone.now()
    locked = _lock_webinar(webinar.pk)
    if locked.deleted_at is not None:
        return locked
    if locked.status == WebinarStatus.PUBLISHED and locked.starts_at > now:
        locked = webinar_cancel(webinar=locked, actor=actor, now=now)
    locked.deleted_at = now
    locked.is_featured = False
    locked.save(update_fields=["deleted_at", "is_featured", "updated_at"])
    log_action(locked, "webinars.webinar.deleted", actor=actor)
    return locked


# --- registrations ----------------------------------------------------------------------------


@_atomic_or_busy
def webinar_register(
    *,
    webinar: Webinar,
    email: str,
    first_name: str,
    last_name: str,
    consent_terms: bool,
    consent_marketing: bool = False,
    company: str = "",
    job_title: str = "",
    phone: str = "",
    website: str = "",
    questions: str = "",
    language: str = "en",
    consent_version: str = CONSENT_WORDING_VERSION,
    actor=None,
    now: datetime | None = None,
) -> WebinarRegistration:
    """Register someone for a published, upcoming webinar; a seat if one is free, else the waiting list.

    Returns the registration: ``status`` ``registered`` or ``waitlisted`` (``waitlist_position``
    from 1). The person also becomes (or updates) a lead (source ``webinar``) with the action
    ``webinar_registration``. A confirmation with an ICS invite, or a waiting-list notice, is
    e-mailed after commit.

    Raises :class:`InvalidInput` (422: terms not accepted, invalid fields), :class:`AlreadyRegistered`
    (409: an active registration with this e-mail), :class:`WebinarClosed` (400: cancelled, started,
    finished or unpublished), :class:`WebinarNotFound` (404: deleted), :class:`Busy` (lock timeout).
    """
    now = now or timezone.now()
    if not consent_terms:
        message = str(_("You must accept the terms to register."))
        raise InvalidInput(message, details=[{"field": "consent_terms", "message": message, "code": "required"}])
    locked = _lock_webinar(webinar.pk)
    _ensure_open(locked, now)
    email = (email or "").strip().lower()
    if locked.registrations.active().filter(email__iexact=email).exists():
        raise AlreadyRegistered(details=[{"field": "email", "message": AlreadyRegistered.message, "code": "taken"}])

    has_seat = locked.registrations.registered().count() < locked.capacity
    registration = WebinarRegistration(
        webinar=locked,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        company=(company or "").strip(),
        job_title=(job_title or "").strip(),
        phone=(phone or "").strip(),
        website=(website or "").strip(),
        questions=(questions or "").strip(),
        language=language if language in ("en", "de") else "en",
        consent_terms=True,
        consent_terms_at=now,
        consent_marketing=bool(consent_marketing),
        consent_marketing_at=now if consent_marketing else None,
        consent_version=consent_version,
        status=RegistrationStatus.REGISTERED if has_seat else RegistrationStatus.WAITLISTED,
        reschedule_sequence_sent=locked.sequence,
    )
    try:
        registration.full_clean(exclude=["webinar", "lead"], validate_constraints=False)
    except ValidationError as exc:
        raise _as_invalid(exc) from None

    lead = lead_capture(
        email=email,
        first_name=registration.first_name,
        last_name=registration.last_name,
        company=registration.company,
        website=registration.website,
        phone=registration.phone,
        language=registration.language,
        source="webinar",
        consent_terms=True,
        consent_marketing=registration.consent_marketing,
        consent_version=consent_version,
        actor=actor,
    )
    registration.lead = lead
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # The constraint caught what the check above could not see (should not happen under the lock).
        raise AlreadyRegistered() from None
    lead_record_action(
        lead=lead,
        action="webinar_registration",
        subject=registration,
        data={"webinar_id": locked.pk, "status": registration.status},
        occurred_at=now,
    )
    position = registration.waitlist_position
    log_action(
        registration,
        "webinars.registration.created",
        actor=actor,
        data={"webinar_id": locked.pk, "status": registration.status, "waitlist_position": position},
    )
    kind = "confirmation" if has_seat else "waitlist"
    transaction.on_commit(lambda: notifications.enqueue(registration.pk, kind))
    logger.info(
        "webinar.registration id=%s webinar=%s status=%s position=%s",
        registration.pk,
        locked.pk,
        registration.status,
        position,
    )
    registration.webinar = locked
    return registration


def _ensure_open(webinar: Webinar, now: datetime) -> None:
    if webinar.deleted_at is not None:
        raise WebinarNotFound()
    if webinar.status == WebinarStatus.CANCELLED:
        raise WebinarClosed(_("This webinar has been cancelled."), code="WEBINAR_CANCELLED")
    if webinar.status != WebinarStatus.PUBLISHED:
        raise WebinarClosed(_("This webinar is not open for registration."), code="WEBINAR_NOT_OPEN")
    if webinar.starts_at <= now:
        raise WebinarClosed(_("This webinar has already started or taken place."), code="WEBINAR_PAST")


def _as_invalid(exc: ValidationError) -> InvalidInput:
    details = [
        {"field": field, "message": message, "code": "invalid"}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return InvalidInput(details[0]["message"] if details else None, details=details)


@_atomic_or_busy
def webinar_registration_cancel(
    *, registration: WebinarRegistration, actor=None, now: datetime | None = None
) -> WebinarRegistration:
    """Cancel a registration (visitor link, staff, admin action). Idempotent.

    A freed seat goes to the first person on the waiting list in the same transaction; they get a
    promotion e-mail with the invite. The canceller gets a cancellation e-mail. Returns the
    cancelled registration.
    """
    now = now or timezone.now()
    locked_webinar = _lock_webinar(registration.webinar_id)
    current = WebinarRegistration.objects.select_for_update().get(pk=registration.pk)
    if current.status == RegistrationStatus.CANCELLED:
        return current
    held_seat = current.status == RegistrationStatus.REGISTERED
    previous = current.status
    current.status = RegistrationStatus.CANCELLED
    current.cancelled_at = now
    current.save(update_fields=["status", "cancelled_at", "updated_at"])
    log_action(
        current,
        "webinars.registration.cancelled",
        actor=actor,
        data={"webinar_id": locked_webinar.pk, "previous_status": previous},
    )
    transaction.on_commit(lambda: notifications.enqueue(current.pk, "cancellation"))
    if held_seat and locked_webinar.is_open_for_registration(now):
        _fill_free_seats(locked_webinar, actor=actor, now=now)
    return current


def _fill_free_seats(webinar: Webinar, *, actor, now: datetime) -> list[WebinarRegistration]:
    """Promote people from the waiting list, first come first served, while seats are free.

    Runs under the webinar lock taken by the caller.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("_fill_free_seats() must run inside transaction.atomic().")
    free = webinar.capacity - webinar.registrations.registered().count()
    if free <= 0 or not webinar.is_open_for_registration(now):
        return []
    promoted = list(webinar.registrations.waitlisted().select_for_update()[:free])
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        log_action(registration, "webinars.registration.promoted", actor=actor, data={"webinar_id": webinar.pk})
        transaction.on_commit(partial(notifications.enqueue, registration.pk, "promotion"))
    return promoted


@transaction.atomic
def webinar_mark_attended(
    *, registration: WebinarRegistration, attended: bool = True, actor=None, now: datetime | None = None
) -> WebinarRegistration:
    """Record that a registered person attended (lead action ``webinar_attendance``) or undo it.

    Only ``registered`` people can attend (400 :class:`InvalidRegistrationState` otherwise);
    marking twice records the attendance once.
    """
    now = now or timezone.now()
    current = WebinarRegistration.objects.select_for_update().get(pk=registration.pk)
    if current.status != RegistrationStatus.REGISTERED:
        raise InvalidRegistrationState(_("Only registered people (not waitlisted or cancelled) can attend."))
    if current.attended == attended:
        return current
    current.attended = attended
    current.attended_at = now if attended else None
    current.save(update_fields=["attended", "attended_at", "updated_at"])
    if attended and current.lead is not None and not current.lead.is_erased:
        lead_record_action(
            lead=current.lead,
            action="webinar_attendance",
            subject=current,
            data={"webinar_id": current.webinar_id},
            occurred_at=now,
        )
    log_action(
        current,
        "webinars.registration.attended" if attended else "webinars.registration.attendance_removed",
        actor=actor,
        data={"webinar_id": current.webinar_id},
    )
    return current


# --- reminders --------------------------------------------------------------------------------


def webinar_send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Send every reminder that is due now (7 days, 1 day and 1 hour before the start).

    Safe to run from cron every minute and from several processes at once: each reminder is
    claimed by a conditional UPDATE of its ``*_sent_at`` from NULL before it is sent, so it goes
    out once; a failed send releases the claim for the next run. Returns ``{"sent": n,
    "failed": n}``.
    """
    now = now or timezone.now()
    sent = failed = 0
    for kind in notifications.REMINDERS:
        for pk in notifications.due_reminder_ids(kind, now):
            try:
                if notifications.deliver(pk, kind.name, now=now):
                    sent += 1
            except Exception:  # one bad address must not stop the others
                logger.exception("webinar.reminder_failed registration=%s kind=%s", pk, kind.name)
                failed += 1
    return {"sent": sent, "failed": failed}


# --- GDPR -------------------------------------------------------------------------------------


@transaction.atomic
def webinar_registrations_erase(*, email: str, actor=None, now: datetime | None = None) -> int:
    """Erase the personal data of every registration of ``email`` (GDPR, via ``leads.lead_erased``).

    Names, contact fields and questions are blanked and the address replaced by
    ``erased-<id>@erased.invalid``; status, attendance and times stay, so counts stay right. A
    registration for a webinar still ahead is cancelled without an e-mail (the address must not
    be used again) and its seat goes to the waiting list. Returns how many were erased.
    """
    now = now or timezone.now()
    email = (email or "").strip()
    webinar_ids = sorted(
        set(WebinarRegistration.objects.filter(email__iexact=email).values_list("webinar_id", flat=True))
    )
    erased = 0
    for webinar_id in webinar_ids:
        webinar = _lock_webinar(webinar_id)
        freed = False
        for registration in webinar.registrations.select_for_update().filter(email__iexact=email):
            if registration.status != RegistrationStatus.CANCELLED and webinar.starts_at > now:
                freed = freed or registration.status == RegistrationStatus.REGISTERED
                registration.status = RegistrationStatus.CANCELLED
                registration.cancelled_at = now
                registration.cancellation_sent_at = now  # claimed: nothing is sent to an erased address
            registration.email = f"erased-{registration.pk}@erased.invalid"
            for field in ("first_name", "last_name", "company", "job_title", "phone", "website", "questions"):
                setattr(registration, field, "")
            registration.save()
            log_action(registration, "webinars.registration.erased", actor=actor, data={"webinar_id": webinar_id})
            erased += 1
        if freed:
            _fill_free_seats(webinar, actor=actor, now=now)
    return erased
