"""This machine's LAN addresses, so the app can tell other computers where its server is."""

from __future__ import annotations

import ipaddress
import socket

# Connecting a UDP socket sends nothing; it only asks the routing table which local
# address would carry traffic to the target. One probe per private range as well as a
# "default route" one, so a machine on a LAN with no internet route is still found.
_PROBES = ("192.0.2.1", "10.254.254.254", "172.31.254.254", "192.168.254.254")


def _usable(address: str) -> bool:
    """True for an address another machine could reach us on (not loopback, link-local, ...)."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _routed_addresses() -> list[str]:
    found: list[str] = []
    for target in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 9))
                found.append(str(probe.getsockname()[0]))
        except OSError:
            continue  # no route to that range: nothing to learn from it
    return found


def _hostname_addresses() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def lan_addresses() -> list[str]:
    """Non-loopback IPv4 addresses of this machine, the one on the default route first.

    Best effort with the standard library only: interfaces that neither routing
    nor the hostname reveal are missed. Never raises. Resolving the hostname can
    take seconds on a badly configured machine, so call it off the event loop.
    """
    seen: dict[str, None] = {}  # ordered set
    for address in (*_routed_addresses(), *_hostname_addresses()):
        if _usable(address):
            seen.setdefault(address, None)
    return list(seen)
