"""Errors of the communications app (each with a stable ``code``; mapped once by the API handler)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import Conflict, InvalidInput, NotFound


class EmailTemplateNotFound(NotFound):
    code = "EMAIL_TEMPLATE_NOT_FOUND"
    message = _("No such e-mail template.")


class CampaignNotFound(NotFound):
    code = "CAMPAIGN_NOT_FOUND"
    message = _("No such campaign.")


class UnknownTemplateVariable(InvalidInput):
    """A ``{{ name }}`` the renderer does not know; ``details`` names the field and the variable. 422."""

    code = "UNKNOWN_TEMPLATE_VARIABLE"
    message = _("The template uses a variable that does not exist.")


class TemplateInUse(Conflict):
    """A template a campaign still being prepared or sent uses cannot be deleted. 409."""

    code = "EMAIL_TEMPLATE_IN_USE"
    message = _("A campaign that is not finished uses this template.")


class CampaignStateError(Conflict):
    """The campaign's status does not allow this change (editing a sent campaign, pausing a draft…). 409."""

    code = "CAMPAIGN_STATE"
    message = _("The campaign cannot do this in its current status.")


class InvalidTrackingLink(NotFound):
    """A tracking or unsubscribe link whose signature does not verify (tampered, or not ours). 404."""

    code = "INVALID_LINK"
    message = _("This link is not valid.")
