"""Pipe ping-pong through io_uring READ/WRITE: two threads bounce an 8-byte token.

Threads ping (CPU 0) and pong (CPU 1, or CPU 0 on a one-CPU host) of one
process (the pipe fds are in one table), each with its own ring set up with
``setup_flags``.  Each round trip, ping submits, in one io_uring_enter, a
WRITE of the token into the first pipe and a READ of the answer from the
second, and waits for both; pong does the same the other way round.  A READ
finds its pipe empty, parks on it through fast poll (io_uring_poll_arm) and
completes from the peer's WRITE as task work: run by the woken task in the
default mode (io_uring_task_work_run), deferred to the ring's owner with
DEFER_TASKRUN (io_uring_local_work_run).  A small run traced shows all of it
(docs/tracing.md):

    simuring run workloads/pipe_pingpong.py -p messages=5 --trace-out pp.perfetto.json
    simuring run workloads/pipe_pingpong.py -p setup_flags=SINGLE_ISSUER,DEFER_TASKRUN
    python workloads/pipe_pingpong.py

Reported: window_ns (ns per window of window_messages round trips),
window_messages, messages_sent (round trips), sender_ns_per_msg (ns per
round trip, seen by ping).
"""

from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_write,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep, pipe
from simuring.workloads.params import check_call, check_positive
from simuring.workloads.standalone import run_standalone
from simuring.workloads.windows import Windows

TOKEN = b"pingpong"
WRITE_DATA, READ_DATA = 1, 2


def _open(p):
    ring = Ring()
    ret = yield from io_uring_queue_init(p["entries"], ring, p["flags"])
    check_call(ret, "io_uring_queue_init", entries=p["entries"], setup_flags=p["setup_flags"])
    return ring


def _round(ring, cqe, wfd, rfd, buf, write, read):
    """Submit the WRITE and/or the READ together and reap their completions."""
    want = 0
    if write:
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_write(sqe, wfd, TOKEN, len(TOKEN), 0)
        io_uring_sqe_set_data64(sqe, WRITE_DATA)
        want += 1
    if read:
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, rfd, buf, len(buf), 0)
        io_uring_sqe_set_data64(sqe, READ_DATA)
        want += 1
    ret = yield from io_uring_submit_and_wait(ring, want)
    if ret < 0:
        raise RuntimeError(f"io_uring_submit_and_wait failed: {ret}")
    for _ in range(want):
        ret = yield from io_uring_wait_cqe(ring, cqe)
        if ret < 0:
            raise RuntimeError(f"io_uring_wait_cqe failed: {ret}")
        if cqe[0].res != len(TOKEN):
            raise RuntimeError(f"{'WRITE' if cqe[0].user_data == WRITE_DATA else 'READ'} completed with {cqe[0].res}")
        io_uring_cqe_seen(ring, cqe[0])


def _ping(sim, fds, p):
    ring, cqe, buf = (yield from _open(p)), Cqe(), bytearray(len(TOKEN))
    win = Windows(sim, p["window"])
    for _ in range(p["messages"]):
        yield from _round(ring, cqe, fds["ping"][1], fds["pong"][0], buf, True, True)
        win.tick()
    win.finish()
    yield from io_uring_queue_exit(ring)


def _pong(fds, p):
    ring, cqe, buf = (yield from _open(p)), Cqe(), bytearray(len(TOKEN))
    while "ping" not in fds:  # start-up: ping creates the pipes
        yield from nanosleep(1000)
    yield from _round(ring, cqe, 0, fds["ping"][0], buf, False, True)  # the first token
    for i in range(p["messages"]):
        last = i == p["messages"] - 1
        yield from _round(ring, cqe, fds["pong"][1], fds["ping"][0], buf, True, not last)
    yield from io_uring_queue_exit(ring)


def _pipes(fds):
    for name in ("pong", "ping"):  # pong's first: ping's existence says both are there
        pair = []
        ret = yield from pipe(pair)
        check_call(ret, "pipe")
        fds[name] = pair


def workload(sim, setup_flags="0", messages=2000, window=10, entries=8):
    """Bounce an 8-byte token through two pipes ``messages`` times.

    Args:
        setup_flags: the IORING_SETUP_* flags of both rings, names joined by
            '|' or ','; "0" for none.
        messages: round trips (ping to pong and back).
        window: round trips per entry of window_ns.
        entries: each ring's SQ size.
    """
    check_positive(messages=messages, window=window, entries=entries)
    p = {"flags": parse_setup_flags(setup_flags), "setup_flags": setup_flags, "messages": messages, "window": window, "entries": entries}
    sim.params.update(mechanism="io_uring_pipe", setup_flags=setup_flags, messages=messages, window=window, entries=entries)
    fds = {}
    other = 1 if sim.costs.host.cpus > 1 else 0

    def ping_main():
        yield from _pipes(fds)
        yield from _ping(sim, fds, p)

    ping = sim.spawn(ping_main, name="ping", cpu=0)
    sim.spawn(_pong, fds, p, name="pong", cpu=other, process=ping.process)  # threads: one fd table


if __name__ == "__main__":
    run_standalone(workload)
