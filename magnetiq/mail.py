"""Every e-mail the site sends goes one way: rendered into the outbox, delivered after commit, retried.

1. :func:`send_templated_mail` renders the e-mail in the recipient's language and records it as an
   :class:`~magnetiq.models.OutboundEmail` row **in the caller's transaction**: a rolled-back change
   leaves no row and sends nothing. The row's ``idempotency_key`` is unique, so recording the same
   e-mail twice (a task run again) finds the first row instead of sending a second message.
2. After the commit (at once when no transaction is open) the ``deliver_outbound_email`` task gets
   the row's id. :func:`outbound_email_deliver` claims the row with one conditional UPDATE
   (``pending`` and due → ``sending``), so two workers given the same id send it once, then talks
   SMTP with no transaction open (``EMAIL_TIMEOUT`` seconds per step at most) and records the
   outcome: ``sent``; or, for a transient failure (a 4xx reply, RFC 5321 section 4.2.1, or a
   connection that failed or timed out), ``pending`` again with ``next_attempt_at`` backed off
   exponentially — ``OUTBOUND_EMAIL_RETRY_MINUTES`` × 4ⁿ: 1, 4 and 16 minutes, for
   ``OUTBOUND_EMAIL_MAX_RETRIES`` (3) retries, as spec 001 "Email Tasks" asks; or ``failed`` at
   once for a permanent one (a 5xx reply: the relay refused the message or the recipient), and
   after the last retry.
3. ``manage.py deliver_outbound_email`` (cron, every minute) sends the retries that are due — the
   task is also enqueued for that time where the task backend can defer — and the e-mails whose
   task was lost, and takes back rows a dead worker left ``sending``.

The one-message window: a worker that dies after the relay accepted a message but before it
recorded ``sent`` leaves the row ``sending``. After ``OUTBOUND_EMAIL_STALE_MINUTES`` the command
sends it again (with the same ``Message-ID``), so that one message may arrive twice; it is never
lost. Staff see such a row in the admin with the error "worker stopped while sending".

Tests run the task backend immediately and Django's locmem backend, so ``django.core.mail.outbox``
holds what was delivered; ``magnetiq.tests.smtp`` sends through a real SMTP server instead.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, make_msgid
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail, OutboundEmailStatus
from .vendors import assert_no_transaction, open_transaction_aliases

logger = logging.getLogger(__name__)

#: The error recorded on a row a worker left ``sending`` (the one-message window above).
STALLED_ERROR = "worker stopped while sending; sent again"

#: Sent (``sender=OutboundEmail``) once a row is recorded ``failed``: a permanent refusal, the last
#: retry spent, or a stalled send with no retry left. Arguments: ``email_id``, ``key`` (the row's
#: idempotency key, which names the caller's object, e.g. ``"consulting.outreach:7:ab12"``) and
#: ``error`` (``"SMTPDataError: …"``, for staff). Receivers may record the failure on their own
#: rows; they run after the row was saved, with no transaction open, and an error they raise
#: propagates to the delivering task.
outbound_email_failed = Signal()


def _render_text(name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping (a subject or text body is not HTML)."""
    return Engine.get_default().get_template(name).render(Context(context, autoescape=False))


def render_templated_mail(*, template: str, context: dict, language: str = "en") -> tuple[str, str, str]:
    """Render ``<template>_subject.txt``, ``<template>.txt`` (both unescaped) and ``<template>.html``
    (escaped) with ``language`` active (one of ``settings.LANGUAGES``, else ``LANGUAGE_CODE``), so
    their ``{% translate %}`` tags, date formats and ``|money`` follow it.

    Returns ``(subject, text, html)``; the subject is stripped to one line.
    """
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
        text = _render_text(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html


# --- recording --------------------------------------------------------------------------------


def _encode_attachment(filename: str, content: bytes | str, mimetype: str) -> dict:
    raw = content.encode() if isinstance(content, str) else content
    return {"filename": filename, "mimetype": mimetype, "content": base64.b64encode(raw).decode("ascii")}


def after_commit(function) -> None:
    """Run ``function`` once the open transaction commits, or now when none is open.

    "Open" as :func:`magnetiq.vendors.open_transaction_aliases` sees it: the block a test case
    wraps each test in does not count, exactly as it does not for the vendor guard.
    """
    if open_transaction_aliases():
        transaction.on_commit(function, robust=True)
    else:
        function()


def _enqueue_delivery(email_id: int) -> None:
    """Hand the row to the task queue. An enqueue that fails (the queue is down) is logged; the row
    stays ``pending`` and ``deliver_outbound_email`` sends it on its next run."""
    from .tasks import deliver_outbound_email

    try:
        deliver_outbound_email.enqueue(email_id)
    except Exception:  # the row waits for the periodic command; raising would make the caller retry
        logger.exception("magnetiq.mail.enqueue_failed email=%s", email_id)


def outbound_email_create(
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str = "",
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
    reply_to: Sequence[str] = (),
    headers: dict | None = None,
    from_email: str = "",
    key: str = "",
    template: str = "",
    language: str = "",
) -> OutboundEmail:
    """Record one rendered e-mail in the outbox and deliver it after the caller's commit.

    ``key``: the idempotency key (≤ 200 characters), e.g. ``"bookings.confirmation:42"``; when a
    row with that key exists it is returned as it is and nothing more is sent. Empty: a random key
    (every call is a new e-mail). ``attachments``: ``(filename, content, mimetype)`` triples.
    ``from_email`` empty: ``DEFAULT_FROM_EMAIL``. May be called inside a transaction (that is the
    point); no network is used.
    """
    key = key or f"random:{uuid.uuid4().hex}"
    existing = OutboundEmail.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    from_email = from_email or settings.DEFAULT_FROM_EMAIL
    # The sender's domain (RFC 5322 section 3.6.4 asks for a unique right-hand side; the relay's
    # DKIM domain matches it), else this machine's name.
    domain = parseaddr(from_email)[1].rpartition("@")[2] or None
    email = OutboundEmail(
        idempotency_key=key,
        template=template,
        language=language,
        message_id=make_msgid(domain=domain),
        from_email=from_email,
        to=list(to),
        reply_to=list(reply_to),
        headers=dict(headers or {}),
        subject=subject,
        text=text,
        html=html,
        attachments=[_encode_attachment(*attachment) for attachment in attachments],
        next_attempt_at=now,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        # Another worker recorded the same key between the look-up and the insert.
        return OutboundEmail.objects.get(idempotency_key=key)
    after_commit(lambda: _enqueue_delivery(email.pk))
    return email


def send_templated_mail(
    *,
    to: Sequence[str],
    template: str,
    context: dict,
    language: str = "en",
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
    reply_to: Sequence[str] = (),
    headers: dict | None = None,
    key: str = "",
) -> OutboundEmail:
    """Render ``template`` (see :func:`render_templated_mail`) for ``to`` and send it through the
    outbox (:func:`outbound_email_create`): it leaves from ``DEFAULT_FROM_EMAIL`` after the caller's
    transaction commits, is retried on transient failures, and with a ``key`` is sent once however
    often this is called. Returns the :class:`~magnetiq.models.OutboundEmail` row.

    ``attachments``: ``(filename, content, mimetype)`` triples, e.g. ``("invite.ics", ics_bytes,
    "text/calendar; method=REQUEST")``. Raises only what rendering raises (a missing template).
    """
    subject, text, html = render_templated_mail(template=template, context=context, language=language)
    return outbound_email_create(
        to=to,
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        reply_to=reply_to,
        headers=headers,
        key=key,
        template=template,
        language=language,
    )


# --- delivery ---------------------------------------------------------------------------------


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    """The Django message of a row: text body, HTML alternative, attachments, its ``Message-ID``."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email,
        to=list(email.to),
        reply_to=list(email.reply_to),
        headers={**email.headers, "Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    return message


def is_permanent_failure(error: Exception) -> bool:
    """Whether retrying cannot help: an SMTP 5xx reply (RFC 5321 section 4.2.1), to the message or
    to every recipient. A 4xx, a refused or dropped connection and a timeout are transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based): ``OUTBOUND_EMAIL_RETRY_MINUTES``
    × 4^(attempt − 1) minutes, i.e. 1, 4, 16 minutes by default."""
    return timedelta(minutes=settings.OUTBOUND_EMAIL_RETRY_MINUTES * 4 ** (attempt - 1))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_failure(email: OutboundEmail, error: Exception, *, claimed_at: datetime, permanent: bool) -> str:
    """``failed`` for a permanent error or after the last retry, else ``pending`` again when due."""
    attempt = email.attempts
    mine = OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmailStatus.SENDING, claimed_at=claimed_at)
    if permanent or attempt > settings.OUTBOUND_EMAIL_MAX_RETRIES:
        if mine.update(status=OutboundEmailStatus.FAILED, last_error=_describe(error), next_attempt_at=None):
            logger.warning("magnetiq.mail.failed email=%s attempts=%s error=%s", email.pk, attempt, _describe(error))
            outbound_email_failed.send(
                sender=OutboundEmail, email_id=email.pk, key=email.idempotency_key, error=_describe(error)
            )
        return OutboundEmailStatus.FAILED
    due = claimed_at + retry_delay(attempt)
    mine.update(status=OutboundEmailStatus.PENDING, last_error=_describe(error), next_attempt_at=due)
    logger.info("magnetiq.mail.retry email=%s attempt=%s due=%s error=%s", email.pk, attempt, due, _describe(error))
    _schedule_retry(email.pk, due)
    return OutboundEmailStatus.PENDING


def _schedule_retry(email_id: int, due: datetime) -> None:
    """Enqueue the retry for ``due`` where the task backend can defer; elsewhere (and if this
    enqueue is lost) ``deliver_outbound_email`` picks the row up once it is due."""
    from .tasks import deliver_outbound_email

    task = deliver_outbound_email
    if task.get_backend().supports_defer:
        try:
            task.using(run_after=due).enqueue(email_id)
        except Exception:  # the periodic command sends the due retry
            logger.exception("magnetiq.mail.enqueue_failed email=%s", email_id)


def outbound_email_deliver(*, email_id: int, now: datetime | None = None) -> str:
    """Send one outbox row if it is waiting and due at ``now``; returns its status afterwards
    (``"sent"``, ``"pending"`` when a retry is scheduled, ``"failed"``, or the status it already
    had when there was nothing to do — ``""`` for an unknown id).

    The claim is one conditional UPDATE, so of any number of simultaneous calls for one row one
    sends. Raises :class:`magnetiq.vendors.VendorCallInTransaction` when called inside a
    transaction; an error that is not a mail error (a bug) marks the row failed and is re-raised.
    """
    outcome = _deliver(email_id, now or timezone.now())
    if outcome is None:
        return OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first() or ""
    return outcome


def _deliver(email_id: int, now: datetime) -> str | None:
    """The delivery of :func:`outbound_email_deliver`; ``None`` when this call did not claim the row."""
    assert_no_transaction("SMTP")
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=OutboundEmailStatus.PENDING, next_attempt_at__lte=now
    ).update(status=OutboundEmailStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now)
    if not claimed:
        return None
    email = OutboundEmail.objects.get(pk=email_id)
    connection = get_connection()
    try:
        try:
            connection.send_messages([build_message(email)])
        finally:
            # Also after a failed login, which leaves the backend a half-open connection.
            connection.close()
    except OSError as error:  # smtplib's errors, refused connections and timeouts
        return _record_failure(email, error, claimed_at=now, permanent=is_permanent_failure(error))
    except Exception as error:
        _record_failure(email, error, claimed_at=now, permanent=True)
        raise
    OutboundEmail.objects.filter(pk=email_id, status=OutboundEmailStatus.SENDING, claimed_at=now).update(
        # last_error stays: staff still see why an e-mail that went out late needed retries.
        status=OutboundEmailStatus.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
    )
    logger.info("magnetiq.mail.sent email=%s key=%s attempt=%s", email.pk, email.idempotency_key, email.attempts)
    return OutboundEmailStatus.SENT


def outbound_email_reclaim_stalled(*, now: datetime | None = None) -> int:
    """Put rows left ``sending`` for more than ``OUTBOUND_EMAIL_STALE_MINUTES`` back to ``pending``
    (due now), or ``failed`` when they had their last retry; returns how many. Each row is taken
    back by a conditional UPDATE on the claim it had, so a worker that was merely slow and records
    its result meanwhile is not overwritten."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.OUTBOUND_EMAIL_STALE_MINUTES)
    count = 0
    stalled = OutboundEmail.objects.stalled(cutoff).values_list("pk", "idempotency_key", "claimed_at", "attempts")
    for pk, key, claimed_at, attempts in list(stalled):
        last = attempts > settings.OUTBOUND_EMAIL_MAX_RETRIES
        taken = OutboundEmail.objects.filter(pk=pk, status=OutboundEmailStatus.SENDING, claimed_at=claimed_at).update(
            status=OutboundEmailStatus.FAILED if last else OutboundEmailStatus.PENDING,
            next_attempt_at=None if last else now,
            last_error=STALLED_ERROR,
            updated_at=now,
        )
        if taken:
            count += 1
            logger.warning("magnetiq.mail.stalled email=%s attempts=%s", pk, attempts)
            if last:
                outbound_email_failed.send(sender=OutboundEmail, email_id=pk, key=key, error=STALLED_ERROR)
    return count


def outbound_email_deliver_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """What ``manage.py deliver_outbound_email`` does: take back stalled rows, then send up to
    ``limit`` due rows, oldest first. Returns ``{"reclaimed", "sent", "retrying", "failed"}``.
    Safe to run while another copy or the task workers run: every row is claimed before it is sent."""
    now = now or timezone.now()
    result = {"reclaimed": outbound_email_reclaim_stalled(now=now), "sent": 0, "retrying": 0, "failed": 0}
    for email_id in list(OutboundEmail.objects.due(now).values_list("pk", flat=True)[:limit]):
        status = _deliver(email_id, now)
        if status == OutboundEmailStatus.SENT:
            result["sent"] += 1
        elif status == OutboundEmailStatus.FAILED:
            result["failed"] += 1
        elif status == OutboundEmailStatus.PENDING:
            result["retrying"] += 1
    return result


def outbound_email_retry(*, email_ids: Iterable[int], now: datetime | None = None) -> int:
    """Staff's "retry now": make waiting and failed rows due now with a fresh round of retries and
    deliver them after the commit; returns how many were requeued. A row that was sent or is being
    sent is left alone (an e-mail is never sent twice on purpose)."""
    now = now or timezone.now()
    ids = list(
        OutboundEmail.objects.filter(
            pk__in=list(email_ids), status__in=[OutboundEmailStatus.PENDING, OutboundEmailStatus.FAILED]
        ).values_list("pk", flat=True)
    )
    count = OutboundEmail.objects.filter(
        pk__in=ids, status__in=[OutboundEmailStatus.PENDING, OutboundEmailStatus.FAILED]
    ).update(status=OutboundEmailStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
    for email_id in ids:
        after_commit(lambda email_id=email_id: _enqueue_delivery(email_id))
    return count
