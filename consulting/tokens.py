"""Signed invitation tokens for outreach e-mails (spec 004 "Register Researcher").

A token is ``django.core.signing.dumps({"o": <outreach id>, "n": <nonce>})`` with its own salt:
signed with ``SECRET_KEY`` and timestamped, so it expires after ``CONSULTING_INVITATION_MAX_AGE_DAYS``.
The nonce lives on the outreach row; a resend draws a new one, so only the latest link works. Nothing
else is stored: whether it was used is the outreach's ``token_used_at``.
"""

from datetime import timedelta

from django.core import signing

from . import conf
from .exceptions import InvitationExpired, InvitationInvalid

_SALT = "consulting.outreach-invitation"


def invitation_token(outreach) -> str:
    """The token of the outreach's current invitation."""
    return signing.dumps({"o": outreach.pk, "n": outreach.token_nonce}, salt=_SALT)


def invitation_payload(token: str | None) -> tuple[int, str]:
    """``(outreach id, nonce)`` of a valid token. Raises :class:`InvitationExpired` (410) when it is
    older than the maximum age and :class:`InvitationInvalid` (404) when forged or malformed."""
    max_age = timedelta(days=conf.get("CONSULTING_INVITATION_MAX_AGE_DAYS"))
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationExpired() from None
    except signing.BadSignature:
        raise InvitationInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("n"), str):
        raise InvitationInvalid()
    return data["o"], data["n"]
