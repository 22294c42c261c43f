"""Every write of the fraud controls, and the checks other apps call around a guessable code.

The interface other apps (coupons) call, in this order for each attempt:

1. :func:`attempt_guard` before looking at the code: refuses a blocked IP or a flagged user or
   e-mail (403 ``REQUEST_REFUSED``, neutral) and counts the attempt against the per-IP and
   per-e-mail throttles of its scope (429 ``RATE_LIMITED`` with ``Retry-After``);
2. :func:`attempt_record` once the outcome is known: stores the attempt with its risk score and
   applies the automatic rules (an IP with too many failures is blocked, an identity with too many
   failures is flagged unless whitelisted);
3. :func:`risk_assess` and :func:`email_normalise` for the caller's own records (a redemption's
   risk score, the per-user limit on the normalised identity).

Staff operations (admin, ``/api/v1/admin/coupons/fraud…`` and ``…/security…``): :func:`ip_block`,
:func:`ip_unblock`, :func:`user_flag`, :func:`user_unflag`, :func:`whitelist_add`,
:func:`whitelist_remove`, :func:`identity_reset`; the retention job: :func:`attempts_purge_ips`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magnetiq import ratelimit
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from magnetiq.ips import truncate_ip

from . import conf, throttles
from .exceptions import (
    AttemptsRateLimited,
    BlockNotFound,
    IdentityRequired,
    InvalidIPAddress,
    RequestRefused,
    UserNotFound,
    WhitelistEntryNotFound,
)
from .models import Attempt, BlockedIP, FlaggedUser, Source, Whitelist, ip_candidates
from .throttles import canonical_ip

#: Points each risk reason adds to the score (capped at 100). A disposable address or a run of
#: different codes is a stronger sign of abuse than a first visit, which most honest people are.
RISK_WEIGHTS: dict[str, int] = {
    "new_identity": 15,
    "many_codes": 35,
    "disposable_email": 30,
    "many_identities": 30,
}

#: Mail providers whose addresses ignore dots in the local part; googlemail.com is gmail.com.
_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def email_normalise(email: str) -> str:
    """One form per mailbox, for limits "per person": trimmed and lower-cased, the ``+tag`` of the
    local part removed (``ann+promo@x.org`` → ``ann@x.org``), and for Gmail the dots removed and
    ``googlemail.com`` written ``gmail.com`` (``A.nn+x@GoogleMail.com`` → ``ann@gmail.com``; Gmail
    delivers every dotted variant to one mailbox). Text without ``@`` is only trimmed and
    lower-cased; ``""`` stays ``""``."""
    text = (email or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def _single_network(ip: str) -> str:
    """The canonical CIDR text of one address (``/32`` or ``/128``)."""
    return ip_candidates(ip)[0]


def ip_is_blocked(ip: str, *, now: datetime | None = None) -> bool:
    """Whether a block in force covers ``ip`` (the address itself or a network containing it).
    Text that is not an IP address is never blocked (there is nothing to match)."""
    canonical = canonical_ip(ip)
    return canonical is not None and BlockedIP.objects.active(now).covering(canonical).exists()


def identity_is_flagged(*, email: str = "", user_id: int | None = None) -> bool:
    """Whether the normalised ``email`` or the user ``user_id`` has a flag in force."""
    return FlaggedUser.objects.active().of_identity(email=email_normalise(email), user_id=user_id).exists()


def attempt_guard(*, scope: str, ip: str, email: str = "", user_id: int | None = None) -> None:
    """Let one attempt under ``scope`` (``"coupon_validate"``, …) through, or refuse it.

    ``ip``: the client address (DRF's ``get_ident``, which honours ``NUM_PROXIES``); ``email``: as
    typed (normalised here); ``user_id``: the signed-in user, if any.

    Raises :class:`~fraud.exceptions.RequestRefused` (403, a neutral message) when a block covers
    ``ip`` or the user or the e-mail is flagged, and
    :class:`~fraud.exceptions.AttemptsRateLimited` (429, ``wait`` in seconds for ``Retry-After``)
    when the attempt exceeds the scope's per-IP or per-e-mail rate (``FRAUD_ATTEMPT_RATE_IP``,
    ``FRAUD_ATTEMPT_RATE_EMAIL``, ``FRAUD_ATTEMPT_SCOPE_RATES``). Each limit is one atomic counter
    of :mod:`magnetiq.ratelimit`, counted before the code is looked at, so parallel guesses cannot
    slip past it; an attempt refused by the e-mail limit gives back what it counted against the IP
    (as the login guard does). Writes no row: the attempt itself is stored by :func:`attempt_record`.
    """
    normalised = email_normalise(email)
    if ip_is_blocked(ip) or identity_is_flagged(email=normalised, user_id=user_id):
        raise RequestRefused()
    counted: list[ratelimit.Hit] = []
    for subject in throttles.subjects(scope, ip, normalised):
        outcome = ratelimit.hit(subject.scope, subject.ident, subject.rate)
        if not outcome.allowed:
            for earlier in counted:
                ratelimit.refund(earlier)
            raise AttemptsRateLimited(wait=ratelimit.retry_after([outcome]))
        counted.append(outcome)


@dataclass(frozen=True)
class Risk:
    """A risk score 0–100 and the reasons that make it up (codes of :data:`RISK_WEIGHTS`:
    ``new_identity``, ``many_codes``, ``disposable_email``, ``many_identities``)."""

    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _is_disposable(email: str) -> bool:
    """Whether the domain of ``email`` or a parent domain is on the maintained list of disposable
    mail providers (the ``disposable-email-domains`` package)."""
    domain = email.rpartition("@")[2]
    parts = domain.split(".")
    return any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))


def risk_assess(*, ip: str, email: str, user_id: int | None, now: datetime | None = None) -> Risk:
    """How likely an attempt is abuse, from what came before it (its own record not counted).

    Reasons, each adding its :data:`RISK_WEIGHTS` points:

    * ``new_identity``: no earlier successful attempt of this e-mail (normalised) or user, and no
      account older than ``FRAUD_RISK_NEW_ACCOUNT_DAYS`` (an anonymous attempt without e-mail
      counts as new);
    * ``many_codes``: ``FRAUD_RISK_MANY_CODES`` or more different codes tried from this IP or by
      this identity within ``FRAUD_RISK_WINDOW_MINUTES``;
    * ``disposable_email``: the e-mail's domain is a disposable-mail provider;
    * ``many_identities``: with this one, ``FRAUD_RISK_MANY_IDENTITIES`` or more different e-mail
      addresses from this IP within the window.
    """
    now = now or timezone.now()
    normalised = email_normalise(email)
    canonical = canonical_ip(ip)
    recent = Attempt.objects.since(now - conf.risk_window())
    reasons = []

    identity = Attempt.objects.of_identity(email=normalised, user_id=user_id)
    known_account = (
        user_id is not None
        and get_user_model().objects.filter(pk=user_id, created_at__lte=now - conf.risk_new_account()).exists()
    )
    if not known_account and not identity.filter(success=True).exists():
        reasons.append("new_identity")

    tried_here = Q(pk__in=identity.values("pk"))
    if canonical:
        tried_here |= Q(ip=canonical)
    codes = recent.filter(tried_here).exclude(subject="").values("subject").distinct().count()
    if codes >= conf.risk_many_codes():
        reasons.append("many_codes")

    if normalised and _is_disposable(normalised):
        reasons.append("disposable_email")

    if canonical:
        emails = set(
            recent.filter(ip=canonical).exclude(email_normalised="").values_list("email_normalised", flat=True)
        )
        if normalised:
            emails.add(normalised)
        if len(emails) >= conf.risk_many_identities():
            reasons.append("many_identities")

    return Risk(score=min(100, sum(RISK_WEIGHTS[reason] for reason in reasons)), reasons=tuple(reasons))


def attempt_record(
    *,
    scope: str,
    ip: str,
    email: str = "",
    user_id: int | None = None,
    success: bool,
    reason: str = "",
    subject: str = "",
) -> Attempt:
    """Store one attempt and apply the automatic rules; returns the :class:`~fraud.models.Attempt`.

    ``subject``: the code tried (cut to 100 characters); ``reason``: the refusal code (``"expired"``,
    ``"unknown"``, …; empty on success); ``email`` is stored normalised, ``ip`` in full (until
    ``FRAUD_ATTEMPT_IP_RETENTION_DAYS`` have passed) and truncated (:func:`magnetiq.ips.truncate_ip`).
    The attempt's ``risk`` is :func:`risk_assess`'s score.

    After a failure: when ``FRAUD_BLOCK_AFTER_FAILURES`` failures (since the later of the window
    start, ``FRAUD_FAILURE_WINDOW_MINUTES`` ago, and the IP's last block) came from this IP, the IP
    is blocked for ``FRAUD_BLOCK_MINUTES`` (source ``auto``, audit entry
    ``fraud.blockedip.auto_block``); when ``FRAUD_FLAG_AFTER_FAILURES`` failures of this e-mail or
    user fall in the window (since its last lifted flag), the identity is flagged (source ``auto``,
    ``fraud.flaggeduser.auto_flag``) unless the user is whitelisted. Parallel failures leave one
    block and one flag (partial unique constraints).

    Call it outside the transaction of the attempt itself: the record of a refused attempt must
    survive the refusal's rollback.
    """
    normalised = email_normalise(email)
    canonical = canonical_ip(ip)
    risk = risk_assess(ip=ip, email=normalised, user_id=user_id)
    attempt = Attempt(
        scope=scope[:64],
        ip=canonical,
        ip_truncated=truncate_ip(canonical or ""),
        email_normalised=normalised[:254],
        user_id=user_id,
        success=success,
        reason=reason[:64],
        subject=(subject or "")[:100],
        risk=risk.score,
    )
    attempt.full_clean()
    attempt.save()
    if not success:
        if canonical:
            _block_if_guessing(canonical)
        if normalised or user_id is not None:
            _flag_if_guessing(email=normalised, user_id=user_id)
    return attempt


def _block_if_guessing(ip: str) -> None:
    now = timezone.now()
    network = _single_network(ip)
    failures_here = Attempt.objects.failures().filter(ip=ip).since(now - conf.failure_window())
    last_block = BlockedIP.objects.filter(network=network).aggregate(last=Max("created_at"))["last"]
    if last_block is not None:
        # Failures before the last block were paid for by it.
        failures_here = failures_here.filter(created_at__gt=last_block)
    failures = failures_here.count()
    if failures < conf.block_after_failures():
        return
    _block_create(
        network=network,
        source=Source.AUTO,
        reason=f"{failures} failed attempts within {int(conf.failure_window().total_seconds() // 60)} minutes",
        expires_at=now + conf.block_duration(),
        actor=None,
        now=now,
    )


def _block_create(
    *, network: str, source: str, reason: str, expires_at: datetime | None, actor, now: datetime
) -> tuple[BlockedIP, bool]:
    """The block in force for ``network``, created if there is none: ``(block, created)``.

    An expired block still unlifted is marked lifted (at its expiry) first, so the partial unique
    constraint (one unlifted block per network) leaves room for the new one. A parallel caller that
    created the block first wins: its row is returned, and only the creator writes the audit entry.
    """
    with transaction.atomic():
        BlockedIP.objects.filter(network=network, lifted_at__isnull=True, expires_at__lte=now).update(
            lifted_at=F("expires_at")
        )
        existing = BlockedIP.objects.active(now).filter(network=network).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                block = BlockedIP.objects.create(
                    network=network, source=source, reason=reason[:255], expires_at=expires_at, created_by=actor
                )
        except IntegrityError:
            return BlockedIP.objects.get(network=network, lifted_at__isnull=True), False
        action = "fraud.blockedip.auto_block" if source == Source.AUTO else "fraud.blockedip.block"
        log_action(
            block,
            action,
            actor=actor,
            data={
                "network": network,
                "reason": block.reason,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
        return block, True


def _is_whitelisted(*, email: str, user_id: int | None) -> bool:
    condition = Q(pk__in=[])
    if user_id is not None:
        condition |= Q(user_id=user_id)
    if email:
        condition |= Q(user__email=email)
    return Whitelist.objects.filter(condition).exists()


def _flag_if_guessing(*, email: str, user_id: int | None) -> None:
    if _is_whitelisted(email=email, user_id=user_id):
        return
    now = timezone.now()
    flags = FlaggedUser.objects.of_identity(email=email, user_id=user_id)
    if flags.active().exists():
        return
    failures_here = (
        Attempt.objects.failures().of_identity(email=email, user_id=user_id).since(now - conf.failure_window())
    )
    last_lifted = flags.aggregate(last=Max("lifted_at"))["last"]
    if last_lifted is not None:
        # Staff lifted the last flag: only failures after that count.
        failures_here = failures_here.filter(created_at__gt=last_lifted)
    failures = failures_here.count()
    if failures < conf.flag_after_failures():
        return
    _flag_create(
        email=email,
        user_id=user_id,
        source=Source.AUTO,
        reason=f"{failures} failed attempts within {int(conf.failure_window().total_seconds() // 60)} minutes",
        actor=None,
    )


def _flag_create(*, email: str, user_id: int | None, source: str, reason: str, actor) -> tuple[FlaggedUser, bool]:
    """The flag in force for the identity, created if there is none: ``(flag, created)``. A parallel
    caller that flagged it first wins (partial unique constraints); only the creator writes the
    audit entry."""
    with transaction.atomic():
        existing = FlaggedUser.objects.active().of_identity(email=email, user_id=user_id).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                flag = FlaggedUser.objects.create(
                    user_id=user_id, email_normalised=email, source=source, reason=reason[:255], flagged_by=actor
                )
        except IntegrityError:
            return FlaggedUser.objects.active().of_identity(email=email, user_id=user_id).get(), False
        action = "fraud.flaggeduser.auto_flag" if source == Source.AUTO else "fraud.flaggeduser.flag"
        log_action(flag, action, actor=actor, data={"email": email, "user_id": user_id, "reason": flag.reason})
        return flag, True


# --- Staff operations -------------------------------------------------------------------------

#: The widest networks staff may block at once: a typo such as ``10.0.0.0/1`` must not lock out
#: half the Internet.
MIN_PREFIX = {4: 16, 6: 32}


def network_parse(value: str) -> str:
    """The canonical CIDR text of an address or network typed by staff: ``"203.0.113.7"`` →
    ``"203.0.113.7/32"``, ``"2001:DB8::1"`` → ``"2001:db8::1/128"``, ``"203.0.113.9/24"`` →
    ``"203.0.113.0/24"`` (host bits dropped), ``"::ffff:203.0.113.7"`` → ``"203.0.113.7/32"``.

    Raises :class:`~fraud.exceptions.InvalidIPAddress` (400) for anything else, and for networks
    wider than ``/16`` (IPv4) or ``/32`` (IPv6).
    """
    text = (value or "").strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidIPAddress(
            details=[{"field": "ip", "message": str(InvalidIPAddress.message), "code": "invalid"}]
        ) from None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen == 128 and network.network_address.ipv4_mapped:
        network = ipaddress.ip_network(f"{network.network_address.ipv4_mapped}/32")
    if network.prefixlen < MIN_PREFIX[network.version]:
        raise InvalidIPAddress(details=[{"field": "ip", "message": str(InvalidIPAddress.message), "code": "too_wide"}])
    return str(network)


def ip_block(*, ip: str, duration_minutes: int | None, reason: str = "", actor=None) -> BlockedIP:
    """Block an address or network (see :func:`network_parse`) for ``duration_minutes`` from now
    (``None``: until lifted). A block already in force for the same network is changed to the new
    duration and reason (staff decide), so there is still one row. Audit: ``fraud.blockedip.block``
    or ``fraud.blockedip.update``. Raises :class:`~fraud.exceptions.InvalidIPAddress` (400)."""
    network = network_parse(ip)
    now = timezone.now()
    expires_at = now + timedelta(minutes=duration_minutes) if duration_minutes else None
    with transaction.atomic():
        block, created = _block_create(
            network=network, source=Source.MANUAL, reason=reason, expires_at=expires_at, actor=actor, now=now
        )
        if not created:
            BlockedIP.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
                expires_at=expires_at, reason=reason[:255], source=Source.MANUAL
            )
            block.refresh_from_db()
            log_action(
                block,
                "fraud.blockedip.update",
                actor=actor,
                data={
                    "network": network,
                    "reason": block.reason,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
            )
    return block


def ip_unblock(*, ip: str, actor=None) -> BlockedIP:
    """Lift the block in force for exactly this address or network (one conditional UPDATE, so two
    staff lifting it at once write one audit entry ``fraud.blockedip.unblock``). Failures before
    the block no longer count (:func:`attempt_record` counts from the last block on). Raises
    :class:`~fraud.exceptions.InvalidIPAddress` (400), :class:`~fraud.exceptions.BlockNotFound` (404)."""
    network = network_parse(ip)
    now = timezone.now()
    with transaction.atomic():
        block = BlockedIP.objects.active(now).filter(network=network).first()
        if block is None or not BlockedIP.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=actor
        ):
            raise BlockNotFound()
        block.refresh_from_db()
        log_action(block, "fraud.blockedip.unblock", actor=actor, data={"network": network})
    return block


def block_lift(*, block: BlockedIP, actor=None) -> bool:
    """Lift ``block`` (the admin's "unblock" action) unless it is lifted already; whether it was."""
    with transaction.atomic():
        lifted = BlockedIP.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor
        )
        if lifted:
            block.refresh_from_db()
            log_action(block, "fraud.blockedip.unblock", actor=actor, data={"network": block.network})
    return bool(lifted)


def _user_or_404(user_id: int):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


def _checked_email(email: str) -> str:
    normalised = email_normalise(email)
    if normalised:
        try:
            validate_email(normalised)
        except ValidationError:
            raise InvalidInput(
                _("Enter a valid e-mail address."),
                details=[{"field": "email", "message": str(_("Enter a valid e-mail address.")), "code": "invalid"}],
            ) from None
    return normalised


def user_flag(*, user_id: int | None = None, email: str = "", reason: str = "", actor=None) -> FlaggedUser:
    """Flag a user account and/or an e-mail address (normalised) by hand: their attempts are then
    refused with the neutral 403 until the flag is lifted. A flag already in force for the identity
    is returned as it is (one row). Audit: ``fraud.flaggeduser.flag``. Raises
    :class:`~fraud.exceptions.IdentityRequired` (422) without either,
    :class:`~fraud.exceptions.UserNotFound` (404), ``InvalidInput`` (422) for a malformed address."""
    normalised = _checked_email(email)
    if user_id is None and not normalised:
        raise IdentityRequired()
    if user_id is not None:
        _user_or_404(user_id)
    flag, _created = _flag_create(email=normalised, user_id=user_id, source=Source.MANUAL, reason=reason, actor=actor)
    return flag


def flag_lift(*, flag: FlaggedUser, actor=None) -> bool:
    """Lift ``flag`` (the admin's "unflag" action) unless it is lifted already; whether it was.
    Failures before the lift no longer count towards an automatic flag."""
    with transaction.atomic():
        lifted = FlaggedUser.objects.filter(pk=flag.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor
        )
        if lifted:
            flag.refresh_from_db()
            log_action(flag, "fraud.flaggeduser.unflag", actor=actor, data={"email": flag.email_normalised})
    return bool(lifted)


def whitelist_add(*, user_id: int, reason: str = "", actor=None) -> Whitelist:
    """Put a user on the whitelist: the automatic flags leave them alone from now on, and the
    automatic flags in force on their account or address are lifted. Blocks of an IP and manual
    flags still apply. Adding a listed user again changes the reason only. Audit:
    ``fraud.whitelist.add``. Raises :class:`~fraud.exceptions.UserNotFound` (404)."""
    user = _user_or_404(user_id)
    with transaction.atomic():
        entry = Whitelist.objects.filter(user=user).first()
        if entry is None:
            try:
                with transaction.atomic():
                    entry = Whitelist.objects.create(user=user, reason=reason[:255], added_by=actor)
            except IntegrityError:
                entry = Whitelist.objects.get(user=user)
        elif reason and entry.reason != reason[:255]:
            entry.reason = reason[:255]
            entry.save(update_fields=["reason"])
        auto_flags = (
            FlaggedUser.objects.active()
            .filter(source=Source.AUTO)
            .of_identity(email=email_normalise(user.email), user_id=user.pk)
        )
        for flag in auto_flags:
            flag_lift(flag=flag, actor=actor)
        log_action(entry, "fraud.whitelist.add", actor=actor, data={"user_id": user.pk, "reason": entry.reason})
    return entry


def whitelist_remove(*, user_id: int, actor=None) -> None:
    """Take a user off the whitelist (the automatic flags apply again). Audit:
    ``fraud.whitelist.remove``. Raises :class:`~fraud.exceptions.WhitelistEntryNotFound` (404)."""
    with transaction.atomic():
        entry = Whitelist.objects.select_for_update().filter(user_id=user_id).first()
        if entry is None:
            raise WhitelistEntryNotFound()
        log_action(entry, "fraud.whitelist.remove", actor=actor, data={"user_id": user_id})
        entry.delete()


@dataclass(frozen=True)
class ResetOutcome:
    """What :func:`identity_reset` cleared: failed attempts no longer counted, flags lifted, and the
    throttle counters reset (one per scope and e-mail)."""

    failures_cleared: int
    flags_lifted: int
    counters_reset: int


def identity_reset(*, user_id: int | None = None, email: str = "", actor=None) -> ResetOutcome:
    """Give a user or e-mail address a clean slate: its failed attempts stop counting towards
    blocks and flags (``cleared_at``; the records stay for the reports), its flags in force are
    lifted, and its per-e-mail throttle counters are reset in every scope it has attempts in or
    that has its own rates. A user's account e-mail counts as one of its addresses. IP blocks are
    not touched (they belong to the network, not the person). Audit: ``fraud.identity.reset`` on
    the user, else on the identity's latest attempt. Raises
    :class:`~fraud.exceptions.IdentityRequired` (422), :class:`~fraud.exceptions.UserNotFound`
    (404), ``InvalidInput`` (422)."""
    normalised = _checked_email(email)
    if user_id is None and not normalised:
        raise IdentityRequired()
    user = _user_or_404(user_id) if user_id is not None else None
    emails = {e for e in (normalised, email_normalise(user.email) if user else "") if e}
    now = timezone.now()
    identity = Q(pk__in=[])
    for address in emails:
        identity |= Q(email_normalised=address)
    if user_id is not None:
        identity |= Q(user_id=user_id)
    with transaction.atomic():
        cleared = Attempt.objects.failures().filter(identity).update(cleared_at=now)
        lifted = FlaggedUser.objects.active().filter(identity).update(lifted_at=now, lifted_by=actor)
        scopes = set(Attempt.objects.filter(identity).values_list("scope", flat=True).distinct())
        scopes |= set(getattr(settings, "FRAUD_ATTEMPT_SCOPE_RATES", {}) or {})
        target = user or Attempt.objects.filter(identity).order_by("-created_at").first()
        if target is not None:
            log_action(
                target,
                "fraud.identity.reset",
                actor=actor,
                data={
                    "emails": sorted(emails),
                    "user_id": user_id,
                    "failures_cleared": cleared,
                    "flags_lifted": lifted,
                },
            )
    resets = 0
    for scope in sorted(scopes):
        for address in sorted(emails):
            subject = throttles.email_subject(scope, address)
            ratelimit.reset(subject.scope, subject.ident, subject.rate)
            resets += 1
    return ResetOutcome(failures_cleared=cleared, flags_lifted=lifted, counters_reset=resets)


def attempts_purge_ips(
    *, now: datetime | None = None, batch_size: int = 1000, progress: Callable[[int], None] | None = None
) -> int:
    """Clear the full IP of attempts older than ``FRAUD_ATTEMPT_IP_RETENTION_DAYS`` (30): blocking
    needs it only that long; ``ip_truncated`` (the project's truncated form) stays for the reports.
    Works in batches of ``batch_size`` rows (short write transactions, so validation attempts are
    not held up); ``progress(done)`` is called after each. Idempotent (a second run finds nothing).
    Returns the number of attempts cleared."""
    cutoff = (now or timezone.now()) - conf.ip_retention()
    done = 0
    while True:
        batch = list(
            Attempt.objects.with_full_ip_before(cutoff).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return done
        done += Attempt.objects.filter(pk__in=batch, ip__isnull=False).update(ip=None)
        if progress is not None:
            progress(done)


def attempts_erase_identity(*, email: str) -> int:
    """GDPR erasure (Art. 17) of one person's attempts: the normalised e-mail and the full IP of every
    attempt made under ``email`` (normalised with :func:`email_normalise`) are cleared; the scope,
    outcome, truncated IP and risk stay for the reports. Flags and blocks are kept: they are the
    security record that stops abuse (Art. 6(1)(f)) and staff lift them by hand. Idempotent.
    Returns the number of attempts cleared."""
    normalised = email_normalise(email)
    if not normalised:
        return 0
    return Attempt.objects.filter(email_normalised=normalised).update(email_normalised="", ip=None)
