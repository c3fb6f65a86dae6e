"""Connecting AF_UNIX sockets (net/unix/af_unix.c): create, bind, listen, connect, accept.

The sockets are :class:`~simuring.kernel.objects.socket.UnixSocket`; a
connection made here is the same connected pair ``socketpair(2)`` makes,
so sending, receiving, poll and close behave as they do for a pair.

* ``socket(2)`` (:func:`create_socket`, ``unix_create``): an unconnected
  stream, datagram or seqpacket socket (``sk_state`` TCP_CLOSE, no peer,
  no name).
* Names (:class:`UnixNamespace`, the kernel's ``unx.table``): only abstract
  names are modelled, a ``sun_path`` starting with a NUL byte.  A name is
  the ``addrlen`` bytes of the ``sockaddr_un`` (family included), compared
  whole (``__unix_find_socket_byname``): ``"\\0a"`` and ``"\\0a\\0"`` are two
  names.  ``unix_validate_addr``: an ``addrlen`` of 2 or less, above 110,
  or a family other than AF_UNIX is -EINVAL.  A file-system name (a
  ``sun_path`` not starting with NUL) is not modelled: bind is -EOPNOTSUPP
  and connect -ENOENT (no socket file can exist).
* ``bind`` (``unix_bind``): ``addrlen`` 2 with AF_UNIX is an autobind
  (``unix_autobind``): a socket without a name gets ``"\\0"`` + 5 hex
  digits (the kernel starts from a random number; here a counter from 0,
  so the name differs, not its length); one already named keeps its name
  (0).  Otherwise a socket already named is -EINVAL (``unix_bind_abstract``
  checks ``u->addr`` first), a name in use -EADDRINUSE.  Closing the socket
  frees its name.  There is one table per socket type
  (:meth:`UnixNamespace.table`): sockets of different types may share a name.
* ``listen`` (``unix_listen``): -EINVAL without a name or when connected;
  sets the backlog (``sk_max_ack_backlog``; ``listen(2)`` clamps it to
  ``net.core.somaxconn``, 4096, as an unsigned value: a negative backlog is
  4096) and TCP_LISTEN; listening again only changes the backlog (a bigger
  one wakes connectors waiting for room).
* ``connect`` (``unix_stream_connect``), in the kernel's order: the address
  checks; no socket of that name, or one not listening, or one shut for
  reading: -ECONNREFUSED; a full backlog (more than ``backlog`` connections
  pending, ``unix_recvq_full``): -EAGAIN without waiting, otherwise the
  caller sleeps on the listener's ``peer_wait`` (woken by an accept or a
  bigger backlog) and starts over; then a connected socket is -EISCONN and a
  listening one -EINVAL.  Success creates the embryo socket (the server end:
  connected to the caller, carrying the listener's name), connects the
  caller to it and queues it on the listener (``acceptq``), waking the
  listener's pollers (``sk_data_ready``, key POLLIN|POLLPRI|POLLRDNORM|
  POLLRDBAND).  A stream connect never waits for the accept: data sent at
  once is queued on the embryo.
* SOCK_SEQPACKET listens, connects and accepts as a stream socket does; its
  embryo is a seqpacket socket, so the connection keeps message boundaries.
* SOCK_DGRAM: ``connect`` is ``unix_dgram_connect`` (:func:`dgram_connect`:
  the default peer; AF_UNSPEC disconnects; -EPERM when the target is
  connected to another socket; leaving a peer drops our queue and may leave
  ECONNRESET on the old peer) and a send's destination is
  :func:`dgram_dest` (``unix_validate_addr`` + ``unix_find_other``); the
  send itself is :meth:`UnixDgramSocket.send_dgram`.
* ``accept`` (``unix_accept``): -EINVAL unless listening; takes the oldest
  embryo (which becomes the new file) and wakes one waiting connector; an
  empty queue is -EAGAIN without waiting, and with waiting a listener shut
  for reading is -EINVAL (``skb_recv_datagram`` ends with no error).
* ``getname`` of the peer (``unix_getname``, accept's address): the
  client's name, or just the family (length 2) for an unnamed client;
  ``move_addr_to_user`` copies at most the caller's length and stores the
  full length.

Costs (``[unix]``): ``socket_ns``, ``bind_ns``, ``listen_ns``,
``connect_ns`` (the embryo socket and its skb), ``accept_ns`` (dequeue and
graft onto a new file).

The new descriptor is taken before the connection (``get_unused_fd_flags``
in ``__sys_accept4_file`` and ``io_accept``): with the table full the accept
is -EMFILE and the connection stays queued (:func:`simuring.kernel.sys.net.sys_accept4`,
:mod:`simuring.opcodes.sock`; an io_uring ACCEPT checks for a free number
rather than holding one while it waits).

Not modelled: file-system names,
credentials (SO_PASSCRED's autobind on connect), ``SO_SNDTIMEO``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import (
    EADDRINUSE,
    EAGAIN,
    ECONNREFUSED,
    ECONNRESET,
    EFAULT,
    EINVAL,
    EISCONN,
    ENOENT,
    EOPNOTSUPP,
    EPERM,
)
from simuring.abi.posix import (
    AF_UNIX,
    AF_UNSPEC,
    SOCK_DGRAM,
    SOCK_STREAM,
    SOCKADDR_UN_SIZE,
    Sockaddr,
)
from simuring.kernel.ext import KernelExt
from simuring.kernel.objects.base import READ_EVENTS, block_on
from simuring.kernel.objects.socket import (
    DATA_READY_KEY,
    RCV_SHUTDOWN,
    TCP_CLOSE,
    TCP_ESTABLISHED,
    TCP_LISTEN,
    UnixDgramSocket,
    UnixSocket,
    socket_class,
)
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel import Kernel

SUN_PATH_OFFSET: Final = 2
"""``offsetof(struct sockaddr_un, sun_path)``."""
SOCKADDR_STORAGE_SIZE: Final = 128
"""``sizeof(struct sockaddr_storage)``: the longest address ``move_addr_to_kernel`` takes."""
SOMAXCONN: Final = 4096
"""``net.core.somaxconn``: the largest backlog ``listen`` keeps."""


class UnixNamespace(KernelExt):
    """The abstract AF_UNIX names of one network namespace (``net->unx.table``).

    The kernel hashes a name together with the socket type (``unix_find_socket_byname``
    compares ``sk_type``): a stream, a datagram and a seqpacket socket may each hold
    the same name, so there is one table per type (:meth:`table`)."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.names: dict[bytes, UnixSocket] = {}  # SOCK_STREAM: the address bytes -> the socket bound to it
        self.tables: dict[int, dict[bytes, UnixSocket]] = {SOCK_STREAM: self.names}
        self.autobind_next = 0  # unix_autobind's counter (the kernel starts at random)

    def table(self, sock_type: int) -> dict[bytes, UnixSocket]:
        """The names bound by sockets of ``sock_type``."""
        names = self.tables.get(sock_type)
        if names is None:
            names = self.tables[sock_type] = {}
        return names


# -- addresses -------------------------------------------------------------------------


def sockaddr_in(addr: object, addr_len: object) -> bytes | int:
    """``move_addr_to_kernel``: the ``addr_len`` bytes of the caller's address.

    -EINVAL for a length that is no int, negative (as a C int) or above
    ``sizeof(struct sockaddr_storage)``; b"" for 0; -EFAULT when the memory
    cannot be read (NULL, or a buffer shorter than asked; a :class:`~simuring.abi.posix.Sockaddr`
    holds its struct's bytes, and C would read on past the struct: zeros here)."""
    if not isinstance(addr_len, int):
        return -EINVAL
    addr_len &= 0xFFFF_FFFF
    if addr_len >> 31 or addr_len > SOCKADDR_STORAGE_SIZE:
        return -EINVAL
    if addr_len == 0:
        return b""
    if isinstance(addr, Sockaddr):  # what follows the struct in memory reads as zeros
        return bytes(addr.raw[:addr_len]).ljust(addr_len, b"\0")
    view = user_bytes(addr, addr_len, kernel_writes=False)
    return view if isinstance(view, int) else bytes(view)


def validate_addr(name: bytes) -> int:
    """``unix_validate_addr``: 0, or -EINVAL for a length of 2 or less, above 110, or another family."""
    if len(name) <= SUN_PATH_OFFSET or len(name) > SOCKADDR_UN_SIZE:
        return -EINVAL
    if int.from_bytes(name[:2], "little") != AF_UNIX:
        return -EINVAL
    return 0


def sockaddr_out(name: bytes, addr: object, addr_len: object) -> int:
    """``move_addr_to_user``: copy at most ``*addr_len`` bytes of ``name`` to ``addr`` and store
    the full length in ``addr_len`` (a 4-byte buffer); -EFAULT for memory that cannot be
    read or written, -EINVAL for a negative length."""
    lenbuf = user_bytes(addr_len, 4, kernel_writes=True)
    if isinstance(lenbuf, int):
        return -EFAULT
    want = int.from_bytes(lenbuf, "little", signed=True)
    n = min(want, len(name))
    if n < 0:
        return -EINVAL
    if n:
        dst = sockaddr_bytes(addr, n)
        if isinstance(dst, int):
            return -EFAULT
        dst[:n] = name[:n]
    lenbuf[:4] = len(name).to_bytes(4, "little")
    return 0


def sockaddr_bytes(addr: object, n: int) -> memoryview | int:
    """The first ``n`` bytes of a socket address the kernel writes (``copy_to_user``): a
    :class:`~simuring.abi.posix.Sockaddr`'s struct (-EFAULT past its end: C would write over
    what follows it), or any user buffer."""
    if isinstance(addr, Sockaddr):
        return memoryview(addr.raw)[:n] if n <= len(addr.raw) else -EFAULT
    return user_bytes(addr, n, kernel_writes=True)


# -- the calls --------------------------------------------------------------------------


def create_socket(costs: CostModel, task: Task, flags: int, sock_type: int = SOCK_STREAM) -> UnixSocket:
    """``unix_create``: an unconnected socket of ``sock_type`` (SOCK_STREAM, SOCK_DGRAM or
    SOCK_SEQPACKET); ``flags`` its file flags (O_NONBLOCK)."""
    sock = socket_class(sock_type)(costs, flags)
    task.charge(sock.uc.socket_ns)
    sock.state = TCP_CLOSE
    sock.peer = None
    return sock


def unix_bind(ns: UnixNamespace, task: Task, sock: UnixSocket, name: bytes) -> int:
    """``unix_bind``: autobind, or an abstract name (see the module docstring)."""
    task.charge(sock.uc.bind_ns)
    if len(name) == SUN_PATH_OFFSET and int.from_bytes(name, "little") == AF_UNIX:
        if sock.addr is not None:
            return 0
        names = ns.table(sock.sock_type)
        while True:  # unix_autobind: the next free 5-hex-digit name
            auto = name + b"\0" + b"%05x" % (ns.autobind_next & 0xFFFFF)
            ns.autobind_next += 1
            if auto not in names:
                break
        return _set_name(names, sock, auto)
    err = validate_addr(name)
    if err:
        return err
    if name[SUN_PATH_OFFSET]:
        return -EOPNOTSUPP  # a file-system name: not modelled
    if sock.addr is not None:
        return -EINVAL
    names = ns.table(sock.sock_type)
    if name in names:
        return -EADDRINUSE
    return _set_name(names, sock, name)


def _set_name(names: dict[bytes, UnixSocket], sock: UnixSocket, name: bytes) -> int:
    names[name] = sock
    sock.addr = name
    sock.names = names
    return 0


def unix_listen(task: Task, sock: UnixSocket, backlog: int) -> int:
    """``__sys_listen_socket`` (the somaxconn clamp) + ``unix_listen``."""
    task.charge(sock.uc.listen_ns)
    if backlog & 0xFFFF_FFFF > SOMAXCONN:
        backlog = SOMAXCONN
    if sock.sock_type == SOCK_DGRAM:
        return -EOPNOTSUPP  # unix_dgram_ops: sock_no_listen
    if sock.addr is None:
        return -EINVAL
    if sock.state not in (TCP_CLOSE, TCP_LISTEN):
        return -EINVAL
    if backlog > sock.backlog:
        sock.peer_wait.wake(task, 0)
    sock.backlog = backlog
    sock.state = TCP_LISTEN
    return 0


def _connect_once(
    ns: UnixNamespace, task: Task, sock: UnixSocket, name: bytes, nonblock: bool
) -> int | UnixSocket:
    """One pass of ``unix_stream_connect``: 0, -errno, or the listener whose backlog is full
    (the caller waits on its ``peer_wait`` unless ``nonblock``, then calls again)."""
    other = find_other(ns, sock, name)
    if isinstance(other, int):
        return other
    if sock.sock_type == SOCK_DGRAM:
        return dgram_connect(task, sock, other)
    if other.state != TCP_LISTEN or other.shutdown & RCV_SHUTDOWN:
        return -ECONNREFUSED
    if len(other.acceptq) > other.backlog:  # unix_recvq_full
        return -EAGAIN if nonblock else other
    if sock.state != TCP_CLOSE:
        return -EISCONN if sock.state == TCP_ESTABLISHED else -EINVAL
    task.charge(sock.uc.connect_ns)
    emb = type(sock)(_costs_of(task), 0)  # a SOCK_SEQPACKET embryo keeps message boundaries
    emb.peer = sock
    emb.addr = other.addr  # the embryo carries the listener's name
    sock.peer = emb
    sock.state = TCP_ESTABLISHED
    other.acceptq.append(emb)
    other.wq.wake(task, DATA_READY_KEY)  # sk_data_ready
    return 0


def find_other(ns: UnixNamespace, sock: UnixSocket, name: bytes) -> UnixSocket | int:
    """``unix_find_other`` for an abstract name (validated): the socket of the caller's type bound
    to it, or -ECONNREFUSED (a file-system name: -ENOENT, no socket file exists in the model)."""
    if name[SUN_PATH_OFFSET]:
        return -ENOENT
    other = ns.table(sock.sock_type).get(name)
    return -ECONNREFUSED if other is None else other


def dgram_connect(task: Task, sock: UnixSocket, other: UnixSocket) -> int:
    """``unix_dgram_connect`` to a found socket: it becomes the default destination and the
    only socket we receive from (``unix_may_send``); connecting again re-targets.  (An
    unbound socket is not autobound: only SO_PASSCRED does that.)"""
    task.charge(sock.uc.connect_ns)
    if other.peer is not None and other.peer is not sock:
        return -EPERM  # unix_may_send: it is connected to another socket
    _retarget(task, sock, other)
    sock.state = TCP_ESTABLISHED
    return 0


def dgram_disconnect(task: Task, sock: UnixSocket) -> int:
    """``unix_dgram_connect`` with AF_UNSPEC: no default destination any more (0)."""
    task.charge(sock.uc.connect_ns)
    _retarget(task, sock, None)
    sock.state = TCP_CLOSE
    return 0


def _retarget(task: Task, sock: UnixSocket, other: UnixSocket | None) -> None:
    """The peer becomes ``other``; leaving a peer is ``unix_dgram_disconnected``: the messages
    queued to us are dropped and, if the old peer was connected to us, it gets ECONNRESET."""
    old = sock.peer
    sock.peer = other
    if old is None or old is other or not sock.rxq:
        return
    assert isinstance(sock, UnixDgramSocket)
    sock.drop_queue(task)
    sock.peer_wait.wake(task, 0)
    if not old.closed and old.peer is sock:
        old.sk_err = ECONNRESET
        old.wq.wake(task, 0)  # sk_error_report


def dgram_dest(ns: UnixNamespace, sock: UnixSocket, name: bytes) -> UnixSocket | int | bytes | None:
    """The destination of a datagram send with a ``msg_name`` of ``name`` (``unix_dgram_sendmsg``):
    None without a name (the peer), the -errno of ``unix_validate_addr`` / ``unix_find_other``,
    or the socket it names.  A SOCK_SEQPACKET socket ignores the name; a UDP socket reads it
    itself (the name is returned as it is: objects/udp.py)."""
    if not name or sock.sock_type != SOCK_DGRAM:
        return None
    if sock.domain() != AF_UNIX:
        return name
    err = validate_addr(name)
    if err:
        return err
    return find_other(ns, sock, name)


def _costs_of(task: Task) -> CostModel:
    costs: CostModel = task.sched.costs
    return costs


def unix_connect(
    ns: UnixNamespace, task: Task, sock: UnixSocket, name: bytes, nonblock: bool
) -> Generator[simpy.Event, Any, int]:
    """``unix_stream_connect``: 0 or -errno; waits while the backlog is full unless ``nonblock``."""
    err = connect_addr(task, sock, name)
    if err <= 0:
        return err
    while True:
        r = _connect_once(ns, task, sock, name, nonblock)
        if isinstance(r, int):
            return r
        full = r

        def attempt(full: UnixSocket = full) -> int:
            return -EAGAIN if full.state == TCP_LISTEN and len(full.acceptq) > full.backlog else 0

        ret = yield from block_on(task, full.peer_wait, 0xFFFF_FFFF, attempt, exclusive=True)
        if ret < 0:
            return ret  # a signalled io-wq worker: the wait ends (-ERESTARTSYS, sock_intr_errno)


def connect_addr(task: Task, sock: UnixSocket, name: bytes) -> int:
    """The address checks of a connect: 1 to go on, or the answer.  A datagram socket's
    AF_UNSPEC (``unix_dgram_connect``: at least the family's two bytes) disconnects it;
    otherwise ``unix_validate_addr``."""
    if (
        sock.sock_type == SOCK_DGRAM
        and len(name) >= SUN_PATH_OFFSET
        and int.from_bytes(name[:2], "little") == AF_UNSPEC
    ):
        return dgram_disconnect(task, sock)
    return validate_addr(name) or 1


def connect_nowait(ns: UnixNamespace, task: Task, sock: UnixSocket, name: bytes) -> int:
    """``unix_stream_connect`` with O_NONBLOCK (io_uring's inline attempt): never waits."""
    err = connect_addr(task, sock, name)
    if err <= 0:
        return err
    r = _connect_once(ns, task, sock, name, True)
    assert isinstance(r, int)
    return r


def accept_nowait(task: Task, sock: UnixSocket, blocking: bool = False) -> UnixSocket | int:
    """One pass of ``unix_accept``: the oldest embryo, or -EINVAL / -EAGAIN.  With ``blocking``
    a listener shut for reading is -EINVAL rather than -EAGAIN (the wait would end at once)."""
    if sock.state != TCP_LISTEN:
        return -EOPNOTSUPP if sock.sock_type == SOCK_DGRAM else -EINVAL  # sock_no_accept
    if not sock.acceptq:
        return -EINVAL if blocking and sock.shutdown & RCV_SHUTDOWN else -EAGAIN
    task.charge(sock.uc.accept_ns)
    emb = sock.acceptq.popleft()
    sock.peer_wait.wake(task, 0)  # wake_up_interruptible: room for a waiting connector
    return emb


def unix_accept(
    task: Task, sock: UnixSocket, nonblock: bool
) -> Generator[simpy.Event, Any, UnixSocket | int]:
    """``unix_accept``: waits for a connection unless ``nonblock``."""
    if nonblock:
        return accept_nowait(task, sock)
    got: list[UnixSocket] = []

    def attempt() -> int:
        r = accept_nowait(task, sock, blocking=True)
        if isinstance(r, int):
            return r
        got.append(r)
        return 0

    ret = yield from block_on(task, sock.wq, READ_EVENTS, attempt)
    return got[0] if got else ret
