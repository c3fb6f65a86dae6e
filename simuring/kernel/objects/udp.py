"""UDP sockets on the loopback interface (net/ipv4/udp.c, net/ipv4/datagram.c, net/ipv6/udp.c,
net/ipv6/datagram.c, net/ipv4/af_inet.c ``inet_dgram_ops``): AF_INET and AF_INET6 SOCK_DGRAM.

A :class:`UdpSocket` is an AF_UNIX datagram socket
(:class:`~simuring.kernel.objects.socket.UnixDgramSocket`: one skb per message, message
boundaries, truncation and MSG_TRUNC, MSG_PEEK, the receive's ``msg_flags`` and sender's
name, poll) with UDP's addressing in place of AF_UNIX's; the addresses are
:mod:`.inet_addr`, the ports :class:`~simuring.kernel.objects.inet_ports.UdpPorts` (TCP's
rules, a table of its own).

* ``socket(2)``: protocol 0 or IPPROTO_UDP (the protocol table is
  :func:`~simuring.kernel.objects.tcp.inet_protocol`).
* ``bind``: TCP's (:func:`~simuring.kernel.objects.tcp.inet_bind`), but an AF_INET6 socket
  may bind a multicast address (a link- or interface-local one only with a scope id).
* Autobind (``inet_autobind``, from ``inet_send_prepare`` and ``inet_dgram_connect``): a send
  or a connect on a socket without a port first takes an ephemeral one, even if the call
  then fails (an -EDESTADDRREQ send, an -EAFNOSUPPORT connect).
* ``connect`` (:func:`udp_connect`, ``inet_dgram_connect`` + ``ip4_datagram_connect`` /
  ``ip6_datagram_connect``): AF_UNSPEC disconnects (:func:`udp_disconnect`: TCP_CLOSE, no
  destination, the address and the port given back unless bind(2) named them); else the
  address's length (-EINVAL), family (-EAFNOSUPPORT; an AF_INET6 socket also takes a
  ``sockaddr_in`` unless IPv6-only), route (-ENETUNREACH); the socket's address becomes the
  route's source if it had none, the destination is recorded, TCP_ESTABLISHED.  Any port
  will do, 0 too, and nobody need be bound there; connecting again replaces the destination.
* Sending (:meth:`UdpSocket.send_dgram`, ``udp_sendmsg`` / ``udpv6_sendmsg``): more than
  65535 bytes -EMSGSIZE, MSG_OOB -EOPNOTSUPP; a destination address is read as the
  socket's family does (:func:`dest_of`: too short -EINVAL, the wrong family -EAFNOSUPPORT
  for AF_INET, -EINVAL for AF_INET6, whose socket takes AF_INET too and ignores an
  AF_UNSPEC one; port 0 -EINVAL); none and unconnected -EDESTADDRREQ; the route; more than
  65507 bytes (IPv4) or 65527 (IPv6) -EMSGSIZE; then ``sock_alloc_send_pskb``'s pending
  error (consumed) and SEND_SHUTDOWN -EPIPE.  The datagram goes to the socket
  :func:`udp_lookup` finds; the count is returned whether or not one was found.  With
  nobody there, loopback answers an ICMP port unreachable before the send returns: a
  *connected* socket whose destination it was gets ECONNREFUSED pending
  (``__udp4_lib_err``: reported, and consumed, by its next send or receive, POLLERR until
  then); an unconnected one sees nothing.  A send to a connected socket's own
  destination through ``msg_name`` counts as its destination.
* Lookup (:func:`udp_lookup`, ``__udp4_lib_lookup`` / ``__udp6_lib_lookup``'s
  ``compute_score``): among the sockets holding the port, those whose address covers the
  destination and, if connected, whose destination is the sender; the best scored (bound to
  the address over the wildcard, connected over not, an AF_INET socket over an AF_INET6 one
  for IPv4), the first bound on a tie.
* Receiving: AF_UNIX's datagram receive (:meth:`UdpSocket.recv_dgram`), MSG_OOB ignored, the
  sender's name a ``sockaddr_in`` / ``sockaddr_in6`` in the receiver's family (IPv4 senders
  v4-mapped for an AF_INET6 receiver): its address (the route's source if it had none) and
  port.  Shut for reading, a receive still takes what is queued, and an empty one answers
  0 when it would wait, -EAGAIN when not.
* Names (``inet_getname``): as TCP's; getpeername -ENOTCONN unless connected.
* ``shutdown`` (:meth:`UdpSocket.shutdown_sock`, ``inet_shutdown``): the bits set, -ENOTCONN
  when not connected (the bits are set all the same).
* The receive buffer (:meth:`UdpSocket.charge_rmem`, ``__udp_enqueue_schedule_skb``): each
  queued datagram charges its receiver its true size (:func:`udp_truesize`); one that does not fit
  beside those queued in ``sk_rcvbuf`` (SO_RCVBUF; ``net.core.rmem_default`` until set) is dropped
  unless nothing is queued (``sk_rmem_alloc`` 0), and its send returns the count all the same.
  The charge is given back after the datagram is read, in batches (:meth:`UdpSocket.rmem_release`,
  ``udp_rmem_release``): the reader takes datagrams from a reader queue, which an empty one refills
  with everything queued (a receive, MSG_PEEK too, SIOCINQ, a poll of a socket not O_NONBLOCK);
  a read datagram's true size is added to a deficit, which goes back to the buffer once it reaches a
  quarter of ``sk_rcvbuf`` or the reader queue is empty.  So right after a read that leaves the reader
  queue non-empty the memory is still charged, and a datagram that arrives then may be dropped.
* SIOCINQ is the next datagram's length (``udp_ioctl``, ``first_packet_length``), SIOCOUTQ
  0 (loopback frees the skb at once).  The sender is charged nothing for a datagram in flight
  (``skb_orphan`` in ``loopback_xmit``): SIOCOUTQ stays 0 and a send never waits for buffer
  space.

Timing: UDP is priced as an AF_UNIX datagram socket (the ``[unix]`` costs); not calibrated.

Not modelled: ``sk_forward_alloc`` (the page-granular reservation behind ``sk_rmem_alloc``,
which drops a datagram only under the protocol's global memory pressure), the drop counters (SO_RXQ_OVFL),
broadcast and multicast delivery (SO_BROADCAST, group membership; a send or connect to
such an address is -ENETUNREACH here), routes other than loopback, SO_REUSEPORT groups'
load balancing, IP_RECVERR and the error queue, cmsgs (IP_PKTINFO...), UDP_CORK / MSG_MORE,
GSO / GRO, UDP-Lite, checksums, SO_BINDTODEVICE (a scope id is checked, not kept).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Final

from simuring.abi.errno import (
    EAFNOSUPPORT,
    EAGAIN,
    ECONNREFUSED,
    EDESTADDRREQ,
    EINVAL,
    EMSGSIZE,
    ENETUNREACH,
    ENOTCONN,
    EOPNOTSUPP,
    EPIPE,
)
from simuring.abi.posix import AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_UDP, MSG_OOB, PAGE_SIZE
from simuring.kernel.objects.inet_addr import (
    ANY4,
    ANY6,
    LOOPBACK4,
    LOOPBACK6,
    Endpoint,
    inet_getname,
    inet_sockaddr,
    is_v4,
    parse_in,
    parse_in6,
    route,
    v6_connect_check,
)
from simuring.kernel.objects.inet_ports import EXACT, InetPorts, UdpPorts, covers, give_back
from simuring.kernel.objects.socket import (
    DATA_READY_KEY,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SKB_MAX_ALLOC,
    SKB_SHINFO_SIZE,
    SKB_STRUCT_SIZE,
    TCP_CLOSE,
    TCP_ESTABLISHED,
    DgramDest,
    Skb,
    UnixDgramSocket,
    alloc_skb_ns,
    dgram_frags,
    frag_blocks,
)

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task

#: What ``ip_append_data`` / ``ip6_append_data`` put in a loopback datagram's skb head besides the
#: payload (the link-layer reserve, 15 bytes of slack, the IP and UDP headers), as Linux 6.18.44
#: sizes it: found from where the true size steps up
UDP4_HEAD_EXTRA: Final = 59
UDP6_HEAD_EXTRA: Final = 72
SKB_SMALL_HEAD: Final = 576
"""``SKB_SMALL_HEAD_CACHE_SIZE``: a head this small comes from its own cache, not kmalloc's."""


def udp_truesize(n: int, v4: bool) -> int:
    """``skb->truesize`` of an ``n``-byte UDP datagram over loopback (IPv4 or IPv6), what it charges
    its receiver (``sk_rmem_alloc``).  Up to ``SKB_MAX_ALLOC`` the skb is linear (``__ip_append_data``):
    its head (headers, payload, ``SKB_DATA_ALIGN``-ed, ``skb_shared_info``) from the small-head cache
    or rounded up to a power of two by kmalloc, plus the ``sk_buff``; beyond, the head holds the headers
    and the payload goes to page fragments, counted byte for byte."""
    need = (UDP4_HEAD_EXTRA if v4 else UDP6_HEAD_EXTRA) + n
    if need >= SKB_MAX_ALLOC:
        return SKB_SMALL_HEAD + SKB_STRUCT_SIZE + n
    head = -(-need // 64) * 64 + SKB_SHINFO_SIZE
    if head <= SKB_SMALL_HEAD:
        return SKB_SMALL_HEAD + SKB_STRUCT_SIZE
    alloc = 1024
    while alloc < head:
        alloc <<= 1
    return alloc + SKB_STRUCT_SIZE


UDP_MAX_LEN: Final = 0xFFFF
"""A send of more bytes is -EMSGSIZE at once (``udp_sendmsg``)."""
UDP4_MAX_PAYLOAD: Final = 0xFFFF - 20 - 8
"""The largest IPv4 datagram's payload: 65535 less the IP and UDP headers (``ip_append_data``)."""
UDP6_MAX_PAYLOAD: Final = 0xFFFF - 8
"""The largest IPv6 datagram's payload (the IPv6 payload length does not count its header)."""


class UdpSocket(UnixDgramSocket):
    """An AF_INET / AF_INET6 SOCK_DGRAM socket (see the module docstring)."""

    def __init__(self, costs: CostModel, flags: int, family: int, ports: UdpPorts) -> None:
        super().__init__(costs, flags)
        self.family = family
        self.state = TCP_CLOSE  # TCP_ESTABLISHED once connected
        self.table = ports  # the UDP port table: autobind and delivery look in it
        self.lip = ANY4 if family == AF_INET else ANY6  # inet_rcv_saddr
        self.lport = 0  # inet_num: 0 until bound
        self.remote: Endpoint | None = None  # inet_daddr / inet_dport once connected
        self.user_addr = False  # SOCK_BINDADDR_LOCK: bind(2) named the address
        self.user_port = False  # SOCK_BINDPORT_LOCK: bind(2) named the port
        self.reuse = False  # SO_REUSEADDR
        self.reuseport = False  # SO_REUSEPORT
        self.v6only = False  # IPV6_V6ONLY
        self.ports: InetPorts | None = None  # the table holding our port (``table``), once we hold one
        self.rcvbuf = self.uc.rmem_default_bytes  # sk_rcvbuf: net.core.rmem_default until SO_RCVBUF
        self.rmem = 0  # sk_rmem_alloc: the true sizes of the datagrams queued or read but not given back
        self.truesizes: deque[int] = deque()  # each queued datagram's true size, in rxq's order
        # up->reader_queue: how many datagrams at the head of rxq are in the reader queue (the
        # rest are in sk_receive_queue); up->forward_deficit: the read true sizes not given back
        self.reader = 0
        self.deficit = 0

    def __repr__(self) -> str:
        return f"<UdpSocket state={self.state} port={self.lport} rx={[len(s.data) for s in self.rxq]}>"

    @property
    def listening(self) -> bool:
        return False

    def domain(self) -> int:
        return self.family

    def protocol(self) -> int:
        return IPPROTO_UDP

    def getname(self, peer: int) -> bytes | int:
        """``inet_getname`` / ``inet6_getname``."""
        return inet_getname(self.family, Endpoint(self.lip, self.lport), self.remote, self.state == TCP_CLOSE, peer)

    def hold(self, ports: InetPorts, port: int) -> None:
        """Take ``port`` (``udp_lib_get_port``)."""
        ports.take(self, port)

    def unhash(self) -> None:
        """Give the port back (``udp_lib_unhash``)."""
        give_back(self)

    def autobind(self) -> bool:
        """``inet_autobind``: an ephemeral port for a socket without one (False: none is free)."""
        if self.lport:
            return True
        port = self.table.ephemeral()
        if port:
            self.hold(self.table, port)
        return bool(port)

    def queue_ioctl(self, inq: bool) -> int:
        """``udp_ioctl``: SIOCINQ the next datagram's length (``first_packet_length``, which
        refills the reader queue), SIOCOUTQ 0."""
        if not inq:
            return 0
        self.refill_reader()
        return len(self.rxq[0].data) if self.rxq else 0

    def refill_reader(self) -> None:
        """An empty reader queue takes every datagram queued (``skb_queue_splice_tail_init`` of
        ``sk_receive_queue`` in ``__skb_recv_udp`` and ``first_packet_length``)."""
        if not self.reader:
            self.reader = len(self.rxq)

    def rmem_release(self, truesize: int) -> None:
        """``udp_rmem_release`` (partial) of a datagram just taken from the reader queue: its true
        size is added to ``forward_deficit``, given back to ``sk_rmem_alloc`` with the rest of it
        only once it reaches a quarter of ``sk_rcvbuf`` (``forward_threshold``) or the reader
        queue is empty; then the datagrams queued meanwhile move to the reader queue."""
        self.deficit += truesize
        if self.deficit < self.rcvbuf >> 2 and self.reader:
            return
        self.rmem -= self.deficit
        self.deficit = 0
        self.reader = len(self.rxq)

    def poll_mask(self) -> int:
        """``udp_poll``: the datagram poll; with a datagram queued, a socket not O_NONBLOCK nor shut
        for reading checks the first one (``first_packet_length``), which refills the reader queue."""
        mask = super().poll_mask()
        if self.rxq and not self.nonblock and not self.shutdown & RCV_SHUTDOWN:
            self.refill_reader()
        return mask

    # -- sending ---------------------------------------------------------------------
    def send_dgram(self, task: Task, src: memoryview, flags: int, to: DgramDest = None) -> int:
        """``inet_sendmsg`` + ``udp_sendmsg`` / ``udpv6_sendmsg``: ``to`` a destination address
        (``sockaddr_in`` / ``sockaddr_in6`` bytes) or None; see the module docstring."""
        uc = self.uc
        task.charge(uc.sendmsg_ns)
        self.full_wait = None
        if not self.autobind():
            return -EAGAIN
        n = len(src)
        if n > UDP_MAX_LEN:
            return -EMSGSIZE
        if flags & MSG_OOB:
            return -EOPNOTSUPP
        dest = dest_of(self, to) if isinstance(to, bytes) else None
        if isinstance(dest, int):
            return dest
        if dest is None:
            if self.remote is None:
                return -EDESTADDRREQ
            dest = self.remote
        got = route(dest.ip)
        if isinstance(got, int):
            return got
        dst, source = got
        if n > (UDP4_MAX_PAYLOAD if is_v4(dst) else UDP6_MAX_PAYLOAD):
            return -EMSGSIZE
        if self.sk_err:
            return self.sock_error()
        if self.shutdown & SEND_SHUTDOWN:
            return -EPIPE
        frags = dgram_frags(n)
        blocks = frag_blocks(frags // PAGE_SIZE)
        task.charge(alloc_skb_ns(uc, frags // PAGE_SIZE, blocks))
        if self.lip not in (ANY4, ANY6):
            source = self.lip
        sender = Endpoint(source, self.lport)
        receiver = udp_lookup(self.table, sender, Endpoint(dst, dest.port))
        if receiver is None:
            if self.remote == Endpoint(dst, dest.port):  # an ICMP port unreachable: __udp4_lib_err
                self.sk_err = ECONNREFUSED
                self.wq.wake(task, 0)  # sk_error_report
            return n
        if not receiver.charge_rmem(udp_truesize(n, is_v4(dst))):
            return n  # dropped: the sender is not told
        receiver.rx_state.touch(task)
        receiver.rx_data.write(task, n)
        name = inet_sockaddr(receiver.family, sender)
        receiver.rxq.append(Skb(bytearray(src), 0, self, blocks, name))  # orphaned: nothing charged to us
        receiver.wq.wake(task, DATA_READY_KEY)
        return n

    def charge_rmem(self, truesize: int) -> bool:
        """``__udp_enqueue_schedule_skb``: a datagram is queued when its true size fits in what
        ``sk_rcvbuf`` leaves beside the queued ones, or when nothing is queued (one datagram always
        fits); otherwise it is dropped (False)."""
        if self.rmem and self.rmem + truesize > self.rcvbuf:
            return False
        self.rmem += truesize
        self.truesizes.append(truesize)
        return True

    # -- receiving -------------------------------------------------------------------
    def recv_dgram(self, task: Task, dst: memoryview, flags: int, block: bool = False) -> int:
        """``udp_recvmsg`` / ``udpv6_recvmsg``: AF_UNIX's datagram receive with MSG_OOB ignored; the
        sender's name is the one its datagram carries."""
        head = self.rxq[0] if self.rxq else None
        queued = len(self.rxq)
        if not self.sk_err:
            self.refill_reader()  # __skb_recv_udp, after sock_error
        ret = super().recv_dgram(task, dst, flags & ~MSG_OOB, block)
        if ret >= 0 and head is not None:
            self.rcv_addr = head.src
        if len(self.rxq) < queued:
            self.reader -= 1
            self.rmem_release(self.truesizes.popleft())  # udp_skb_destructor
        return ret

    # -- shutdown, release ---------------------------------------------------------------
    def shutdown_sock(self, task: Task | None, how: int) -> int:
        """``inet_shutdown``: the bits set and waiters woken as AF_UNIX's datagram shutdown does,
        but -ENOTCONN if not connected."""
        err = super().shutdown_sock(task, how)
        return err if err or self.state != TCP_CLOSE else -ENOTCONN

    def release_sock(self, task: Task | None, embryo: bool) -> None:
        """``udp_lib_close``: the port given back, then AF_UNIX's datagram release (the queue freed)."""
        self.unhash()
        super().release_sock(task, embryo)


def dest_of(sock: UdpSocket, name: bytes) -> Endpoint | int | None:
    """A send's ``msg_name`` as ``udp_sendmsg`` / ``udpv6_sendmsg`` read it: the destination,
    None (an AF_INET6 socket ignores an AF_UNSPEC name), or -errno (see the module docstring)."""
    if len(name) < 2:
        return -EINVAL
    family = int.from_bytes(name[:2], "little")
    if sock.family == AF_INET6 and family == AF_INET6:
        addr = parse_in6(name)
        if isinstance(addr, int):
            return addr
        ip = addr.ip
        if ip == ANY6 and is_v4(sock.lip):
            ip = LOOPBACK4
        if is_v4(ip) and sock.v6only:
            return -ENETUNREACH
    elif sock.family == AF_INET6 and family == AF_UNSPEC:
        return None
    elif sock.family == AF_INET6 and family != AF_INET:
        return -EINVAL
    elif sock.family == AF_INET6 and sock.v6only:
        return -ENETUNREACH  # an AF_INET name from an IPv6-only socket
    else:
        addr = parse_in(name)
        if isinstance(addr, int):
            return addr
        if sock.family == AF_INET and family not in (AF_INET, AF_UNSPEC):
            return -EAFNOSUPPORT
        ip = addr.ip
    if not addr.port:
        return -EINVAL
    return Endpoint(ip, addr.port)


def udp_lookup(ports: UdpPorts, sender: Endpoint, dest: Endpoint) -> UdpSocket | None:
    """``__udp4_lib_lookup`` / ``__udp6_lib_lookup``: the socket ``dest`` reaches (see the module
    docstring), None when nobody is there."""
    best: UdpSocket | None = None
    top = 0
    for h in ports.holders.get(dest.port, ()):
        if not isinstance(h, UdpSocket):
            continue
        match = covers(h, dest.ip)
        if not match or (h.remote is not None and h.remote != sender):
            continue
        score = 4 * (match == EXACT) + 4 * (h.remote is not None) + (is_v4(dest.ip) and h.family == AF_INET) + 1
        if score > top:
            best, top = h, score
    return best


def create_udp(ports: UdpPorts, task: Task, flags: int, family: int) -> UdpSocket:
    """``inet_create`` / ``inet6_create`` of a UDP socket; ``flags`` its file flags (O_NONBLOCK)."""
    sock = UdpSocket(task.sched.costs, flags, family, ports)
    task.charge(sock.uc.socket_ns)
    return sock


def udp_connect(task: Task, sock: UdpSocket, name: bytes) -> int:
    """``inet_dgram_connect``: see the module docstring."""
    task.charge(sock.uc.connect_ns)
    if len(name) < 2:
        return -EINVAL
    family = int.from_bytes(name[:2], "little")
    if family == AF_UNSPEC:
        return udp_disconnect(sock)
    if not sock.autobind():
        return -EAGAIN
    dest = _connect_dest(sock, name, family)
    if isinstance(dest, int):
        return dest
    got = route(dest.ip)
    if isinstance(got, int):
        return got
    dst, source = got
    if sock.lip in (ANY4, ANY6):
        sock.lip = source
    sock.remote = Endpoint(dst, dest.port)
    sock.state = TCP_ESTABLISHED
    return 0


def _connect_dest(sock: UdpSocket, name: bytes, family: int) -> Endpoint | int:
    """``ip4_datagram_connect`` / ``ip6_datagram_connect``'s reading of the address: an AF_INET6
    socket hands a ``sockaddr_in`` to IPv4 (-EAFNOSUPPORT if IPv6-only) and connects ``::`` to
    the loopback address of its own address's family."""
    if sock.family == AF_INET6 and family == AF_INET and sock.v6only:
        return -EAFNOSUPPORT
    if sock.family == AF_INET or family == AF_INET:
        addr = parse_in(name)
        if isinstance(addr, int):
            return addr
        return Endpoint(addr.ip, addr.port) if family == AF_INET else -EAFNOSUPPORT
    addr = parse_in6(name)
    if isinstance(addr, int):
        return addr
    if family != AF_INET6:
        return -EAFNOSUPPORT
    if addr.ip == ANY6:
        return Endpoint(LOOPBACK4 if is_v4(sock.lip) else LOOPBACK6, addr.port)
    err = v6_connect_check(addr, sock.v6only)
    return err if err else Endpoint(addr.ip, addr.port)


def udp_disconnect(sock: UdpSocket) -> int:
    """``udp_disconnect``: TCP_CLOSE, no destination; the address and the port given back unless
    bind(2) named them.  A pending error and the queued datagrams stay."""
    sock.state = TCP_CLOSE
    sock.remote = None
    if not sock.user_addr:
        sock.lip = ANY4 if sock.family == AF_INET else ANY6
    if not sock.user_port:
        sock.unhash()
        sock.lport = 0
    return 0
