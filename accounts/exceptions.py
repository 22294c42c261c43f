"""Errors of the accounts domain that the API maps to its error shape (``magnetiq.api.exceptions``).

The older user-administration errors (``EmailTaken``, ``LastSuperAdmin``, …) live next to their
services in :mod:`accounts.services`; the second login factor's errors are here.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from magnetiq.exceptions import ApplicationError


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
