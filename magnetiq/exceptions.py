"""The base of every domain exception: one small hierarchy per app, mapped once to the API's error shape.

Each app defines a few subclasses (``BookingUnavailable``, ``CouponExpired``, …) with a stable
``code``, a default human ``message`` and the HTTP status the API answers with. The API exception
handler maps them once; page views turn the same errors into ``messages``.

Messages are translatable: a class's default is ``gettext_lazy`` text, and a message given when
raising may be too; the instance's ``message`` is that text in the language active when the error
is raised (the request's), so it can be logged, stored or sent as JSON as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    #: Text for a person: a plain string or ``gettext_lazy``'s translatable text.
    Message: TypeAlias = str | _StrPromise


class ApplicationError(Exception):
    """A broken business rule, shown to the caller as it is.

    ``code``: stable machine code (``"BOOKING_UNAVAILABLE"``); ``status``: HTTP status (400 rule,
    404 absent, 409 conflict, 422 field validation); ``details``: ``[{"field", "message", "code"}]``.
    """

    code = "APPLICATION_ERROR"
    status = 400
    message: Message = _("The request could not be completed.")

    def __init__(
        self,
        message: Message | None = None,
        *,
        code: str | None = None,
        details: list[dict] | None = None,
        status: int | None = None,
    ):
        self.message = str(message or self.message)
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or []
        super().__init__(self.message)


class NotFound(ApplicationError):
    code = "NOT_FOUND"
    status = 404
    message = _("Not found.")


class Conflict(ApplicationError):
    code = "CONFLICT"
    status = 409
    message = _("The request conflicts with the current state.")


class Busy(ApplicationError):
    """A lock could not be taken in time: the caller may retry (pretix ``LockTimeoutException``)."""

    code = "BUSY"
    status = 409
    message = _("The resource is busy, please retry in a moment.")


class InvalidInput(ApplicationError):
    code = "VALIDATION_ERROR"
    status = 422
    message = _("The input is not valid.")


class RateLimited(ApplicationError):
    """429 ``RATE_LIMITED``: too many attempts. ``wait`` (whole seconds, ≥ 1) is how long until the
    next one would pass; the API answers it as ``Retry-After`` (RFC 9110 §10.2.3), a page view can
    say it in words."""

    code = "RATE_LIMITED"
    status = 429
    message = _("Too many attempts. Try again later.")

    def __init__(self, message: Message | None = None, *, wait: int = 1, **kwargs):
        self.wait = max(1, int(wait))
        super().__init__(message, **kwargs)
