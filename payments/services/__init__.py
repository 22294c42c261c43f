"""Every write of the payments app (``<entity>_<verb>`` services), re-exported from its modules.

- :mod:`.ledger` — ``ledger_record``
- :mod:`.checkout` — ``payment_create_for_booking``, ``payment_confirm_card``, ``payment_refresh``,
  ``payment_apply_intent``, ``payment_apply_succeeded``, ``payment_confirm_paid``, ``payment_cancel_open``
- :mod:`.refunds` — ``refund_create``, ``refund_submit``, ``refund_apply_stripe``, ``refunds_sync_payment``,
  ``payment_refundable``
- :mod:`.disputes` — ``dispute_apply_stripe``, ``dispute_refresh``
- :mod:`.subscriptions` — ``subscription_create``, ``subscription_apply_stripe``
- :mod:`.webhooks` — ``webhook_receive``, ``webhook_process``, ``webhook_event_claim``,
  ``webhook_events_retry`` (``manage.py process_webhook_events``), ``STRIPE_HANDLERS``
"""

from .checkout import (
    payment_apply_intent,
    payment_apply_succeeded,
    payment_cancel_open,
    payment_confirm_card,
    payment_confirm_paid,
    payment_create_for_booking,
    payment_refresh,
    payment_restart_with_discount,
)
from .disputes import dispute_apply_stripe, dispute_refresh
from .ledger import ledger_record
from .refunds import (
    payment_refundable,
    refund_apply_stripe,
    refund_create,
    refund_submit,
    refunds_sync_payment,
)
from .subscriptions import subscription_apply_stripe, subscription_create
from .webhooks import STRIPE_HANDLERS, webhook_event_claim, webhook_events_retry, webhook_process, webhook_receive

__all__ = [
    "STRIPE_HANDLERS",
    "dispute_apply_stripe",
    "dispute_refresh",
    "ledger_record",
    "payment_apply_intent",
    "payment_apply_succeeded",
    "payment_cancel_open",
    "payment_confirm_card",
    "payment_confirm_paid",
    "payment_create_for_booking",
    "payment_refresh",
    "payment_refundable",
    "payment_restart_with_discount",
    "refund_apply_stripe",
    "refund_create",
    "refund_submit",
    "refunds_sync_payment",
    "subscription_apply_stripe",
    "subscription_create",
    "webhook_event_claim",
    "webhook_events_retry",
    "webhook_process",
    "webhook_receive",
]
