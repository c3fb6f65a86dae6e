"""Simulator speed: a two-task pipe ping-pong through io_uring READ/WRITE.

Two tasks (two processes sharing two pipes, as after fork) bounce an 8-byte
token: each round trip is, on each side, one io_uring submission of a READ
(which parks on the empty pipe through fast poll and completes from the
peer's WRITE) and one WRITE.  ``pipe_pingpong(n)`` runs ``n`` round trips;
``pipe_pingpong_per_s()`` measures wall-clock round trips per second, to be
compared with a bare SimPy ping-pong (``benchmarks/sim_speed.py``:
``pipe_ratio`` = this / ``simpy_pingpong_per_s``, target >= 0.4).

    python benchmarks/pipe_pingpong.py [n]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def pipe_pingpong(n: int) -> Any:
    """Run ``n`` round trips of an 8-byte token between two tasks; returns the SimResult."""
    from simuring import Simulation
    from simuring.kernel.objects.base import inherit_fd
    from simuring.liburing import (
        Cqe,
        Ring,
        io_uring_cqe_seen,
        io_uring_get_sqe,
        io_uring_prep_read,
        io_uring_prep_write,
        io_uring_queue_exit,
        io_uring_queue_init,
        io_uring_submit_and_wait,
        io_uring_wait_cqe,
    )
    from simuring.syscalls import pipe

    ping: list[int] = []
    pong: list[int] = []

    def side(rfd_list: list[int], wfd_list: list[int], first: bool):  # type: ignore[no-untyped-def]
        # each round trip is one submission per side: the WRITE of the token
        # and the READ of the answer go in together (the READ parks on the
        # empty pipe through fast poll and completes from the peer's WRITE)
        ring, cqe = Ring(), Cqe()
        yield from io_uring_queue_init(8, ring, 0)
        buf = bytearray(8)
        token = b"pingpong"
        rfd, wfd = rfd_list[0], wfd_list[0]
        if not first:
            io_uring_prep_read(io_uring_get_sqe(ring), rfd, buf, 8, 0)
            yield from io_uring_submit_and_wait(ring, 1)
            yield from io_uring_wait_cqe(ring, cqe)
            io_uring_cqe_seen(ring, cqe[0])
        for i in range(n):
            last = not first and i == n - 1
            io_uring_prep_write(io_uring_get_sqe(ring), wfd, token, 8, 0)
            if not last:
                io_uring_prep_read(io_uring_get_sqe(ring), rfd, buf, 8, 0)
            want = 1 if last else 2
            yield from io_uring_submit_and_wait(ring, want)
            for _ in range(want):
                yield from io_uring_wait_cqe(ring, cqe)
                assert cqe[0].res == 8
                io_uring_cqe_seen(ring, cqe[0])
        yield from io_uring_queue_exit(ring)

    a_r: list[int] = []
    a_w: list[int] = []
    b_r: list[int] = []
    b_w: list[int] = []

    def parent():  # type: ignore[no-untyped-def]
        yield from pipe(ping)
        yield from pipe(pong)
        child = sim.spawn(side, b_r, b_w, False, name="pong", cpu=1)
        b_r.append(inherit_fd(me.process, ping[0], child.process))
        b_w.append(inherit_fd(me.process, pong[1], child.process))
        a_r.append(pong[0])
        a_w.append(ping[1])
        yield from side(a_r, a_w, True)

    sim = Simulation(seed=1)
    me = sim.spawn(parent, name="ping", cpu=0)
    return sim.run()


def pipe_pingpong_per_s(n: int = 20_000, repeats: int = 3) -> float:
    """Wall-clock round trips per second (best of ``repeats``)."""
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        pipe_pingpong(n)
        best = max(best, n / (time.perf_counter() - t0))
    return best


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(json.dumps({"pipe_pingpong_per_s": round(pipe_pingpong_per_s(count), 1)}))
