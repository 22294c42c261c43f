"""Domain errors of the consultants app (each with a stable ``code``; mapped once by the API handler)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, NotFound


class ConsultantEmailTaken(Conflict):
    code = "CONSULTANT_EMAIL_TAKEN"
    message = _("Another consultant already uses this e-mail address.")


class ConsultantNotFound(NotFound):
    code = "CONSULTANT_NOT_FOUND"
    message = _("Consultant not found.")


class ConsultantDeleted(ApplicationError):
    code = "CONSULTANT_DELETED"
    message = _("This consultant has been deleted and cannot be changed.")
