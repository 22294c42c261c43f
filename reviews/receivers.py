"""Reviews' listeners to other apps' documented signals."""

from django.dispatch import receiver

from leads.signals import lead_erased

from .services import reviews_erase_client


@receiver(lead_erased, dispatch_uid="reviews.erase_client_data")
def erase_client_data(sender, lead, email: str, **kwargs) -> None:
    """A lead's GDPR erasure also erases that person's words and name from their reviews."""
    reviews_erase_client(email=email)
