"""JWT pairs (simplejwt, RS256): issue, rotate, revoke.

Access tokens live ``SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]`` (15 min), refresh tokens
``REFRESH_TOKEN_LIFETIME`` (7 days). A refresh token is single-use: refreshing blacklists it and
returns a new pair (spec 001 "Authentication Endpoints"). The blacklist row is the lock: its
one-to-one link to the outstanding token is unique in the database, so of two concurrent refreshes
with the same token exactly one inserts it and the other gets :class:`TokenRejected` (401).

A deactivated or soft-deleted user can neither refresh nor use an access token
(``JWTAuthentication`` checks ``is_active``); their refresh tokens are also blacklisted at once.
Access tokens carry a hash of the password hash (``CHECK_REVOKE_TOKEN``), so changing the password
ends every session within the current request.
"""

from datetime import UTC, datetime

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import User
from .throttling import LoginGuard


class TokenRejected(AuthenticationFailed):
    """A refresh token that is malformed, expired, signed by another key, already used or revoked,
    or whose user may no longer log in. Always 401."""

    default_detail = "The token is invalid, expired or revoked."
    default_code = "token_not_valid"


def token_pair_for(user: User) -> dict:
    """A new pair for ``user``.

    Returns ``{"access_token", "refresh_token", "token_type": "bearer", "expires_in"}`` with
    ``expires_in`` the access token lifetime in seconds (900).
    """
    refresh = RefreshToken.for_user(user)
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise TokenRejected() from exc


def _user_of(token: RefreshToken) -> User:
    user = User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active or user.deleted_at is not None:
        raise TokenRejected("This account can no longer log in.", code="user_inactive")
    if api_settings.CHECK_REVOKE_TOKEN and token.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != (
        get_md5_hash_password(user.password)
    ):
        raise TokenRejected("The password has changed since this token was issued.", code="password_changed")
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


def _blacklist_once(outstanding: OutstandingToken) -> None:
    """Insert the blacklist row; a second insert (a replay or a concurrent twin) is rejected."""
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenRejected("This refresh token has already been used.", code="token_used") from exc


def token_refresh(*, refresh: str) -> tuple[User, dict]:
    """Rotate ``refresh``: blacklist it and return ``(user, new pair)`` (shape of :func:`token_pair_for`).

    Raises :class:`TokenRejected` (401) for a bad, expired, blacklisted or concurrently used token
    and for a user who is inactive, soft-deleted or changed the password since.
    """
    with transaction.atomic():
        token = _decode_refresh(refresh)
        user = _user_of(token)
        _blacklist_once(_outstanding(token, user))
        return user, token_pair_for(user)


def token_revoke(*, refresh: str) -> User | None:
    """Blacklist one refresh token (logout). Returns its user, if they still exist.

    Revoking a token that is already blacklisted is accepted silently (logging out twice is not
    an error); a malformed, expired or foreign token raises :class:`TokenRejected`.
    """
    token = _decode_refresh_ignoring_blacklist(refresh)
    user = User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
    with transaction.atomic():
        BlacklistedToken.objects.get_or_create(token=_outstanding(token, user))
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
    """Blacklist every refresh token of ``user`` that is not yet blacklisted or expired.

    Returns how many were blacklisted. Called on deactivation and password changes.
    """
    now = datetime.now(tz=UTC)
    pending = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
    count = 0
    for outstanding in pending:
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        count += int(created)
    return count


class InvalidCredentials(AuthenticationFailed):
    default_detail = "The e-mail address or the password is not correct."
    default_code = "invalid_credentials"


def token_obtain(*, request, email: str, password: str) -> tuple[User, dict]:
    """Log in with e-mail and password: return ``(user, pair)`` (shape of :func:`token_pair_for`).

    Guarded by :class:`accounts.throttling.LoginGuard` (429 while the IP or e-mail is locked, even
    for the right password). Authenticates with ``ModelBackend`` directly (not ``authenticate()``,
    which would also feed django-axes, see the guard's docstring); it hashes even for an unknown
    e-mail (same timing) and upgrades an outdated password hash to Argon2 on success.
    Raises :class:`InvalidCredentials` (401) for a wrong password, an unknown, inactive or
    soft-deleted account, and ``LoginRateLimited`` (429).
    """
    guard = LoginGuard(request, email)
    guard.check()
    user = ModelBackend().authenticate(request, username=email.strip(), password=password)
    if user is None or user.deleted_at is not None:
        guard.failed()
        raise InvalidCredentials()
    guard.succeeded()
    update_last_login(None, user)
    return user, token_pair_for(user)
