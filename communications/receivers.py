"""What the communications app does when other apps report something (their documented signals).

* ``payments.signals.brevo_event_received`` — Brevo (the SMTP relay) reports a hard bounce, a spam
  complaint or an unsubscribe: the address goes on the do-not-contact list. The receiver lives here,
  not in leads, because it is about mail we sent: it also notes the event on the send row that
  carried the ``Message-ID`` Brevo names (docs/decisions.md "Brevo events reach the do-not-contact
  list through a signal").
* ``leads.signals.lead_erased`` — a GDPR erasure: the person's send rows are deleted.
"""

from django.dispatch import receiver

from leads.models import DoNotContactReason
from leads.signals import lead_erased
from payments.signals import brevo_event_received

#: Brevo event names (transactional and marketing webhooks) → do-not-contact reason.
BREVO_SUPPRESSION = {
    "hard_bounce": DoNotContactReason.HARD_BOUNCE,
    "invalid_email": DoNotContactReason.HARD_BOUNCE,
    "spam": DoNotContactReason.COMPLAINT,
    "complaint": DoNotContactReason.COMPLAINT,
    "unsubscribed": DoNotContactReason.UNSUBSCRIBED,
    "unsubscribe": DoNotContactReason.UNSUBSCRIBED,
}


@receiver(brevo_event_received, dispatch_uid="communications.brevo_suppression")
def suppress_on_brevo_event(sender, event_type: str, email: str, message_id: str = "", **kwargs) -> None:
    """Hard bounce, complaint, unsubscribe → the do-not-contact list (idempotent, so redeliveries are
    harmless); every other event type is left alone."""
    from .services import brevo_event_apply

    reason = BREVO_SUPPRESSION.get(event_type)
    if reason is not None and email:
        brevo_event_apply(email=email, reason=reason, event_type=event_type, message_id=message_id)


@receiver(lead_erased, dispatch_uid="communications.erase_sends")
def erase_sends(sender, lead, email: str, **kwargs) -> None:
    """Delete the erased person's send rows (the do-not-contact list keeps only the hash)."""
    from .services import campaign_sends_erase

    campaign_sends_erase(lead_id=lead.pk, email=email)
