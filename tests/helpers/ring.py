"""SQE and CQE helpers for tests that drive rings through liburing."""

from __future__ import annotations

import itertools
from typing import Any

from simuring.engine.sim import current_simulation as current_sim
from simuring.host.current import current_task
from simuring.kernel.ctx import RingCtx
from simuring.kernel.enter import ring_of
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_cancel64,
    io_uring_prep_nop,
    io_uring_prep_timeout,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.uapi import Sqe, Timespec

MS = 1_000_000


# -- reaping ----------------------------------------------------------------------------
def reap(ring, n):
    """Wait for ``n`` completions; returns [(user_data, res)] in CQ order."""
    out = []
    cqe = Cqe()
    for _ in range(n):
        ret = yield from io_uring_wait_cqe(ring, cqe)
        assert ret == 0
        out.append((cqe[0].user_data, cqe[0].res))
        io_uring_cqe_seen(ring, cqe[0])
    return out


def reap_flags(ring: Ring, n: int) -> Any:
    """Wait for ``n`` CQEs; a list of (user_data, res, flags)."""
    cqe = Cqe()
    out = []
    for _ in range(n):
        ret = yield from io_uring_wait_cqe(ring, cqe)
        assert ret == 0
        c = cqe[0]
        out.append((c.user_data, c.res, c.flags))
        io_uring_cqe_seen(ring, c)
    return out


def drain(ring):
    """The CQEs already in the CQ ring (no kernel entry): [(user_data, res)]."""
    out, cqe = [], Cqe()
    while io_uring_peek_cqe(ring, cqe) == 0:
        out.append((cqe[0].user_data, cqe[0].res))
        io_uring_cqe_seen(ring, cqe[0])
    return out


def drain_flags(ring: Ring) -> list[tuple[int, int, int]]:
    """The CQEs already in the CQ ring (no kernel entry): [(user_data, res, flags)]."""
    cqe = Cqe()
    got = []
    while io_uring_peek_cqe(ring, cqe) == 0:
        c = cqe[0]
        got.append((c.user_data, c.res, c.flags))
        io_uring_cqe_seen(ring, c)
    return got


# -- preparing SQEs ---------------------------------------------------------------------
def prep(ring: Ring, fn: Any, *args: Any, user_data: int = 0, flags: int = 0) -> Sqe:
    """Get an SQE, prepare it with ``fn(sqe, *args)``, set its user_data and flags."""
    sqe = io_uring_get_sqe(ring)
    assert sqe is not None
    fn(sqe, *args)
    io_uring_sqe_set_data64(sqe, user_data)
    io_uring_sqe_set_flags(sqe, flags)
    return sqe


def submit_one(ring: Ring, fn: Any, *args: Any, user_data: int) -> Any:
    """Prepare one SQE with ``fn(sqe, *args)`` and submit it."""
    sqe = io_uring_get_sqe(ring)
    assert sqe is not None
    fn(sqe, *args)
    io_uring_sqe_set_data64(sqe, user_data)
    return (yield from io_uring_submit(ring))


def odd_fields(ring: Ring, fill: Any, fields: Any, values: Any) -> Any:
    """For each (field, value): an SQE prepared by ``fill(sqe)`` with user_data 1, that ``field`` set
    to ``value`` (skipped when the SQE refuses the type), submitted and reaped; the CQE lists, one per
    request (a prep or issue that raised would end the test instead)."""
    results = []
    for field, value in itertools.product(fields, values):
        sqe = io_uring_get_sqe(ring)
        fill(sqe)
        io_uring_sqe_set_data64(sqe, 1)
        try:
            setattr(sqe, field, value)
        except TypeError:
            continue
        yield from io_uring_submit(ring)
        results.append((yield from reap(ring, 1)))
    return results


def nop(ring, ud, flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_nop(sqe)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, flags)
    return sqe


def timeout(ring, ud, ns, count=0, flags=0, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_timeout(sqe, Timespec(ns // 1_000_000_000, ns % 1_000_000_000), count, flags)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def cancel(ring, ud, target, flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_cancel64(sqe, target, flags)
    io_uring_sqe_set_data64(sqe, ud)
    return sqe


# -- running ----------------------------------------------------------------------------
def run(runner, body, setup_flags=0, entries=16):
    """One task sets up a ring and runs ``body(ring)``; {"t0", "cqes": its value, "t1"}."""
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(entries, ring, setup_flags)) == 0
        sim = current_sim()
        out["t0"] = sim.now
        out["cqes"] = yield from body(ring)
        out["t1"] = sim.now

    runner.spawn(task)
    runner.run()
    return out


def ring_ctx(ring: Ring) -> RingCtx:
    """The kernel's RingCtx behind a liburing Ring of the running task (white-box tests)."""
    ctx = ring_of(current_task(), ring.ring_fd)
    assert not isinstance(ctx, int), f"not a ring fd: {ring.ring_fd}"
    return ctx
