"""Domain errors of the consultants app (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class ConsultantEmailTaken(Conflict):
    code = "CONSULTANT_EMAIL_TAKEN"
    message = _("Another consultant already uses this e-mail address.")


class ConsultantNotFound(NotFound):
    code = "CONSULTANT_NOT_FOUND"
    message = _("Consultant not found.")


class ConsultantDeleted(ApplicationError):
    code = "CONSULTANT_DELETED"
    message = _("This consultant has been deleted and cannot be changed.")


class ScrapingInProgress(Conflict):
    """The consultant already has a pending or running scraping job (one at a time). 409."""

    code = "SCRAPING_IN_PROGRESS"
    message = _("This consultant already has a LinkedIn import in progress.")


class ScrapingJobNotFound(NotFound):
    code = "SCRAPING_JOB_NOT_FOUND"
    message = _("Scraping job not found.")


class ScrapingJobNotRetryable(Conflict):
    """Only a failed or cancelled job can be retried. 409."""

    code = "SCRAPING_JOB_NOT_RETRYABLE"
    message = _("Only a failed or cancelled scraping job can be retried.")


class ScrapingJobNotCancellable(Conflict):
    """Only a pending or running job can be cancelled. 409."""

    code = "SCRAPING_JOB_NOT_CANCELLABLE"
    message = _("Only a pending or running scraping job can be cancelled.")


class LinkedInUrlMissing(ApplicationError):
    """No ``linkedin_url`` in the request and none on the profile. 400."""

    code = "LINKEDIN_URL_MISSING"
    message = _("Give a LinkedIn profile URL or set one on the consultant's profile.")


class LinkedInDataMissing(Conflict):
    """Nothing scraped yet for this consultant, so there is nothing to show or sync. 409."""

    code = "LINKEDIN_DATA_MISSING"
    message = _("No LinkedIn data has been imported for this consultant yet.")


class ScooppNotConfigured(ApplicationError):
    """``SCOOPP_API_KEY`` is empty: the LinkedIn import is switched off. 503."""

    code = "SCOOPP_NOT_CONFIGURED"
    status = 503
    message = _("The LinkedIn import is disabled: set SCOOPP_API_KEY.")


class ScooppWebhookInvalid(ApplicationError):
    """A webhook whose signature is missing, wrong or stale, or whose body is not a Scoopp event. 400."""

    code = "SCOOPP_WEBHOOK_INVALID"
    message = _("The Scoopp webhook signature is missing or wrong.")


class ScooppError(ApplicationError):
    """A call to Scoopp failed. ``transient``: worth retrying later (no answer, 5xx, 429 — then
    ``retry_after`` holds Scoopp's ``Retry-After`` in seconds when it sent one); a refusal (bad key,
    a URL Scoopp will not scrape) is not. 502."""

    code = "SCOOPP_ERROR"
    status = 502
    message = _("Scoopp refused or did not answer the request.")

    def __init__(
        self,
        message: Message | None = None,
        *,
        transient: bool,
        http_status: int | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.transient = transient
        self.http_status = http_status
        self.retry_after = retry_after
