"""Reads of the leads app that other apps share: who may receive marketing e-mail.

Every marketing send path (campaigns, outreach) asks these before it mails anyone: an address on the
do-not-contact list (:class:`leads.models.DoNotContact`, matched by the SHA-256 of the normalised
address, so an erased person stays suppressed) gets nothing, and a lead counts as reachable only
while the consent in force for ``marketing`` (the latest :class:`leads.models.LeadConsent` of that
kind) is granted.
"""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ConsentKind, DoNotContact, Lead, LeadConsent, email_hash


def is_contactable(email: str) -> bool:
    """Whether ``email`` (any case, surrounding spaces ignored) is NOT on the do-not-contact list.
    Says nothing about consent: see :func:`with_marketing_consent`."""
    return not DoNotContact.objects.filter(email_hash=email_hash(email)).exists()


def suppressed_emails(emails: Iterable[str]) -> set[str]:
    """The addresses of ``emails`` (normalised: trimmed, lower-cased) that are on the
    do-not-contact list; one query per 500 addresses."""
    by_hash = {email_hash(email): email.strip().lower() for email in emails}
    hashes = list(by_hash)
    listed: set[str] = set()
    for start in range(0, len(hashes), 500):
        listed.update(
            DoNotContact.objects.filter(email_hash__in=hashes[start : start + 500]).values_list("email_hash", flat=True)
        )
    return {by_hash[digest] for digest in listed}


def with_marketing_consent(leads: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    """``leads`` (default: every non-erased lead) narrowed to those whose latest ``marketing``
    consent row is granted: a later withdrawal (``granted=False``) wins over an earlier consent,
    and a lead that never consented is left out."""
    latest = LeadConsent.objects.filter(lead=OuterRef("pk"), kind=ConsentKind.MARKETING).order_by("-recorded_at", "-id")
    queryset = leads if leads is not None else Lead.objects.active()
    return queryset.annotate(_marketing_granted=Subquery(latest.values("granted")[:1])).filter(_marketing_granted=True)
