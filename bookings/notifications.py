"""The e-mails (and other after-commit side effects) of bookings, each done at most once.

Receivers of ``bookings.signals`` (sent after commit) only enqueue django-tasks tasks that take ids;
every task is idempotent. Each e-mail has a claim that says it was handed over:

- the confirmation, the reminders and the follow-up: the booking's ``*_sent_at`` field, set from
  NULL by a conditional UPDATE (``filter(pk=…, confirmation_sent_at__isnull=True).update(…) == 1``);
- a reschedule, a cancellation, the hold-expired notice, the payment link and the consultant's
  copies: the unique ``BookingNotification(booking, kind, sequence)`` row, where ``sequence`` is
  the booking's ICS sequence of the change (so each reschedule is told once).

A task reads the claim (already sent: nothing to do), then records the e-mail in the outbox
(:mod:`magnetiq.mail`) under a deterministic idempotency key, ``bookings.<kind>:<booking id>:<sequence>``
(:func:`mail_key`), and only then writes the claim. Two workers racing record the same key, so one
row and one e-mail; a worker killed between the row and the claim leaves a row that is delivered,
and the next run finds the key and sends nothing more. The outbox delivers after commit and
retries a relay's transient failures; an error before the row exists (rendering, a meeting call)
leaves no claim, so the task (or the next cron run) sends it again.
Client e-mails are in ``booking.language`` with times in ``booking.timezone``; the consultant's
copies in their first spoken language the site offers (else English) with times in
``consultant.timezone``; the sender renders each e-mail in its reader's language
(``magnetiq.mail`` activates it), and times go on that language's clock. Templates:
``bookings/templates/bookings/email/``. Invites: :mod:`bookings.ics` as ``invite.ics``.

Flow on confirmation: ``booking_confirmed`` → :func:`create_booking_meeting` (makes the meeting
first) → :func:`send_booking_confirmation` (client + consultant copy, with the link) and
:func:`record_booking_lead`. Reminders and follow-ups are sent by ``manage.py
send_booking_reminders`` / ``send_booking_follow_ups`` (cron, every minute) or the periodic tasks.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django_tasks import task

from leads.models import CONSENT_WORDING_VERSION
from leads.services import lead_capture, lead_record_action
from magnetiq.exceptions import ApplicationError
from magnetiq.formatting import format_clock_time, format_money, preferred_clock
from magnetiq.links import absolute_url
from magnetiq.mail import send_templated_mail
from magnetiq.translation import DEFAULT_LANGUAGE, LANGUAGE_CODES

from . import conf, ics, meetings, signals
from .links import format_local, utc_offset
from .models import (
    BookingChangeKind,
    BookingNotification,
    BookingNotificationKind,
    BookingPaymentStatus,
    BookingStatus,
    CancelledBy,
    ConsultationBooking,
)
from .policy import cancellation_refund_amount
from .tokens import manage_token

logger = logging.getLogger(__name__)

TEMPLATE_DIR = "bookings/email"
#: Reminder kind → (the booking's claim field, how long before the start it is due).
REMINDERS = {
    "24h": ("reminder_24h_sent_at", timedelta(hours=24)),
    "1h": ("reminder_1h_sent_at", timedelta(hours=1)),
}
#: A follow-up is not sent for meetings that ended longer ago than this (first cron run on old data).
FOLLOW_UP_MAX_AGE = timedelta(days=14)


# --- presentation -------------------------------------------------------------------------------


def manage_url(booking: ConsultationBooking, language: str | None = None) -> str:
    """The visitor's manage page with its token, absolute: ``<SITE_URL>[/de]/bookings/<ref>/?token=…``.

    Uses the ``bookings:manage`` URL name when the pages define it, else the documented path.
    """
    language = language or booking.language
    with translation.override(language):
        try:
            path = reverse("bookings:manage", kwargs={"reference": booking.reference})
        except NoReverseMatch:
            prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
            path = f"{prefix}/bookings/{booking.reference}/"
    return absolute_url(f"{path}?token={manage_token(booking)}")


def review_url(booking: ConsultationBooking, language: str | None = None) -> str:
    """The rating page of a completed booking with its manage token, absolute:
    ``<SITE_URL>[/de]/bookings/<ref>/review/?token=…``. The page belongs to the reviews app (a
    higher layer): reached by its URL name ``reviews:review``, else the documented path."""
    language = language or booking.language
    with translation.override(language):
        try:
            path = reverse("reviews:review", kwargs={"reference": booking.reference})
        except NoReverseMatch:
            prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
            path = f"{prefix}/bookings/{booking.reference}/review/"
    return absolute_url(f"{path}?token={manage_token(booking)}")


def pay_url(booking: ConsultationBooking, language: str | None = None) -> str:
    """The payment page of a held booking with its manage token, absolute:
    ``<SITE_URL>[/de]/bookings/<ref>/pay/?token=…``. The page belongs to the payments app (a higher
    layer): reached by its URL name ``payments:pay``, else the documented path."""
    language = language or booking.language
    with translation.override(language):
        try:
            path = reverse("payments:pay", kwargs={"reference": booking.reference})
        except NoReverseMatch:
            prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
            path = f"{prefix}/bookings/{booking.reference}/pay/"
    return absolute_url(f"{path}?token={manage_token(booking)}")


def _zone(zone: str) -> tuple[str, zoneinfo.ZoneInfo]:
    try:
        return zone, zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC", zoneinfo.ZoneInfo("UTC")


def format_time(moment: datetime, zone: str, language: str) -> str:
    """``Monday, 1 June 2026, 11:00 AM (Europe/Berlin, UTC+02:00)`` in ``language`` (German:
    ``Montag, 1. Juni 2026, 11:00 (Europe/Berlin, UTC+02:00)``), on the language's own clock: an
    e-mail does not know the reader's clock preference. An unknown ``zone`` is UTC."""
    zone, tz = _zone(zone)
    local = moment.astimezone(tz)
    with translation.override(language), preferred_clock(None):
        return f"{format_local(local)} ({zone}, {utc_offset(local)})"


def consultant_language(consultant) -> str:
    """The consultant's first spoken language among the site's languages, else English."""
    for code in consultant.languages or []:
        if code in LANGUAGE_CODES:
            return code
    return DEFAULT_LANGUAGE


def mail_context(booking: ConsultationBooking, *, for_consultant: bool = False, **extra) -> dict:
    """What every booking template gets; times in the reader's zone and language."""
    consultant = booking.consultant
    language = consultant_language(consultant) if for_consultant else booking.language
    zone = consultant.timezone if for_consultant else booking.timezone
    with translation.override(language):
        try:
            consultant_page = absolute_url(reverse("bookings:book", kwargs={"slug": consultant.slug}))
        except NoReverseMatch:
            consultant_page = absolute_url(consultant.get_absolute_url())
        with preferred_clock(None):
            end_time = format_clock_time(booking.end.astimezone(_zone(zone)[1]))
    context = {
        "booking": booking,
        "consultant": consultant,
        "consultant_name": consultant.full_name,
        "client_name": booking.client_name,
        "summary": ics.summary(booking, language),
        "start": format_time(booking.start, zone, language),
        "end_time": end_time,
        "duration": booking.duration_minutes,
        "timezone": zone,
        "meeting_link": booking.meeting_link,
        "manage_url": "" if for_consultant else manage_url(booking),
        "consultant_url": consultant_page,
        "questions": booking.questions,
        "change_cutoff_hours": conf.get("GUEST_CHANGE_CUTOFF_HOURS"),
        "contact_email": settings.CONTACT_EMAIL,
    }
    if booking.discount_amount:
        # A discount code: the list price, what it took off and what is charged, in the reader's language.
        currency = booking.payment_currency
        context |= {
            "discount_code": booking.discount_code,
            "list_price": format_money(booking.list_amount, currency, language),
            "discount": format_money(booking.discount_amount, currency, language),
            "amount_charged": format_money(booking.payment_amount, currency, language),
        }
    previous = _previous_time(booking)
    if previous:
        context["previous_start"] = format_time(previous, zone, language)
    context.update(extra)
    return context


def _previous_time(booking: ConsultationBooking) -> datetime | None:
    change = booking.changes.filter(kind=BookingChangeKind.RESCHEDULED).order_by("created_at", "id").last()
    return change.old_start if change else None


def _invite(
    booking: ConsultationBooking, method: str, now: datetime, *, for_consultant=False
) -> tuple[str, bytes, str]:
    """The ``invite.ics`` attachment; the consultant's carries no client manage link."""
    link = "" if for_consultant else manage_url(booking)
    content = ics.booking_ics(booking, method=method, manage_url=link, now=now)
    return ("invite.ics", content, f"text/calendar; method={method}")


def mail_key(booking: ConsultationBooking, kind: str, sequence: int) -> str:
    """The outbox idempotency key of a booking e-mail: ``bookings.<kind>:<booking id>:<sequence>``,
    e.g. ``bookings.confirmation:42:0`` or ``bookings.client_rescheduled:42:3``.

    ``sequence`` is the booking's ICS sequence the e-mail tells (a reschedule resets the reminders,
    so each time gets its own), or the ``BookingNotification`` claim's sequence for those e-mails.
    """
    return f"bookings.{kind}:{booking.pk}:{sequence}"


def _send_client(booking, template: str, *, key: str, attachments=(), reply_to=None, **extra) -> None:
    """A client e-mail, recorded once under ``key``; replies go to the consultant unless
    ``reply_to`` says otherwise."""
    if reply_to is None:
        reply_to = [booking.consultant.email] if booking.consultant.email else []
    send_templated_mail(
        to=[booking.client_email],
        template=f"{TEMPLATE_DIR}/{template}",
        context=mail_context(booking, **extra),
        language=booking.language,
        attachments=attachments,
        reply_to=reply_to,
        key=key,
    )


def _send_consultant(booking, event: str, *, key: str, attachments=(), **extra) -> None:
    """The consultant's copy, recorded once under ``key``; ``event``: ``confirmed``,
    ``rescheduled`` or ``cancelled``."""
    consultant = booking.consultant
    if not consultant.email:
        return
    send_templated_mail(
        to=[consultant.email],
        template=f"{TEMPLATE_DIR}/consultant_notice",
        context=mail_context(booking, for_consultant=True, event=event, **extra),
        language=consultant_language(consultant),
        attachments=attachments,
        reply_to=[booking.client_email],
        key=key,
    )


# --- claims -------------------------------------------------------------------------------------


def _claim(booking: ConsultationBooking, kind: str, sequence: int) -> bool:
    _, created = BookingNotification.objects.get_or_create(booking=booking, kind=kind, sequence=sequence)
    return created


def _once(booking: ConsultationBooking, kind: str, sequence: int, send) -> bool:
    """Unless ``(booking, kind, sequence)`` is claimed already, run ``send(key)`` — it records the
    e-mail in the outbox under ``key`` = :func:`mail_key` — and then claim it. Returns whether
    this call wrote the claim (of two racing calls, one; both recorded the same single row)."""
    if BookingNotification.objects.filter(booking=booking, kind=kind, sequence=sequence).exists():
        return False
    send(mail_key(booking, kind, sequence))
    if not _claim(booking, kind, sequence):
        return False
    logger.info("bookings.mail_sent booking=%s kind=%s sequence=%s", booking.pk, kind, sequence)
    return True


def _load(booking_id: int) -> ConsultationBooking | None:
    return ConsultationBooking.objects.select_related("consultant").filter(pk=booking_id).first()


# --- the e-mails --------------------------------------------------------------------------------


def deliver_confirmation(booking_id: int, *, now: datetime | None = None) -> bool:
    """Send the confirmation (with ``invite.ics``, ``METHOD:REQUEST``) to the client once, and the
    consultant's copy once. Creates the meeting first if there is none. Returns whether the client's
    e-mail was sent now (``False``: already sent, or the booking is no longer confirmed).

    A confirmation sent within 24 h of the start stands in for the 24-h reminder (which is then
    marked sent), and it covers any reschedule up to the sequence it carries.
    """
    now = now or timezone.now()
    booking = _load(booking_id)
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return False
    if not booking.meeting_link:
        booking = meetings.booking_create_meeting(booking_id=booking.pk) or booking
    sent = False
    if booking.confirmation_sent_at is None:
        _send_client(
            booking,
            "confirmation",
            attachments=[_invite(booking, "REQUEST", now)],
            key=mail_key(booking, "confirmation", booking.sequence),
        )
        sent = bool(
            ConsultationBooking.objects.filter(
                pk=booking.pk, status=BookingStatus.CONFIRMED, confirmation_sent_at__isnull=True
            ).update(confirmation_sent_at=now)
        )
    if sent:
        logger.info("bookings.mail_sent booking=%s kind=confirmation sequence=%s", booking.pk, booking.sequence)
        if booking.reschedule_count:
            # This invite already carries the latest time: the reschedule of this sequence is told.
            BookingNotification.objects.get_or_create(
                booking=booking, kind=BookingNotificationKind.CLIENT_RESCHEDULED, sequence=booking.sequence
            )
        _cover_24h_reminder(booking, now)
    _once(
        booking,
        BookingNotificationKind.CONSULTANT_CONFIRMED,
        0,
        lambda key: _send_consultant(
            booking, "confirmed", key=key, attachments=[_invite(booking, "REQUEST", now, for_consultant=True)]
        ),
    )
    return sent


def _cover_24h_reminder(booking: ConsultationBooking, now: datetime) -> None:
    """An e-mail with the time, sent less than 24 h before the start, is the 24-h reminder."""
    if booking.start - now <= REMINDERS["24h"][1]:
        ConsultationBooking.objects.filter(pk=booking.pk, reminder_24h_sent_at__isnull=True).update(
            reminder_24h_sent_at=now
        )


def deliver_reschedule(booking_id: int, sequence: int, *, now: datetime | None = None) -> bool:
    """Send the reschedule e-mail (old and new time, updated ``invite.ics`` with ``SEQUENCE`` =
    ``sequence``) to the client and the consultant, each once per sequence.

    Skipped when the booking changed again since (a later task tells the newer state), is not
    confirmed (a hold waiting for payment has no invite yet) or was never sent its confirmation
    (which, once sent, carries the new time). A Zoom meeting is moved first. Returns whether the
    client's e-mail was sent now.
    """
    now = now or timezone.now()
    booking = _load(booking_id)
    if (
        booking is None
        or booking.sequence != sequence
        or booking.status != BookingStatus.CONFIRMED
        or booking.confirmation_sent_at is None
    ):
        return False

    def send_client(key: str) -> None:
        meetings.booking_update_meeting(booking=booking)  # a PATCH to the same time is harmless on retry
        _send_client(booking, "rescheduled", key=key, attachments=[_invite(booking, "REQUEST", now)])

    sent = _once(booking, BookingNotificationKind.CLIENT_RESCHEDULED, sequence, send_client)
    if sent:
        _cover_24h_reminder(booking, now)
    _once(
        booking,
        BookingNotificationKind.CONSULTANT_RESCHEDULED,
        sequence,
        lambda key: _send_consultant(
            booking, "rescheduled", key=key, attachments=[_invite(booking, "REQUEST", now, for_consultant=True)]
        ),
    )
    return sent


def deliver_cancellation(booking_id: int, *, now: datetime | None = None) -> bool:
    """Send the cancellation to the client once (with ``METHOD:CANCEL`` when they had an invite, and
    what the refund rule of :mod:`bookings.policy` gives back: how much and when) and
    the consultant's copy when they were told of the booking; delete a Zoom meeting first.
    Expired holds get :func:`deliver_hold_expired` instead. Returns whether the client's e-mail was
    sent now."""
    now = now or timezone.now()
    booking = _load(booking_id)
    if booking is None or booking.status != BookingStatus.CANCELLED or booking.cancelled_by == CancelledBy.SYSTEM:
        return False
    invited = booking.confirmation_sent_at is not None
    attachments = [_invite(booking, "CANCEL", now)] if invited else []

    def send_client(key: str) -> None:
        meetings.booking_delete_meeting(booking=booking)
        _send_client(
            booking,
            "cancelled",
            key=key,
            attachments=attachments,
            invited=invited,
            paid=booking.payment_status in (BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED)
            and booking.payment_amount > 0,
            refund_amount=cancellation_refund_amount(booking),
        )

    sent = _once(booking, BookingNotificationKind.CLIENT_CANCELLED, booking.sequence, send_client)
    told = BookingNotification.objects.filter(booking=booking, kind=BookingNotificationKind.CONSULTANT_CONFIRMED)
    if told.exists():
        _once(
            booking,
            BookingNotificationKind.CONSULTANT_CANCELLED,
            booking.sequence,
            lambda key: _send_consultant(
                booking, "cancelled", key=key, attachments=[_invite(booking, "CANCEL", now, for_consultant=True)]
            ),
        )
    return sent


def deliver_hold_expired(booking_id: int) -> bool:
    """Tell the client once that their unpaid reservation lapsed and the time was released."""
    booking = _load(booking_id)
    if booking is None or booking.status != BookingStatus.CANCELLED or booking.cancelled_by != CancelledBy.SYSTEM:
        return False
    return _once(
        booking,
        BookingNotificationKind.CLIENT_HOLD_EXPIRED,
        0,
        lambda key: _send_client(booking, "hold_expired", key=key),
    )


def deliver_payment_link(booking_id: int) -> bool:
    """E-mail the client of a booking staff made for them (by phone) the link to pay for it, once,
    while it is still held (``pending_payment``, not expired). Returns whether it was sent now."""
    booking = _load(booking_id)
    if booking is None or booking.status != BookingStatus.PENDING_PAYMENT or booking.hold_expires_at is None:
        return False
    if booking.hold_expires_at <= timezone.now():
        return False
    amount = format_money(booking.payment_amount, booking.payment_currency, booking.language)
    return _once(
        booking,
        BookingNotificationKind.CLIENT_PAYMENT_LINK,
        booking.sequence,
        lambda key: _send_client(
            booking,
            "payment_link",
            key=key,
            pay_url=pay_url(booking),
            amount=amount,
            hold_until=format_time(booking.hold_expires_at, booking.timezone, booking.language),
        ),
    )


def _reminder_window(which: str, now: datetime) -> dict:
    """Filters of the bookings whose ``which`` reminder is due at ``now``.

    24 h: ``1 h < start − now ≤ 24 h``; 1 h: ``0 < start − now ≤ 1 h``. Confirmed and not sent yet.
    """
    field, before = REMINDERS[which]
    after = REMINDERS["1h"][1] if which == "24h" else timedelta(0)
    return {
        "status": BookingStatus.CONFIRMED,
        "start__gt": now + after,
        "start__lte": now + before,
        f"{field}__isnull": True,
    }


def deliver_reminder(booking_id: int, which: str, *, now: datetime | None = None) -> bool:
    """Send the ``which`` (``"24h"`` or ``"1h"``) reminder once if it is due at ``now``.

    The e-mail is recorded under ``bookings.reminder_<which>:<id>:<sequence>`` (a reschedule resets
    the reminders and raises the sequence), then claimed by an UPDATE that carries the whole due
    condition and that sequence. Raises ``KeyError`` for another ``which``, and what rendering raises
    (nothing is claimed then, so the next run sends it).
    """
    field, _ = REMINDERS[which]
    now = now or timezone.now()
    window = _reminder_window(which, now)
    booking = ConsultationBooking.objects.select_related("consultant").filter(pk=booking_id, **window).first()
    if booking is None:
        return False
    _send_client(booking, "reminder", which=which, key=mail_key(booking, f"reminder_{which}", booking.sequence))
    claimed = ConsultationBooking.objects.filter(pk=booking_id, sequence=booking.sequence, **window).update(
        **{field: now}
    )
    if not claimed:
        return False
    logger.info("bookings.mail_sent booking=%s kind=reminder_%s", booking_id, which)
    return True


def send_due_reminders(*, now: datetime | None = None) -> dict:
    """Send every due reminder (24 h and 1 h); ``{"sent": n, "failed": n}``. Idempotent, and safe
    for overlapping runs: each reminder is recorded under one outbox key, then claimed."""
    now = now or timezone.now()
    result = {"sent": 0, "failed": 0}
    for which in REMINDERS:
        ids = (
            ConsultationBooking.objects.filter(**_reminder_window(which, now))
            .order_by("start", "pk")
            .values_list("pk", flat=True)
        )
        for booking_id in list(ids):
            try:
                result["sent"] += deliver_reminder(booking_id, which, now=now)
            except Exception:
                logger.exception("bookings.reminder_failed booking=%s which=%s", booking_id, which)
                result["failed"] += 1
    return result


def _follow_up_due(now: datetime) -> dict:
    delay = timedelta(minutes=conf.get("FOLLOW_UP_DELAY_MINUTES"))
    return {
        "status": BookingStatus.COMPLETED,
        "follow_up_sent_at__isnull": True,
        "end__lte": now - delay,
        "end__gt": now - FOLLOW_UP_MAX_AGE,
    }


def deliver_follow_up(booking_id: int, *, now: datetime | None = None) -> bool:
    """Send the follow-up (thanks, and a link to the rating page, :func:`review_url`) once, when the booking is
    completed and ended ``FOLLOW_UP_DELAY_MINUTES`` ago (at most 14 days). Only completed bookings:
    a confirmed booking whose time has passed is left to staff or the consultant to settle."""
    now = now or timezone.now()
    due = _follow_up_due(now)
    booking = ConsultationBooking.objects.select_related("consultant").filter(pk=booking_id, **due).first()
    if booking is None:
        return False
    # Ratings go through the page; a reply (other feedback) goes to the firm, not the consultant.
    _send_client(
        booking,
        "follow_up",
        key=mail_key(booking, "follow_up", booking.sequence),
        reply_to=[settings.CONTACT_EMAIL],
        review_url=review_url(booking),
    )
    if not ConsultationBooking.objects.filter(pk=booking_id, **due).update(follow_up_sent_at=now):
        return False
    logger.info("bookings.mail_sent booking=%s kind=follow_up", booking_id)
    return True


def send_due_follow_ups(*, now: datetime | None = None) -> dict:
    """Send every due follow-up; ``{"sent": n, "failed": n}``. Idempotent like the reminders."""
    now = now or timezone.now()
    result = {"sent": 0, "failed": 0}
    ids = ConsultationBooking.objects.filter(**_follow_up_due(now)).order_by("end", "pk").values_list("pk", flat=True)
    for booking_id in list(ids):
        try:
            result["sent"] += deliver_follow_up(booking_id, now=now)
        except Exception:
            logger.exception("bookings.follow_up_failed booking=%s", booking_id)
            result["failed"] += 1
    return result


# --- leads --------------------------------------------------------------------------------------


def record_lead(booking_id: int) -> bool:
    """Record the client of a confirmed booking as a lead (source ``booking``) with a ``booking``
    action, once per booking; returns whether it was recorded now. A refusal by the leads app (an
    erased lead, an address it rejects) is logged and leaves nothing claimed."""
    booking = _load(booking_id)
    if booking is None or booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        return False
    first_name, _, last_name = booking.client_name.strip().partition(" ")
    try:
        with transaction.atomic():
            if not _claim(booking, BookingNotificationKind.LEAD_RECORDED, 0):
                return False
            lead = lead_capture(
                email=booking.client_email,
                first_name=first_name,
                last_name=last_name.strip(),
                company=booking.client_company,
                phone=booking.client_phone,
                language=booking.language,
                source="booking",
                consent_terms=True,
                consent_version=CONSENT_WORDING_VERSION,
            )
            lead_record_action(lead=lead, action="booking", data={"booking_reference": booking.reference})
    except ApplicationError as error:
        logger.warning("bookings.lead_not_recorded booking=%s: %s", booking.pk, error)
        return False
    return True


# --- tasks --------------------------------------------------------------------------------------


@task()
def create_booking_meeting(booking_id: int) -> str:
    """Make the booking's meeting (once), then enqueue its confirmation e-mail; returns the platform."""
    try:
        booking = meetings.booking_create_meeting(booking_id=booking_id)
    finally:
        send_booking_confirmation.enqueue(booking_id)
    return booking.meeting_platform if booking else ""


@task()
def send_booking_confirmation(booking_id: int) -> bool:
    """The confirmation e-mail and the consultant's copy (see :func:`deliver_confirmation`)."""
    return deliver_confirmation(booking_id)


@task()
def send_booking_reschedule(booking_id: int, sequence: int) -> bool:
    """The reschedule e-mails for the booking's change ``sequence`` (see :func:`deliver_reschedule`)."""
    return deliver_reschedule(booking_id, sequence)


@task()
def send_booking_cancellation(booking_id: int) -> bool:
    """The cancellation e-mails (see :func:`deliver_cancellation`)."""
    return deliver_cancellation(booking_id)


@task()
def send_booking_hold_expired(booking_id: int) -> bool:
    """The hold-expired notice (see :func:`deliver_hold_expired`)."""
    return deliver_hold_expired(booking_id)


@task()
def send_booking_follow_up(booking_id: int) -> bool:
    """The follow-up, if due (see :func:`deliver_follow_up`)."""
    return deliver_follow_up(booking_id)


@task()
def send_due_booking_reminders() -> dict:
    """What ``manage.py send_booking_reminders`` does, for deployments with a task scheduler."""
    return send_due_reminders()


@task()
def send_due_booking_follow_ups() -> dict:
    """What ``manage.py send_booking_follow_ups`` does, for deployments with a task scheduler."""
    return send_due_follow_ups()


@task()
def send_booking_payment_link(booking_id: int) -> bool:
    """The payment link of a booking staff made for a client (see :func:`deliver_payment_link`)."""
    return deliver_payment_link(booking_id)


@task()
def record_booking_lead(booking_id: int) -> bool:
    """Record the booking's client as a lead, once (see :func:`record_lead`)."""
    return record_lead(booking_id)


# --- receivers (connected by importing this module in BookingsConfig.ready) ----------------------


@receiver(signals.booking_confirmed, dispatch_uid="bookings.notifications.on_confirmed")
def on_booking_confirmed(sender, booking_id: int, **kwargs) -> None:
    create_booking_meeting.enqueue(booking_id)
    record_booking_lead.enqueue(booking_id)


@receiver(signals.booking_rescheduled, dispatch_uid="bookings.notifications.on_rescheduled")
def on_booking_rescheduled(sender, booking_id: int, **kwargs) -> None:
    sequence = ConsultationBooking.objects.filter(pk=booking_id).values_list("sequence", flat=True).first()
    if sequence is not None:
        send_booking_reschedule.enqueue(booking_id, sequence)


@receiver(signals.booking_cancelled, dispatch_uid="bookings.notifications.on_cancelled")
def on_booking_cancelled(sender, booking_id: int, **kwargs) -> None:
    send_booking_cancellation.enqueue(booking_id)


@receiver(signals.booking_hold_expired, dispatch_uid="bookings.notifications.on_hold_expired")
def on_booking_hold_expired(sender, booking_id: int, **kwargs) -> None:
    send_booking_hold_expired.enqueue(booking_id)


@receiver(signals.booking_payment_requested, dispatch_uid="bookings.notifications.on_payment_requested")
def on_booking_payment_requested(sender, booking_id: int, **kwargs) -> None:
    send_booking_payment_link.enqueue(booking_id)


@receiver(signals.booking_completed, dispatch_uid="bookings.notifications.on_completed")
def on_booking_completed(sender, booking_id: int, **kwargs) -> None:
    """Enqueue the follow-up for its due time where the backend can defer; elsewhere it is sent by
    the periodic command (an immediate run before it is due does nothing)."""
    end = ConsultationBooking.objects.filter(pk=booking_id).values_list("end", flat=True).first()
    if end is None:
        return
    due = end + timedelta(minutes=conf.get("FOLLOW_UP_DELAY_MINUTES"))
    follow_up = send_booking_follow_up
    if follow_up.get_backend().supports_defer and due > timezone.now():
        follow_up = follow_up.using(run_after=due)
    follow_up.enqueue(booking_id)
