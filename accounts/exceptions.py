"""Errors of the accounts domain that the API maps to its error shape (``magnetiq.api.exceptions``):
user administration (:mod:`accounts.services`), tokens and the password login (:mod:`accounts.tokens`,
:mod:`accounts.throttling`) and the second login factor (:mod:`accounts.mfa`).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed, Throttled

from magnetiq.exceptions import ApplicationError, Conflict


class EmailTaken(Conflict):
    """409: another user already has this e-mail address (case-insensitive)."""

    code = "EMAIL_TAKEN"
    message = _("A user with this e-mail address already exists.")


class LastSuperAdmin(Conflict):
    """409: the change would leave no active super admin."""

    code = "LAST_SUPER_ADMIN"
    message = _("The last active super admin cannot be demoted or deactivated.")


class CannotDeactivateSelf(Conflict):
    """409: a user tried to deactivate their own account."""

    code = "CANNOT_DEACTIVATE_SELF"
    message = _("You cannot deactivate your own account.")


class UserInactive(Conflict):
    """409: a password link was asked for a deactivated user (it would not work)."""

    code = "USER_INACTIVE"
    message = _("This account is deactivated; reactivate it first.")


class InvalidResetLink(ApplicationError):
    """400: the set-password link is malformed, used or expired (Django's token generator)."""

    code = "INVALID_RESET_TOKEN"
    status = 400
    message = _("This password link is invalid or has expired. Request a new one.")


class TokenRejected(AuthenticationFailed):
    """A refresh token that is malformed, expired, signed by another key, already used or revoked,
    or whose user may no longer log in. Always 401; ``code`` says which (``token_not_valid``,
    ``token_used``, ``token_reused``, ``token_revoked``, ``user_inactive``, ``password_changed``)."""

    default_detail = _("The token is invalid, expired or revoked.")
    default_code = "token_not_valid"


class InvalidCredentials(AuthenticationFailed):
    """401: wrong password, or an unknown, inactive or soft-deleted account (one answer for all)."""

    default_detail = _("The e-mail address or the password is not correct.")
    default_code = "invalid_credentials"


class LoginRateLimited(Throttled):
    """429 ``RATE_LIMITED``; ``wait`` (seconds) becomes ``Retry-After``."""

    default_detail = _("Too many login attempts. Try again later.")
    default_code = "rate_limited"


class MFAError(ApplicationError):
    """Base of the second-factor errors."""

    code = "MFA_ERROR"
    status = 400


class MFAEnrolmentRequired(MFAError):
    """403: the user's role must use a second factor and none is set up yet. ``details`` carries
    ``{"field": "enrolment_url", "message": <absolute URL of the TOTP set-up page>}``."""

    code = "MFA_ENROLMENT_REQUIRED"
    status = 403
    message = _(
        "Your role requires two-factor authentication. Set up an authenticator app on the web "
        "(log in there and open the enrolment URL), then log in again."
    )


class MFAChallengeInvalid(MFAError):
    """401: the ``mfa_token`` is forged, expired (``MFA_CHALLENGE_MAX_AGE``), already used, or its
    user can no longer log in or changed the password since. Log in with the password again."""

    code = "MFA_CHALLENGE_INVALID"
    status = 401
    message = _("This login challenge is invalid, expired or used. Log in again.")


class MFACodeInvalid(MFAError):
    """401: the code is not the current TOTP code nor an unused recovery code."""

    code = "MFA_CODE_INVALID"
    status = 401
    message = _("The code is not correct.")


class MFARateLimited(Throttled):
    """429 ``RATE_LIMITED`` with ``Retry-After``: too many codes for this challenge or this user."""

    default_detail = _("Too many codes were tried. Try again later.")
    default_code = "rate_limited"
