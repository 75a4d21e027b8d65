"""The client address a request is throttled by, behind reverse proxies or not.

X-Forwarded-For is a list every proxy appends the address of its own peer
to; anything left of what our proxies wrote came from the client and can be
made up. So the header counts only when the direct peer (REMOTE_ADDR) is one
of settings.NEUTRA_TRUSTED_PROXIES, and then only its right-most address
that is not itself a trusted proxy: the one our outermost proxy saw. This
module must never take an address a client could choose while a trusted
address is at hand, or a throttled client could dodge the limit by sending
a new X-Forwarded-For with every attempt.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from neutra.web.config.env import IPNetwork

__all__ = ["client_address", "client_address_of"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address_of(
    *, remote_addr: str | None, forwarded_for: str | None, trusted_proxies: Iterable[IPNetwork]
) -> str:
    """The address to throttle: REMOTE_ADDR unless a trusted proxy forwarded the request."""
    proxies = tuple(trusted_proxies)
    peer = _address(remote_addr or "")
    if peer is None:
        return (remote_addr or "").strip() or "unknown"
    if not forwarded_for or not _trusted(peer, proxies):
        return str(peer)
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Our own proxy wrote something that is not an address: the chain is
            # misconfigured, and the peer is the one address we can vouch for.
            return str(peer)
        if not _trusted(address, proxies):
            return str(address)
    # Every hop is one of our proxies: the request began inside; the left-most is its origin.
    first = _address(hops[0]) if hops else None
    return str(first or peer)


def client_address(request: HttpRequest) -> str:
    """The client address of `request` under settings.NEUTRA_TRUSTED_PROXIES."""
    return client_address_of(
        remote_addr=request.META.get("REMOTE_ADDR"),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"),
        trusted_proxies=settings.NEUTRA_TRUSTED_PROXIES,
    )
