"""Shared body of the IPC channel workloads (ipc_unicast/broadcast/multicast.py).

One sender task and N receiver tasks, each its own process with its own
ring.  The sender CREATEs the channel (key 0x1PC), ATTACHes as SEND, waits
until every receiver has attached (a shared-memory barrier polled with
nanosleep), then sends ``messages`` messages of ``msg_size`` bytes, one
SEND per submit, retrying on -ENOBUFS.  Receivers ATTACH by key as RECV
and loop on IPC_RECV, retrying on -EAGAIN (the proposal has no blocking
receive: each empty attempt is an io-wq round trip).

A receiver stops when it has ``messages`` messages (unicast, broadcast), when
all receivers together have them (multicast), or when the sender is done
and an attempt still finds nothing (a unicast receiver whose unread slots
were reused by the producer never gets them: see docs/ipc.md).
"""

from __future__ import annotations

from typing import Any

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
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep
from simuring.uapi import IOIPC_SUB_RECV, IOIPC_SUB_SEND, IpcChannelAttach, IpcChannelCreate

KEY = 0x1B0C
SQ_ENTRIES = 64
POLL_NS = 1000


def _one(ring: Ring, cqe: Cqe) -> Any:
    yield from io_uring_submit_and_wait(ring, 1)
    yield from io_uring_wait_cqe(ring, cqe)
    res = cqe[0].res
    io_uring_cqe_seen(ring, cqe[0])
    return res


def open_sender(sh: dict[str, Any], chan_flags: int, setup: int, p: dict[str, Any]) -> Any:
    """The sender's ring and its ATTACH (``local_id_out`` is its subscriber id),
    with the channel created (key ``KEY``) and attached for sending; tells the
    receivers (``sh["created"]``) they may attach."""
    ring = Ring()
    ret = yield from io_uring_queue_init(SQ_ENTRIES, ring, setup)
    if ret < 0:
        raise RuntimeError(f"io_uring_queue_init failed: {ret}")
    c = IpcChannelCreate(flags=chan_flags, ring_entries=p["ring_entries"], max_msg_size=p["msg_size"], mode=0o666, key=KEY)
    ret = yield from io_uring_register_ipc_channel_create(ring, c)
    if ret < 0:
        raise RuntimeError(f"IPC channel create failed: {ret}")
    a = IpcChannelAttach(flags=IOIPC_SUB_SEND, key=KEY)
    ret = yield from io_uring_register_ipc_channel_attach(ring, a)
    if ret < 0:
        raise RuntimeError(f"IPC channel attach (sender) failed: {ret}")
    sh["created"] = True
    return ring, a


def _sender(sim: Any, sh: dict[str, Any], chan_flags: int, setup: int, p: dict[str, Any]) -> Any:
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
            io_uring_prep_ipc_send(sqe, a.local_id_out, buf, p["msg_size"])
            io_uring_sqe_set_data64(sqe, i)
            res = yield from _one(ring, cqe)
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


def _receiver(sim: Any, sh: dict[str, Any], idx: int, multicast: bool, setup: int, p: dict[str, Any]) -> Any:
    ring, cqe = Ring(), Cqe()
    ret = yield from io_uring_queue_init(SQ_ENTRIES, ring, setup)
    if ret < 0:
        raise RuntimeError(f"io_uring_queue_init failed: {ret}")
    while not sh.get("created"):
        yield from nanosleep(POLL_NS)
    a = IpcChannelAttach(flags=IOIPC_SUB_RECV, key=KEY)
    ret = yield from io_uring_register_ipc_channel_attach(ring, a)
    if ret < 0:
        raise RuntimeError(f"IPC channel attach (receiver {idx}) failed: {ret}")
    sh["attached"] += 1
    buf = bytearray(p["msg_size"])
    got = eagain = 0
    first = last = None
    while True:
        if multicast and sh["received"] >= p["messages"]:
            break
        if not multicast and got >= p["messages"]:
            break
        done_before = sh.get("done", False)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_ipc_recv(sqe, a.local_id_out, buf, len(buf))
        res = yield from _one(ring, cqe)
        if res >= 0:
            got += 1
            sh["received"] += 1
            sh.setdefault("got", {})[idx] = got
            last = sim.now
            first = first if first is not None else last
        elif res == -EAGAIN:
            eagain += 1
            if done_before and not multicast:
                break  # nothing more will come for this receiver
        else:
            raise RuntimeError(f"IPC_RECV failed: {res}")
    sh["per_receiver"][idx] = {"received": got, "eagain": eagain}
    yield from io_uring_queue_exit(ring)


def run_fanout(sim: Any, chan_flags: int, multicast: bool, msg_size: int, receivers: int, messages: int, ring_entries: int, setup_flags: str | int) -> None:
    setup = parse_setup_flags(setup_flags)
    for name, value in (("msg_size", msg_size), ("receivers", receivers), ("messages", messages), ("ring_entries", ring_entries)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    p = {"msg_size": msg_size, "receivers": receivers, "messages": messages, "ring_entries": ring_entries}
    sim.params.update(p, setup_flags=setup_flags)
    sh: dict[str, Any] = {"attached": 0, "received": 0, "per_receiver": {}}
    cpus = sim.costs.host.cpus
    sim.spawn(_sender, sim, sh, chan_flags, setup, p, name="sender", cpu=0)
    for i in range(receivers):
        sim.spawn(_receiver, sim, sh, i, multicast, setup, p, name=f"receiver{i}", cpu=(1 + i) % cpus)

    def summary() -> Any:
        # a last task that reports once everybody else has finished
        while len(sh["per_receiver"]) < receivers or not sh.get("done"):
            yield from nanosleep(10 * POLL_NS)
        from simuring.opcodes.ipc import ipc_stats

        per = [sh["per_receiver"][i] for i in range(receivers)]
        sim.report("received_total", sum(r["received"] for r in per))
        sim.report("received_min", min(r["received"] for r in per))
        sim.report("recv_eagain_total", sum(r["eagain"] for r in per))
        totals = ipc_stats(sim)["totals"]
        for key in ("wakeups", "wakeup_cost_ns", "wake_targets", "head_scans", "reserve_retries", "recv_lost_races"):
            sim.report(f"ipc_{key}", totals.get(key, 0))
        sim.report("iowq_punts", sum(wq.punts for wq in sim.kernel.iowqs.values()))

    sim.spawn(summary, name="summary", cpu=cpus - 1)


PARAMS_DOC = """Parameters: msg_size (bytes), receivers, messages, ring_entries (channel
slots, a power of two), setup_flags (IORING_SETUP_* names joined by '|' or
',', e.g. "SINGLE_ISSUER|DEFER_TASKRUN"; "0" for none).  Reported figures:
sender_ns_per_msg, sender_enobufs_retries, received_total, received_min,
recv_eagain_total, ipc_wakeups, ipc_wakeup_cost_ns, ipc_wake_targets,
ipc_head_scans, ipc_reserve_retries, ipc_recv_lost_races, iowq_punts."""


def run_standalone(workload: Any) -> None:
    """``python workloads/ipc_*.py``: run with the defaults and print the figures."""
    from simuring import Simulation

    sim = Simulation(seed=1)
    workload(sim)
    result = sim.run()
    for key, value in sorted(result.extra.items()):
        print(f"{key}: {value}")
