"""Reads the consulting pages share."""

from __future__ import annotations

import secrets

from .exceptions import InvitationDeclined, InvitationInvalid, InvitationUsed
from .models import OutreachRequest, OutreachState
from .tokens import invitation_payload


def invitation_get(token: str | None) -> OutreachRequest:
    """The outreach request of a still usable invitation ``token`` (without locking it: the
    registration itself locks and checks again in ``researcher_register``).

    Raises :class:`InvitationInvalid` (forged, malformed or superseded by a resend),
    :class:`~consulting.exceptions.InvitationExpired` (older than the maximum age),
    :class:`InvitationDeclined` and :class:`InvitationUsed` — the same errors as the registration.
    """
    outreach_id, nonce = invitation_payload(token)
    outreach = OutreachRequest.objects.select_related("paper").filter(pk=outreach_id).first()
    if outreach is None or not secrets.compare_digest(outreach.token_nonce, nonce):
        raise InvitationInvalid()
    if outreach.state == OutreachState.DECLINED:
        raise InvitationDeclined()
    if outreach.token_used_at is not None or outreach.state == OutreachState.ACCEPTED:
        raise InvitationUsed()
    return outreach
