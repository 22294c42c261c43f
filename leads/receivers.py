"""The leads app's own listener: a GDPR erasure keeps the erased address suppressed by its hash."""

from django.dispatch import receiver

from .signals import lead_erased


@receiver(lead_erased, dispatch_uid="leads.do_not_contact_on_erasure")
def keep_erased_address_suppressed(sender, lead, email: str, **kwargs) -> None:
    """Blank the address of its do-not-contact entry (or add one holding only the hash)."""
    from .services import do_not_contact_forget_address

    do_not_contact_forget_address(email=email)
