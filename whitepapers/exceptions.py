"""Domain errors of the whitepapers app (each with a stable ``code``; mapped once by the API handler)."""

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound


class WhitepaperNotFound(NotFound):
    code = "WHITEPAPER_NOT_FOUND"
    message = "Whitepaper not found."


class WhitepaperUnavailable(ApplicationError):
    """The whitepaper has neither an uploaded PDF nor a body to generate one from."""

    code = "WHITEPAPER_UNAVAILABLE"
    status = 400
    message = "This whitepaper has no PDF yet: upload a file or write a body first."


class InvalidPdf(InvalidInput):
    code = "INVALID_PDF"
    message = "The file is not a PDF."


class DownloadLinkNotFound(NotFound):
    code = "DOWNLOAD_LINK_NOT_FOUND"
    message = "This download link does not exist."


class DownloadLinkGone(ApplicationError):
    """Expired or used up (410). ``details`` carries the ``request_new_link`` hint: the landing page
    where the visitor can ask for a fresh link."""

    code = "DOWNLOAD_LINK_GONE"
    status = 410
    message = "This download link is no longer valid."

    def __init__(self, message: str, *, code: str, landing_url: str):
        super().__init__(
            message,
            code=code,
            details=[{"field": "request_new_link", "message": landing_url, "code": "request_new_link"}],
        )
        self.landing_url = landing_url


class SubmissionStateError(Conflict):
    code = "SUBMISSION_STATE"
    message = "This e-mail submission cannot change to that state."


class InvalidEmailMessage(InvalidInput):
    code = "INVALID_EMAIL"
    message = "The file is not a readable e-mail message."
