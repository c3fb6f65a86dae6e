"""MSG_RING ping-pong between two rings on two CPUs (``IORING_OP_MSG_RING``,
io_uring_prep_msg_ring(3)): the round-trip latency of one ring waking another.

Threads A (CPU 0) and B (CPU 1, or CPU 0 on a one-CPU host) of one process
(the ring fds are in one table) each set up
their own ring with ``setup_flags``.  Each round trip: A submits one
MSG_RING to B's ring and waits on its own ring until B's answer arrives; B
waits for A's message, then submits one MSG_RING back.  A waits with
``io_uring_submit_and_wait(ring, 1)`` (which returns at once: the MSG_RING's
own completion is posted inline), then sleeps in ``io_uring_wait_cqe`` until
the answer; B the same way round.  A CQE of a message carries a nonzero
user_data, a thread's own MSG_RING completion user_data 0.

``simuring validate`` runs the same definition on the real kernel (its C
benchmark ``msg_ring_pingpong``) and compares.

    simuring run workloads/msg_ring_pingpong.py -p setup_flags=SINGLE_ISSUER,DEFER_TASKRUN
    python workloads/msg_ring_pingpong.py

Reported: window_ns (ns per window of window_messages round trips),
window_messages, messages_sent (round trips), sender_ns_per_msg (ns per
round trip, seen by A).
"""

from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_msg_ring,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep
from simuring.workloads.params import check_call, check_positive
from simuring.workloads.standalone import run_standalone
from simuring.workloads.windows import Windows


def _send(ring, cqe, to_fd, data):
    """Submit one MSG_RING to ``to_fd`` carrying ``data``; reap its own completion."""
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_msg_ring(sqe, to_fd, 0, data, 0)
    io_uring_sqe_set_data64(sqe, 0)
    ret = yield from io_uring_submit_and_wait(ring, 1)
    if ret < 0:
        raise RuntimeError(f"io_uring_submit_and_wait failed: {ret}")


def _await_message(ring, cqe):
    """Reap completions until a message (nonzero user_data) arrives; returns it."""
    while True:
        if io_uring_peek_cqe(ring, cqe) != 0:
            ret = yield from io_uring_wait_cqe(ring, cqe)
            if ret < 0:
                raise RuntimeError(f"io_uring_wait_cqe failed: {ret}")
        c = cqe[0]
        data, res = c.user_data, c.res
        io_uring_cqe_seen(ring, c)
        if data == 0:
            if res < 0:
                raise RuntimeError(f"MSG_RING failed: {res}")
            continue
        return data


def _open(sh, key, p):
    """This thread's ring, published in ``sh[key]``; returns once both rings exist."""
    ring = Ring()
    ret = yield from io_uring_queue_init(p["entries"], ring, p["flags"])
    check_call(ret, "io_uring_queue_init", entries=p["entries"], setup_flags=p["setup_flags"])
    sh[key] = ring.ring_fd
    while "a" not in sh or "b" not in sh:  # start-up: both rings exist
        yield from nanosleep(1000)
    return ring


def _ping(sim, sh, p):
    ring, cqe = (yield from _open(sh, "a", p)), Cqe()
    win = Windows(sim, p["window"])
    for i in range(1, p["messages"] + 1):
        yield from _send(ring, cqe, sh["b"], i)
        got = yield from _await_message(ring, cqe)
        if got != i:
            raise RuntimeError(f"round trip {i}: the answer carried {got}")
        win.tick()
    win.finish()
    yield from io_uring_queue_exit(ring)


def _pong(sh, p):
    ring, cqe = (yield from _open(sh, "b", p)), Cqe()
    for _ in range(p["messages"]):
        got = yield from _await_message(ring, cqe)
        yield from _send(ring, cqe, sh["a"], got)
    yield from io_uring_queue_exit(ring)


def workload(sim, setup_flags="0", messages=2000, window=10, entries=8):
    """Bounce one MSG_RING message between two rings ``messages`` times.

    Args:
        setup_flags: the IORING_SETUP_* flags of both rings, names joined by
            '|' or ','; "0" for none.
        messages: round trips (A to B and back).
        window: round trips per entry of window_ns.
        entries: each ring's SQ size.
    """
    check_positive(messages=messages, window=window, entries=entries)
    p = {"flags": parse_setup_flags(setup_flags), "setup_flags": setup_flags, "messages": messages, "window": window, "entries": entries}
    sim.params.update(mechanism="io_uring_msg_ring", setup_flags=setup_flags, messages=messages, window=window, entries=entries)
    sh = {}
    other = 1 if sim.costs.host.cpus > 1 else 0
    ping = sim.spawn(_ping, sim, sh, p, name="ping", cpu=0)
    sim.spawn(_pong, sh, p, name="pong", cpu=other, process=ping.process)  # threads: one fd table


if __name__ == "__main__":
    run_standalone(workload)
