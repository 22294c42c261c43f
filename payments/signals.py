"""Signals of the payments app: documented extension points for apps above it.

``brevo_event_received`` — sent by the Brevo webhook handler (``payments.services.webhooks``) once a
verified Brevo event is applied, with NO transaction open, for the event types listed in
:data:`payments.services.webhooks.BREVO_EVENT_TYPES`. Arguments: ``sender`` (the ``WebhookEvent``
class), ``event_type`` (Brevo's ``event``: ``"hard_bounce"``, ``"spam"``, ``"unsubscribed"``…),
``email`` (the recipient), ``message_id`` (the ``Message-ID`` Brevo names, ``""`` when none) and
``payload`` (the stored JSON). Receivers act idempotently (a redelivery sends it again); raising marks
the event ``failed`` and it is retried (``process_webhook_events``).
"""

from django.dispatch import Signal

brevo_event_received = Signal()
