"""Domain errors of the webinars app (each with a stable ``code``; mapped once by the API handler)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, NotFound


class WebinarNotFound(NotFound):
    code = "WEBINAR_NOT_FOUND"
    message = _("Webinar not found.")


class RegistrationNotFound(NotFound):
    code = "REGISTRATION_NOT_FOUND"
    message = _("Registration not found.")


class AlreadyRegistered(Conflict):
    code = "ALREADY_REGISTERED"
    message = _("This e-mail address is already registered for this webinar.")


class WebinarClosed(ApplicationError):
    """The webinar takes no registrations: cancelled, finished, started or not published (400)."""

    code = "WEBINAR_CLOSED"
    message = _("This webinar does not take registrations.")


class InvalidRegistrationState(ApplicationError):
    code = "INVALID_REGISTRATION_STATE"
    message = _("This registration cannot be changed that way.")


class WebinarDeleted(ApplicationError):
    code = "WEBINAR_DELETED"
    message = _("This webinar has been deleted and cannot be changed.")


class SpamRejected(ApplicationError):
    code = "REGISTRATION_REJECTED"
    message = _("Your registration could not be processed.")
