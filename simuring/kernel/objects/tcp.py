"""TCP sockets on the loopback interface (net/ipv4/af_inet.c, net/ipv4/tcp.c, tcp_ipv4.c,
net/ipv6/af_inet6.c, tcp_ipv6.c): AF_INET and AF_INET6 SOCK_STREAM.

A :class:`TcpSocket` is an AF_UNIX stream socket's byte stream
(:class:`~simuring.kernel.objects.socket.UnixSocket`: its skb queues, buffer accounting,
costs, receive and MSG_PEEK) with TCP's connection rules in place of AF_UNIX's; the
addresses and the port namespace are :mod:`.inet_addr` and :mod:`.inet_ports`.

* ``socket(2)`` (:func:`inet_create`): the protocol must be TCP (6) or 0 for
  SOCK_STREAM; the other types' protocol rules are checked, but only TCP sockets (and UDP
  ones, :mod:`.udp`) are made (:func:`inet_protocol`).
* ``bind`` (:func:`inet_bind`, UDP's too, ``__inet_bind`` / ``__inet6_bind``): the address's length,
  family and kind (see :mod:`.inet_addr`); a socket already bound, or not in TCP_CLOSE,
  -EINVAL; then the port (0: an ephemeral one) -EADDRINUSE on a conflict.  Binding an
  AF_INET6 socket to an address other than ``::`` or a v4-mapped one makes it IPv6-only.
  An AF_INET socket takes AF_UNSPEC with INADDR_ANY as AF_INET (``__inet_bind``).
* ``listen`` (:func:`tcp_listen`, ``inet_listen``): -EINVAL unless unconnected and in
  TCP_CLOSE or TCP_LISTEN; the backlog set; the first listen takes the bound port again
  (-EADDRINUSE if another listener now conflicts) or an ephemeral one.
* ``connect`` (:func:`tcp_connect`, ``__inet_stream_connect``): AF_UNSPEC disconnects;
  connected -EISCONN; listening -EISCONN; then ``tcp_v4_connect`` / ``tcp_v6_connect``
  (length, family, route: -EINVAL / -EAFNOSUPPORT / -ENETUNREACH), an ephemeral port
  for an unbound socket, and the handshake, which on loopback completes within the call:
  with a listener the connection is queued on it (``acceptq``) and the caller is
  ESTABLISHED; without one the caller is reset (``sk_err`` ECONNREFUSED, TCP_CLOSE).
  A blocking connect then answers 0 or the error (consumed).  An O_NONBLOCK connect
  answers -EINPROGRESS (the kernel sends the SYN with the socket locked: the answer is
  processed after the call returns); the socket is then writable (or in error), a
  second connect answers 0 (or the error, the socket unconnected again), a third
  -EISCONN.  A listener whose accept queue is full (more than its backlog queued,
  ``sk_acceptq_is_full``) drops the SYN (``tcp_conn_request``): the caller stays in
  SYN_SENT (poll: nothing but a pending error; a send -EAGAIN; a second connect
  -EALREADY) and retransmits after 1 s, then 2, 4, 8, 16 and 32 s (``TCP_TIMEOUT_INIT``,
  ``tcp_syn_retries`` 6); each retransmission is looked up again (connected when the
  queue has room, refused when nobody listens any more), and 64 s after the last one
  the connect fails with ETIMEDOUT.  A blocking connect sleeps until then.
* ``accept`` is AF_UNIX's (:func:`~simuring.kernel.objects.unix_conn.unix_accept` on
  ``acceptq``): -EINVAL unless listening, -EAGAIN or a wait with nothing queued.
  Unlike AF_UNIX, ``inet_csk_accept`` says whether more connections are queued
  (:meth:`TcpSocket.more_queued`: IORING_CQE_F_SOCK_NONEMPTY on an ACCEPT's CQE).
* Names (:meth:`TcpSocket.getname`, ``inet_getname`` / ``inet6_getname``): a 16-byte
  ``sockaddr_in`` or 28-byte ``sockaddr_in6``; unbound, the wildcard and port 0; the
  peer's -ENOTCONN unless connected (for getpeername: not reset or closed either; accept
  still names the peer of a connection reset while it was queued).
* Sending (``tcp_sendmsg_locked``): not connected (never, listening, or reset) the
  pending error (consumed), else -EPIPE; shut for writing the same; a send to a peer
  that has closed is accepted (the count returned) and draws a reset: ``sk_err`` EPIPE
  (ECONNRESET if the peer had not sent its FIN), TCP_CLOSE, so the next send fails.
* Receiving (``tcp_recvmsg_locked``): queued data first; then a listener -ENOTCONN,
  after the peer's FIN 0 (SOCK_DONE, before any pending error), a pending error
  (consumed), shut for reading 0, never connected -ENOTCONN, else -EAGAIN / a wait.
  Once the FIN is in, every receive's ``msg_inq`` is non-zero (``tcp_inq_hint``): an io_uring
  RECV's CQE carries IORING_CQE_F_SOCK_NONEMPTY, the EOF one too (:mod:`simuring.opcodes.net`).
* Closing (``tcp_close``): with unread data, or an embryo freed with its listener, the
  peer is reset (``sk_err`` ECONNRESET, or EPIPE if it already had our FIN; TCP_CLOSE,
  both directions shut); otherwise a FIN: the peer reads what is queued, then 0.  A
  socket that sent its FIN before its peer did (closed first, or SHUT_WR first) leaves a
  TIME_WAIT holding its port.  Once both FINs have crossed (the second sent by SHUT_WR or a
  close), both ends are in TCP_CLOSE (:meth:`TcpSocket.finished`, ``tcp_done``: LAST_ACK ends
  with the ACK of its FIN, FIN_WAIT2 with the peer's FIN): shutdown -ENOTCONN, getpeername
  -ENOTCONN, POLLHUP; closing one then resets nobody.
* ``shutdown`` (:meth:`TcpSocket.shutdown_sock`, ``inet_shutdown``): SHUT_WR sends a
  FIN (the peer reads 0 once drained), SHUT_RD only marks this socket (the peer may
  still send, the data is readable); unconnected: the bits are set but the answer is
  -ENOTCONN; on a listener SHUT_RD / SHUT_RDWR stops it (queued connections reset,
  TCP_CLOSE).
* poll (:meth:`TcpSocket.poll_mask`, ``tcp_poll``): a listener POLLIN|POLLRDNORM with a
  connection queued; otherwise POLLHUP when shut both ways or in TCP_CLOSE,
  POLLIN|POLLRDNORM|POLLRDHUP when shut for reading, POLLIN|POLLRDNORM with data,
  POLLOUT|POLLWRNORM when writable (or shut for writing), POLLERR with an error pending;
  never POLLWRBAND (AF_UNIX reports it).
* Options (:class:`TcpSocket` fields): SO_REUSEADDR, SO_REUSEPORT, TCP_NODELAY (kept, no
  effect: segments are not modelled), IPV6_V6ONLY.
* Buffer sizes: a new socket's send and receive buffers are ``net.ipv4.tcp_wmem`` /
  ``tcp_rmem``'s defaults (``tcp_init_sock``: 16384, 131072), SO_SNDBUF / SO_RCVBUF set them as on
  any socket (:mod:`.sockopt`, which locks them); once a connection is established both ends' send
  buffer grows to :data:`TCP_SNDBUF_ESTABLISHED` (``tcp_sndbuf_expand``) unless locked; an accepted
  socket starts from its listener's sizes and locks (``sk_clone_lock``).  The send buffer bounds
  what a sender may queue, as AF_UNIX's does.

Timing: TCP is priced as an AF_UNIX stream (the ``[unix]`` costs), not calibrated.

Not modelled: segmentation, windows, retransmission of data, congestion control, Nagle's
and delayed-ACK timing (SIOCOUTQ is always 0: every byte is acknowledged at once; on Linux it is 0
once a send that fits the peer's receive window returns, and counts what the window holds back
beyond it), the send buffer's later growth and the receive buffer's autotuning
(``tcp_new_space``, ``tcp_rcv_space_adjust``: what SO_SNDBUF / SO_RCVBUF read after bulk
transfers), urgent
data, keepalive, SO_LINGER, TCP Fast Open, SYN cookies and the SYN queue, the states
between SYN_SENT and ESTABLISHED, those between the first FIN and TCP_CLOSE (FIN_WAIT1/2,
CLOSE_WAIT, LAST_ACK, CLOSING: an ESTABLISHED socket with its FIN flags; a closed socket is gone
but for its TIME_WAIT port), raw sockets, MPTCP (UDP is :mod:`.udp`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import (
    EADDRINUSE,
    EAFNOSUPPORT,
    EAGAIN,
    EALREADY,
    ECONNABORTED,
    ECONNREFUSED,
    ECONNRESET,
    EINPROGRESS,
    EINVAL,
    EISCONN,
    ENOTCONN,
    EPIPE,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
    ETIMEDOUT,
)
from simuring.abi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM
from simuring.abi.posix import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    IPPROTO_IP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_STREAM,
)
from simuring.host.events import call_at
from simuring.kernel.objects.base import WRITE_EVENTS, block_on
from simuring.kernel.objects.inet_addr import (
    ANY4,
    ANY6,
    Endpoint,
    InetName,
    inet_getname,
    is_v4,
    parse_in,
    parse_in6,
    route,
    v4_bind_check,
    v6_bind_check,
    v6_connect_check,
)
from simuring.kernel.objects.inet_ports import InetPorts, TimeWait, give_back
from simuring.kernel.objects.socket import (
    DATA_READY_KEY,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUTDOWN_MASK,
    TCP_CLOSE,
    TCP_ESTABLISHED,
    TCP_LISTEN,
    UnixSocket,
)
from simuring.kernel.objects.unix_conn import SOMAXCONN

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel.objects.udp import UdpSocket

IPPROTO_ICMP: Final = 1
IPPROTO_ICMPV6: Final = 58
IPPROTO_UDPLITE: Final = 136
IPPROTO_MPTCP: Final = 262
IPPROTO_MAX: Final = 263

#: ``inetsw`` / ``inetsw6``: the protocols each socket type offers (the first is the default)
INET_PROTOCOLS: Final = {
    SOCK_STREAM: (IPPROTO_TCP, IPPROTO_MPTCP),
    SOCK_DGRAM: (IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_UDPLITE),
}
INET6_DGRAM: Final = (IPPROTO_UDP, IPPROTO_ICMPV6, IPPROTO_UDPLITE)

TCP_SYN_SENT: Final = 2
"""``sk_state`` of a connect whose SYN a full listener dropped (include/net/tcp_states.h)."""
TCP_TIMEOUT_INIT_NS: Final = 1_000_000_000
"""The first SYN retransmission comes 1 s after the SYN (``TCP_TIMEOUT_INIT``), each next one after
twice the wait before."""
TCP_SYN_RETRIES: Final = 6
"""``net.ipv4.tcp_syn_retries``: retransmissions before the connect times out."""

# struct socket's state (include/uapi/linux/net.h)
SS_UNCONNECTED: Final = 1
SS_CONNECTING: Final = 2
SS_CONNECTED: Final = 3


def inet_protocol(family: int, base: int, protocol: int) -> int:
    """``inet_create`` / ``inet6_create``'s protocol lookup for socket type ``base``: the
    protocol the socket gets, or -EINVAL (out of range), -ESOCKTNOSUPPORT (a type the
    family lacks), -EPROTONOSUPPORT (no such protocol for the type).  SOCK_RAW takes any
    protocol but 0."""
    if not 0 <= protocol < IPPROTO_MAX:
        return -EINVAL
    if base == SOCK_RAW:
        return protocol if protocol != IPPROTO_IP else -EPROTONOSUPPORT
    offered = INET6_DGRAM if family == AF_INET6 and base == SOCK_DGRAM else INET_PROTOCOLS.get(base)
    if offered is None:
        return -ESOCKTNOSUPPORT
    if protocol == IPPROTO_IP:
        return offered[0]
    return protocol if protocol in offered else -EPROTONOSUPPORT


#: ``net.ipv4.tcp_wmem`` / ``tcp_rmem``'s default (middle) values: a new TCP socket's ``sk_sndbuf`` /
#: ``sk_rcvbuf`` (``tcp_init_sock``), in place of ``net.core``'s
TCP_WMEM_DEFAULT: Final = 16384
TCP_RMEM_DEFAULT: Final = 131072
#: ``sk_sndbuf`` once a connection is established over loopback (``tcp_init_buffer_space`` ->
#: ``tcp_sndbuf_expand``: the true size per segment of loopback's 64 KiB MSS, 131328 bytes, times 30),
#: as Linux 6.18.44 reports it on both sides; below ``tcp_wmem[2]`` (4 MiB), which caps it
TCP_SNDBUF_ESTABLISHED: Final = 3_939_840


class TcpSocket(UnixSocket):
    """An AF_INET / AF_INET6 SOCK_STREAM socket (see the module docstring)."""

    def __init__(self, costs: CostModel, flags: int, family: int) -> None:
        super().__init__(costs, flags)
        self.sndbuf = TCP_WMEM_DEFAULT
        self.rcvbuf = TCP_RMEM_DEFAULT
        self.family = family
        self.state = TCP_CLOSE
        self.ss = SS_UNCONNECTED  # struct socket's state: what connect(2) has been told
        self.lip = ANY4 if family == AF_INET else ANY6  # inet_rcv_saddr
        self.lport = 0  # inet_num: 0 until bound
        self.remote: Endpoint | None = None  # inet_daddr / inet_dport
        self.user_addr = False  # SOCK_BINDADDR_LOCK: bind(2) named the address
        self.user_port = False  # SOCK_BINDPORT_LOCK: bind(2) named the port
        self.done = False  # SOCK_DONE: the peer's FIN came in
        self.fin_first = False  # we sent our FIN before the peer's came (SHUT_WR): the TIME_WAIT is ours
        self.reuse = False  # SO_REUSEADDR
        self.reuseport = False  # SO_REUSEPORT
        self.v6only = False  # IPV6_V6ONLY
        self.nodelay = False  # TCP_NODELAY (no effect: segments are not modelled)
        self.ports: InetPorts | None = None  # the table holding our port, once we hold one
        self.connects = 0  # connect attempts made: a retransmission timer belongs to one

    def __repr__(self) -> str:
        return f"<TcpSocket state={self.state} port={self.lport} rx={self.rx_bytes()}>"

    @property
    def listening(self) -> bool:
        return self.state == TCP_LISTEN

    def domain(self) -> int:
        return self.family

    def protocol(self) -> int:
        return IPPROTO_TCP

    def more_queued(self) -> bool:
        """``inet_csk_accept``'s ``arg->is_empty``, inverted: a connection is still queued."""
        return bool(self.acceptq)

    def inq_hint(self) -> int:
        """``tcp_inq_hint``: ``rcv_nxt - copied_seq``, in which the peer's FIN, once in, is one
        sequence number more (SIOCINQ's ``tcp_inq`` takes it off; this does not), so the data still
        queued before it reads one more, and none 1 (SOCK_DONE).  An io_uring bundle RECV sizes its
        retry by it (``io_recv_finish``: one byte more than is queued, which a MSG_WAITALL receive
        then waits for in vain; difffuzz bundle seeds 5087, 6538, ``lbd-fz-tcp-fin-inq*``)."""
        return self.rx_bytes() + 1 if self.done else self.rx_bytes()

    def dest_error(self) -> int:
        """``tcp_sendmsg`` ignores a destination address (no Fast Open here)."""
        return 0

    # -- names -------------------------------------------------------------------------
    def getname(self, peer: int) -> bytes | int:
        """``inet_getname`` / ``inet6_getname``: getpeername's (``peer`` 1) needs a connection not
        closed; accept's (2) only a peer (a connection reset while queued still has one)."""
        return inet_getname(self.family, Endpoint(self.lip, self.lport), self.remote, self.state == TCP_CLOSE, peer)

    def hold(self, ports: InetPorts, port: int) -> None:
        """Take ``port`` (``inet_bind_hash``)."""
        ports.take(self, port)

    def unhash(self) -> None:
        """Give the port back (``inet_put_port``)."""
        give_back(self)

    # -- sending ---------------------------------------------------------------------
    def _sendmsg(self, task: Task, src: memoryview, resumed: bool) -> int:
        """``tcp_sendmsg_locked``: see the module docstring."""
        if self.state != TCP_ESTABLISHED or self.sk_err or self.shutdown & SEND_SHUTDOWN:
            task.charge(self.uc.sendmsg_ns)
            if self.state == TCP_SYN_SENT and not self.sk_err:
                return -EAGAIN  # sk_stream_wait_connect: a blocking send waits for the handshake
            return self.sock_error() or -EPIPE
        peer = self.peer
        if peer is not None and peer.closed:  # the data reaches a closed socket: a reset comes back
            task.charge(self.uc.sendmsg_ns)
            self.reset(task, EPIPE if self.done else ECONNRESET)
            return len(src)
        return super()._sendmsg(task, src, resumed)

    def reset(self, task: Task | None, err: int) -> None:
        """``tcp_reset`` + ``tcp_done``: the error pending, TCP_CLOSE, both directions shut, the
        port given back unless bind(2) named it; waiters woken."""
        self.sk_err = err
        self.state = TCP_CLOSE
        self.shutdown = SHUTDOWN_MASK
        if not self.user_port:
            self.unhash()
        self.wq.wake(task, 0)

    # -- receiving -------------------------------------------------------------------
    def _recvmsg(self, task: Task, dst: memoryview) -> int:
        """``tcp_recvmsg_locked``: queued data as AF_UNIX's stream; with none, the order of the
        module docstring."""
        if self.rxq:
            return super()._recvmsg(task, dst)
        task.charge(self.uc.recvmsg_ns)
        if self.state == TCP_LISTEN:
            return -ENOTCONN
        if self.done:
            return 0
        if self.sk_err:
            return self.sock_error()
        if self.shutdown & RCV_SHUTDOWN:
            return 0
        if self.state == TCP_CLOSE:
            return -ENOTCONN
        return -EAGAIN

    # -- shutdown, poll, release -------------------------------------------------------
    def shutdown_sock(self, task: Task | None, how: int) -> int:
        """``inet_shutdown`` + ``tcp_shutdown``."""
        if not 0 <= how <= 2:
            return -EINVAL
        if task is not None:
            task.charge(self.uc.sendmsg_ns)
        mode = how + 1
        err = 0
        if self.state == TCP_LISTEN:
            if mode & RCV_SHUTDOWN:
                self.stop_listening(task)
        else:
            if self.state == TCP_CLOSE:
                err = -ENOTCONN
            self.shutdown |= mode
            peer = self.peer
            if mode & SEND_SHUTDOWN and self.state == TCP_ESTABLISHED and peer is not None:
                assert isinstance(peer, TcpSocket)
                if not peer.closed:
                    self.fin_first = self.fin_first or not self.done
                    peer.fin(task)
                if self.done:  # the second FIN: its ACK ends our LAST_ACK, the peer's FIN_WAIT2 ends
                    if not peer.closed:
                        peer.finished(task)
                    self.finished(task)
        self.wq.wake(task, 0)  # sk_state_change
        return err

    def fin(self, task: Task | None) -> None:
        """``tcp_fin``: the peer will send no more; readers see 0 once the queue is drained."""
        self.shutdown |= RCV_SHUTDOWN
        self.done = True
        self.wq.wake(task, 0)

    def finished(self, task: Task | None) -> None:
        """``tcp_done`` once both FINs are exchanged (no error): LAST_ACK's ACK came in, or FIN_WAIT2
        took the peer's FIN (``tcp_time_wait``: the TIME_WAIT holds the port of the side whose FIN
        went first).  TCP_CLOSE, both directions shut, the port given back unless bind(2) named it;
        queued data stays readable."""
        if self.fin_first and self.ports is not None:
            self.ports.add(TimeWait(self.family, self.lip, self.lport, self.v6only, self.reuse, self.reuseport))
        self.state = TCP_CLOSE
        self.shutdown = SHUTDOWN_MASK
        if not self.user_port:
            self.unhash()
        self.wq.wake(task, 0)

    def stop_listening(self, task: Task | None) -> None:
        """``tcp_disconnect`` of a listener (``inet_csk_listen_stop``): the queued connections are
        reset, TCP_CLOSE, the port given back unless bind(2) named it."""
        self.state = TCP_CLOSE
        while self.acceptq:
            emb = self.acceptq.popleft()
            emb.release_sock(task, embryo=True)
        if not self.user_port:
            self.unhash()
            self.lport = 0

    def poll_mask(self) -> int:
        """``tcp_poll``."""
        if self.state == TCP_LISTEN:
            return POLLIN | POLLRDNORM if self.acceptq else 0
        mask = 0
        shutdown = self.shutdown
        if shutdown == SHUTDOWN_MASK or self.state == TCP_CLOSE:
            mask |= POLLHUP
        if shutdown & RCV_SHUTDOWN:
            mask |= POLLIN | POLLRDNORM | POLLRDHUP
        if self.state == TCP_SYN_SENT:
            pass  # neither readable nor writable before the handshake
        elif shutdown & SEND_SHUTDOWN or self.write_space():
            mask |= POLLOUT | POLLWRNORM
        if self.rxq:
            mask |= POLLIN | POLLRDNORM
        if self.sk_err:
            mask |= POLLERR
        return mask

    def release_sock(self, task: Task | None, embryo: bool) -> None:
        """``tcp_close``: see the module docstring."""
        peer = self.peer if self.peer is not None and not self.peer.closed else None
        connected = self.state == TCP_ESTABLISHED
        if self.state == TCP_LISTEN:
            self.stop_listening(task)
        abort = bool(self.rxq) or embryo
        self.drop_unread()
        self.state = TCP_CLOSE
        self.closed = True
        self.shutdown = SHUTDOWN_MASK
        ports = self.ports
        self.unhash()
        if connected and not abort and (self.fin_first or not self.done) and ports is not None:
            ports.add(TimeWait(self.family, self.lip, self.lport, self.v6only, self.reuse, self.reuseport))
        if peer is not None:
            assert isinstance(peer, TcpSocket)
            if abort and connected:
                peer.reset(task, EPIPE if peer.done else ECONNRESET)
            elif connected:
                peer.fin(task)
                if self.done:  # the peer's FIN went first: FIN_WAIT2 takes ours
                    peer.finished(task)


# -- the calls -----------------------------------------------------------------------------


def create_tcp(costs: CostModel, task: Task, flags: int, family: int) -> TcpSocket:
    """``inet_create`` / ``inet6_create`` of a TCP socket; ``flags`` its file flags (O_NONBLOCK)."""
    sock = TcpSocket(costs, flags, family)
    task.charge(sock.uc.socket_ns)
    return sock


def parse_name(sock: TcpSocket | UdpSocket, name: bytes) -> InetName | int:
    """The address as the socket's family reads it (-EINVAL when too short)."""
    return parse_in(name) if sock.family == AF_INET else parse_in6(name)


def inet_bind(ports: InetPorts, task: Task, sock: TcpSocket | UdpSocket, name: bytes) -> int:
    """``inet_bind`` / ``inet6_bind`` of a TCP or a UDP socket (``ports`` its protocol's table):
    see the module docstring; an IPv6 multicast address is refused for TCP only."""
    task.charge(sock.uc.bind_ns)
    addr = parse_name(sock, name)
    if isinstance(addr, int):
        return addr
    ip = addr.ip
    v6only = sock.v6only
    bound = sock.state != TCP_CLOSE or sock.lport
    if sock.family == AF_INET:  # __inet_bind: the address, then the socket
        if addr.family != AF_INET and not (addr.family == AF_UNSPEC and ip == ANY4):
            return -EAFNOSUPPORT
        err = v4_bind_check(ip) or (-EINVAL if bound else 0)
    else:  # __inet6_bind: a multicast address, the socket, then the address
        if addr.family != AF_INET6:
            return -EAFNOSUPPORT
        if ip[0] == 0xFF and sock.sock_type == SOCK_STREAM:
            return -EINVAL
        if bound:
            return -EINVAL
        if is_v4(ip):
            err = -EINVAL if v6only else v4_bind_check(ip)
        else:
            err = v6_bind_check(addr)
            v6only = v6only or ip != ANY6  # a specific IPv6 address: IPv6 only
    if err:
        return err
    old_ip, old_v6only = sock.lip, sock.v6only
    sock.lip, sock.v6only = ip, v6only
    port = addr.port or ports.ephemeral()
    if not port or ports.taken(sock, port):
        sock.lip, sock.v6only = old_ip, old_v6only
        return -EADDRINUSE
    sock.hold(ports, port)
    sock.user_addr = ip not in (ANY4, ANY6)
    sock.user_port = bool(addr.port)
    return 0


def tcp_listen(ports: InetPorts, task: Task, sock: TcpSocket, backlog: int) -> int:
    """``__sys_listen_socket`` (the somaxconn clamp) + ``inet_listen``."""
    task.charge(sock.uc.listen_ns)
    if backlog & 0xFFFF_FFFF > SOMAXCONN:
        backlog = SOMAXCONN
    if sock.ss != SS_UNCONNECTED or sock.state not in (TCP_CLOSE, TCP_LISTEN):
        return -EINVAL
    sock.backlog = backlog
    if sock.state == TCP_LISTEN:
        return 0
    sock.state = TCP_LISTEN  # inet_csk_listen_start: the port is checked as a listener's
    if sock.lport:
        if ports.taken(sock, sock.lport):
            sock.state = TCP_CLOSE
            return -EADDRINUSE
        return 0
    port = ports.ephemeral()
    if not port:
        sock.state = TCP_CLOSE
        return -EADDRINUSE
    sock.hold(ports, port)
    return 0


def tcp_connect(ports: InetPorts, task: Task, sock: TcpSocket, name: bytes, nonblock: bool) -> int:
    """``inet_stream_connect`` without waiting: the answer, or -EINPROGRESS / -EALREADY while the
    handshake is pending (see :func:`tcp_connect_wait` for a blocking socket)."""
    task.charge(sock.uc.connect_ns)
    if len(name) < 2:
        return -EINVAL
    if int.from_bytes(name[:2], "little") == AF_UNSPEC:
        return tcp_disconnect(task, sock)
    if sock.ss == SS_CONNECTED:
        return -EISCONN
    err = -EALREADY
    if sock.ss == SS_UNCONNECTED:
        if sock.state != TCP_CLOSE:
            return -EISCONN
        err = _tcp_connect(ports, task, sock, name)
        if err:
            return err
        sock.ss = SS_CONNECTING
        if nonblock:
            return -EINPROGRESS
        err = -EINPROGRESS
    return err if sock.state == TCP_SYN_SENT else connect_done(task, sock)


def connect_done(task: Task, sock: TcpSocket) -> int:
    """The tail of ``__inet_stream_connect`` once the handshake is over: refused, reset or timed out
    (``sock_error``, else -ECONNABORTED; the socket unconnected again), or connected (0)."""
    if sock.state == TCP_CLOSE:
        err = sock.sock_error() or -ECONNABORTED
        sock.ss = SS_UNCONNECTED
        tcp_disconnect(task, sock)
        return err
    sock.ss = SS_CONNECTED
    return 0


def tcp_connect_wait(
    ports: InetPorts, task: Task, sock: TcpSocket, name: bytes, nonblock: bool
) -> Generator[simpy.Event, Any, int]:
    """``inet_stream_connect``: :func:`tcp_connect`, and a blocking socket whose SYN a full listener
    dropped sleeps in ``inet_wait_for_connect`` until the handshake is over."""
    ret = tcp_connect(ports, task, sock, name, nonblock)
    if nonblock or ret not in (-EINPROGRESS, -EALREADY):
        return ret

    def attempt() -> int:
        return -EAGAIN if sock.state == TCP_SYN_SENT else 0

    err = yield from block_on(task, sock.wq, WRITE_EVENTS, attempt)
    return err if err < 0 else connect_done(task, sock)


def _tcp_connect(ports: InetPorts, task: Task, sock: TcpSocket, name: bytes) -> int:
    """``tcp_v4_connect`` / ``tcp_v6_connect`` and the handshake over loopback: 0 (connected, or
    reset with ECONNREFUSED pending) or -errno."""
    addr = parse_name(sock, name)
    if isinstance(addr, int):
        return addr
    want = AF_INET if sock.family == AF_INET else AF_INET6
    if addr.family != want:
        return -EAFNOSUPPORT
    ip = addr.ip
    if sock.family == AF_INET6:
        err = v6_connect_check(addr, sock.v6only)
        if err:
            return err
    got = route(ip)
    if isinstance(got, int):
        return got
    dst, src = got
    if not sock.lport:
        port = ports.ephemeral()
        if not port:
            return -EADDRINUSE  # inet_hash_connect found no free port (-EADDRNOTAVAIL in newer kernels)
        if sock.lip in (ANY4, ANY6):
            sock.lip = src
        sock.hold(ports, port)
    elif sock.lip in (ANY4, ANY6):
        sock.lip = src
    sock.remote = Endpoint(dst, addr.port)
    sock.connects += 1
    _syn(ports, task, sock, 0)
    return 0


def _syn(ports: InetPorts, task: Task | None, sock: TcpSocket, sent: int) -> None:
    """A SYN (``sent`` retransmissions before it) reaching the destination: no listener resets the
    caller (ECONNREFUSED); a full accept queue drops it (SYN_SENT, retransmitted by the timer);
    otherwise the handshake completes."""
    assert sock.remote is not None
    listener = ports.listener(sock.remote.ip, sock.remote.port)
    if not isinstance(listener, TcpSocket):
        sock.reset(task, ECONNREFUSED)
        return
    if len(listener.acceptq) > listener.backlog:  # sk_acceptq_is_full: tcp_conn_request drops the SYN
        sock.state = TCP_SYN_SENT
        _retransmit_later(ports, sock, sent)
        return
    _establish(ports, task, sock, listener, sock.remote.ip)


def _retransmit_later(ports: InetPorts, sock: TcpSocket, sent: int) -> None:
    """``tcp_retransmit_timer`` for a SYN: after ``TCP_TIMEOUT_INIT << sent``, again (or, past
    ``tcp_syn_retries``, the connect times out: ETIMEDOUT)."""
    env = ports.env
    attempt = sock.connects

    def fire() -> None:
        if sock.closed or sock.state != TCP_SYN_SENT or sock.connects != attempt:
            return  # closed, disconnected or connected again meanwhile
        if sent >= TCP_SYN_RETRIES:
            sock.reset(None, ETIMEDOUT)
            return
        _syn(ports, None, sock, sent + 1)

    call_at(env, int(env.now) + (TCP_TIMEOUT_INIT_NS << sent), fire)


def _establish(ports: InetPorts, task: Task | None, sock: TcpSocket, listener: TcpSocket, dst: bytes) -> None:
    """The three-way handshake: the child socket (``tcp_create_openreq_child``, carrying the
    listener's options) connected to ``sock`` and queued on ``listener``."""
    child = TcpSocket(ports.costs, 0, listener.family)
    child.state = TCP_ESTABLISHED
    child.ss = SS_CONNECTED
    child.reuse, child.reuseport, child.v6only = listener.reuse, listener.reuseport, listener.v6only
    child.sndbuf, child.rcvbuf = listener.sndbuf, listener.rcvbuf  # sk_clone_lock copies the sock
    child.sndbuf_lock, child.rcvbuf_lock = listener.sndbuf_lock, listener.rcvbuf_lock
    child.lip = dst
    child.remote = Endpoint(sock.lip, sock.lport)
    child.user_port = True  # inet_inherit_port: the child shares the listener's port
    child.hold(ports, listener.lport)
    child.peer = sock
    sock.peer = child
    sock.state = TCP_ESTABLISHED
    _expand_sndbuf(sock)
    _expand_sndbuf(child)
    listener.acceptq.append(child)
    listener.wq.wake(task, DATA_READY_KEY)  # sk_data_ready
    sock.wq.wake(task, 0)  # sk_state_change: the connect is done


def _expand_sndbuf(sock: TcpSocket) -> None:
    """``tcp_init_buffer_space`` -> ``tcp_sndbuf_expand`` on a new connection: the send buffer grows
    to what the first window of segments needs, unless SO_SNDBUF set it (SOCK_SNDBUF_LOCK)."""
    if not sock.sndbuf_lock:
        sock.sndbuf = max(sock.sndbuf, TCP_SNDBUF_ESTABLISHED)


def tcp_disconnect(task: Task, sock: TcpSocket) -> int:
    """``tcp_disconnect`` (connect with AF_UNSPEC; a failed connect): a connection is reset on
    both sides (ECONNRESET pending here too), a listener stops; the socket is TCP_CLOSE and
    unconnected, its unread data dropped, its shutdown bits and SOCK_DONE cleared, its port and
    address given back unless bind(2) named them."""
    peer = sock.peer if sock.peer is not None and not sock.peer.closed else None
    if sock.state == TCP_LISTEN:
        sock.stop_listening(task)
    elif sock.state == TCP_ESTABLISHED:
        sock.sk_err = ECONNRESET
        if isinstance(peer, TcpSocket):
            peer.reset(task, EPIPE if peer.done else ECONNRESET)
    sock.drop_unread()
    sock.peer = None
    sock.remote = None
    sock.state = TCP_CLOSE
    sock.ss = SS_UNCONNECTED
    sock.shutdown = 0
    sock.done = False
    if not sock.user_port:
        sock.unhash()
        sock.lport = 0
    if not sock.user_addr:
        sock.lip = ANY4 if sock.family == AF_INET else ANY6
    return 0
