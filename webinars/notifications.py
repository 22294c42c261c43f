"""The e-mails of a registration, each sent at most once, by a task that takes ids after the commit.

Every e-mail kind has a ``*_sent_at`` field on the registration (the reschedule notice:
``reschedule_sequence_sent``), its claim. :func:`deliver` checks that the e-mail still makes sense
(not claimed yet, a confirmation only for someone holding a seat, a reminder only for a published
webinar still ahead…), records the e-mail in the outbox (:mod:`magnetiq.mail`) under a deterministic
idempotency key, ``webinars.<kind>:<registration id>:<webinar sequence>`` (:func:`mail_key`), and
only then claims the field by a conditional UPDATE from NULL. Two workers or cron runs racing
record the same key — one row, one e-mail; a worker killed between the row and the claim leaves a
row that is delivered, and the next run finds the key and sends nothing more. The outbox delivers
after commit and retries a relay's transient failures; a rendering error leaves no claim, so a
retry can succeed. Services call :func:`enqueue` after commit; ``webinars.tasks`` runs
:func:`deliver`. Texts are in the registration's language (``translation.override`` around rendering,
in :func:`magnetiq.mail.send_templated_mail`), HTML + plain text.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import DateTimeField, ExpressionWrapper, F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import pgettext, pgettext_lazy

from content.portable_text import to_html, to_plain_text
from magnetiq.formatting import format_clock_time
from magnetiq.mail import send_templated_mail
from magnetiq.translation import pick_language

from . import ics
from .models import RegistrationStatus, WebinarRegistration, WebinarStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailKind:
    name: str
    field: str
    template: str
    statuses: tuple[str, ...]
    ics_method: str | None = None
    webinar_statuses: tuple[str, ...] = (WebinarStatus.PUBLISHED,)
    before: timedelta | None = None  # reminders: how long before the start


KINDS = {
    kind.name: kind
    for kind in (
        MailKind("confirmation", "confirmation_sent_at", "registration_confirmation", ("registered",), "REQUEST"),
        MailKind("waitlist", "waitlist_notice_sent_at", "waitlist_notice", ("waitlisted",)),
        MailKind("promotion", "promotion_sent_at", "promotion_notice", ("registered",), "REQUEST"),
        MailKind(
            "cancellation",
            "cancellation_sent_at",
            "registration_cancelled",
            ("cancelled",),
            "CANCEL",
            webinar_statuses=(WebinarStatus.PUBLISHED, WebinarStatus.DRAFT, WebinarStatus.COMPLETED),
        ),
        MailKind(
            "webinar_cancelled",
            "cancellation_sent_at",
            "webinar_cancelled",
            ("registered", "waitlisted"),
            "CANCEL",
            webinar_statuses=(WebinarStatus.CANCELLED,),
        ),
        MailKind("reminder_7d", "reminder_7d_sent_at", "reminder", ("registered",), before=timedelta(days=7)),
        MailKind("reminder_1d", "reminder_1d_sent_at", "reminder", ("registered",), before=timedelta(days=1)),
        MailKind("reminder_1h", "reminder_1h_sent_at", "reminder", ("registered",), before=timedelta(hours=1)),
    )
}
#: The updated invite after a time change (claimed by ``reschedule_sequence_sent``, not a field).
RESCHEDULE = MailKind("reschedule", "", "webinar_rescheduled", ("registered",), "REQUEST")
#: The reminders, earliest first.
REMINDERS = (KINDS["reminder_7d"], KINDS["reminder_1d"], KINDS["reminder_1h"])
TEMPLATE_DIR = "webinars/email"


def enqueue(registration_id: int, kind: str) -> None:
    """Hand the e-mail to the task queue (call from ``transaction.on_commit``)."""
    from .tasks import send_registration_email

    send_registration_email.enqueue(registration_id, kind)


def enqueue_reschedule(registration_id: int, sequence: int) -> None:
    from .tasks import send_reschedule_notice

    send_reschedule_notice.enqueue(registration_id, sequence)


def due_reminder_ids(kind: MailKind, now: datetime) -> list[int]:
    """Registrations whose ``kind`` reminder is due at ``now``.

    Due: a registered person, a published webinar starting within ``kind.before`` but after the
    next-shorter reminder's moment (a late cron run never sends the 7-day text a day before), the
    reminder not sent yet, and the seat held since before the reminder moment (someone who
    registered 2 days ahead got the confirmation, not a "one week to go"). Raises ``ValueError``
    for a kind that is not one of :data:`REMINDERS`.
    """
    if kind.before is None:
        raise ValueError(f"{kind.name} is not a reminder: it has no time before the start")
    index = REMINDERS.index(kind)
    next_before = (REMINDERS[index + 1].before if index + 1 < len(REMINDERS) else None) or timedelta(0)
    moment = ExpressionWrapper(F("webinar__starts_at") - kind.before, output_field=DateTimeField())
    return list(
        WebinarRegistration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            webinar__status=WebinarStatus.PUBLISHED,
            webinar__deleted_at__isnull=True,
            webinar__starts_at__gt=now + next_before,
            webinar__starts_at__lte=now + kind.before,
            **{f"{kind.field}__isnull": True},
        )
        .annotate(seat_since=Coalesce("promoted_at", "created_at"), moment=moment)
        .filter(seat_since__lte=F("moment"))
        .order_by("id")
        .values_list("pk", flat=True)
    )


def deliver(registration_id: int, kind_name: str, *, now: datetime | None = None) -> bool:
    """Send one e-mail of ``kind_name`` for the registration unless it was sent or no longer applies.

    Returns whether this call claimed it (the e-mail is in the outbox then). A rendering error
    propagates and leaves nothing claimed.
    """
    kind = KINDS[kind_name]
    now = now or timezone.now()
    registration = (
        WebinarRegistration.objects.select_related("webinar", "webinar__speaker").filter(pk=registration_id).first()
    )
    if registration is None or getattr(registration, kind.field) is not None or not _applies(registration, kind, now):
        return False
    _send(registration, kind, now=now)
    claimed = WebinarRegistration.objects.filter(pk=registration_id, **{f"{kind.field}__isnull": True}).update(
        **{kind.field: now}
    )
    if not claimed:
        return False
    if kind.ics_method == "REQUEST":
        # This invite already carries the current time: a pending reschedule notice would repeat it.
        sequence = registration.webinar.sequence
        WebinarRegistration.objects.filter(pk=registration_id, reschedule_sequence_sent__lt=sequence).update(
            reschedule_sequence_sent=sequence
        )
    logger.info("webinar.mail_sent registration=%s kind=%s", registration_id, kind_name)
    return True


def deliver_reschedule(registration_id: int, sequence: int, *, now: datetime | None = None) -> bool:
    """Send the updated invite for ``sequence`` once: recorded under
    ``webinars.reschedule:<registration id>:<sequence>``, then claimed by raising
    ``reschedule_sequence_sent``. Returns whether this call claimed it."""
    now = now or timezone.now()
    registration = (
        WebinarRegistration.objects.select_related("webinar", "webinar__speaker").filter(pk=registration_id).first()
    )
    if (
        registration is None
        or registration.status != RegistrationStatus.REGISTERED
        or registration.webinar.status != WebinarStatus.PUBLISHED
        or registration.webinar.sequence != sequence
        or registration.reschedule_sequence_sent >= sequence
    ):
        return False
    _send(registration, RESCHEDULE, now=now)
    claimed = WebinarRegistration.objects.filter(pk=registration_id, reschedule_sequence_sent__lt=sequence).update(
        reschedule_sequence_sent=sequence
    )
    return bool(claimed)


def _applies(registration: WebinarRegistration, kind: MailKind, now: datetime) -> bool:
    webinar = registration.webinar
    if registration.status not in kind.statuses or webinar.status not in kind.webinar_statuses:
        return False
    if webinar.deleted_at is not None and kind.name != "webinar_cancelled":
        return False
    if kind.before is not None:
        return webinar.starts_at > now
    return True


def format_start(webinar, language: str) -> str:
    """``Thursday, 15 January 2026, 3:00 PM (Europe/Berlin, UTC+01:00)`` in ``language``: the
    webinar's own zone and its offset, the day written by the language's translated date format,
    the time on the visitor's clock (:func:`magnetiq.formatting.format_clock_time`; in an e-mail,
    the language's own clock: 12-hour in English, 24-hour in German)."""
    local = webinar.local_start()
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    with translation.override(language):
        day = dateformat.format(local, pgettext("webinar start date format", "l, j F Y"))
        return f"{day}, {format_clock_time(local, language=language)} ({webinar.timezone}, {offset})"


#: What a reminder's subject and text say about the start, by reminder kind.
REMINDER_WHEN = {
    "reminder_7d": pgettext_lazy("webinar starts …", "in one week"),
    "reminder_1d": pgettext_lazy("webinar starts …", "tomorrow"),
    "reminder_1h": pgettext_lazy("webinar starts …", "in one hour"),
}


def mail_context(registration: WebinarRegistration, *, kind: str = "") -> dict:
    """The context of every registration e-mail, its texts in the registration's language."""
    webinar = registration.webinar
    lang = registration.language
    blocks = pick_language(webinar.description, lang) or []
    with translation.override(lang):
        webinar_path = webinar.get_absolute_url()
        cancel_path = reverse("webinars:registration-cancel", kwargs={"reference": registration.reference})
        when = str(REMINDER_WHEN.get(kind, ""))
    return {
        "registration": registration,
        "webinar": webinar,
        "title": pick_language(webinar.title, lang),
        "speaker_name": webinar.speaker.full_name,
        "start": format_start(webinar, lang),
        "duration": webinar.duration_minutes,
        "webinar_url": ics.absolute_url(webinar_path),
        "cancel_url": ics.absolute_url(cancel_path),
        "meeting_link": webinar.meeting_link,
        "description_html": to_html(blocks),
        "description_text": to_plain_text(blocks),
        "waitlist_position": registration.waitlist_position,
        "when": when,
    }


def _invite_method(registration: WebinarRegistration, kind: MailKind) -> str | None:
    """``REQUEST`` for invites, ``CANCEL`` only for someone who was sent an invite before."""
    if kind.ics_method == "CANCEL":
        had_invite = registration.confirmation_sent_at or registration.promotion_sent_at
        return "CANCEL" if had_invite else None
    return kind.ics_method


def mail_key(registration: WebinarRegistration, kind: MailKind) -> str:
    """The outbox idempotency key: ``webinars.<kind>:<registration id>:<webinar sequence>``, e.g.
    ``webinars.reminder_1d:7:2``. The sequence (raised by each time change) keeps a reminder that a
    time change re-armed, or the notice of a later change, apart from the one sent before."""
    return f"webinars.{kind.name}:{registration.pk}:{registration.webinar.sequence}"


def _send(registration: WebinarRegistration, kind: MailKind, *, now: datetime) -> None:
    """Record the ``kind`` e-mail of the registration in the outbox, once per :func:`mail_key`."""
    attachments = []
    method = _invite_method(registration, kind)
    if method:
        name = "invite.ics" if method == "REQUEST" else "cancel.ics"
        attachments.append(
            (name, ics.registration_ics(registration, method=method, now=now), f"text/calendar; method={method}")
        )
    send_templated_mail(
        to=[registration.email],
        template=f"{TEMPLATE_DIR}/{kind.template}",
        context=mail_context(registration, kind=kind.name),
        language=registration.language,
        attachments=attachments,
        key=mail_key(registration, kind),
    )
