"""Domain errors of the fraud controls (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, InvalidInput, NotFound, RateLimited


class RequestRefused(ApplicationError):
    """403: the client IP is blocked or the user or e-mail is flagged. The message does not say
    which, so a guesser learns nothing from it."""

    code = "REQUEST_REFUSED"
    status = 403
    message = _("This request cannot be processed right now.")


class AttemptsRateLimited(RateLimited):
    """429 ``RATE_LIMITED`` with ``Retry-After``: too many attempts from this IP or for this e-mail."""

    message = _("Too many attempts. Try again later.")


class InvalidIPAddress(InvalidInput):
    """400: not an IPv4/IPv6 address or CIDR network, or a network wider than /16 (IPv4) or /32
    (IPv6). A 400 rather than 422: the address may come in the URL (``block-ip/{ip}``), not only
    in a body field."""

    code = "INVALID_IP_ADDRESS"
    status = 400
    message = _("Enter a valid IPv4 or IPv6 address or network.")


class BlockNotFound(NotFound):
    code = "BLOCK_NOT_FOUND"
    message = _("This IP address is not blocked.")


class WhitelistEntryNotFound(NotFound):
    code = "WHITELIST_ENTRY_NOT_FOUND"
    message = _("This user is not on the whitelist.")


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    message = _("User not found.")


class IdentityRequired(InvalidInput):
    code = "IDENTITY_REQUIRED"
    message = _("Name a user or an e-mail address.")
