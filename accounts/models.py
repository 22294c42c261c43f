"""Users: e-mail login (no username), a role, soft delete (spec 000 "User Model"); refresh-token
families (reuse detection, ``accounts.tokens``)."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


class Role(models.TextChoices):
    """Staff roles of spec 000 "Permission-Based Access Control", plus consultant and client."""

    SUPER_ADMIN = "super_admin", _("Super admin")
    ADMIN = "admin", _("Admin")
    CONSULTANT_MANAGER = "consultant_manager", _("Consultant manager")
    PAYMENT_MANAGER = "payment_manager", _("Payment manager")
    ANALYTICS_VIEWER = "analytics_viewer", _("Analytics viewer")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    CONSULTANT = "consultant", _("Consultant")
    CLIENT = "client", _("Client")


STAFF_ROLES = frozenset(
    {
        Role.SUPER_ADMIN,
        Role.ADMIN,
        Role.CONSULTANT_MANAGER,
        Role.PAYMENT_MANAGER,
        Role.ANALYTICS_VIEWER,
        Role.EDITOR,
        Role.VIEWER,
    }
)


class UserQuerySet(models.QuerySet):
    def alive(self):
        """Users that are not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def staff(self):
        return self.alive().filter(is_staff=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        """Low-level creation for ``createsuperuser`` and migrations' needs; application code uses
        ``accounts.services.user_create``. The staff flags follow the role, as in the services."""
        if not email:
            raise ValueError("An e-mail address is required.")
        role = extra.pop("role", Role.CLIENT)  # least privilege: staff roles are given, never defaulted
        extra["is_staff"] = role in STAFF_ROLES
        extra["is_superuser"] = role == Role.SUPER_ADMIN
        user = self.model(email=self.normalize_email(email).lower(), role=role, **extra)
        user.set_password(password)
        user.save(using=self._db)
        from .roles import assign_role_group  # roles imports this module

        assign_role_group(user)
        return user

    def create_user(self, email, password=None, **extra):
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["role"] = Role.SUPER_ADMIN
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: staff (a staff role), a consultant or a client.

    ``email`` is the login (stored lower-case, unique); ``role`` decides the Django group and so
    the permissions; ``deleted_at`` marks a soft delete (the user can no longer log in).
    """

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CLIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("Can log into the admin."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class RefreshTokenFamily(models.Model):
    """One login's chain of refresh tokens (RFC 9700 §4.14.2, "refresh token rotation").

    Logging in starts a family; every token rotated out of it carries the same family id (the
    ``fam`` claim) and is linked here through :class:`RefreshTokenFamilyToken`. Once
    ``revoked_at`` is set no token of the family can be refreshed again: because a rotated-away
    token was presented again (``reuse``), the user logged out (``logout``), or every session of
    the user ended (``user``: deactivation, password change). ``accounts.tokens`` is the only writer.
    """

    class RevokedReason(models.TextChoices):
        REUSE = "reuse", _("A rotated-away refresh token was used again")
        LOGOUT = "logout", _("Logged out")
        USER = "user", _("Every session of the user ended")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_token_families")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=16, choices=RevokedReason.choices, blank=True)

    class Meta:
        verbose_name = _("refresh token family")
        verbose_name_plural = _("refresh token families")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_reason="")
                | models.Q(revoked_at__isnull=False) & ~models.Q(revoked_reason=""),
                name="refresh_family_revoked_with_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.pk}"


class RefreshTokenFamilyToken(models.Model):
    """Which family an issued refresh token (simplejwt's ``OutstandingToken``) belongs to; one
    family per token (the one-to-one link is unique in the database)."""

    family = models.ForeignKey(RefreshTokenFamily, on_delete=models.CASCADE, related_name="links")
    token = models.OneToOneField(OutstandingToken, on_delete=models.CASCADE, related_name="family_link")

    def __str__(self) -> str:
        return f"{self.family_id}:{self.token_id}"
