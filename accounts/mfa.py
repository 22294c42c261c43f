"""Staff MFA: who must use a second factor, the API's login challenge, and resetting a user's MFA.

The factors are django-allauth's (``allauth.mfa``): TOTP authenticator apps and single-use
recovery codes, set up by the user on the web (``/accounts/2fa/``). Codes are checked with
allauth's own authenticator classes (``Authenticator.wrap().validate_code``), which also refuse
a TOTP code used twice within its period and mark a recovery code as used.

Rules (settings in ``magnetiq/settings/base.py``):

* ``STAFF_MFA_REQUIRED_ROLES`` (super admin, admin, payment manager) must have TOTP: without it
  the admin sends them to enrol (:mod:`accounts.middleware`) and the API refuses tokens with 403
  ``MFA_ENROLMENT_REQUIRED``. Other users may enrol; once they have, the second step is asked
  of them too.
* API login is two steps (:func:`accounts.tokens.token_obtain`, :func:`accounts.tokens.token_obtain_mfa`):
  the password answers with a challenge (a signed, short-lived ``mfa_token``), the code and the
  challenge with the tokens. A challenge is good for ``MFA_CHALLENGE_MAX_AGE`` seconds (300), one
  success, and is bound to the password: changing it voids open challenges.
* Code attempts are rate limited (``MFA_CODE_RATES``, :mod:`magnetiq.ratelimit`) per challenge
  (5) and per user (10 an hour, across challenges); a right code is not counted against the user.
"""

import hashlib
import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from rest_framework_simplejwt.utils import get_md5_hash_password

from magnetiq import ratelimit
from magnetiq.audit import log_action

from .exceptions import MFAChallengeInvalid, MFACodeInvalid, MFAEnrolmentRequired, MFARateLimited
from .models import User

_CHALLENGE_SALT = "accounts.mfa.challenge"


def mfa_required_for(user: User) -> bool:
    """Whether ``user``'s role must use a second factor (``STAFF_MFA_REQUIRED_ROLES``)."""
    return user.role in settings.STAFF_MFA_REQUIRED_ROLES


def mfa_enabled(user: User) -> bool:
    """Whether ``user`` has a TOTP authenticator (recovery codes alone are no second factor)."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def mfa_enrolment_error(request=None) -> MFAEnrolmentRequired:
    """The 403 for an enforced role without TOTP, naming the (absolute, if ``request``) set-up URL."""
    url = reverse("mfa_activate_totp")
    if request is not None:
        url = request.build_absolute_uri(url)
    return MFAEnrolmentRequired(
        details=[{"field": "enrolment_url", "message": url, "code": "mfa_enrolment_required"}],
    )


def _password_fingerprint(user: User) -> str:
    return get_md5_hash_password(user.password)


def mfa_challenge_create(*, user: User) -> dict:
    """A second-step challenge for ``user``, who has just given the right password.

    Returns ``{"mfa_required": True, "mfa_token": <signed string>, "methods": ["totp",
    "recovery_codes"?], "expires_in": <seconds>}``; ``recovery_codes`` is listed when the user has
    unused ones.
    """
    payload = {"u": user.pk, "n": secrets.token_urlsafe(16), "p": _password_fingerprint(user)}
    methods = ["totp"]
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    if codes is not None and codes.wrap().get_unused_codes():
        methods.append("recovery_codes")
    return {
        "mfa_required": True,
        "mfa_token": signing.dumps(payload, salt=_CHALLENGE_SALT),
        "methods": methods,
        "expires_in": settings.MFA_CHALLENGE_MAX_AGE,
    }


def _open_challenge(mfa_token: str) -> tuple[User, str]:
    try:
        payload = signing.loads(mfa_token, salt=_CHALLENGE_SALT, max_age=settings.MFA_CHALLENGE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        raise MFAChallengeInvalid() from None
    if not isinstance(payload, dict) or not {"u", "n", "p"} <= payload.keys():
        raise MFAChallengeInvalid()
    user = User.objects.alive().filter(pk=payload["u"], is_active=True).first()
    if user is None or not secrets.compare_digest(str(payload["p"]), _password_fingerprint(user)):
        raise MFAChallengeInvalid()
    return user, str(payload["n"])


def _throttle(user: User, nonce: str) -> ratelimit.Hit:
    """Count one code attempt for the challenge and the user; raise :class:`MFARateLimited` when
    either is over its rate. Returns the user's hit (refunded when the code is right)."""
    rates = settings.MFA_CODE_RATES
    per_challenge = ratelimit.hit(
        "mfa_code_challenge", hashlib.sha256(nonce.encode()).hexdigest(), ratelimit.Rate.parse(rates["challenge"])
    )
    per_user = ratelimit.hit("mfa_code_user", str(user.pk), ratelimit.Rate.parse(rates["user"]))
    refused = [h for h in (per_challenge, per_user) if not h.allowed]
    if refused:
        raise MFARateLimited(wait=ratelimit.retry_after(refused))
    return per_user


def _accept(user: User, code: str) -> Authenticator | None:
    """The authenticator ``code`` belongs to (TOTP first, then recovery codes), or ``None``.
    allauth's classes check it: a TOTP code once per period, a recovery code once ever."""
    code = "".join(code.split())
    for kind in (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES):
        authenticator = Authenticator.objects.filter(user=user, type=kind).first()
        if authenticator is not None and authenticator.wrap().validate_code(code):
            return authenticator
    return None


def mfa_challenge_verify(*, mfa_token: str, code: str) -> User:
    """Check the second step: ``mfa_token`` from :func:`mfa_challenge_create` and a TOTP or
    recovery ``code``. Returns the user; the challenge is spent.

    Raises :class:`MFAChallengeInvalid` (401: bad, expired or used challenge, user gone or
    password changed), :class:`MFARateLimited` (429 with ``Retry-After``), :class:`MFACodeInvalid`
    (401: wrong or used code).
    """
    user, nonce = _open_challenge(mfa_token)
    counted = _throttle(user, nonce)
    if cache.get(f"mfa-challenge-used:{nonce}"):
        raise MFAChallengeInvalid()
    authenticator = _accept(user, code)
    if authenticator is None:
        raise MFACodeInvalid(details=[{"field": "code", "message": str(MFACodeInvalid.message), "code": "invalid"}])
    # One success per challenge: of two parallel right answers, one adds the marker.
    if not cache.add(f"mfa-challenge-used:{nonce}", True, timeout=settings.MFA_CHALLENGE_MAX_AGE):
        raise MFAChallengeInvalid()
    authenticator.record_usage()
    ratelimit.refund(counted)
    return user


@transaction.atomic
def user_mfa_reset(*, user: User, actor: User | None = None) -> int:
    """Remove every authenticator of ``user`` (TOTP and recovery codes), e.g. for a lost phone.

    The user must enrol again at their next admin visit (if their role requires MFA). Recorded
    in the audit trail as ``accounts.user.mfa_reset``. Returns how many authenticators were removed.
    """
    removed, _ = Authenticator.objects.filter(user=user).delete()
    log_action(user, "accounts.user.mfa_reset", actor=actor, data={"authenticators_removed": removed})
    return removed
