"""IP addresses as the project stores them: :func:`truncate_ip` is the one rule for keeping only
the network part of a visitor's address (leads' event data, fraud attempt records past their
retention)."""

import ipaddress


def truncate_ip(ip: str) -> str:
    """The network part of ``ip`` only: IPv4 → its /24 (``"203.0.113.77"`` → ``"203.0.113.0"``),
    IPv6 → its /48 (``"2001:db8:1:2::1"`` → ``"2001:db8:1::"``). An empty or unparsable value
    gives ``""`` (we would rather store nothing than a full address)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
