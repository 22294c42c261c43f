"""The webhook inbox: store a verified event once, apply it in a task through a dispatch table.

:func:`webhook_receive` (called by the views after the signature check) stores the event by
``(provider, event_id)`` — a duplicate finds the stored row — and enqueues :func:`webhook_process`
after commit. Processing claims the event (a lease, under its row lock) unless it is already
``processed``/``ignored`` or another worker holds it, runs the handler of its type
(:data:`STRIPE_HANDLERS`, a dispatch table) with NO transaction open — handlers call Stripe, and no
vendor is called while a transaction holds locks (``magnetiq.vendors``) — and then marks it. A
handler that fails (a lock timeout, Stripe unreachable) makes the row ``failed`` and the provider's
redelivery — or :func:`webhook_events_retry` (``manage.py process_webhook_events``, cron) —
processes it again. Handlers never trust the payload: they re-fetch the object from Stripe and apply
its current state with idempotent, forward-only services (each in its own short transaction), so
repeated, out-of-order or half-applied events end in Stripe's state (RELIABILITY S-3, S-4, S-6,
S-10, S-11).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from payments.exceptions import PaymentMismatch, PaymentNotFound
from payments.models import Provider, WebhookEvent, WebhookStatus
from payments.stripe_gateway import get_gateway

from .checkout import payment_refresh
from .disputes import dispute_refresh
from .refunds import refund_apply_stripe, refunds_sync_payment
from .subscriptions import subscription_apply_stripe

logger = logging.getLogger(__name__)

#: How long a retry run owns an event it claimed (longer than any handler takes).
CLAIM_LEASE = timedelta(minutes=10)
#: A ``received`` event younger than this is left to the task enqueued when it arrived.
RECEIVED_GRACE = timedelta(minutes=2)


def webhook_receive(
    *,
    provider: str,
    event_id: str,
    type: str,
    payload: dict,
    object_id: str = "",
    event_created_at: datetime | None = None,
) -> tuple[WebhookEvent, bool]:
    """Store a verified event (or find it); returns ``(event, created)``.

    Enqueues processing after commit unless the event is already ``processed`` or ``ignored``.
    Raises Django's ``OperationalError`` when the database is locked (the view answers 503).
    """
    created = False
    with transaction.atomic():
        event = WebhookEvent.objects.filter(provider=provider, event_id=event_id).first()
        if event is None:
            try:
                with transaction.atomic():
                    event = WebhookEvent.objects.create(
                        provider=provider,
                        event_id=event_id,
                        type=type[:100],
                        object_id=object_id[:255],
                        payload=payload,
                        event_created_at=event_created_at,
                    )
                created = True
            except IntegrityError:
                event = WebhookEvent.objects.get(provider=provider, event_id=event_id)
        if event.status in (WebhookStatus.RECEIVED, WebhookStatus.FAILED):
            from payments.tasks import process_webhook_event_task

            pk = event.pk
            transaction.on_commit(lambda: process_webhook_event_task.enqueue(pk))
    return event, created


def webhook_process(*, event_pk: int, claimed: bool = False) -> WebhookEvent:
    """Apply one stored event (see the module docstring). Returns the event as stored afterwards;
    a handler error is recorded on the row (``failed``, ``error``, ``attempts`` + 1), not raised.

    ``claimed``: the caller holds the event's lease already (:func:`webhook_events_retry`). Without
    it, an event another worker is applying right now (its lease still running) is left to that
    worker and returned as it is.
    """
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (WebhookStatus.PROCESSED, WebhookStatus.IGNORED):
            return event
        handler = HANDLERS.get(event.provider, {}).get(event.type)
        if handler is None:
            event.attempts += 1
            event.status = WebhookStatus.IGNORED
            event.processed_at = now
            event.claimed_until = None
            event.save()
            return event
        if not claimed and event.claimed_until is not None and event.claimed_until > now:
            return event
        WebhookEvent.objects.filter(pk=event_pk).update(claimed_until=now + CLAIM_LEASE)
    # The handler re-fetches from Stripe, so it runs with no transaction open; each service it calls
    # records its part in its own short transaction, idempotently and forward only, so a handler that
    # fails half-way is completed by the next attempt.
    status, error = WebhookStatus.PROCESSED, ""
    try:
        handler(event)
    except (PaymentNotFound, PaymentMismatch) as exc:
        # Not ours (another integration's PaymentIntent) or a mismatch: a redelivery would not
        # change it, so it is recorded, not retried.
        status, error = WebhookStatus.IGNORED, f"{type(exc).__name__}: {exc.message}"
    except Exception as exc:
        logger.exception("Webhook event %s failed", event_pk)
        status, error = WebhookStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    WebhookEvent.objects.filter(pk=event_pk).exclude(status=WebhookStatus.PROCESSED).update(
        status=status,
        attempts=F("attempts") + 1,
        error=error,
        processed_at=None if status == WebhookStatus.FAILED else timezone.now(),
        claimed_until=None,
    )
    return WebhookEvent.objects.get(pk=event_pk)


@dataclass
class RetryCounts:
    """What one :func:`webhook_events_retry` run did: ``processed``/``ignored``/``failed`` — events it
    applied (or tried) now; ``skipped`` — claimed by another run meanwhile; ``exhausted`` — failed
    ``max_attempts`` times already, left for a human."""

    processed: int = 0
    ignored: int = 0
    failed: int = 0
    skipped: int = 0
    exhausted: int = 0

    @property
    def still_failing(self) -> int:
        return self.failed + self.exhausted


def webhook_event_claim(*, event_pk: int, max_attempts: int, lease: timedelta = CLAIM_LEASE) -> bool:
    """Claim one ``received``/``failed`` event for ``lease`` with ONE conditional UPDATE; returns
    whether this caller got it. Two runs racing for the same event: exactly one UPDATE matches
    (the other sees the lease, or the event already processed). An expired lease (a run that
    crashed) can be claimed again."""
    now = timezone.now()
    return bool(
        WebhookEvent.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=event_pk,
            status__in=[WebhookStatus.RECEIVED, WebhookStatus.FAILED],
            attempts__lt=max_attempts,
        ).update(claimed_until=now + lease)
    )


def webhook_events_retry(
    *, limit: int = 100, max_attempts: int = 5, received_before: timedelta = RECEIVED_GRACE
) -> RetryCounts:
    """Apply the events whose processing failed (and ``received`` ones older than
    ``received_before`` whose task never ran), oldest first, at most ``limit``; each after a
    successful :func:`webhook_event_claim`, through :func:`webhook_process` (exactly once: its row
    lock and status check hold even without the claim). Idempotent and cron-safe."""
    counts = RetryCounts()
    now = timezone.now()
    due = WebhookEvent.objects.filter(
        Q(status=WebhookStatus.FAILED) | Q(status=WebhookStatus.RECEIVED, received_at__lte=now - received_before)
    )
    counts.exhausted = due.filter(status=WebhookStatus.FAILED, attempts__gte=max_attempts).count()
    candidates = list(due.filter(attempts__lt=max_attempts).order_by("received_at", "id").values_list("pk", flat=True))
    for pk in candidates[:limit]:
        if not webhook_event_claim(event_pk=pk, max_attempts=max_attempts):
            counts.skipped += 1
            continue
        event = webhook_process(event_pk=pk, claimed=True)
        if event.status == WebhookStatus.PROCESSED:
            counts.processed += 1
        elif event.status == WebhookStatus.IGNORED:
            counts.ignored += 1
        else:
            counts.failed += 1
    return counts


# --- Stripe handlers (each re-fetches what the event is about) ----------------------------------


def _obj(event: WebhookEvent) -> dict:
    return (event.payload.get("data") or {}).get("object") or {}


def _on_payment_intent(event: WebhookEvent) -> None:
    """``payment_intent.*``: re-fetch the PaymentIntent and apply it (fulfils once on success)."""
    payment_refresh(payment_intent_id=event.object_id, event_created=event.event_created_at)


def _on_charge_refunded(event: WebhookEvent) -> None:
    """``charge.refunded``: re-fetch the payment's refunds (the charge event may come before the
    PaymentIntent's own ``succeeded``: apply that first so the refund finds a succeeded payment)."""
    payment_intent_id = _obj(event).get("payment_intent") or ""
    if isinstance(payment_intent_id, dict):
        payment_intent_id = payment_intent_id.get("id", "")
    if not payment_intent_id:
        payment_intent_id = get_gateway().retrieve_charge(event.object_id).payment_intent_id
    payment_refresh(payment_intent_id=payment_intent_id, event_created=event.event_created_at)
    refunds_sync_payment(payment_intent_id=payment_intent_id)


def _on_refund(event: WebhookEvent) -> None:
    """``refund.created`` / ``refund.updated`` / ``refund.failed`` (and ``charge.refund.updated``)."""
    refund_apply_stripe(info=get_gateway().retrieve_refund(event.object_id))


def _on_dispute(event: WebhookEvent) -> None:
    """``charge.dispute.*``: re-fetch the dispute and record it (open → held back; won → restored)."""
    dispute_refresh(dispute_id=event.object_id)


def _on_subscription(event: WebhookEvent) -> None:
    """``customer.subscription.*``: re-fetch and store the subscription's current state."""
    email = _obj(event).get("customer_email") or ""
    subscription_apply_stripe(info=get_gateway().retrieve_subscription(event.object_id), email=email)


STRIPE_HANDLERS: dict[str, Callable[[WebhookEvent], None]] = {
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "payment_intent.processing": _on_payment_intent,
    "payment_intent.requires_action": _on_payment_intent,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute,
    "charge.dispute.funds_reinstated": _on_dispute,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "customer.subscription.paused": _on_subscription,
    "customer.subscription.resumed": _on_subscription,
}

# --- Brevo (the SMTP relay): bounces, complaints and unsubscribes go to the apps that mail ------

#: The Brevo event types passed on through :data:`payments.signals.brevo_event_received`; the rest
#: (delivered, opened, …) are stored as ``ignored``.
BREVO_EVENT_TYPES = ("hard_bounce", "invalid_email", "spam", "complaint", "unsubscribed", "unsubscribe")


def _on_brevo_event(event: WebhookEvent) -> None:
    """Send :data:`payments.signals.brevo_event_received`; the listeners (communications) act on it.
    Payments sits below the apps that send mail, so it announces instead of importing them."""
    from payments.signals import brevo_event_received

    payload = event.payload or {}
    brevo_event_received.send(
        sender=WebhookEvent,
        event_type=event.type,
        email=str(payload.get("email") or ""),
        message_id=str(payload.get("message-id") or payload.get("message_id") or ""),
        payload=payload,
    )


#: PayPal notifications are verified and recorded; no handler applies them yet (bookings are paid
#: through Stripe), so they are stored as ``ignored``.
HANDLERS: dict[str, dict[str, Callable[[WebhookEvent], None]]] = {
    Provider.STRIPE: STRIPE_HANDLERS,
    Provider.PAYPAL: {},
    Provider.BREVO: dict.fromkeys(BREVO_EVENT_TYPES, _on_brevo_event),
}
