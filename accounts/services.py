"""Every write to users: create, update, (de/re)activate, passwords, invitations.

The admin, the API and the commands call these, so the rules hold everywhere:

* ``role`` decides the Django group (:mod:`accounts.roles`); staff roles imply ``is_staff``,
  ``super_admin`` implies ``is_superuser``; neither flag is set any other way.
* Only a super admin may grant the ``super_admin`` role or change a super admin (403 otherwise).
* The last active super admin cannot be demoted or deactivated, and nobody can deactivate
  themself (409).
* Deactivation is the soft delete of spec 000 "User Model": ``deleted_at`` and ``is_active=False``,
  and every refresh token of the user is blacklisted at once.
* E-mails go through the outbox and leave after the transaction commits (:mod:`magnetiq.mail`);
  they are rendered from ``accounts/templates/accounts/email/`` in the language active when the
  service is called (the API views activate the request's ``Accept-Language``).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import InvalidInput
from magnetiq.mail import send_templated_mail

from .exceptions import CannotDeactivateSelf, EmailTaken, InvalidResetLink, LastSuperAdmin, UserInactive
from .models import STAFF_ROLES, Role, User
from .roles import assign_role_group
from .tokens import tokens_revoke_for_user

logger = logging.getLogger(__name__)


# --- helpers --------------------------------------------------------------------------------


def _is_super_admin(user: User | None) -> bool:
    return bool(user and user.is_active and user.role == Role.SUPER_ADMIN)


def _ensure_actor_may_touch(actor: User | None, *, target: User | None, new_role: str | None) -> None:
    """Only super admins grant ``super_admin`` or change a super admin. ``actor=None``: trusted code."""
    if actor is None or _is_super_admin(actor):
        return
    if new_role == Role.SUPER_ADMIN or (target is not None and target.role == Role.SUPER_ADMIN):
        raise PermissionDenied(_("Only a super admin may grant the super admin role or change a super admin."))


def _ensure_not_last_super_admin(user: User) -> None:
    """Raise :class:`LastSuperAdmin` if ``user`` is the only active super admin left.

    Reads inside the caller's transaction with the rows locked (``select_for_update`` on
    PostgreSQL; SQLite's IMMEDIATE transactions serialise writers already).
    """
    others = User.objects.select_for_update().alive().filter(role=Role.SUPER_ADMIN, is_active=True).exclude(pk=user.pk)
    active = user.is_active and user.deleted_at is None
    if user.role == Role.SUPER_ADMIN and active and not others.exists():
        raise LastSuperAdmin()


def _apply_role(user: User, role: str) -> None:
    user.role = role
    user.is_staff = role in STAFF_ROLES
    user.is_superuser = role == Role.SUPER_ADMIN


def _validate_new_password(password: str, user: User, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _password_link(user: User) -> tuple[str, str, str]:
    """``(uid, token, url)`` for a set-password link (Django's token generator, single use:
    the token is bound to the password hash and the last login)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return uid, token, settings.PASSWORD_RESET_URL.format(uid=uid, token=token)


#: Where the e-mails tell API clients to send the link's ``uid`` and ``token`` (spec 002).
RESET_API_PATH = "/api/v1/auth/reset-password"
#: The folder of this app's e-mail templates (``<name>_subject.txt``, ``<name>.txt``, ``<name>.html``).
EMAIL_TEMPLATE_DIR = "accounts/email"


def _mail_language() -> str:
    """The language of the e-mail: the one active when the service is called (a page's, from its
    ``/de/`` prefix; the API views activate the client's ``Accept-Language``), mapped to one of
    ``settings.LANGUAGES`` (``"de-at"`` → ``"de"``); ``settings.LANGUAGE_CODE`` when none is active
    or it is not offered."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def _send_password_mail(*, user: User, template: str, context: dict) -> None:
    """Render ``accounts/email/<template>`` with a fresh set-password link in the active language
    (:func:`_mail_language`) and record it in the outbox in the open transaction (if any): it
    leaves after the commit, and a relay that fails for a while is retried (:mod:`magnetiq.mail`).
    No idempotency key: every call is a new link, so a new e-mail."""
    uid, token, url = _password_link(user)
    send_templated_mail(
        to=[user.email],
        template=f"{EMAIL_TEMPLATE_DIR}/{template}",
        context={
            "name": user.get_short_name(),
            "url": url,
            "uid": uid,
            "token": token,
            "api_path": RESET_API_PATH,
            # Whole hours, as Django's PASSWORD_RESET_TIMEOUT (seconds) is set in days or hours.
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            **context,
        },
        language=_mail_language(),
    )


# --- users ----------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str = Role.VIEWER,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    send_invitation: bool = False,
    actor: User | None = None,
) -> User:
    """Create a user with ``role`` (group, ``is_staff`` and ``is_superuser`` follow from it).

    ``password`` is checked by ``AUTH_PASSWORD_VALIDATORS`` (422 on ``password``); without one the
    user has no usable password until they set one through an invitation or reset link.
    ``send_invitation`` e-mails such a link (:func:`user_invite`).
    Raises :class:`EmailTaken` (409), ``ValidationError`` (422), ``PermissionDenied`` (403).
    """
    _ensure_actor_may_touch(actor, target=None, new_role=role)
    email = _normalise_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(details=[{"field": "email", "message": EmailTaken.message, "code": "unique"}])
    user = User(email=email, first_name=first_name, last_name=last_name)
    _apply_role(user, role)
    if password:
        _validate_new_password(password, user, "password")
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    assign_role_group(user)
    logger.info("user.created id=%s role=%s by=%s", user.pk, user.role, getattr(actor, "pk", None))
    if send_invitation:
        user_invite(user=user)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: User | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the given fields (``None`` = leave as it is) and return the user.

    A role change moves the user to the role's group; ``is_active=False`` deactivates
    (:func:`user_deactivate`), ``True`` reactivates (:func:`user_reactivate`).
    Raises :class:`EmailTaken`, :class:`LastSuperAdmin`, :class:`CannotDeactivateSelf` (409),
    ``ValidationError`` (422), ``PermissionDenied`` (403).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    _ensure_actor_may_touch(actor, target=user, new_role=role)
    if email is not None:
        email = _normalise_email(email)
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise EmailTaken(details=[{"field": "email", "message": EmailTaken.message, "code": "unique"}])
        user.email = email
    if first_name is not None:
        user.first_name = first_name
    if last_name is not None:
        user.last_name = last_name
    if role is not None and role != user.role:
        _ensure_not_last_super_admin(user)
        _apply_role(user, role)
    user.full_clean()
    user.save()
    assign_role_group(user)
    if is_active is False and (user.is_active or user.deleted_at is None):
        user = user_deactivate(user=user, actor=actor)
    elif is_active is True and (not user.is_active or user.deleted_at is not None):
        user = user_reactivate(user=user, actor=actor)
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None, now: datetime | None = None) -> User:
    """Soft-delete ``user``: ``deleted_at=now``, ``is_active=False``, refresh tokens blacklisted.

    Their access tokens stop working at the next request (``JWTAuthentication`` checks
    ``is_active``). Idempotent for an already deactivated user.
    Raises :class:`CannotDeactivateSelf`, :class:`LastSuperAdmin` (409), ``PermissionDenied`` (403).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    _ensure_actor_may_touch(actor, target=user, new_role=None)
    if actor is not None and actor.pk == user.pk:
        raise CannotDeactivateSelf()
    if user.is_active:
        _ensure_not_last_super_admin(user)
    user.is_active = False
    user.deleted_at = user.deleted_at or now or timezone.now()
    user.save(update_fields=["is_active", "deleted_at", "updated_at"])
    revoked = tokens_revoke_for_user(user)
    logger.info("user.deactivated id=%s by=%s tokens_revoked=%s", user.pk, getattr(actor, "pk", None), revoked)
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None = None) -> User:
    """Undo :func:`user_deactivate`: ``is_active=True``, ``deleted_at=None``. Idempotent."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _ensure_actor_may_touch(actor, target=user, new_role=None)
    user.is_active = True
    user.deleted_at = None
    user.save(update_fields=["is_active", "deleted_at", "updated_at"])
    assign_role_group(user)
    logger.info("user.reactivated id=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_email_set_verified(*, user: User, email: str = "") -> None:
    """Record that ``user`` proved they own ``email`` (default: their login address), e.g. by
    opening a link that was sent only to it, as allauth's verified ``EmailAddress`` (primary when
    it is the login address). Guest bookings, registrations and downloads under a verified address
    show on the account pages. Idempotent."""
    from allauth.account.models import EmailAddress  # type: ignore[import-untyped]

    email = _normalise_email(email or user.email)
    primary = email == _normalise_email(user.email)
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=primary)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


@transaction.atomic
def user_erase(*, user: User, now: datetime | None = None) -> User:
    """The account holder's own erasure (GDPR Art. 17): forget who the user was, keep the row.

    The row stays (bookings, payouts and the audit log point at it) as an inactive, anonymous
    user: e-mail ``erased-<id>@erased.invalid``, names blank, no usable password, ``deleted_at``
    set, allauth's e-mail addresses and MFA authenticators deleted, every refresh token revoked.
    The other apps' copies (lead, bookings, registrations) are erased by their own services.
    Idempotent. Raises :class:`LastSuperAdmin` (409) for the last active super admin.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator  # type: ignore[import-untyped]

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        _ensure_not_last_super_admin(user)
    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.deleted_at = user.deleted_at or now or timezone.now()
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "deleted_at", "password", "updated_at"])
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    revoked = tokens_revoke_for_user(user)
    logger.info("user.erased id=%s tokens_revoked=%s", user.pk, revoked)
    return user


# --- passwords ------------------------------------------------------------------------------


@transaction.atomic
def user_set_password(*, user: User, new_password: str | None) -> User:
    """Set (or, with ``None``, disable) the password of ``user`` and end their sessions.

    For staff setting someone else's password (the admin's password form). Raises
    ``ValidationError`` (422 on ``new_password``).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if new_password is None:
        user.set_unusable_password()
    else:
        _validate_new_password(new_password, user, "new_password")
        user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    tokens_revoke_for_user(user)
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> User:
    """Change one's own password after proving the current one; every refresh token is revoked
    and access tokens issued before stop working (``CHECK_REVOKE_TOKEN``).

    Raises :class:`InvalidInput` (422 on ``current_password``) or ``ValidationError`` (422 on
    ``new_password``).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise InvalidInput(
            _("The current password is not correct."),
            details=[{"field": "current_password", "message": _("Not correct."), "code": "invalid"}],
        )
    if current_password == new_password:
        raise InvalidInput(
            _("The new password must differ from the current one."),
            details=[{"field": "new_password", "message": _("Same as the current password."), "code": "invalid"}],
        )
    return user_set_password(user=user, new_password=new_password)


def user_request_password_reset(*, email: str) -> None:
    """E-mail a reset link if ``email`` belongs to an active user; do nothing otherwise.

    Returns nothing either way so callers answer the same whether or not the address exists.
    """
    user = User.objects.alive().filter(email__iexact=_normalise_email(email), is_active=True).first()
    if user is None:
        logger.info("password_reset.unknown_email")
        return
    user_send_password_reset(user=user)


def user_send_password_reset(*, user: User) -> None:
    """E-mail ``user`` a link to choose a new password (staff trigger it for someone), in the
    language of the current request (templates ``accounts/email/password_reset*``).

    Raises :class:`UserInactive` (409) for a deactivated user: the link would not work.
    """
    if not user.is_active or user.deleted_at is not None:
        raise UserInactive()
    _send_password_mail(user=user, template="password_reset", context={})


def user_invite(*, user: User) -> None:
    """E-mail ``user`` an invitation with a link to set their first password, in the language of
    the current request (templates ``accounts/email/invitation*``), naming their role."""
    # The lazy label, so the template renders it in the e-mail's language.
    role = dict(Role.choices).get(user.role, user.role)
    _send_password_mail(user=user, template="invitation", context={"role": role, "email": user.email})


@transaction.atomic
def user_reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset or invitation link (``uid``, ``token``).

    The token is single use (it is bound to the password hash). Raises :class:`InvalidResetLink`
    (400) for a wrong, used or expired link or an inactive user, ``ValidationError`` (422 on
    ``new_password``) for a weak password.
    """
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        raise InvalidResetLink() from None
    user = User.objects.select_for_update().alive().filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidResetLink()
    return user_set_password(user=user, new_password=new_password)
