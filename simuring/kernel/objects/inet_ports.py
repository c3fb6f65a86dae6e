"""The TCP port namespace (``tcp_hashinfo``: ``bhash``, the listening hash) of the simulated host,
and UDP's (:class:`UdpPorts`, ``udp_table``: the same rules, its own table).

Every socket holding a local port is a :class:`PortHolder` in :class:`InetPorts`: bound
sockets, listeners, connected sockets (an accepted one shares its listener's port), and
the TIME_WAIT remains of a socket that closed its side first (:class:`TimeWait`).

* Overlap: each holder covers an IPv4 part and an IPv6 part (:func:`_parts`): an
  AF_INET socket its address; an AF_INET6 socket bound to ``::`` both wildcards (only
  the IPv6 one with IPV6_V6ONLY), to ``::ffff:a.b.c.d`` the IPv4 address, to another
  address that address.  Two holders of a port overlap when, in a family both cover,
  the addresses are equal or one is the wildcard (``inet_bind_conflict``,
  ``inet_rcv_saddr_equal``: this is the IPv4/IPv6 dual-stack rule).
* Conflict (:func:`conflict`, ``inet_csk_bind_conflict``): overlapping holders conflict
  unless both set SO_REUSEADDR and the one already there is not listening, or both set
  SO_REUSEPORT (one user owns every socket here).  bind(2) and listen(2) (which checks
  again, ``inet_csk_listen_start``) answer -EADDRINUSE on a conflict.
* Ephemeral ports (``inet_csk_find_open_port``, ``__inet_hash_connect``): the kernel
  picks at random in ``net.ipv4.ip_local_port_range`` (32768-60999); the model takes the
  next port of that range that no holder uses, counting from the bottom: deterministic,
  and a scenario must never record the number.
* Lookup (``__inet_lookup_listener``): a connection to (address, port) goes to the
  listener bound to that address, else to the one bound to the wildcard.
* TIME_WAIT: a connected socket closed before its peer (it sent the first FIN) leaves a
  :class:`TimeWait` holding its address and port, with its SO_REUSEADDR setting; the
  kernel drops it after 60 s (``TCP_TIMEWAIT_LEN``), the model keeps it to the end of
  the run.  Only SO_REUSEADDR on both sides lets a new socket bind over it.

Not modelled: SO_REUSEPORT's load balancing among listeners (the first one found takes
the connection), ``ip_local_reserved_ports``, ports below 1024 (the simulated process
may bind them, as root may), the 4-tuple sharing of ephemeral ports between connections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

import attrs

from simuring.abi.posix import AF_INET
from simuring.kernel.ext import KernelExt
from simuring.kernel.objects.inet_addr import ANY4, ANY6, is_v4

if TYPE_CHECKING:
    from simuring.kernel import Kernel

EPHEMERAL_LOW: Final = 32768
EPHEMERAL_HIGH: Final = 60999
"""``net.ipv4.ip_local_port_range``'s default bounds."""


class PortHolder(Protocol):
    """What the port table reads of a socket (or a TIME_WAIT remains) holding a port."""

    @property
    def family(self) -> int: ...
    @property
    def lip(self) -> bytes: ...
    @property
    def lport(self) -> int: ...
    @property
    def v6only(self) -> bool: ...
    @property
    def reuse(self) -> bool: ...
    @property
    def reuseport(self) -> bool: ...
    @property
    def listening(self) -> bool: ...


class PortOwner(PortHolder, Protocol):
    """A socket that takes a port and gives it back (TCP's, UDP's): where it holds it."""

    lport: int
    ports: InetPorts | None


def give_back(sock: PortOwner) -> None:
    """``sock`` gives its port back (``inet_put_port``, ``udp_lib_unhash``), if it holds one."""
    if sock.ports is not None:
        sock.ports.remove(sock)
        sock.ports = None


@attrs.frozen
class TimeWait:
    """The TIME_WAIT remains of a closed connection (``struct inet_timewait_sock``)."""

    family: int
    lip: bytes
    lport: int
    v6only: bool
    reuse: bool
    reuseport: bool
    listening: bool = False


def _parts(h: PortHolder) -> tuple[bytes | None, bytes | None]:
    """The IPv4 and IPv6 addresses ``h`` holds (None: none of that family)."""
    ip = h.lip
    if h.family == AF_INET or is_v4(ip):
        return ip, None
    if ip == ANY6:
        return (None if h.v6only else ANY4), ANY6
    return None, ip


def _same(a: bytes | None, b: bytes | None, wild: bytes) -> bool:
    return a is not None and b is not None and (a == b or a == wild or b == wild)


def overlap(a: PortHolder, b: PortHolder) -> bool:
    """Whether ``a`` and ``b`` hold a common address (``inet_rcv_saddr_equal`` with wildcards)."""
    a4, a6 = _parts(a)
    b4, b6 = _parts(b)
    return _same(a4, b4, ANY4) or _same(a6, b6, ANY6)


def conflict(new: PortHolder, old: PortHolder) -> bool:
    """``inet_csk_bind_conflict`` for ``new`` wanting the port ``old`` holds."""
    if not overlap(new, old):
        return False
    if new.reuse and old.reuse and not old.listening:
        return False
    return not (new.reuseport and old.reuseport)


class InetPorts(KernelExt):
    """The ports in use, each with its holders."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.env = kernel.env  # the clock of the SYN retransmission timer (objects/tcp.py)
        self.costs = kernel.costs  # what a socket made by a handshake is priced with
        self.holders: dict[int, list[PortHolder]] = {}
        self.next_ephemeral = EPHEMERAL_LOW

    def taken(self, h: PortHolder, port: int) -> bool:
        """Whether a holder of ``port`` other than ``h`` conflicts with ``h``."""
        return any(other is not h and conflict(h, other) for other in self.holders.get(port, ()))

    def ephemeral(self) -> int:
        """The next port of the ephemeral range no holder uses (0 when all are taken)."""
        span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1
        for _ in range(span):
            port = self.next_ephemeral
            self.next_ephemeral = EPHEMERAL_LOW + (port + 1 - EPHEMERAL_LOW) % span
            if not self.holders.get(port):
                return port
        return 0

    def take(self, sock: PortOwner, port: int) -> None:
        """``sock`` takes ``port`` (``inet_bind_hash``, ``udp_lib_get_port``): it holds it in this table."""
        sock.lport = port
        sock.ports = self
        self.add(sock)

    def add(self, h: PortHolder) -> None:
        self.holders.setdefault(h.lport, []).append(h)

    def remove(self, h: PortHolder) -> None:
        held = self.holders.get(h.lport)
        if held is not None and h in held:
            held.remove(h)
            if not held:
                del self.holders[h.lport]

    def listener(self, ip: bytes, port: int) -> PortHolder | None:
        """``__inet_lookup_listener``: the listener on ``port`` bound to ``ip``, else one bound to
        a wildcard that covers ``ip``'s family."""
        wild = None
        for h in self.holders.get(port, ()):
            if not h.listening:
                continue
            match = covers(h, ip)
            if match == EXACT:
                return h
            if match and wild is None:
                wild = h
        return wild


class UdpPorts(InetPorts):
    """The UDP port namespace (``udp_table``): the same rules as TCP's (:func:`conflict`, the
    ephemeral range), a table of its own (a UDP and a TCP socket may hold the same port)."""


EXACT: Final = 2
"""What :func:`covers` answers for a holder bound to the very address."""


def covers(h: PortHolder, ip: bytes) -> int:
    """Whether ``h``'s local address takes packets for ``ip`` (mapped form for IPv4): :data:`EXACT`
    when bound to it, 1 when bound to the wildcard of its family, 0 otherwise."""
    a4, a6 = _parts(h)
    mine = a4 if is_v4(ip) else a6
    if mine == ip:
        return EXACT
    return 1 if mine in (ANY4, ANY6) else 0
