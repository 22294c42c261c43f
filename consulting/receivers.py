"""What the consulting app does when another part of the project reports something (connected in
``ConsultingConfig.ready``)."""

from django.dispatch import receiver

from magnetiq.mail import outbound_email_failed
from magnetiq.models import OutboundEmail

from .services import outreach_record_email_failure


@receiver(outbound_email_failed, sender=OutboundEmail, dispatch_uid="consulting.outreach_email_failed")
def on_outbound_email_failed(sender, email_id: int, key: str, error: str, **kwargs) -> None:
    """An invitation e-mail the outbox gave up on makes its request ``email_failed``."""
    outreach_record_email_failure(key=key, error=error)
