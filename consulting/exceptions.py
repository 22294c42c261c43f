"""Consulting errors: each has a stable ``code`` and the HTTP status the API answers with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class ResearcherNotFound(NotFound):
    code = "RESEARCHER_NOT_FOUND"
    message = _("No such researcher.")


class PaperNotFound(NotFound):
    code = "PAPER_NOT_FOUND"
    message = _("No paper with this DOI or OpenAlex id.")


class SessionNotFound(NotFound):
    """Absent, or someone else's session (the same answer, so ids cannot be probed). 404."""

    code = "SESSION_NOT_FOUND"
    message = _("No such session.")


class SessionInvalid(InvalidInput):
    code = "VALIDATION_ERROR"


class SessionNotAcceptable(Conflict):
    """Only an active (pending payment or confirmed) session can be accepted. 409."""

    code = "SESSION_NOT_ACCEPTABLE"
    message = _("Only an upcoming, active session can be accepted.")


class OutreachAlreadyOnPlatform(Conflict):
    code = "RESEARCHER_ALREADY_REGISTERED"
    message = _("Someone with this e-mail address already has an account; book them directly.")


class OutreachDoNotContact(Conflict):
    """The address is on the do-not-contact list (``leads.selectors.is_contactable``): an unsubscribe,
    a bounce, a complaint or a staff entry. 409."""

    code = "RESEARCHER_DO_NOT_CONTACT"
    message = _("This address asked not to be contacted; no invitation is sent to it.")


class OutreachNotResendable(Conflict):
    code = "OUTREACH_NOT_RESENDABLE"
    message = _("Only a pending or failed invitation can be sent again.")


class InvitationInvalid(NotFound):
    """The token is forged, malformed, or belongs to an invitation that was re-sent since. 404."""

    code = "INVITATION_INVALID"
    message = _("This invitation link is not valid.")


class InvitationExpired(ApplicationError):
    code = "INVITATION_EXPIRED"
    status = 410
    message = _("This invitation link has expired; ask for a new invitation.")


class InvitationUsed(ApplicationError):
    code = "INVITATION_USED"
    status = 400
    message = _("This invitation has already been used.")


class InvitationDeclined(ApplicationError):
    code = "INVITATION_DECLINED"
    status = 400
    message = _("This invitation was declined.")


class CollectionJobNotRetryable(Conflict):
    code = "COLLECTION_JOB_NOT_RETRYABLE"
    message = _("Only a failed collection job can be retried.")


class OpenAlexError(ApplicationError):
    """A call to OpenAlex failed. ``transient``: network error, timeout, 429 or 5xx (worth a retry);
    otherwise OpenAlex refused the request or answered with something that is not its JSON."""

    code = "OPENALEX_ERROR"
    status = 502
    message = _("OpenAlex refused or did not answer the request.")

    def __init__(self, message: Message | None = None, *, transient: bool, http_status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.http_status = http_status


class OpenAlexNotFound(OpenAlexError):
    code = "OPENALEX_NOT_FOUND"
    status = 404

    def __init__(self, message: Message | None = None):
        super().__init__(message or _("OpenAlex has no such record."), transient=False, http_status=404)
