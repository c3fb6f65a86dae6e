"""The IPC channel workloads' tasks (``workloads/ipc_unicast.py``, ``ipc_broadcast.py``,
``ipc_multicast.py``): one IPC channel of the io_uring IPC proposal, one
sender, N receivers (docs/ipc.md).

One sender task and N receiver tasks, each its own process with its own
ring.  The sender CREATEs the channel (key :data:`KEY`), ATTACHes as SEND, waits
until every receiver has attached (a shared-memory barrier polled with
nanosleep), then sends ``messages`` messages of ``msg_size`` bytes, one
SEND per submit, retrying on -ENOBUFS.  Receivers ATTACH by key as RECV
and loop on IPC_RECV, retrying on -EAGAIN (the proposal has no blocking
receive: each empty attempt is an io-wq round trip).

A receiver stops when it has ``messages`` messages (unicast, broadcast), when
all receivers together have them (multicast), or when the sender is done
and an attempt still finds nothing (a unicast receiver whose unread slots
were reused by the producer never gets them: see docs/ipc.md).

A last task, a helper (``spawn(..., helper=True)``: not measured), waits
for everybody and reports the totals (:data:`REPORTED`).  Parameter errors
follow :mod:`simuring.workloads.params`: the channel's ``ring_entries`` and
``msg_size`` feed IPC channel create, ``setup_flags`` every
io_uring_queue_init.
"""

from __future__ import annotations

from typing import Any, Final

from simuring.errno import EAGAIN, ENOBUFS
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_ipc_recv,
    io_uring_prep_ipc_send,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_register_ipc_channel_attach,
    io_uring_register_ipc_channel_create,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.opcodes.ipc import ipc_stats
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep
from simuring.uapi import IOIPC_SUB_RECV, IOIPC_SUB_SEND, IpcChannelAttach, IpcChannelCreate
from simuring.workloads.params import check_call, check_positive

KEY: Final = 0x1B0C
"""The channel's key (``IpcChannelCreate.key``): the receivers attach by it."""
SQ_ENTRIES: Final = 64
"""Each ring's SQ size."""
POLL_NS: Final = 1000
"""The start-up barrier's polling period (nanosleep), before anything is measured."""

REPORTED: Final = (
    "sender_ns_per_msg",
    "sender_enobufs_retries",
    "received_total",
    "received_min",
    "recv_eagain_total",
    "ipc_wakeups",
    "ipc_wakeup_cost_ns",
    "ipc_wake_targets",
    "ipc_head_scans",
    "ipc_reserve_retries",
    "ipc_recv_lost_races",
    "iowq_punts",
)
"""The figures :func:`run_fanout`'s tasks report."""


def submit_one(ring: Ring, cqe: Cqe) -> Any:
    """Submit the prepared SQE, wait for its CQE; returns its ``res``."""
    yield from io_uring_submit_and_wait(ring, 1)
    yield from io_uring_wait_cqe(ring, cqe)
    res = cqe[0].res
    io_uring_cqe_seen(ring, cqe[0])
    return res


def open_ring(setup: int, p: dict[str, Any]) -> Any:
    """A ring of :data:`SQ_ENTRIES` entries set up with ``setup`` (``p["setup_flags"]`` parsed)."""
    ring = Ring()
    ret = yield from io_uring_queue_init(SQ_ENTRIES, ring, setup)
    check_call(ret, "io_uring_queue_init", setup_flags=p["setup_flags"])
    return ring


def open_sender(sh: dict[str, Any], chan_flags: int, setup: int, p: dict[str, Any]) -> Any:
    """The sender's ring and its ATTACH (``local_id_out`` is its subscriber id),
    with the channel created (key ``KEY``) and attached for sending; tells the
    receivers (``sh["created"]``) they may attach."""
    ring = yield from open_ring(setup, p)
    c = IpcChannelCreate(flags=chan_flags, ring_entries=p["ring_entries"], max_msg_size=p["msg_size"], mode=0o666, key=KEY)
    ret = yield from io_uring_register_ipc_channel_create(ring, c)
    check_call(ret, "IPC channel create", ring_entries=p["ring_entries"], msg_size=p["msg_size"])
    a = IpcChannelAttach(flags=IOIPC_SUB_SEND, key=KEY)
    ret = yield from io_uring_register_ipc_channel_attach(ring, a)
    if ret < 0:
        raise RuntimeError(f"IPC channel attach (sender) failed: {ret}")
    sh["created"] = True
    return ring, a


def sender(sim: Any, sh: dict[str, Any], chan_flags: int, setup: int, p: dict[str, Any]) -> Any:
    """The sender: create and attach, wait for every receiver, then send
    ``messages`` messages one SEND per submit, retrying on -ENOBUFS."""
    (ring, a), cqe = (yield from open_sender(sh, chan_flags, setup, p)), Cqe()
    while sh["attached"] < p["receivers"]:
        yield from nanosleep(POLL_NS)
    buf = bytearray(p["msg_size"])
    start = sim.now
    enobufs = 0
    for i in range(p["messages"]):
        buf[:8] = i.to_bytes(8, "little")[: len(buf)]
        while True:
            sqe = io_uring_get_sqe(ring)
            assert sqe is not None  # one SQE in flight at a time
            io_uring_prep_ipc_send(sqe, a.local_id_out, buf, p["msg_size"])
            io_uring_sqe_set_data64(sqe, i)
            res = yield from submit_one(ring, cqe)
            if res == -ENOBUFS:
                enobufs += 1
                continue
            if res != p["msg_size"]:
                raise RuntimeError(f"IPC_SEND failed: {res}")
            break
    elapsed = sim.now - start
    sh["done"] = True
    sim.report("sender_ns_per_msg", elapsed / max(1, p["messages"]))
    sim.report("sender_enobufs_retries", enobufs)
    yield from io_uring_queue_exit(ring)


def receiver(sim: Any, sh: dict[str, Any], idx: int, multicast: bool, setup: int, p: dict[str, Any]) -> Any:
    """Receiver ``idx``: its own ring, ATTACH as RECV once the channel exists,
    IPC_RECV until done (see the module's docstring); records its counts in
    ``sh["per_receiver"][idx]``."""
    ring, cqe = (yield from open_ring(setup, p)), Cqe()
    while not sh.get("created"):
        yield from nanosleep(POLL_NS)
    a = IpcChannelAttach(flags=IOIPC_SUB_RECV, key=KEY)
    ret = yield from io_uring_register_ipc_channel_attach(ring, a)
    if ret < 0:
        raise RuntimeError(f"IPC channel attach (receiver {idx}) failed: {ret}")
    sh["attached"] += 1
    buf = bytearray(p["msg_size"])
    got = eagain = 0
    while True:
        if multicast and sh["received"] >= p["messages"]:
            break
        if not multicast and got >= p["messages"]:
            break
        done_before = sh.get("done", False)
        sqe = io_uring_get_sqe(ring)
        assert sqe is not None  # one SQE in flight at a time
        io_uring_prep_ipc_recv(sqe, a.local_id_out, buf, len(buf))
        res = yield from submit_one(ring, cqe)
        if res >= 0:
            got += 1
            sh["received"] += 1
            sh.setdefault("got", {})[idx] = got
        elif res == -EAGAIN:
            eagain += 1
            if done_before and not multicast:
                break  # nothing more will come for this receiver
        else:
            raise RuntimeError(f"IPC_RECV failed: {res}")
    sh["per_receiver"][idx] = {"received": got, "eagain": eagain}
    yield from io_uring_queue_exit(ring)


def summary(sim: Any, sh: dict[str, Any], receivers: int) -> Any:
    """The helper task: once the sender and every receiver are done, report the
    totals (received, -EAGAIN retries, the IPC statistics, io-wq punts)."""
    while len(sh["per_receiver"]) < receivers or not sh.get("done"):
        yield from nanosleep(10 * POLL_NS)
    per = [sh["per_receiver"][i] for i in range(receivers)]
    sim.report("received_total", sum(r["received"] for r in per))
    sim.report("received_min", min(r["received"] for r in per))
    sim.report("recv_eagain_total", sum(r["eagain"] for r in per))
    totals = ipc_stats(sim)["totals"]
    for key in ("wakeups", "wakeup_cost_ns", "wake_targets", "head_scans", "reserve_retries", "recv_lost_races"):
        sim.report(f"ipc_{key}", totals.get(key, 0))
    sim.report("iowq_punts", sum(wq.punts for wq in sim.kernel.iowqs.values()))


def run_fanout(sim: Any, chan_flags: int, multicast: bool, msg_size: int, receivers: int, messages: int, ring_entries: int, setup_flags: str | int) -> None:
    """Spawn the sender (CPU 0), ``receivers`` receivers (receiver i on CPU
    (1 + i) % CPUs) and the summary (a helper, on the last CPU) of one
    channel created with ``chan_flags``; ``multicast``: the receivers share
    the stream.  Invalid values are a ValueError, before any task starts."""
    setup = parse_setup_flags(setup_flags)
    check_positive(msg_size=msg_size, receivers=receivers, messages=messages, ring_entries=ring_entries)
    p = {"msg_size": msg_size, "receivers": receivers, "messages": messages, "ring_entries": ring_entries, "setup_flags": setup_flags}
    sim.params.update(p)
    sh: dict[str, Any] = {"attached": 0, "received": 0, "per_receiver": {}}
    cpus = sim.costs.host.cpus
    sim.spawn(sender, sim, sh, chan_flags, setup, p, name="sender", cpu=0)
    for i in range(receivers):
        sim.spawn(receiver, sim, sh, i, multicast, setup, p, name=f"receiver{i}", cpu=(1 + i) % cpus)
    sim.spawn(summary, sim, sh, receivers, name="summary", cpu=cpus - 1, helper=True)
