"""Receivers of other apps' documented signals, so those apps need not import webinars."""

from django.dispatch import receiver

from leads.signals import lead_erased

from .services import webinar_registrations_erase


@receiver(lead_erased, dispatch_uid="webinars.erase_registrations")
def erase_registrations(sender, lead, email: str, **kwargs) -> None:
    """A lead's GDPR erasure also erases that person's webinar registrations (same transaction)."""
    webinar_registrations_erase(email=email)
