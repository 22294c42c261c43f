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

import hashlib
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from magnetiq import ratelimit
from magnetiq.audit import log_action
from magnetiq.ips import truncate_ip

from . import conf
from .exceptions import AttemptsRateLimited, RequestRefused
from .models import Attempt, BlockedIP, FlaggedUser, Source, Whitelist, ip_candidates

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


def _canonical_ip(ip: str) -> str | None:
    """``ip`` as stored (an IPv4-mapped IPv6 address as its IPv4 form), or ``None`` when it is not
    an IP address (a client behind an unparsable header)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _single_network(ip: str) -> str:
    """The canonical CIDR text of one address (``/32`` or ``/128``)."""
    return ip_candidates(ip)[0]


def ip_is_blocked(ip: str, *, now: datetime | None = None) -> bool:
    """Whether a block in force covers ``ip`` (the address itself or a network containing it).
    Text that is not an IP address is never blocked (there is nothing to match)."""
    canonical = _canonical_ip(ip)
    return canonical is not None and BlockedIP.objects.active(now).covering(canonical).exists()


def identity_is_flagged(*, email: str = "", user_id: int | None = None) -> bool:
    """Whether the normalised ``email`` or the user ``user_id`` has a flag in force."""
    return FlaggedUser.objects.active().of_identity(email=email_normalise(email), user_id=user_id).exists()


def _throttle_subjects(scope: str, ip: str, email: str) -> list[tuple[str, str, ratelimit.Rate]]:
    rates = conf.attempt_rates(scope)
    subjects = [(f"fraud_{scope}_ip", _canonical_ip(ip) or (ip or "unknown")[:64], rates["ip"])]
    if email:
        subjects.append((f"fraud_{scope}_email", _digest(email), rates["email"]))
    return subjects


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
    for limit_scope, ident, rate in _throttle_subjects(scope, ip, normalised):
        outcome = ratelimit.hit(limit_scope, ident, rate)
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
    canonical = _canonical_ip(ip)
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
    canonical = _canonical_ip(ip)
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
