"""IPv4 / IPv6 socket addresses on a host whose only interface is loopback (net/ipv4/af_inet.c,
net/ipv6/af_inet6.c, net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c).

An address is held as 16 bytes in IPv6 form: an IPv4 address ``a.b.c.d`` is the
v4-mapped ``::ffff:a.b.c.d`` (:func:`mapped`), so one comparison serves both families.
:class:`Endpoint` is an address and a port.

* Parsing (``move_addr_to_kernel``'s bytes): :func:`parse_in` for an AF_INET socket
  (``sockaddr_in``: at least 16 bytes, else -EINVAL), :func:`parse_in6` for an AF_INET6 one
  (``sockaddr_in6``: at least ``SIN6_LEN_RFC2133``, 24 bytes, else -EINVAL; the scope id
  only when all 28 are given).  The family is checked by the caller, each call its own rule.
* The host's addresses (``inet_addr_type``, ``ipv6_chk_addr``): the loopback interface
  ``lo`` (index 1) holds 127.0.0.1/8 and ::1.  IPv4: 127.0.0.0/8 is local, 255.255.255.255
  and 224.0.0.0/4 are accepted by bind (``inet_addr_valid_or_nonlocal``: broadcast and
  multicast), 0.0.0.0 is the wildcard; anything else is no local address
  (-EADDRNOTAVAIL).  IPv6: ``::`` the wildcard, ``::1`` local, ``::ffff:a.b.c.d`` the IPv4
  rule, multicast (ff00::/8) -EINVAL for a stream socket (a datagram socket may bind it; with
  interface- or link-local scope only given a scope id, ``__ipv6_addr_needs_scope_id``), link-local (fe80::/10) -EINVAL
  without a scope id, -ENODEV with a scope naming no device, -EADDRNOTAVAIL on ``lo`` (it
  has no link-local address); anything else -EADDRNOTAVAIL.
* Where a connection goes (``ip_route_connect``): a wildcard destination is loopback
  (127.0.0.1, or ::1); 127.0.0.0/8 and ::1 are reached through ``lo`` with the source
  127.0.0.1 / ::1; broadcast and multicast destinations are -ENETUNREACH, and so is
  any other address (the simulated host has no other route: the real machine's own
  interfaces are not modelled).

Not modelled: interfaces other than ``lo`` and their addresses, IP_FREEBIND /
``ip_nonlocal_bind``, IPv6 flow labels, SO_BINDTODEVICE.
"""

from __future__ import annotations

from typing import Final

import attrs

from simuring.abi.errno import EADDRNOTAVAIL, EINVAL, ENETUNREACH, ENODEV, ENOTCONN
from simuring.abi.posix import AF_INET6

SOCKADDR_IN_SIZE: Final = 16
"""``sizeof(struct sockaddr_in)``: the shortest IPv4 address bind / connect take."""
SIN6_LEN_RFC2133: Final = 24
"""The shortest IPv6 address bind / connect take (a ``sockaddr_in6`` without ``sin6_scope_id``)."""
SOCKADDR_IN6_SIZE: Final = 28
"""``sizeof(struct sockaddr_in6)``."""
LOOPBACK_IFINDEX: Final = 1
"""``lo``'s interface index: the only device of the simulated host."""

V4_PREFIX: Final = bytes(10) + b"\xff\xff"
ANY6: Final = bytes(16)
"""``in6addr_any``."""
ANY4: Final = V4_PREFIX + bytes(4)
"""``INADDR_ANY`` in mapped form."""
LOOPBACK4: Final = V4_PREFIX + b"\x7f\0\0\x01"
LOOPBACK6: Final = bytes(15) + b"\x01"


def mapped(v4: bytes) -> bytes:
    """The IPv4 address ``v4`` (4 bytes) as ``::ffff:a.b.c.d``."""
    return V4_PREFIX + v4


def is_v4(ip: bytes) -> bool:
    """``ipv6_addr_v4mapped``: an IPv4 address in mapped form."""
    return ip[:12] == V4_PREFIX


@attrs.frozen
class Endpoint:
    """One end of a connection, or a bound name: an address (16 bytes, IPv4 mapped) and a port."""

    ip: bytes
    port: int


@attrs.frozen
class InetName:
    """A parsed ``sockaddr_in`` / ``sockaddr_in6``: its family field, address (mapped form for
    IPv4), port and, for IPv6, the scope id (0 when not given)."""

    family: int
    ip: bytes
    port: int
    scope_id: int = 0


def parse_in(name: bytes) -> InetName | int:
    """A ``sockaddr_in`` of at least 16 bytes (-EINVAL otherwise)."""
    if len(name) < SOCKADDR_IN_SIZE:
        return -EINVAL
    return InetName(_family(name), mapped(name[4:8]), int.from_bytes(name[2:4], "big"))


def parse_in6(name: bytes) -> InetName | int:
    """A ``sockaddr_in6`` of at least 24 bytes (-EINVAL otherwise); the scope id is read only
    from a full 28-byte one."""
    if len(name) < SIN6_LEN_RFC2133:
        return -EINVAL
    scope = int.from_bytes(name[24:28], "little") if len(name) >= SOCKADDR_IN6_SIZE else 0
    return InetName(_family(name), name[8:24], int.from_bytes(name[2:4], "big"), scope)


def _family(name: bytes) -> int:
    return int.from_bytes(name[:2], "little")


def v4_bind_check(ip: bytes) -> int:
    """``inet_addr_valid_or_nonlocal`` on this host: 0 for the wildcard, a local address
    (127.0.0.0/8), the limited broadcast or a multicast group; else -EADDRNOTAVAIL."""
    a = ip[12]
    if ip == ANY4 or a == 127 or ip[12:] == b"\xff\xff\xff\xff" or 224 <= a < 240:
        return 0
    return -EADDRNOTAVAIL


def v6_bind_check(name: InetName) -> int:
    """``__inet6_bind``'s address checks for a plain IPv6 address (not v4-mapped): 0, or
    -EINVAL / -ENODEV / -EADDRNOTAVAIL (see the module docstring); a multicast address is
    checked only for a datagram socket (the caller refuses it for a stream one)."""
    ip = name.ip
    if ip[0] == 0xFF:  # multicast: a datagram socket's (a stream socket was refused before)
        if ip[1] & 0x0F in (1, 2):  # interface- or link-local scope: needs a device
            if not name.scope_id:
                return -EINVAL
            return 0 if name.scope_id == LOOPBACK_IFINDEX else -ENODEV
        return 0
    if ip == ANY6 or ip == LOOPBACK6:
        return 0
    if ip[0] == 0xFE and ip[1] & 0xC0 == 0x80:  # link-local: needs a device
        if not name.scope_id:
            return -EINVAL
        return -EADDRNOTAVAIL if name.scope_id == LOOPBACK_IFINDEX else -ENODEV
    return -EADDRNOTAVAIL


def v6_connect_check(name: InetName, v6only: bool) -> int:
    """``tcp_v6_connect``'s address checks: a multicast destination -ENETUNREACH, a
    link-local one without a scope id -EINVAL, a v4-mapped one from an IPv6-only socket
    -ENETUNREACH; else 0."""
    ip = name.ip
    if ip[0] == 0xFF:
        return -ENETUNREACH
    if ip[0] == 0xFE and ip[1] & 0xC0 == 0x80 and not name.scope_id:
        return -EINVAL
    if is_v4(ip) and v6only:
        return -ENETUNREACH
    return 0


def route(ip: bytes) -> tuple[bytes, bytes] | int:
    """``ip_route_connect`` / ``ip6_dst_lookup_flow`` for a destination: (destination,
    source), the wildcard turned into loopback; -ENETUNREACH where ``lo`` does not lead."""
    if is_v4(ip):
        if ip == ANY4:
            ip = LOOPBACK4
        return (ip, LOOPBACK4) if ip[12] == 127 else -ENETUNREACH
    if ip == ANY6:
        ip = LOOPBACK6
    return (ip, LOOPBACK6) if ip == LOOPBACK6 else -ENETUNREACH


def inet_sockaddr(family: int, end: Endpoint | None) -> bytes:
    """The ``sockaddr_in`` (16 bytes) or ``sockaddr_in6`` (28 bytes) ``inet_getname`` /
    ``inet6_getname`` writes for ``end`` (None: the unspecified address, port 0); ``family``
    is the socket's."""
    ip, port = (ANY6, 0) if end is None else (end.ip, end.port)
    head = family.to_bytes(2, "little") + port.to_bytes(2, "big")
    if family != AF_INET6:
        return head + ip[12:] + bytes(8)
    return head + bytes(4) + ip + bytes(4)


def inet_getname(family: int, local: Endpoint, remote: Endpoint | None, closed: bool, peer: int) -> bytes | int:
    """``inet_getname`` / ``inet6_getname`` for a socket of ``family`` bound to ``local``: its own
    name (``peer`` 0), or its peer's, which needs a destination (``remote``) and, for
    getpeername (``peer`` 1), a socket not in TCP_CLOSE (``closed``); -ENOTCONN otherwise."""
    if peer:
        if remote is None or (closed and peer == 1):
            return -ENOTCONN
        return inet_sockaddr(family, remote)
    return inet_sockaddr(family, local)
