"""A small self-contained workload for sweeps: NOP round trips, a helper task, a parameter the kernel may refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

WORKLOAD = '''
from simuring import ParamError
from simuring.liburing import *
from simuring.setupflags import parse_setup_flags


def looper(sim, ops, entries, flags, pause_ns):
    ring, cqe = Ring(), Cqe()
    ret = yield from io_uring_queue_init(entries, ring, flags)
    if ret < 0:
        raise ParamError({"entries": entries}, "io_uring_queue_init", ret)
    start = sim.now
    for i in range(ops):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        yield from io_uring_submit_and_wait(ring, 1)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
        yield from compute_ns(sim, pause_ns)
    sim.report("ns_per_op", (sim.now - start) / ops)
    sim.report("series", [1, 2, 3])
    yield from io_uring_queue_exit(ring)


def compute_ns(sim, ns):
    from simuring import compute
    yield from compute(ns)


def summary(sim):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(4, ring, 0)
    for _ in range(50):  # a helper's completions must not count as the benchmark's
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        yield from io_uring_submit_and_wait(ring, 1)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
    yield from io_uring_queue_exit(ring)


def workload(sim, ops=40, entries=8, flags="0", pause_ns=0, tasks=1):
    for t in range(tasks):
        sim.spawn(looper, sim, ops, entries, parse_setup_flags(flags), pause_ns, name=f"loop{t}", cpu=t)
    sim.spawn(summary, sim, name="summary", helper=True)
'''


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "loop.py"
    path.write_text(WORKLOAD, encoding="utf-8")
    return path
