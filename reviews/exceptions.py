"""Review errors: each has a stable ``code`` and the HTTP status the API answers with."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import Conflict, InvalidInput, NotFound


class ReviewNotAllowed(Conflict):
    """The booking cannot be rated (yet): only a completed consultation can. 409."""

    code = "REVIEW_NOT_ALLOWED"
    message = _("Only a completed consultation can be rated.")


class ReviewAlreadySubmitted(Conflict):
    """The booking has been rated already (one review per booking). 409."""

    code = "REVIEW_ALREADY_SUBMITTED"
    message = _("This consultation has already been rated. Thank you!")


class ReviewInvalid(InvalidInput):
    """A field of the review is not valid (rating outside 1–5, text too long, language). 422."""

    code = "VALIDATION_ERROR"


class ReviewNotFound(NotFound):
    code = "REVIEW_NOT_FOUND"
    message = _("No such review.")
