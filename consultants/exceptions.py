"""Domain errors of the consultants app (each with a stable ``code``; mapped once by the API handler)."""

from magnetiq.exceptions import ApplicationError, Conflict, NotFound


class ConsultantEmailTaken(Conflict):
    code = "CONSULTANT_EMAIL_TAKEN"
    message = "Another consultant already uses this e-mail address."


class ConsultantNotFound(NotFound):
    code = "CONSULTANT_NOT_FOUND"
    message = "Consultant not found."


class ConsultantDeleted(ApplicationError):
    code = "CONSULTANT_DELETED"
    message = "This consultant has been deleted and cannot be changed."
