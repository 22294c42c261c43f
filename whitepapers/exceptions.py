"""Domain errors of the whitepapers app (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class WhitepaperNotFound(NotFound):
    code = "WHITEPAPER_NOT_FOUND"
    message = _("Whitepaper not found.")


class WhitepaperUnavailable(ApplicationError):
    """The whitepaper has neither an uploaded PDF nor a body to generate one from."""

    code = "WHITEPAPER_UNAVAILABLE"
    status = 400
    message = _("This whitepaper has no PDF yet: upload a file or write a body first.")


class InvalidPdf(InvalidInput):
    code = "INVALID_PDF"
    message = _("The file is not a PDF.")


class DownloadLinkNotFound(NotFound):
    code = "DOWNLOAD_LINK_NOT_FOUND"
    message = _("This download link does not exist.")


class DownloadLinkGone(ApplicationError):
    """Expired or used up (410). ``details`` carries the ``request_new_link`` hint: the landing page
    where the visitor can ask for a fresh link."""

    code = "DOWNLOAD_LINK_GONE"
    status = 410
    message = _("This download link is no longer valid.")

    def __init__(self, message: Message, *, code: str, landing_url: str):
        super().__init__(
            message,
            code=code,
            details=[{"field": "request_new_link", "message": landing_url, "code": "request_new_link"}],
        )
        self.landing_url = landing_url


class SubmissionStateError(Conflict):
    code = "SUBMISSION_STATE"
    message = _("This e-mail submission cannot change to that state.")


class InvalidEmailMessage(InvalidInput):
    code = "INVALID_EMAIL"
    message = _("The file is not a readable e-mail message.")
