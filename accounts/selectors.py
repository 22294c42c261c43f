"""Reads about users that other apps share (the account pages, the personal-data export)."""

from allauth.account.models import EmailAddress  # type: ignore[import-untyped]

from .models import User


def verified_emails(user: User) -> list[str]:
    """The lower-cased addresses ``user`` proved to own: allauth's verified ``EmailAddress`` rows
    (the login address included once it is verified). A guest booking, registration or download
    under one of these is the user's; an unverified address proves nothing (anyone may type it)."""
    if not getattr(user, "is_authenticated", False):
        return []
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({email.strip().lower() for email in emails})
