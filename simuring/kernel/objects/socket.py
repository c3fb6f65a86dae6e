"""AF_UNIX sockets (net/unix/af_unix.c): ``socketpair(2)`` pairs, and the sockets ``socket(2)`` makes
(connected by :mod:`simuring.kernel.objects.unix_conn`).

SOCK_STREAM is :class:`UnixSocket`, described below; SOCK_DGRAM and
SOCK_SEQPACKET are :class:`UnixDgramSocket` and :class:`UnixSeqpacketSocket`,
which keep message boundaries (``unix_dgram_sendmsg`` / ``unix_dgram_recvmsg``)
on the same state and costs (see their docstrings and docs/objects.md).

* A send splits its data into skbs of at most ``sndbuf / 2 - 64`` bytes
  (and at most a page-sized head plus ``UNIX_SKB_FRAGS_SZ`` of page
  fragments); each skb costs an allocation (``unix.skb_alloc_ns``, and for
  its fragments ``unix.skb_frag_alloc_ns`` per block of up to 8 pages that
  ``alloc_skb_with_frags`` takes at once, :func:`frag_blocks`, and
  ``unix.skb_page_ns`` per page) plus the copy from user space, and is
  queued on the peer's receive queue.  The receiver that consumes it frees
  it (:func:`consume_skb_ns`: half of ``skb_alloc_ns``, and
  ``unix.skb_frag_free_ns`` per block).
* Its true size (data + ``unix.skb_overhead_bytes``) is charged to the
  *sender* (``sk_wmem_alloc``) until the receiver has consumed the whole skb.
  A send may allocate a new skb only while that in-flight total is below the
  send-buffer limit ``unix.wmem_default_bytes`` (212992, the default
  ``net.core.wmem_default``); otherwise a blocking sender sleeps, a
  non-blocking one (O_NONBLOCK, MSG_DONTWAIT) gets -EAGAIN, or the count
  sent so far.  A blocking send returns only when everything is queued.
* The sender is woken (and POLLOUT reported) only once the in-flight bytes
  fall to a quarter of the limit (``unix_writable``), as in the kernel.
* Stream semantics: a receive copies from as many queued skbs as it needs
  (parts of several sends) and returns as soon as it has some data; it
  sleeps on an empty queue, returns 0 (EOF) once the peer is closed, and a
  send to a closed peer is -EPIPE.
* Closing a socket (``unix_release_sock``) shuts both directions of its
  peer (``sk_shutdown = SHUTDOWN_MASK``) and, if the closing socket still had
  unread data queued, leaves ECONNRESET pending on the peer (``sk_err``).
  The peer's next receive that finds its queue empty returns -ECONNRESET
  once (``sock_error`` consumes it), later ones 0; poll reports POLLERR
  while the error is pending.  A send that was asleep waiting for buffer
  space when that happened also takes the error (``sock_alloc_send_pskb``
  checks ``sock_error`` first): the count sent so far, else -ECONNRESET.
* ``read(2)`` and io_uring READ go through ``sock_read_iter``, which answers
  0 at once for a zero-length buffer; ``recv(2)`` goes straight to
  ``unix_stream_recvmsg``, where a zero-length receive still waits for data
  (its low-water target is at least one byte, ``sock_rcvlowat``), a pending
  error or EOF, and then returns 0 without consuming anything.
* Memory: a send and a receive both take the receiving socket's shared
  state (``unix.shared_lines`` cache lines), paying a transfer for each when
  the other CPU used it last; the data goes through skbs whose memory (at
  most the send buffer, ``unix.wmem_default_bytes``) was last used by the
  other end's CPU (:class:`~simuring.host.memory.BufferLines`).
* ``poll_mask`` is ``unix_poll``: POLLERR for a pending error, POLLHUP when
  both directions are shut, POLLRDHUP|POLLIN|POLLRDNORM when the receive side
  is shut, POLLIN|POLLRDNORM with data queued, and POLLOUT|POLLWRNORM|
  POLLWRBAND whenever ``unix_writable`` holds, even with the peer gone (the
  kernel keeps such a socket writable so that a writer is not stuck; the
  send then fails with -EPIPE).
* ``shutdown`` (io_uring SHUTDOWN, :meth:`UnixSocket.shutdown_sock`) is
  ``unix_shutdown``: SHUT_RD / SHUT_WR / SHUT_RDWR set this socket's
  ``sk_shutdown`` bits and the mirrored bits on the peer, and wake both;
  after SHUT_WR the peer reads what was queued, then 0, and a send from
  this socket is -EPIPE; after SHUT_RD the peer's sends are -EPIPE and this
  socket reads 0 once its queue is empty.
* Connection set-up (:mod:`simuring.kernel.objects.unix_conn`): a socket made
  by ``socket(2)`` starts unconnected (``sk_state`` TCP_CLOSE, no peer):
  a send is -ENOTCONN, a receive -EINVAL (``unix_stream_read_generic``'s
  state check), and poll reports POLLOUT and POLLHUP.  A listening socket
  (TCP_LISTEN) holds the connections not yet accepted (``acceptq``, the
  kernel's receive queue of embryo sockets): poll reports POLLIN|POLLRDNORM
  while one is pending and never POLLOUT (``unix_writable`` is false for a
  listener); closing it releases every pending connection as an embryo
  (``unix_release_sock(sk, 1)``: the client gets ECONNRESET and EOF).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

from mypy_extensions import mypyc_attr

from simuring.abi.errno import (
    EAGAIN,
    ECONNREFUSED,
    ECONNRESET,
    EINVAL,
    EISCONN,
    EMSGSIZE,
    ENOTCONN,
    EOPNOTSUPP,
    EPERM,
    EPIPE,
    ESPIPE,
)
from simuring.abi.poll import (
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLPRI,
    POLLRDBAND,
    POLLRDHUP,
    POLLRDNORM,
    POLLWRBAND,
    POLLWRNORM,
)
from simuring.abi.posix import (
    AF_UNIX,
    MSG_OOB,
    MSG_PEEK,
    MSG_TRUNC,
    PAGE_SIZE,
    SOCK_DGRAM,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from simuring.host.memory import BufferLines, ObjectLines
from simuring.kernel.costs import UnixCosts
from simuring.kernel.objects.base import (
    READ_EVENTS,
    WRITE_EVENTS,
    ObjFile,
    WaitQueue,
    block_on,
)

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task

# sk_shutdown bits (include/net/sock.h)
RCV_SHUTDOWN: Final = 1
SEND_SHUTDOWN: Final = 2
SHUTDOWN_MASK: Final = RCV_SHUTDOWN | SEND_SHUTDOWN

# sk_state (include/net/tcp_states.h)
TCP_ESTABLISHED: Final = 1
TCP_CLOSE: Final = 7
TCP_LISTEN: Final = 10
UNIX_MAX_DGRAM_QLEN: Final = 10
"""``net.unix.max_dgram_qlen``: a new socket's ``sk_max_ack_backlog`` (``unix_create1``)."""

#: the wake-up key of ``sock_def_readable`` (sk_data_ready): data was queued
DATA_READY_KEY: Final = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND
#: the wake-up key of ``unix_write_space``: the sender may queue again
WRITE_SPACE_KEY: Final = POLLOUT | POLLWRNORM | POLLWRBAND


SKB_MAX_HEAD: Final = PAGE_SIZE - 320
"""Bytes of a send that go in the skb's head (``SKB_MAX_HEAD(0)``: a page less
``struct skb_shared_info``); the rest goes in page fragments."""

UNIX_SKB_FRAGS_SZ: Final = 32768
"""At most this much of one skb's data in page fragments (``UNIX_SKB_FRAGS_SZ``)."""

SKB_FRAG_MAX_ORDER: Final = 3
"""The largest block of fragment pages one allocation takes: ``get_order(UNIX_SKB_FRAGS_SZ)``
for a stream send, ``PAGE_ALLOC_COSTLY_ORDER`` for a datagram; 3 (8 pages) for both."""


def frag_blocks(pages: int) -> int:
    """How many page allocations ``alloc_skb_with_frags`` makes for ``pages`` pages of
    fragments: each time the largest block of at most ``2**SKB_FRAG_MAX_ORDER`` pages that
    the data still to place fills (it lowers the order while ``PAGE_ALIGN(data_len) <
    PAGE_SIZE << order``), so 3 pages take two (2 + 1) and 8 pages one."""
    most = 1 << SKB_FRAG_MAX_ORDER
    return pages // most + (pages % most).bit_count()


def alloc_skb_ns(uc: UnixCosts, pages: int, blocks: int) -> int:
    """What the sender pays for an skb with ``pages`` pages of fragments in ``blocks`` blocks
    (``sock_alloc_send_pskb``): the skb and its head (``unix.skb_alloc_ns``), each block's
    allocation (``unix.skb_frag_alloc_ns``: the page allocator, the memory cgroup's charge)
    and each page (``unix.skb_page_ns``)."""
    return uc.skb_alloc_ns + uc.skb_frag_alloc_ns * blocks + uc.skb_page_ns * pages


def consume_skb_ns(uc: UnixCosts, skb: Skb) -> int:
    """What the receiver that consumed ``skb`` pays to free it (``consume_skb``): the skb
    itself (half of ``unix.skb_alloc_ns``) and each block of its fragment pages
    (``unix.skb_frag_free_ns``: ``put_page``, the memory cgroup's uncharge)."""
    return uc.skb_alloc_ns // 2 + uc.skb_frag_free_ns * skb.blocks

class Skb:
    """One queued ``sk_buff``: the unread bytes, what it charges its sender, how many
    blocks of fragment pages its receiver frees (:func:`frag_blocks`) and, for a UDP
    datagram, its source as the receiver names it (a ``sockaddr_in`` / ``sockaddr_in6``)."""

    __slots__ = ("data", "truesize", "sender", "blocks", "src")

    def __init__(
        self, data: bytearray, truesize: int, sender: UnixSocket, blocks: int = 0, src: bytes | None = None
    ) -> None:
        self.data = data
        self.truesize = truesize
        self.sender = sender
        self.blocks = blocks
        self.src = src


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled; a TCP socket (objects/tcp.py) subclasses it
class UnixSocket(ObjFile):
    """One connected AF_UNIX stream socket."""

    kind = "socket"
    pollable = True
    sock_type: ClassVar[int] = SOCK_STREAM
    """``sk_type``: SOCK_STREAM here, SOCK_DGRAM / SOCK_SEQPACKET for :class:`UnixDgramSocket`."""
    dgram: ClassVar[bool] = False
    """Whether the socket keeps message boundaries (:class:`UnixDgramSocket`)."""
    rcvbuf = 0  # sk_rcvbuf once SO_RCVBUF set it (opcodes/uring_cmd.py); 0: unix.rmem_default_bytes
    sndbuf_lock = False  # SOCK_SNDBUF_LOCK: SO_SNDBUF set the send buffer (TCP's autotuning leaves it)
    rcvbuf_lock = False  # SOCK_RCVBUF_LOCK: SO_RCVBUF set the receive buffer
    reuse = False  # sk_reuse: SO_REUSEADDR (only TCP's port table reads it)
    done = False  # SOCK_DONE: a TCP socket got its peer's FIN (receives then report more to read)
    reuseport = False  # sk_reuseport: SO_REUSEPORT (AF_INET only)

    def __init__(self, costs: CostModel, flags: int = 0) -> None:
        super().__init__(flags)
        self.uc = costs.get(UnixCosts)  # resolved once per socket
        self.sndbuf = self.uc.wmem_default_bytes
        self.wmem = 0  # sk_wmem_alloc: true size of our skbs not yet consumed by the peer
        self.rxq: deque[Skb] = deque()
        self.peer: UnixSocket | None = None
        self.closed = False
        self.shutdown = 0  # sk_shutdown: RCV_SHUTDOWN / SEND_SHUTDOWN bits
        self.sk_err = 0  # sk_err: a pending error (positive errno), 0 if none
        self.wq = WaitQueue()  # sk_sleep(sk)
        self.rx_state = ObjectLines(self.uc.shared_lines)  # the receive side's shared state
        self.rx_data = BufferLines(self.sndbuf)  # the skbs queued to this socket
        # connection set-up (unix_conn): a socketpair end is connected from the start
        self.state = TCP_ESTABLISHED  # sk_state
        self.addr: bytes | None = None  # unix_address: the sockaddr_un bytes bound, addr->len long
        self.backlog = UNIX_MAX_DGRAM_QLEN  # sk_max_ack_backlog
        self.acceptq: deque[UnixSocket] = deque()  # a listener's embryo sockets, oldest first
        self.peer_wait = WaitQueue()  # connectors waiting for room in this listener's backlog
        self.names: dict[bytes, UnixSocket] | None = None  # the namespace the bound name is in

    def __repr__(self) -> str:
        return f"<UnixSocket rx={self.rx_bytes()} wmem={self.wmem}>"

    def rx_bytes(self) -> int:
        """The bytes queued to be read (a stream socket's SIOCINQ)."""
        return sum(len(skb.data) for skb in self.rxq)

    def inq_hint(self) -> int:
        """The ``msg_inq`` a receive reports (``msg_get_inq``, what io_uring's RECV reads after
        ``sock_recvmsg``): the bytes still queued; TCP adds its peer's FIN (:class:`TcpSocket`)."""
        return self.rx_bytes()

    def peer_gone(self) -> bool:
        return self.peer is None or self.peer.closed

    def domain(self) -> int:
        """``sk_family`` (SO_DOMAIN)."""
        return AF_UNIX

    def protocol(self) -> int:
        """``sk_protocol`` (SO_PROTOCOL): 0 for AF_UNIX."""
        return 0

    def more_queued(self) -> bool:
        """Whether an accept says more connections are queued (``proto_accept_arg.is_empty``):
        ``unix_accept`` leaves it unknown, so never."""
        return False

    def dest_error(self) -> int:
        """``unix_stream_sendmsg`` given a destination address: -EISCONN when connected, else
        -EOPNOTSUPP (0: the address is ignored, as TCP does)."""
        return -EISCONN if self.state == TCP_ESTABLISHED else -EOPNOTSUPP

    def getname(self, peer: int) -> bytes | int:
        """``unix_getname``: the bound name of this socket (``peer`` 0) or of its peer (1:
        getpeername, 2: accept), just the family (2 bytes) when it has none; the peer's
        -ENOTCONN without a peer."""
        sock = self.peer if peer else self
        if sock is None:
            return -ENOTCONN
        return sock.addr if sock.addr is not None else AF_UNIX.to_bytes(2, "little")

    def drop_unread(self) -> None:
        """Free the skbs queued to us on release: their senders get their buffer space back."""
        while self.rxq:
            skb = self.rxq.popleft()
            skb.sender.wmem -= skb.truesize

    def write_space(self) -> bool:
        """``unix_writable``: in-flight bytes at most a quarter of the limit."""
        return self.wmem * 4 <= self.sndbuf

    def sock_error(self) -> int:
        """``sock_error``: the pending error as -errno, consumed (0 if none)."""
        err = self.sk_err
        self.sk_err = 0
        return -err

    # -- sending ---------------------------------------------------------------------
    def _sendmsg(self, task: Task, src: memoryview, resumed: bool) -> int:
        """One non-blocking step of ``unix_stream_sendmsg``.

        ``resumed``: the call already passed its entry checks and slept in
        ``sock_alloc_send_pskb`` waiting for buffer space; that loop looks at
        a pending socket error (and consumes it) before the shut-down send
        side, whereas a new call fails with -EPIPE at its entry check.
        """
        uc = self.uc
        task.charge(uc.sendmsg_ns)
        if resumed and self.sk_err:
            return self.sock_error()
        peer = self.peer
        if peer is None or self.shutdown & SEND_SHUTDOWN or peer.closed:
            return -ENOTCONN if peer is None else -EPIPE  # never connected: unix_peer is NULL
        total = len(src)
        if total == 0:
            return 0
        chunk = max(1, min(self.sndbuf // 2 - 64, SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ))
        sent = 0
        peer.rx_state.touch(task)
        while sent < total and self.wmem < self.sndbuf:
            n = min(chunk, total - sent)
            pages = -(-max(0, n - SKB_MAX_HEAD) // PAGE_SIZE)
            blocks = frag_blocks(pages)
            task.charge(alloc_skb_ns(uc, pages, blocks))
            peer.rx_data.write(task, n)
            skb = Skb(bytearray(src[sent : sent + n]), n + uc.skb_overhead_bytes, self, blocks)
            self.wmem += skb.truesize
            peer.rxq.append(skb)
            sent += n
        if sent == 0:
            return -EAGAIN
        peer.wq.wake(task, DATA_READY_KEY)  # sk_data_ready: sock_def_readable
        return sent

    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        if off not in (0, -1):
            return -ESPIPE  # sock_write_iter: a socket has no file position
        return self._sendmsg(task, src, resumed=False)

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        """A blocking send: one ``unix_stream_sendmsg`` call that sleeps for
        buffer space until everything is queued (a partial count on error)."""
        if off not in (0, -1):
            return -ESPIPE
        n = len(src)
        done = 0
        resumed = False
        while True:

            def attempt(rest: memoryview = src[done:]) -> int:
                nonlocal resumed
                r = self._sendmsg(task, rest, resumed)
                resumed = True  # every later try continues the same call
                return r

            r = yield from block_on(task, self.wq, WRITE_EVENTS, attempt)
            if r < 0:
                return done if done else r
            done += r
            if done >= n or r == 0:
                return done

    # -- receiving -------------------------------------------------------------------
    def _recvmsg(self, task: Task, dst: memoryview) -> int:
        """One non-blocking pass of ``unix_stream_read_generic``.

        With the queue empty, POSIX 1003.1g order: a pending error (consumed,
        ``sock_error``), then EOF once the receive side is shut, then
        -EAGAIN.  With data queued no error is looked at, and a zero-length
        buffer gets 0 without consuming anything.
        """
        task.charge(self.uc.recvmsg_ns)
        if not self.rxq:
            if self.peer is None:
                return (
                    -EINVAL
                )  # sk_state is not TCP_ESTABLISHED (an unconnected or listening socket)
            if self.sk_err:
                return self.sock_error()
            if self.shutdown & RCV_SHUTDOWN or self.peer_gone():
                return 0
            return -EAGAIN
        want = len(dst)
        got = 0
        self.rx_state.touch(task)
        senders: list[UnixSocket] = []
        while got < want and self.rxq:
            skb = self.rxq[0]
            n = min(want - got, len(skb.data))
            dst[got : got + n] = skb.data[:n]
            self.rx_data.read(task, n)  # skb_copy_datagram_msg
            got += n
            if n == len(skb.data):
                self.rxq.popleft()
                task.charge(consume_skb_ns(self.uc, skb))
                sender = skb.sender
                sender.wmem -= skb.truesize  # sock_wfree
                if sender not in senders:
                    senders.append(sender)
            else:
                del skb.data[:n]
        for sender in senders:
            if sender.write_space() and not sender.closed:
                sender.wq.wake(task, WRITE_SPACE_KEY)  # unix_write_space
        return got

    def peek(self, task: Task, dst: memoryview) -> int:
        """One non-blocking pass of ``unix_stream_read_generic`` with MSG_PEEK: the queued bytes are
        copied (across skbs, from the head of the queue) and stay queued; with the queue empty, the
        answers of :meth:`_recvmsg` (a pending error is consumed all the same)."""
        if not self.rxq:
            return self._recvmsg(task, dst)
        task.charge(self.uc.recvmsg_ns)
        self.rx_state.touch(task)
        want = len(dst)
        got = 0
        for skb in self.rxq:
            if got >= want:
                break
            n = min(want - got, len(skb.data))
            dst[got : got + n] = skb.data[:n]
            self.rx_data.read(task, n)  # skb_copy_datagram_msg
            got += n
        return got

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        """``sock_read_iter`` (read(2), io_uring READ): a zero-length read is 0
        at once (System V compatibility), before the socket is looked at."""
        if off not in (0, -1):
            return -ESPIPE  # sock_read_iter: a socket has no file position
        if not len(dst):
            return 0
        return self._recvmsg(task, dst)

    def sys_recv(
        self, task: Task, dst: memoryview, nonblock: bool = False
    ) -> Generator[simpy.Event, Any, int]:
        """recv(2): ``sock_recvmsg`` -> ``unix_stream_recvmsg``, no zero-length shortcut."""
        if nonblock or self.nonblock:
            return self._recvmsg(task, dst)
        return (yield from block_on(task, self.wq, READ_EVENTS, lambda: self._recvmsg(task, dst)))

    # -- shutdown --------------------------------------------------------------------
    def shutdown_sock(self, task: Task | None, how: int) -> int:
        """``unix_shutdown``: SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2), else -EINVAL.

        The bits go to this socket's ``sk_shutdown`` and, mirrored (our
        receive side shut is the peer's send side, and the reverse), to the
        peer's, even a closed peer's; both wait queues are woken without a key
        (``sk_state_change``), so a waiting receive sees EOF and a waiting
        send -EPIPE.  Data already queued stays readable."""
        if not 0 <= how <= 2:
            return -EINVAL
        if task is not None:
            task.charge(self.uc.sendmsg_ns)  # the state locks and the peer lookup
        mode = how + 1  # SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
        self.shutdown |= mode
        self.wq.wake(task, 0)
        peer = self.peer
        if peer is not None:
            peer.shutdown |= (SEND_SHUTDOWN if mode & RCV_SHUTDOWN else 0) | (RCV_SHUTDOWN if mode & SEND_SHUTDOWN else 0)
            peer.wq.wake(task, 0)
        return 0

    # -- poll ------------------------------------------------------------------------
    def poll_mask(self) -> int:
        """``unix_poll``."""
        mask = 0
        shutdown = self.shutdown
        if self.sk_err:
            mask |= POLLERR
        if shutdown == SHUTDOWN_MASK:
            mask |= POLLHUP
        if shutdown & RCV_SHUTDOWN:
            mask |= POLLRDHUP | POLLIN | POLLRDNORM
        if self.state == TCP_LISTEN:  # a pending connection is readable; never writable
            return mask | (POLLIN | POLLRDNORM) if self.acceptq else mask
        if self.rxq:
            mask |= POLLIN | POLLRDNORM
        if self.closed or self.peer is None:
            mask |= POLLHUP  # sk_state TCP_CLOSE (closed, or never connected)
        if self.write_space():  # also with the peer gone: "prevents stuck sockets"
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND
        return mask

    def poll_wq(self, events: int) -> WaitQueue:
        return self.wq

    def release(self, task: Task | None) -> None:
        """``unix_release_sock``."""
        if task is not None:
            task.charge(self.uc.release_ns)
        self.release_sock(task, embryo=False)

    def release_sock(self, task: Task | None, embryo: bool) -> None:
        """``unix_release_sock(sk, embrion)``: an embryo (a connection never
        accepted, released with its listener) leaves ECONNRESET on its peer."""
        names = self.names
        if names is not None and self.addr is not None and names.get(self.addr) is self:
            del names[self.addr]  # unix_remove_socket: the name is free again
        self.names = None
        listening = self.state == TCP_LISTEN
        self.state = TCP_CLOSE
        self.closed = True
        self.shutdown = SHUTDOWN_MASK
        peer = self.peer if self.peer is not None and not self.peer.closed else None
        if peer is not None:
            peer.shutdown = SHUTDOWN_MASK  # no more writes, and EOF once drained
            if self.rxq or embryo:
                peer.sk_err = ECONNRESET  # we die with data the peer sent unread
        self.drop_unread()
        if peer is not None:
            # sk_state_change (sock_def_wakeup) wakes every waiter without a key
            # (freeing the peer's skbs also runs its unix_write_space: one
            # key-less wake-up covers both, its pollers re-read the mask)
            peer.wq.wake(task, 0)
        if listening:
            self.peer_wait.wake(task, 0)  # wake_up_interruptible_all(&u->peer_wait)
            while self.acceptq:
                emb = self.acceptq.popleft()
                if task is not None:
                    task.charge(self.uc.release_ns)
                emb.release_sock(task, embryo=True)


SKB_SHINFO_SIZE: Final = 320
"""``SKB_DATA_ALIGN(sizeof(struct skb_shared_info))``: the tail of every skb head allocation."""
SKB_STRUCT_SIZE: Final = 256
"""``SKB_DATA_ALIGN(sizeof(struct sk_buff))``: counted in every skb's true size (``SKB_TRUESIZE``)."""
SKB_MAX_ALLOC: Final = 4 * PAGE_SIZE - SKB_SHINFO_SIZE
"""``SKB_MAX_ALLOC``: a datagram up to this long is all in the skb's head."""
MAX_SKB_FRAGS: Final = 17
DGRAM_HEADROOM: Final = 32
"""A datagram may be at most ``sk_sndbuf - 32`` bytes (``unix_dgram_sendmsg``)."""


DgramDest: TypeAlias = "UnixSocket | int | bytes | None"
"""A datagram send's destination: the AF_UNIX socket its address names, that lookup's -errno,
an AF_INET / AF_INET6 address the socket reads itself (``sockaddr_in`` / ``sockaddr_in6``
bytes: objects/udp.py), or None (the connected peer)."""


def dgram_frags(n: int) -> int:
    """Bytes of an ``n``-byte datagram that ``unix_dgram_sendmsg`` puts in page fragments:
    above SKB_MAX_ALLOC, the excess (at most MAX_SKB_FRAGS pages) rounded up to whole pages."""
    if n <= SKB_MAX_ALLOC:
        return 0
    return -(-min(n - SKB_MAX_ALLOC, MAX_SKB_FRAGS * PAGE_SIZE) // PAGE_SIZE) * PAGE_SIZE


def dgram_truesize(n: int, frags: int) -> int:
    """``skb->truesize`` of an ``n``-byte datagram with ``frags`` bytes in pages: the head
    (its data and ``skb_shared_info``) rounded up as kmalloc does (the 512-byte cache at
    least, then powers of two: ``kmalloc_size_roundup``), the ``sk_buff``, the pages."""
    head = n - frags + SKB_SHINFO_SIZE
    alloc = 512
    while alloc < head:
        alloc <<= 1
    return alloc + SKB_STRUCT_SIZE + frags


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled; a UDP socket (objects/udp.py) subclasses it
class UnixDgramSocket(UnixSocket):
    """One end of an AF_UNIX SOCK_DGRAM pair (net/unix/af_unix.c, ``unix_dgram_ops``).

    Each send is one skb, one message (``unix_dgram_sendmsg``) and each receive
    takes at most one (``unix_dgram_recvmsg``); see :meth:`send_dgram` and
    :meth:`recv_dgram`.  Shutting a direction (``unix_shutdown``) does not
    touch the peer, closing leaves the peer connected to a dead socket until
    it next sends (-ECONNREFUSED once, then -ENOTCONN), and poll is
    ``unix_dgram_poll``.  :class:`UnixSeqpacketSocket` keeps the stream
    socket's connection rules.  A socket made by ``socket(2)`` starts with no
    peer: :meth:`send_dgram` then takes a destination socket (``to``), and a
    receive reports the sender's name in :attr:`rcv_addr`.
    """

    sock_type = SOCK_DGRAM
    dgram = True
    seqpacket: ClassVar[bool] = False
    rcv_flags = 0  # the msg_flags the last receive reported (MSG_TRUNC)
    rcv_addr: bytes | None = None  # the sender's name of the last message received (None: unnamed)
    full_wait: WaitQueue | None = None  # the last -EAGAIN's wait: a full receiver's peer_wait, else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} rx={[len(s.data) for s in self.rxq]} wmem={self.wmem}>"

    # -- sending ---------------------------------------------------------------------
    def send_dgram(self, task: Task, src: memoryview, flags: int, to: DgramDest = None) -> int:
        """One non-blocking ``unix_dgram_sendmsg`` (``unix_seqpacket_sendmsg`` first
        returns a pending error): MSG_OOB -EOPNOTSUPP; then the destination: ``to`` is
        the socket a destination address names (looked up by the caller,
        ``unix_find_other``, or its -errno, reported after the size and buffer checks),
        else the peer (none: -ENOTCONN); more than ``sndbuf - 32`` bytes -EMSGSIZE,
        then ``sock_alloc_send_pskb``'s pending error, SEND_SHUTDOWN -EPIPE and
        in-flight bytes at the limit -EAGAIN; then the receiver: connected to another
        socket -EPERM (``unix_may_send``), dead (our peer: we disconnect, our own
        queue purged, -ECONNREFUSED; a SEQPACKET one -EPIPE), shut for reading -EPIPE,
        and, unless it is connected to us, a receive queue holding more than its
        ``sk_max_ack_backlog`` messages -EAGAIN (``unix_recvq_full``).  Else the whole
        message is queued as one skb and the count returned."""
        uc = self.uc
        task.charge(uc.sendmsg_ns)
        if self.seqpacket:
            if self.sk_err:
                return self.sock_error()
            to = None  # unix_seqpacket_sendmsg: the address is ignored, the peer is the destination
        self.full_wait = None
        if flags & MSG_OOB:
            return -EOPNOTSUPP
        if isinstance(to, int) and to == -EINVAL:
            return to  # unix_validate_addr, before anything else is looked at
        peer = self.peer if to is None else None
        if to is None and peer is None:
            return -ENOTCONN
        n = len(src)
        if n > self.sndbuf - DGRAM_HEADROOM:
            return -EMSGSIZE
        if self.sk_err:
            return self.sock_error()
        if self.shutdown & SEND_SHUTDOWN:
            return -EPIPE
        if self.wmem >= self.sndbuf:
            return -EAGAIN
        frags = dgram_frags(n)
        pages = frags // PAGE_SIZE
        blocks = frag_blocks(pages)
        task.charge(alloc_skb_ns(uc, pages, blocks))
        if peer is None:
            if not isinstance(to, UnixSocket):
                return to if isinstance(to, int) else -ECONNREFUSED
            if to.peer is not None and to.peer is not self:
                return -EPERM  # unix_may_send: it is connected to another socket
            peer = to
        if peer.closed:
            if self.seqpacket:
                return -EPIPE
            if peer is self.peer:
                self.disconnect(task)
            return -ECONNREFUSED
        if peer.shutdown & RCV_SHUTDOWN:
            return -EPIPE
        if peer.peer is not self and len(peer.rxq) > peer.backlog:
            self.full_wait = peer.peer_wait  # unix_recvq_full: a blocking sender waits there
            return -EAGAIN
        peer.rx_state.touch(task)
        peer.rx_data.write(task, n)
        skb = Skb(bytearray(src), dgram_truesize(n, frags), self, blocks)
        self.wmem += skb.truesize
        peer.rxq.append(skb)
        peer.wq.wake(task, DATA_READY_KEY)  # sk_data_ready: sock_def_readable
        return n

    def disconnect(self, task: Task) -> None:
        """``unix_dgram_disconnected`` after a send found the peer dead: no peer any more
        (``sk_state`` TCP_CLOSE) and the messages still queued to us are dropped."""
        self.peer = None
        self.state = TCP_CLOSE
        self.drop_queue(task)

    def drop_queue(self, task: Task | None) -> None:
        """Free the queued skbs (``skb_queue_purge``): each sender gets its buffer space back
        and, if that makes it writable, is woken (``sock_wfree`` -> ``unix_write_space``)."""
        senders: list[UnixSocket] = []
        while self.rxq:
            skb = self.rxq.popleft()
            sender = skb.sender
            sender.wmem -= skb.truesize
            if sender not in senders:
                senders.append(sender)
        for sender in senders:
            if sender is not self and not sender.closed and sender.write_space():
                sender.wq.wake(task, WRITE_SPACE_KEY)

    def _sendmsg(self, task: Task, src: memoryview, resumed: bool) -> int:
        return self.send_dgram(task, src, 0)

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        """A blocking send: ``sock_alloc_send_pskb`` sleeps until the in-flight bytes are
        below the limit, then the message is queued whole."""
        if off not in (0, -1):
            return -ESPIPE
        return (yield from self.send_wait(task, src, 0))

    def send_wait(
        self, task: Task, src: memoryview, flags: int, to: DgramDest = None
    ) -> Generator[simpy.Event, Any, int]:
        """A blocking :meth:`send_dgram`: it sleeps for buffer space on our wait queue or, when the
        receiver's queue is full, on the receiver's ``peer_wait`` (``unix_wait_for_peer``)."""
        r = self.send_dgram(task, src, flags, to)
        if r != -EAGAIN:
            return r
        wq = self.full_wait if self.full_wait is not None else self.wq
        return (yield from block_on(task, wq, WRITE_EVENTS, lambda: self.send_dgram(task, src, flags, to), first=r))

    # -- receiving -------------------------------------------------------------------
    def recv_dgram(self, task: Task, dst: memoryview, flags: int, block: bool = False) -> int:
        """One pass of ``unix_dgram_recvmsg``: MSG_OOB -EOPNOTSUPP; a pending error first
        (consumed, even with messages queued: ``__skb_try_recv_datagram``); the head
        message copied into ``dst``, the rest of it lost (MSG_TRUNC in
        :attr:`rcv_flags`), and dequeued unless MSG_PEEK; the result is the bytes
        copied, or the message's length with MSG_TRUNC.  With nothing queued: -EAGAIN,
        except that a socket shut for reading answers 0 when the call would wait
        (``block``: ``__skb_wait_for_more_packets``) and, for SEQPACKET, at once."""
        task.charge(self.uc.recvmsg_ns)
        self.rcv_flags = 0
        self.rcv_addr = None
        if self.seqpacket and self.state != TCP_ESTABLISHED:
            return -ENOTCONN  # unix_seqpacket_recvmsg: never connected, or a listener
        if flags & MSG_OOB:
            return -EOPNOTSUPP
        if self.sk_err:
            return self.sock_error()
        if not self.rxq:
            if self.shutdown & RCV_SHUTDOWN and (block or self.seqpacket):
                return 0
            return -EAGAIN
        skb = self.rxq[0]
        self.rcv_addr = skb.sender.addr  # unix_copy_addr: the sender's name, if it has one
        size = len(skb.data)
        n = min(len(dst), size)
        if n < size:
            self.rcv_flags = MSG_TRUNC
        self.rx_state.touch(task)
        dst[:n] = skb.data[:n]
        self.rx_data.read(task, n)  # skb_copy_datagram_msg
        if not flags & MSG_PEEK:
            self.rxq.popleft()
            task.charge(consume_skb_ns(self.uc, skb))
            sender = skb.sender
            sender.wmem -= skb.truesize  # sock_wfree
            if sender.write_space() and not sender.closed:
                sender.wq.wake(task, WRITE_SPACE_KEY)  # unix_write_space
            self.peer_wait.wake(task, WRITE_SPACE_KEY)  # room in the queue: senders waiting for it
        return size if flags & MSG_TRUNC else n

    def _recvmsg(self, task: Task, dst: memoryview) -> int:
        return self.recv_dgram(task, dst, 0)

    def peek(self, task: Task, dst: memoryview) -> int:
        return self.recv_dgram(task, dst, MSG_PEEK)

    def read_wait(self, task: Task, dst: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        """A blocking read(2) / READ: ``sock_read_iter`` then a waiting ``unix_dgram_recvmsg``."""
        if off not in (0, -1):
            return -ESPIPE
        if not len(dst):
            return 0
        return (yield from block_on(task, self.wq, READ_EVENTS, lambda: self.recv_dgram(task, dst, 0, True)))

    def sys_recv(
        self, task: Task, dst: memoryview, nonblock: bool = False
    ) -> Generator[simpy.Event, Any, int]:
        return (yield from self.recv_flags(task, dst, 0, nonblock))

    def recv_flags(
        self, task: Task, dst: memoryview, flags: int, nonblock: bool = False
    ) -> Generator[simpy.Event, Any, int]:
        """recv(2) with ``flags`` (MSG_PEEK, MSG_TRUNC, MSG_OOB): waits unless ``nonblock``."""
        if nonblock or self.nonblock:
            return self.recv_dgram(task, dst, flags)
        return (yield from block_on(task, self.wq, READ_EVENTS, lambda: self.recv_dgram(task, dst, flags, True)))

    def send_flags(
        self, task: Task, src: memoryview, flags: int, nonblock: bool = False, to: DgramDest = None
    ) -> Generator[simpy.Event, Any, int]:
        """send(2) / sendto(2) with ``flags`` (MSG_OOB) to ``to`` (see :meth:`send_dgram`): waits for
        buffer space or room in the receiver's queue unless ``nonblock``."""
        if nonblock or self.nonblock:
            return self.send_dgram(task, src, flags, to)
        return (yield from self.send_wait(task, src, flags, to))

    # -- shutdown, poll, release ---------------------------------------------------------
    def shutdown_sock(self, task: Task | None, how: int) -> int:
        """``unix_shutdown`` on a SOCK_DGRAM socket: only this socket's bits (the peer's
        mirror is for connection-based sockets); its waiters are woken."""
        if self.seqpacket:
            return super().shutdown_sock(task, how)
        if not 0 <= how <= 2:
            return -EINVAL
        if task is not None:
            task.charge(self.uc.sendmsg_ns)
        self.shutdown |= how + 1
        self.wq.wake(task, 0)
        return 0

    def poll_mask(self) -> int:
        """``unix_dgram_poll``: POLLERR, POLLRDHUP|POLLIN|POLLRDNORM when shut for reading,
        POLLHUP when shut both ways (or, SEQPACKET, in TCP_CLOSE), POLLIN|POLLRDNORM with a
        message queued, POLLOUT|POLLWRNORM|POLLWRBAND while ``unix_writable``."""
        mask = 0
        shutdown = self.shutdown
        if self.sk_err:
            mask |= POLLERR
        if shutdown & RCV_SHUTDOWN:
            mask |= POLLRDHUP | POLLIN | POLLRDNORM
        if shutdown == SHUTDOWN_MASK:
            mask |= POLLHUP
        if self.rxq or self.acceptq:  # a listener's pending connections are its queued skbs
            mask |= POLLIN | POLLRDNORM
        if self.seqpacket and self.state == TCP_CLOSE:
            mask |= POLLHUP
        if self.write_space() and self.state != TCP_LISTEN:  # unix_writable: never a listener
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND
        return mask

    def release_sock(self, task: Task | None, embryo: bool) -> None:
        """``unix_release_sock`` of a SOCK_DGRAM socket: the peer is not shut down (it stays
        connected to the dead socket, see :meth:`send_dgram`); the messages queued to us
        are freed, their senders woken if that makes them writable."""
        if self.seqpacket:
            super().release_sock(task, embryo)
            return
        self.peer = None
        self.drop_queue(task)
        self.peer_wait.wake(task, 0)  # senders waiting for room in our queue
        super().release_sock(task, embryo)


class UnixSeqpacketSocket(UnixDgramSocket):
    """One end of an AF_UNIX SOCK_SEQPACKET pair: messages as :class:`UnixDgramSocket`,
    connection rules (shutdown mirrored on the peer, close shutting the peer down with
    ECONNRESET if data was left unread, EOF) as the stream socket's."""

    sock_type = SOCK_SEQPACKET
    seqpacket = True


def socket_class(sock_type: int) -> type[UnixSocket]:
    """The class of an AF_UNIX socket of ``sock_type`` (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET)."""
    if sock_type == SOCK_STREAM:
        return UnixSocket
    return UnixDgramSocket if sock_type == SOCK_DGRAM else UnixSeqpacketSocket


def create_socketpair(
    costs: CostModel, task: Task, flags: int, sock_type: int = SOCK_STREAM
) -> tuple[UnixSocket, UnixSocket]:
    """``unix_socketpair``: two connected sockets of ``sock_type`` (SOCK_STREAM,
    SOCK_DGRAM or SOCK_SEQPACKET)."""
    cls = socket_class(sock_type)
    a, b = cls(costs, flags), cls(costs, flags)
    task.charge(a.uc.create_ns)
    a.peer, b.peer = b, a
    return a, b
