"""Bookings' listeners to other apps' documented signals."""

from django.dispatch import receiver

from leads.signals import lead_erased

from .services import booking_client_erase


@receiver(lead_erased, dispatch_uid="bookings.erase_client_data")
def erase_client_data(sender, lead, email: str, **kwargs) -> None:
    """A lead's GDPR erasure also erases that person's contact data on their past bookings (same
    transaction; upcoming ones are kept until cancelled, see ``booking_client_erase``)."""
    booking_client_erase(email=email)
