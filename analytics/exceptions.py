"""Errors of the analytics endpoints (each with a stable ``code``; mapped once by the API handler)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import InvalidInput, NotFound


class InvalidPeriod(InvalidInput):
    """``from`` after ``to``, or a period longer than the analytics accept (422)."""

    code = "INVALID_PERIOD"
    message = _("The period is not valid.")


class ConsultantNotFound(NotFound):
    code = "CONSULTANT_NOT_FOUND"
    message = _("Consultant not found.")
