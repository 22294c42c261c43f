"""The throttle subjects of one attempt: which counters of :mod:`magnetiq.ratelimit` an attempt
under a scope counts in (read by the guard and by the rate-limit status page alike)."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from magnetiq.ratelimit import Rate

from . import conf


@dataclass(frozen=True)
class Subject:
    """One counter: ``kind`` (``"ip"`` or ``"email"``), the limit's ``scope`` and ``ident`` in
    :mod:`magnetiq.ratelimit`, and its ``rate``."""

    kind: str
    scope: str
    ident: str
    rate: Rate


def canonical_ip(ip: str) -> str | None:
    """``ip`` as stored (an IPv4-mapped IPv6 address as its IPv4 form), or ``None`` when it is not
    an IP address (a client behind an unparsable header)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def email_ident(normalised_email: str) -> str:
    """The counter key of an e-mail: its SHA-256, so no address sits in the cache or counter table."""
    return hashlib.sha256(normalised_email.encode()).hexdigest()


def ip_subject(scope: str, ip: str) -> Subject:
    ident = canonical_ip(ip) or (ip or "unknown")[:64]
    return Subject("ip", f"fraud_{scope}_ip", ident, conf.attempt_rates(scope)["ip"])


def email_subject(scope: str, normalised_email: str) -> Subject:
    return Subject("email", f"fraud_{scope}_email", email_ident(normalised_email), conf.attempt_rates(scope)["email"])


def subjects(scope: str, ip: str, normalised_email: str) -> list[Subject]:
    """The counters an attempt counts in, in the order the guard checks them: the IP, then the
    e-mail (when there is one)."""
    found = [ip_subject(scope, ip)]
    if normalised_email:
        found.append(email_subject(scope, normalised_email))
    return found
