"""The RFC benchmark workloads' tasks (``workloads/rfc_<mechanism>.py``): the IPC
proposal's published benchmark, as far as its method is known (docs/rfc-method.md).

One sender streams ``messages`` messages of ``msg_size`` bytes to
``receivers`` receivers, and the figure is the *sender's* time per message
(for N receivers, one message is one delivery to each of them).  Every
``window`` messages the sender records the simulated time the window took:
``window_ns`` (a list of ints, ns per window of ``window_messages``
messages: :class:`~simuring.workloads.windows.Windows`) is reported when
sending starts and grows while the simulation runs, so that a harness
(``simuring reproduce rfc``) can apply batch-means statistics to it, or stop
the run once its estimate is precise enough.

Mechanisms:

* ``pipe``, ``unix_sock``, ``shm_eventfd`` (the baselines): one pipe, one
  AF_UNIX stream socket pair, or one shared-memory ring plus an eventfd per
  receiver, written in turn by the single sender.  The receivers are
  threads of the sender's process (they share its descriptors, as after a
  fork; the model charges threads and processes alike).
* ``io_uring_unicast``, ``io_uring_bcast``, ``io_uring_mcast``: one IPC
  channel (unicast, broadcast or multicast); sender and receivers are each
  their own process with their own ring, as in
  :mod:`simuring.workloads.ipc_fanout`, whose receiver is reused (IPC_RECV
  retried on -EAGAIN).  The rings use
  the raw interface: no IORING_SETUP_* flags unless ``setup_flags`` says so.

The sender runs on CPU 0 and receiver i on CPU 1 + i (``placement``
"wrap" shares CPUs among receivers that outnumber them:
:func:`~simuring.workloads.placement.receiver_cpus`).  Reported:
``window_ns``, ``window_messages``, ``messages_sent``, ``sender_ns_per_msg``
(over the whole stream, start-up transient included) and, per mechanism, a
few counters (``shm_full_waits``; ``sender_enobufs_retries``, ``backlog``,
``backlog_capacity``).  No task is a helper: the barriers are polled by the
measured tasks before the stream starts.

Parameter errors follow :mod:`simuring.workloads.params`: ``receivers``
feeds the number of pipes, socket pairs and eventfds (each takes
descriptors of the one process: -EMFILE beyond its limit); ``msg_size`` and
``buffer_bytes`` the shm_eventfd ring's mmap; ``ring_entries`` and
``msg_size`` IPC channel create; ``setup_flags`` io_uring_queue_init.
"""

from __future__ import annotations

from typing import Any

from simuring.errno import ENOBUFS
from simuring.liburing import (
    Cqe,
    io_uring_get_sqe,
    io_uring_prep_ipc_send,
    io_uring_queue_exit,
    io_uring_sqe_set_data64,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import (
    AF_UNIX,
    MAP_ANONYMOUS,
    MAP_SHARED,
    PROT_READ,
    PROT_WRITE,
    SOCK_STREAM,
    SpinWord,
    eventfd,
    eventfd_read,
    eventfd_write,
    mmap,
    nanosleep,
    pipe,
    read,
    recv,
    send,
    socketpair,
    user_memcpy,
    write,
)
from simuring.uapi import IOIPC_F_BROADCAST, IOIPC_F_MULTICAST
from simuring.workloads.ipc_fanout import open_sender, receiver, submit_one
from simuring.workloads.params import check_call, check_non_negative, check_positive
from simuring.workloads.placement import receiver_cpus
from simuring.workloads.windows import Windows

POLL_NS = 1000  # start-up barrier polling (before the measured stream)

CHANNEL_FLAGS = {"io_uring_unicast": 0, "io_uring_bcast": IOIPC_F_BROADCAST, "io_uring_mcast": IOIPC_F_MULTICAST}


def _barrier(sh: dict[str, Any], key: str, count: int) -> Any:
    """Start-up only: poll until ``sh[key]`` reaches ``count``."""
    while sh[key] < count:
        yield from nanosleep(POLL_NS)


def _wait_for(sh: dict[str, Any], key: str) -> Any:
    """Start-up only: poll until ``sh[key]`` is set."""
    while not sh[key]:
        yield from nanosleep(POLL_NS)


# -- pipe and AF_UNIX socket: a byte stream per receiver ---------------------------------
def _stream_sender(sim: Any, sh: dict[str, Any], kind: str, p: dict[str, Any]) -> Any:
    ends: list[int] = []
    for _ in range(p["receivers"]):
        fds: list[int] = []
        ret = yield from (pipe(fds) if kind == "pipe" else socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
        check_call(ret, f"{'pipe' if kind == 'pipe' else 'socketpair'} (one per receiver)", receivers=p["receivers"])
        # pipe: fds[0] the read end, fds[1] the write end; socketpair: either end
        sh["rx_fds"].append(fds[0])
        ends.append(fds[1])
    sh["created"] = True
    yield from _barrier(sh, "ready", p["receivers"])
    size = p["msg_size"]
    buf = bytearray(size)
    win = Windows(sim, p["window"])
    for i in range(p["messages"]):
        buf[:8] = i.to_bytes(8, "little")[:size]
        for fd in ends:
            # a blocking write(2)/send(2) returns once all bytes are queued
            ret = yield from (write(fd, buf, size) if kind == "pipe" else send(fd, buf, size, 0))
            if ret != size:
                raise RuntimeError(f"{kind} write of {size} bytes returned {ret}")
        win.tick()
    win.finish()


def _stream_receiver(sh: dict[str, Any], idx: int, kind: str, p: dict[str, Any]) -> Any:
    yield from _wait_for(sh, "created")
    fd = sh["rx_fds"][idx]
    size = p["msg_size"]
    buf = bytearray(size)
    sh["ready"] += 1
    left = size * p["messages"]
    while left > 0:
        want = min(size, left)
        ret = yield from (read(fd, buf, want) if kind == "pipe" else recv(fd, buf, want, 0))
        if ret <= 0:
            raise RuntimeError(f"{kind} read returned {ret} with {left} bytes to come")
        left -= ret


# -- shared memory ring + eventfd per receiver --------------------------------------------
class ShmRing:
    """One receiver's ring in shared memory: ``slots`` slots of ``msg_size`` bytes.

    ``tail`` (written by the sender) and ``head`` (by the receiver) are each
    side's own copy of the ring's two index words; ``tail_word`` and
    ``head_word`` are the words in shared memory, which the other side loads
    or polls (each on its own cache line: a load or store after the other
    side used the line moves it, :class:`SpinWord`).  ``data_fd``
    signals new messages; ``space_fd`` wakes a sender that found the ring
    full (it sets ``sender_waiting`` first, as a futex waiter would).
    """

    def __init__(self, view: Any, slots: int, size: int, data_fd: int, space_fd: int) -> None:
        self.view = view
        self.slots = slots
        self.size = size
        self.data_fd = data_fd
        self.space_fd = space_fd
        self.head = 0
        self.tail = 0
        self.tail_word = SpinWord(0)
        self.head_word = SpinWord(0)
        self.sender_waiting = False


def _shm_sender(sim: Any, sh: dict[str, Any], p: dict[str, Any]) -> Any:
    size, slots = p["msg_size"], p["slots"]
    rings: list[ShmRing] = []
    for _ in range(p["receivers"]):
        view = yield from mmap(None, slots * size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        if isinstance(view, int):
            check_call(view, "mmap of the receiver's ring", msg_size=size, buffer_bytes=p["buffer_bytes"])
        data_fd = yield from eventfd(0, 0)
        space_fd = yield from eventfd(0, 0)
        check_call(min(data_fd, space_fd), "eventfd (two per receiver)", receivers=p["receivers"])
        rings.append(ShmRing(view, slots, size, data_fd, space_fd))
    sh["rings"] = rings
    sh["created"] = True
    yield from _barrier(sh, "ready", p["receivers"])
    buf = bytearray(size)
    value = [0]
    full_waits = 0
    spin_ns = p["spin_ns"]
    win = Windows(sim, p["window"])
    for i in range(p["messages"]):
        buf[:8] = i.to_bytes(8, "little")[:size]
        for r in rings:
            while r.tail - r.head_word.load() >= r.slots:  # full: poll for a while, then wait for a free slot
                if spin_ns and (yield from r.head_word.spin_while(r.tail - r.slots, spin_ns)):
                    continue
                r.sender_waiting = True
                full_waits += 1
                ret = yield from eventfd_read(r.space_fd, value)
                if ret < 0:
                    raise RuntimeError(f"eventfd_read failed: {ret}")
            off = (r.tail % r.slots) * size
            user_memcpy(r.view[off : off + size], buf, size)
            r.tail += 1
            r.tail_word.store(r.tail)
            ret = yield from eventfd_write(r.data_fd, 1)
            if ret < 0:
                raise RuntimeError(f"eventfd_write failed: {ret}")
        win.tick()
    win.finish()
    sim.report("shm_full_waits", full_waits)


def _shm_receiver(sh: dict[str, Any], idx: int, p: dict[str, Any]) -> Any:
    yield from _wait_for(sh, "created")
    r: ShmRing = sh["rings"][idx]
    size = r.size
    buf = bytearray(size)
    value = [0]
    sh["ready"] += 1
    spin_ns = p["spin_ns"]
    while r.head < p["messages"]:
        if r.head == r.tail_word.load():  # empty: poll the tail for a while, then sleep on the eventfd
            if spin_ns and (yield from r.tail_word.spin_while(r.head, spin_ns)):
                continue
            ret = yield from eventfd_read(r.data_fd, value)
            if ret < 0:
                raise RuntimeError(f"eventfd_read failed: {ret}")
            continue
        off = (r.head % r.slots) * size
        user_memcpy(buf, r.view[off : off + size], size)
        r.head += 1
        r.head_word.store(r.head)
        if r.sender_waiting:
            r.sender_waiting = False
            ret = yield from eventfd_write(r.space_fd, 1)
            if ret < 0:
                raise RuntimeError(f"eventfd_write failed: {ret}")


def run_baseline(
    sim: Any, kind: str, msg_size: int, receivers: int, messages: int, window: int, buffer_bytes: int = 0, spin_ns: int = 0, placement: str = "one_per_cpu"
) -> None:
    """``pipe``, ``unix_sock`` or ``shm_eventfd``: one object per receiver, written in turn.

    ``buffer_bytes`` (shm_eventfd only): each receiver's ring holds
    ``max(1, buffer_bytes // msg_size)`` messages; ``spin_ns`` (shm_eventfd
    only): a receiver that finds its ring empty polls it that long before it
    sleeps in ``eventfd_read`` (0: it sleeps at once).
    """
    check_positive(msg_size=msg_size, receivers=receivers, messages=messages, window=window)
    if kind == "shm_eventfd":
        check_positive(buffer_bytes=buffer_bytes)
        check_non_negative("nanoseconds", spin_ns=spin_ns)
    cpu_of = receiver_cpus(sim.costs.host.cpus, receivers, placement)
    p = {"msg_size": msg_size, "receivers": receivers, "messages": messages, "window": window}
    if kind == "shm_eventfd":
        p["buffer_bytes"] = buffer_bytes
        p["slots"] = max(1, buffer_bytes // msg_size)
        p["spin_ns"] = spin_ns
    sim.params.update(p, mechanism=kind)
    sh: dict[str, Any] = {"created": False, "ready": 0, "rx_fds": []}
    if kind == "shm_eventfd":
        sender = sim.spawn(_shm_sender, sim, sh, p, name="sender", cpu=0)
        for i in range(receivers):
            sim.spawn(_shm_receiver, sh, i, p, name=f"receiver{i}", cpu=cpu_of[i], process=sender.process)
    elif kind in ("pipe", "unix_sock"):
        sender = sim.spawn(_stream_sender, sim, sh, kind, p, name="sender", cpu=0)
        for i in range(receivers):
            sim.spawn(_stream_receiver, sh, i, kind, p, name=f"receiver{i}", cpu=cpu_of[i], process=sender.process)
    else:
        raise ValueError(f"unknown baseline {kind!r} (pipe, unix_sock, shm_eventfd)")


# -- io_uring IPC channel -------------------------------------------------------------------
def _ipc_sender(sim: Any, sh: dict[str, Any], chan_flags: int, setup: int, p: dict[str, Any]) -> Any:
    (ring, a), cqe = (yield from open_sender(sh, chan_flags, setup, p)), Cqe()
    yield from _barrier(sh, "attached", p["receivers"])
    size = p["msg_size"]
    buf = bytearray(size)
    enobufs = 0

    def backlog(sent: int) -> int:
        """Sent and not yet taken: by all receivers together (multicast), else by the slowest."""
        if chan_flags == IOIPC_F_MULTICAST:
            return sent - sh["received"]
        got = sh.get("got", {})
        return sent - min((got.get(i, 0) for i in range(p["receivers"])), default=0)

    win = Windows(sim, p["window"], backlog, p["ring_entries"])
    for i in range(p["messages"]):
        buf[:8] = i.to_bytes(8, "little")[:size]
        while True:
            sqe = io_uring_get_sqe(ring)
            assert sqe is not None  # one SQE in flight at a time
            io_uring_prep_ipc_send(sqe, a.local_id_out, buf, size)
            io_uring_sqe_set_data64(sqe, i)
            res = yield from submit_one(ring, cqe)
            if res == -ENOBUFS:  # the ring is full: retry at once
                enobufs += 1
                continue
            if res != size:
                raise RuntimeError(f"IPC_SEND failed: {res}")
            break
        win.tick()
    win.finish()
    sh["done"] = True
    sim.report("sender_enobufs_retries", enobufs)
    yield from io_uring_queue_exit(ring)


def run_ipc(
    sim: Any, kind: str, msg_size: int, receivers: int, messages: int, window: int, ring_entries: int, setup_flags: str | int, placement: str = "one_per_cpu"
) -> None:
    """``io_uring_unicast``, ``io_uring_bcast`` or ``io_uring_mcast``: one IPC channel."""
    if kind not in CHANNEL_FLAGS:
        raise ValueError(f"unknown io_uring mechanism {kind!r} ({', '.join(CHANNEL_FLAGS)})")
    setup = parse_setup_flags(setup_flags)
    check_positive(msg_size=msg_size, receivers=receivers, messages=messages, window=window, ring_entries=ring_entries)
    cpu_of = receiver_cpus(sim.costs.host.cpus, receivers, placement)
    p = {"msg_size": msg_size, "receivers": receivers, "messages": messages, "window": window, "ring_entries": ring_entries, "setup_flags": setup_flags}
    sim.params.update(p, mechanism=kind)
    # the keys ipc_fanout's receiver reads and writes
    sh: dict[str, Any] = {"created": False, "attached": 0, "received": 0, "per_receiver": {}}
    multicast = kind == "io_uring_mcast"
    sim.spawn(_ipc_sender, sim, sh, CHANNEL_FLAGS[kind], setup, p, name="sender", cpu=0)
    for i in range(receivers):
        sim.spawn(receiver, sim, sh, i, multicast, setup, p, name=f"receiver{i}", cpu=cpu_of[i])

