"""The fraud app's tables: every validation attempt, blocked IPs and networks, flagged users or
e-mail addresses and the whitelist. Written only by :mod:`fraud.services`."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Who put a block or a flag in place: the automatic rules or a member of staff."""

    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")


def ip_candidates(ip: str) -> list[str]:
    """Every network (canonical CIDR text, as :attr:`BlockedIP.network` stores it) that contains
    ``ip``: ``/32`` … ``/0`` for IPv4, ``/128`` … ``/0`` for IPv6 (an IPv4-mapped IPv6 address counts
    as its IPv4 address). Raises ``ValueError`` for text that is not an IP address."""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return [
        str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
        for prefix in range(address.max_prefixlen, -1, -1)
    ]


class AttemptQuerySet(models.QuerySet):
    def since(self, moment: datetime) -> AttemptQuerySet:
        return self.filter(created_at__gte=moment)

    def failures(self) -> AttemptQuerySet:
        """Failed attempts that still count (``reset-user`` clears them: ``cleared_at`` set)."""
        return self.filter(success=False, cleared_at__isnull=True)

    def of_identity(self, *, email: str = "", user_id: int | None = None) -> AttemptQuerySet:
        """Attempts of the normalised ``email`` or of the user ``user_id`` (none if both are empty)."""
        condition = Q(pk__in=[])
        if email:
            condition |= Q(email_normalised=email)
        if user_id is not None:
            condition |= Q(user_id=user_id)
        return self.filter(condition)

    def with_full_ip_before(self, moment: datetime) -> AttemptQuerySet:
        """Attempts older than ``moment`` still holding the full IP (the purge's work)."""
        return self.filter(created_at__lt=moment, ip__isnull=False)


class Attempt(models.Model):
    """One validation attempt (a coupon code tried, …), refused or not.

    ``scope``: what was attempted (``"coupon_validate"``); ``subject``: the code tried; ``reason``:
    the refusal code (empty on success); ``ip``: the full client address, kept
    ``FRAUD_ATTEMPT_IP_RETENTION_DAYS`` then cleared (``ip_truncated`` stays); ``risk``: the score
    0–100 of :func:`fraud.services.risk_assess` at the time; ``cleared_at``: staff reset the
    identity, so the failure no longer counts towards blocks and flags.
    """

    scope = models.CharField(_("scope"), max_length=64)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    ip_truncated = models.CharField(_("IP network"), max_length=45, blank=True)
    email_normalised = models.CharField(_("e-mail (normalised)"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    success = models.BooleanField(_("success"))
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    subject = models.CharField(_("code tried"), max_length=100, blank=True)
    risk = models.PositiveSmallIntegerField(_("risk score"), default=0)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["ip", "created_at"]),
            models.Index(fields=["email_normalised", "created_at"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(risk__lte=100), name="fraud_attempt_risk_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.subject} ({'ok' if self.success else self.reason})"


class BlockedIPQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None) -> BlockedIPQuerySet:
        """Blocks in force at ``now``: not lifted and not expired (``expires_at`` empty = for good)."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def covering(self, ip: str) -> BlockedIPQuerySet:
        """Blocks of ``ip`` itself or of a network containing it (``ValueError`` for a non-IP)."""
        return self.filter(network__in=ip_candidates(ip))


class BlockedIP(models.Model):
    """A blocked address (``/32``, ``/128``) or network, canonical CIDR text in ``network``.

    Active while ``lifted_at`` is empty and ``expires_at`` (UTC; empty = for good) is in the future.
    At most one unlifted row per network (a partial unique constraint), so parallel automatic blocks
    of one IP leave one row; an expired row is marked lifted before a new block of the network.
    """

    network = models.CharField(_("IP address or network"), max_length=49)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = BlockedIPQuerySet.as_manager()

    class Meta:
        verbose_name = _("blocked IP")
        verbose_name_plural = _("blocked IPs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["network"], condition=Q(lifted_at__isnull=True), name="fraud_one_unlifted_block_per_network"
            ),
        ]

    def __str__(self) -> str:
        return self.network

    @property
    def is_single_address(self) -> bool:
        return self.network.endswith(("/32", "/128"))

    @property
    def address(self) -> str:
        """The address alone for a single-address block, else the CIDR text."""
        return self.network.rsplit("/", 1)[0] if self.is_single_address else self.network


class FlaggedUserQuerySet(models.QuerySet):
    def active(self) -> FlaggedUserQuerySet:
        return self.filter(lifted_at__isnull=True)

    def of_identity(self, *, email: str = "", user_id: int | None = None) -> FlaggedUserQuerySet:
        condition = Q(pk__in=[])
        if email:
            condition |= Q(email_normalised=email)
        if user_id is not None:
            condition |= Q(user_id=user_id)
        return self.filter(condition)


class FlaggedUser(models.Model):
    """A user account and/or a normalised e-mail address whose attempts are refused (neutrally)
    until staff lift the flag. One unlifted flag per user and one per e-mail (partial unique
    constraints: parallel automatic flags leave one row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE
    )
    email_normalised = models.CharField(_("e-mail (normalised)"), max_length=254, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = FlaggedUserQuerySet.as_manager()

    class Meta:
        verbose_name = _("flagged user")
        verbose_name_plural = _("flagged users")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email_normalised=""), name="fraud_flag_names_someone"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True, user__isnull=False),
                name="fraud_one_unlifted_flag_per_user",
            ),
            models.UniqueConstraint(
                fields=["email_normalised"],
                condition=Q(lifted_at__isnull=True) & ~Q(email_normalised=""),
                name="fraud_one_unlifted_flag_per_email",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.email_normalised)


class Whitelist(models.Model):
    """A user the automatic flags leave alone (a known customer testing many codes, staff)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="fraud_whitelist"
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("whitelisted user")
        verbose_name_plural = _("whitelisted users")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(self.user)
