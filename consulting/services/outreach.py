"""Outreach invitations to researchers: create, send (after commit, by a task), resend, decline."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from consulting import conf
from consulting.exceptions import (
    InvitationDeclined,
    InvitationInvalid,
    InvitationUsed,
    OutreachAlreadyOnPlatform,
    OutreachDoNotContact,
    OutreachNotResendable,
)
from consulting.models import (
    OutreachRequest,
    OutreachState,
    Paper,
)
from consulting.tokens import invitation_payload
from leads.selectors import is_contactable
from magnetiq.audit import log_action

logger = logging.getLogger(__name__)


def _enqueue_invitation(outreach: OutreachRequest) -> None:
    from consulting.tasks import send_outreach_invitation_task  # tasks import this module

    transaction.on_commit(lambda: send_outreach_invitation_task.enqueue(outreach.pk))


@transaction.atomic
def outreach_create(
    *,
    researcher_email: str,
    researcher_name: str = "",
    paper: Paper | None = None,
    context: str = "",
    message: str = "",
    language: str = "en",
    actor=None,
    now: datetime | None = None,
) -> OutreachRequest:
    """Invite a researcher who is not on the platform (spec 004 "Create Outreach Request").

    Creates the request (``pending``) and, after commit, enqueues the invitation e-mail with a signed
    link (:func:`outreach_send_invitation`). Raises ``ValidationError`` (422) for bad fields and
    :class:`OutreachAlreadyOnPlatform` (409) when a user with this e-mail exists and
    :class:`OutreachDoNotContact` (409) when the address is on the do-not-contact list.
    """
    from accounts.models import User

    email = (researcher_email or "").strip().lower()
    if email and User.objects.filter(email__iexact=email).exists():
        raise OutreachAlreadyOnPlatform(
            details=[{"field": "researcher_email", "message": OutreachAlreadyOnPlatform.message, "code": "exists"}]
        )
    if email and not is_contactable(email):
        # An invitation is unsolicited mail: the do-not-contact list applies as to campaigns.
        raise OutreachDoNotContact(
            details=[{"field": "researcher_email", "message": OutreachDoNotContact.message, "code": "do_not_contact"}]
        )
    outreach = OutreachRequest(
        researcher_email=email,
        researcher_name=(researcher_name or "").strip(),
        paper=paper,
        context=(context or "").strip(),
        message=(message or "").strip(),
        language=language,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        token_nonce=secrets.token_hex(8),
        token_issued_at=now or timezone.now(),
    )
    outreach.full_clean()
    outreach.save()
    log_action(outreach, "consulting.outreach.created", actor=actor, data={"email": email})
    _enqueue_invitation(outreach)
    return outreach


def outreach_send_invitation(*, outreach_id: int, now: datetime | None = None) -> OutreachRequest | None:
    """Send the current invitation of one outreach request, once (the task's body).

    Skips a request that is no longer pending or whose current invitation already left. The claim
    (``invitation_sent_at``) and the e-mail's outbox row are written in one transaction, with the
    key ``consulting.outreach:<id>:<token nonce>`` (one e-mail per link), so the e-mail leaves after
    the commit and is retried by the outbox (:mod:`magnetiq.mail`); when the outbox gives up, the
    request becomes ``email_failed`` (:func:`outreach_record_email_failure`). Returns the request
    (``None`` if it is gone).
    """
    from consulting.tokens import invitation_token
    from magnetiq.mail import send_templated_mail

    now = now or timezone.now()
    with transaction.atomic():
        outreach = (
            OutreachRequest.objects.select_for_update(of=("self",))
            .select_related("paper", "created_by")
            .filter(pk=outreach_id)
            .first()
        )
        if outreach is None or outreach.state != OutreachState.PENDING:
            return outreach
        if outreach.invitation_sent_at is not None:  # this link already left (a resend clears it)
            return outreach
        outreach.send_attempts += 1
        outreach.invitation_sent_at = now
        outreach.error = ""
        outreach.save(update_fields=["invitation_sent_at", "send_attempts", "error", "updated_at"])
        link = conf.get("CONSULTING_INVITATION_URL").format(token=invitation_token(outreach))
        send_templated_mail(
            to=[outreach.researcher_email],
            template="consulting/emails/outreach_invitation",
            context={
                "outreach": outreach,
                "link": link,
                "paper": outreach.paper,
                "max_age_days": conf.get("CONSULTING_INVITATION_MAX_AGE_DAYS"),
            },
            language=outreach.language,
            key=f"{OUTREACH_MAIL_KEY}:{outreach.pk}:{outreach.token_nonce}",
        )
        log_action(outreach, "consulting.outreach.sent", data={"email": outreach.researcher_email})
    outreach.refresh_from_db()
    return outreach


#: The outbox key prefix of invitation e-mails: ``consulting.outreach:<id>:<token nonce>``.
OUTREACH_MAIL_KEY = "consulting.outreach"


def outreach_record_email_failure(*, key: str, error: str) -> OutreachRequest | None:
    """The outbox gave up on an invitation (``key`` as :func:`outreach_send_invitation` wrote it;
    ``error`` its last error): the request becomes ``email_failed`` with the error, and can be sent
    again with :func:`outreach_resend`. A key of an older link (resent since) or of a request that
    is no longer pending changes nothing. Returns the request, ``None`` for another kind of key."""
    prefix, _, rest = key.partition(":")
    outreach_id, _, nonce = rest.partition(":")
    if prefix != OUTREACH_MAIL_KEY or not outreach_id.isdigit():
        return None
    with transaction.atomic():
        outreach = OutreachRequest.objects.select_for_update(of=("self",)).filter(pk=int(outreach_id)).first()
        if outreach is None or outreach.state != OutreachState.PENDING or outreach.token_nonce != nonce:
            return outreach
        outreach.invitation_sent_at = None
        outreach.state = OutreachState.EMAIL_FAILED
        outreach.error = error[:2000]
        outreach.save(update_fields=["invitation_sent_at", "state", "error", "updated_at"])
        log_action(outreach, "consulting.outreach.email_failed", data={"error": outreach.error})
    logger.warning("consulting.outreach.email_failed id=%s error=%s", outreach.pk, outreach.error)
    return outreach


@transaction.atomic
def outreach_resend(*, outreach: OutreachRequest, actor=None, now: datetime | None = None) -> OutreachRequest:
    """Issue a new invitation link (earlier links stop working) and send it again.

    Allowed for ``pending`` and ``email_failed`` requests (back to ``pending``). Raises
    :class:`OutreachNotResendable` (409) otherwise and :class:`OutreachDoNotContact` (409) when the
    address went on the do-not-contact list meanwhile.
    """
    outreach = OutreachRequest.objects.select_for_update().get(pk=outreach.pk)
    if outreach.state not in (OutreachState.PENDING, OutreachState.EMAIL_FAILED):
        raise OutreachNotResendable()
    if not is_contactable(outreach.researcher_email):
        raise OutreachDoNotContact()
    outreach.state = OutreachState.PENDING
    outreach.token_nonce = secrets.token_hex(8)
    outreach.token_issued_at = now or timezone.now()
    outreach.error = ""
    outreach.invitation_sent_at = None
    outreach.save(
        update_fields=["state", "token_nonce", "token_issued_at", "error", "invitation_sent_at", "updated_at"]
    )
    log_action(outreach, "consulting.outreach.resent", actor=actor)
    _enqueue_invitation(outreach)
    return outreach


def _outreach_for_token(token: str | None) -> OutreachRequest:
    """The locked outreach of a valid token; raises the token errors (404/410) and the state errors."""
    outreach_id, nonce = invitation_payload(token)
    outreach = (
        OutreachRequest.objects.select_for_update(of=("self",))
        .select_related("paper__researcher")
        .filter(pk=outreach_id)
        .first()
    )
    if outreach is None or not secrets.compare_digest(outreach.token_nonce, nonce):
        raise InvitationInvalid()
    if outreach.state == OutreachState.DECLINED:
        raise InvitationDeclined()
    if outreach.token_used_at is not None or outreach.state == OutreachState.ACCEPTED:
        raise InvitationUsed()
    return outreach


@transaction.atomic
def outreach_decline(*, token: str, now: datetime | None = None) -> OutreachRequest:
    """The invited researcher says no: the request becomes ``declined`` and the link stops working.
    Raises the token errors of :func:`researcher_register`."""
    outreach = _outreach_for_token(token)
    outreach.state = OutreachState.DECLINED
    outreach.token_used_at = now or timezone.now()
    outreach.save(update_fields=["state", "token_used_at", "updated_at"])
    log_action(outreach, "consulting.outreach.declined")
    return outreach
