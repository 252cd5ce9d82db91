"""The provider's source addresses: CIDR blocks from ``JETCHECKOUT_IP_ALLOWLIST``."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def parse_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    """``("203.0.113.0/24", "2001:db8::/32")`` as networks; host bits are tolerated (``/32`` of a host)."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def ip_allowed(source_ip: str | None, networks: Iterable[Network]) -> bool:
    """True when ``source_ip`` lies in one of ``networks``; an absent or unparsable address never does.

    An IPv4 address seen as IPv6 (``::ffff:203.0.113.5``) is matched as the IPv4 address it is.
    """
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)
