"""JWT pairs (simplejwt, RS256): issue, rotate, revoke, and refresh-token families.

Access tokens live ``SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]`` (15 min), refresh tokens
``REFRESH_TOKEN_LIFETIME`` (7 days). A refresh token is single-use: refreshing blacklists it and
returns a new pair (spec 001 "Authentication Endpoints"). The blacklist row is the lock: its
one-to-one link to the outstanding token is unique in the database, so of two concurrent refreshes
with the same token exactly one inserts it and the other gets :class:`TokenRejected` (401).

Families (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): a login starts a
:class:`~accounts.models.RefreshTokenFamily`; its id travels in the ``fam`` claim and is copied
into every token rotated out of it. Presenting a refresh token that was already rotated away is
the signal of a stolen token (either the thief or the rightful client holds a dead one), so it
revokes the whole family: every outstanding token of it is blacklisted, the entry
``accounts.refresh_token_family.revoked_on_reuse`` is written to the audit trail, and the caller
gets 401 ``token_reused``. Other families (other logins) of the same user stay valid.

Concurrent twins: a client that sends the same refresh token twice at once (two tabs, a retry
after a lost response) would otherwise revoke its own login. A reuse within
``JWT_REFRESH_REUSE_LEEWAY`` (default 10 s) of the rotation is therefore answered 401
``token_used`` without revoking: the winner's new pair keeps working. This is the "reuse
interval" of Auth0 and Okta; the accepted risk is that a thief who replays within those seconds
is refused but not detected. ``JWT_REFRESH_REUSE_LEEWAY_SECONDS=0`` turns every reuse into a
revocation. Access tokens already issued are not revoked (they expire within 15 minutes).

Tokens issued before families existed (no ``fam`` claim) get a family of their own on their next
refresh. A deactivated or soft-deleted user can neither refresh nor use an access token
(``JWTAuthentication`` checks ``is_active``); their refresh tokens are also blacklisted at once.
Access tokens carry a hash of the password hash (``CHECK_REVOKE_TOKEN``), so changing the password
ends every session within the current request.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from magnetiq.audit import log_action

from . import mfa
from .exceptions import InvalidCredentials, TokenRejected
from .models import RefreshTokenFamily, RefreshTokenFamilyToken, User
from .throttling import LoginGuard

logger = logging.getLogger(__name__)

#: The claim carrying the family id (a UUID string) in refresh and access tokens.
FAMILY_CLAIM = "fam"


def token_pair_for(user: User, *, family: RefreshTokenFamily | None = None) -> dict:
    """A new pair for ``user`` in ``family`` (``None``: a new family, i.e. a new login).

    Returns ``{"access_token", "refresh_token", "token_type": "bearer", "expires_in"}`` with
    ``expires_in`` the access token lifetime in seconds (900).
    """
    with transaction.atomic():
        if family is None:
            family = RefreshTokenFamily.objects.create(user=user)
        refresh = RefreshToken.for_user(user)
        refresh[FAMILY_CLAIM] = str(family.pk)
        raw = str(refresh)
        # simplejwt stored the token before the claim was added; keep the stored copy exact.
        outstanding = OutstandingToken.objects.get(jti=refresh[api_settings.JTI_CLAIM])
        outstanding.token = raw
        outstanding.save(update_fields=["token"])
        RefreshTokenFamilyToken.objects.create(family=family, token=outstanding)
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": raw,
        "token_type": "bearer",
        "expires_in": int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def _user_of(token: RefreshToken) -> User:
    user = User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active or user.deleted_at is not None:
        raise TokenRejected(_("This account can no longer log in."), code="user_inactive")
    if api_settings.CHECK_REVOKE_TOKEN and token.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != (
        get_md5_hash_password(user.password)
    ):
        raise TokenRejected(_("The password has changed since this token was issued."), code="password_changed")
    return user


def _outstanding(token: RefreshToken, user: User | None) -> OutstandingToken:
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token.payload[api_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "token": str(token),
            "created_at": datetime.fromtimestamp(token.payload["iat"], tz=UTC),
            "expires_at": datetime.fromtimestamp(token.payload["exp"], tz=UTC),
        },
    )
    return outstanding


def _family_of(token: RefreshToken, outstanding: OutstandingToken, user: User | None) -> RefreshTokenFamily | None:
    """The family of ``token``, locked for the rest of the transaction (so refreshes and a
    revocation of one family run one after the other on PostgreSQL too; SQLite's IMMEDIATE
    transactions already do). A token from before families gets one of its own; ``None`` only for
    a token whose user no longer exists."""
    families = RefreshTokenFamily.objects.select_for_update()
    claimed = token.payload.get(FAMILY_CLAIM)
    if claimed:
        family = families.filter(pk=claimed).first()
        if family is None or (user is not None and family.user_id != user.pk):
            raise TokenRejected()
        return family
    link = RefreshTokenFamilyToken.objects.filter(token=outstanding).select_related("family").first()
    if link is not None:
        return families.get(pk=link.family_id)
    if user is None:
        return None
    family = RefreshTokenFamily.objects.create(user=user)
    RefreshTokenFamilyToken.objects.create(family=family, token=outstanding)
    return family


def _blacklist_once(outstanding: OutstandingToken) -> None:
    """Insert the blacklist row; a second insert (a replay or a concurrent twin) is rejected."""
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenRejected(_("This refresh token has already been used."), code="token_used") from exc


def _family_revoke(family: RefreshTokenFamily, *, reason: str, now: datetime) -> int:
    """Mark ``family`` revoked (first reason wins) and blacklist each of its tokens not yet
    blacklisted. Returns how many tokens were blacklisted now. Call inside a transaction."""
    if family.revoked_at is None:
        family.revoked_at, family.revoked_reason = now, reason
        family.save(update_fields=["revoked_at", "revoked_reason"])
    pending = list(OutstandingToken.objects.filter(family_link__family=family, blacklistedtoken__isnull=True))
    # A concurrent refresh may blacklist one of them first; that row is as good as ours.
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in pending], ignore_conflicts=True)
    return len(pending)


def token_refresh(*, refresh: str) -> tuple[User, dict]:
    """Rotate ``refresh``: blacklist it and return ``(user, new pair)`` (shape of
    :func:`token_pair_for`) in the same family.

    Raises :class:`TokenRejected` (401): ``token_not_valid`` for a bad or expired token,
    ``token_used`` for a token rotated away less than ``JWT_REFRESH_REUSE_LEEWAY`` ago (a
    concurrent twin), ``token_reused`` for one rotated away earlier (the whole family is revoked
    and audited before the error is raised), ``token_revoked`` for a token of a revoked family
    (logout, reuse, every session ended), ``user_inactive``/``password_changed`` for a user who
    can no longer use it.
    """
    token = _decode_refresh_ignoring_blacklist(refresh)
    with transaction.atomic():
        user = _user_of(token)
        outstanding = _outstanding(token, user)
        family = _family_of(token, outstanding, user)
        if family.revoked_at is not None:
            raise TokenRejected(_("This login has ended; log in again."), code="token_revoked")
        rotated = BlacklistedToken.objects.filter(token=outstanding).values_list("blacklisted_at", flat=True).first()
        if rotated is None:
            _blacklist_once(outstanding)
            return user, token_pair_for(user, family=family)
        now = timezone.now()
        if now - rotated <= settings.JWT_REFRESH_REUSE_LEEWAY:
            raise TokenRejected(_("This refresh token has already been used."), code="token_used")
        revoked = _family_revoke(family, reason=RefreshTokenFamily.RevokedReason.REUSE, now=now)
        log_action(
            family,
            "accounts.refresh_token_family.revoked_on_reuse",
            data={
                "user_id": user.pk,
                "reused_jti": outstanding.jti,
                "rotated_at": rotated.isoformat(),
                "tokens_revoked": revoked,
            },
        )
    # Outside the transaction: the revocation above must be committed, not rolled back by the raise.
    logger.warning("refresh_token.reuse_detected user=%s family=%s tokens_revoked=%s", user.pk, family.pk, revoked)
    raise TokenRejected(
        _("This refresh token was used before; every session of this login has ended. Log in again."),
        code="token_reused",
    )


def token_revoke(*, refresh: str) -> User | None:
    """Log out: blacklist the refresh token and end its family (every token of this login).
    Returns the token's user, if they still exist.

    Revoking a token that is already blacklisted is accepted silently (logging out twice is not
    an error); a malformed, expired or foreign token raises :class:`TokenRejected`. Other logins
    (families) of the user stay valid.
    """
    token = _decode_refresh_ignoring_blacklist(refresh)
    user = User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
    with transaction.atomic():
        outstanding = _outstanding(token, user)
        BlacklistedToken.objects.get_or_create(token=outstanding)
        family = _family_of(token, outstanding, user)
        if family is not None:
            _family_revoke(family, reason=RefreshTokenFamily.RevokedReason.LOGOUT, now=timezone.now())
    return user


def _decode_refresh_ignoring_blacklist(raw: str) -> RefreshToken:
    """Check signature, algorithm, expiry and type of ``raw``, but not the blacklist."""
    try:
        token = RefreshToken(raw, verify=False)
        token.payload = token.token_backend.decode(raw, verify=True)
        token.verify_token_type()
    except (TokenError, TokenBackendError) as exc:
        raise TokenRejected() from exc
    return token


def tokens_revoke_for_user(user: User) -> int:
    """Blacklist every refresh token of ``user`` that is not yet blacklisted or expired, and mark
    their open families revoked (reason ``user``).

    Returns how many tokens were blacklisted. Called on deactivation and password changes.
    """
    now = timezone.now()
    with transaction.atomic():
        RefreshTokenFamily.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=RefreshTokenFamily.RevokedReason.USER
        )
        pending = list(OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True))
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in pending], ignore_conflicts=True)
        return len(pending)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password login: ``tokens`` (shape of :func:`token_pair_for`), or, when the
    user has MFA, ``mfa_challenge`` (shape of :func:`accounts.mfa.mfa_challenge_create`) and no tokens."""

    user: User
    tokens: dict | None = None
    mfa_challenge: dict | None = None


def token_obtain(*, request, email: str, password: str) -> LoginResult:
    """Log in with e-mail and password: a :class:`LoginResult` with a pair, or with an MFA
    challenge for a user who has TOTP (:mod:`accounts.mfa`; the pair then comes from
    :func:`token_obtain_mfa`).

    Guarded by :class:`accounts.throttling.LoginGuard`: the attempt is counted before the password
    is checked (429 once the IP/account pair, the IP or the account is over its limit, even for the
    right password). Authenticates with ``ModelBackend`` directly (not ``authenticate()``,
    which would also feed django-axes, see the guard's docstring); it hashes even for an unknown
    e-mail (same timing) and upgrades an outdated password hash to Argon2 on success.
    Raises :class:`InvalidCredentials` (401) for a wrong password, an unknown, inactive or
    soft-deleted account, ``LoginRateLimited`` (429), and
    :class:`~accounts.exceptions.MFAEnrolmentRequired` (403) for a role that must use MFA
    (``STAFF_MFA_REQUIRED_ROLES``) and has not set it up.
    """
    guard = LoginGuard(request, email)
    guard.attempt()
    user = ModelBackend().authenticate(request, username=email.strip(), password=password)
    if user is None or user.deleted_at is not None:
        raise InvalidCredentials()
    guard.succeeded()
    if mfa.mfa_enabled(user):
        return LoginResult(user=user, mfa_challenge=mfa.mfa_challenge_create(user=user))
    if mfa.mfa_required_for(user):
        raise mfa.mfa_enrolment_error(request)
    update_last_login(None, user)
    return LoginResult(user=user, tokens=token_pair_for(user))


def token_obtain_mfa(*, mfa_token: str, code: str) -> LoginResult:
    """The second login step: the challenge of :func:`token_obtain` and a TOTP or recovery code.
    Returns a :class:`LoginResult` with a pair (a new family).

    Raises what :func:`accounts.mfa.mfa_challenge_verify` raises: ``MFAChallengeInvalid`` (401),
    ``MFACodeInvalid`` (401), ``MFARateLimited`` (429 with ``Retry-After``).
    """
    user = mfa.mfa_challenge_verify(mfa_token=mfa_token, code=code)
    update_last_login(None, user)
    return LoginResult(user=user, tokens=token_pair_for(user))
