"""IORING_REGISTER_SYNC_CANCEL (opcodes/cancel.py: ``sync_cancel``)."""

from __future__ import annotations

from typing import Any

import pytest

from simuring import Simulation
from simuring.abi.errno import EFAULT, EINVAL, ERESTARTSYS, ETIME
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_splice,
    io_uring_queue_init,
    io_uring_register,
    io_uring_register_sync_cancel,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import nanosleep, pipe
from simuring.syscalls import open as sys_open
from simuring.uapi import IORING_REGISTER_SYNC_CANCEL, SyncCancelReg, Timespec
from tests.helpers.ring import reap_flags


def _run(body: Any) -> dict[str, Any]:
    sim = Simulation(seed=1)
    create_file(sim.kernel, "/cold", bytes(4096))  # not in the page cache: a read waits for the device
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        yield from body(ring, out)

    sim.spawn(main, name="t0", cpu=0)
    sim.run()
    return out


def _cold_read(ring: Ring, user_data: int) -> Any:
    fd = yield from sys_open("/cold", 0)
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_read(sqe, fd, bytearray(4096), 4096, 0)
    io_uring_sqe_set_data64(sqe, user_data)
    yield from io_uring_submit(ring)


def test_a_running_request_that_ignores_the_signal_times_out_then_is_waited_for() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        yield from _cold_read(ring, 1)  # punted to io-wq, where it sleeps on the device read
        yield from nanosleep(20_000)  # the worker has taken it: it is running
        out["zero"] = yield from io_uring_register_sync_cancel(ring, SyncCancelReg(addr=1, timeout=Timespec(0, 0)))
        out["wait"] = yield from io_uring_register_sync_cancel(ring, SyncCancelReg(addr=1))  # no limit
        out["cqes"] = yield from reap_flags(ring, 1)

    out = _run(body)
    assert out["zero"] == -ETIME
    assert out["wait"] == 0  # woken by the read's own CQE, then nothing is left to cancel
    assert out["cqes"] == [(1, 4096, 0)]


def test_a_worker_blocked_in_splice_is_interrupted_with_erestartsys() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_splice(sqe, a[0], -1, b[1], -1, 16, 0)
        io_uring_sqe_set_data64(sqe, 3)
        yield from io_uring_submit(ring)
        yield from nanosleep(1_000_000)
        out["ret"] = yield from io_uring_register_sync_cancel(ring, SyncCancelReg(addr=3))
        out["cqes"] = yield from reap_flags(ring, 1)

    out = _run(body)
    assert out == {"ret": 0, "cqes": [(3, -ERESTARTSYS, 0)]}


@pytest.mark.parametrize(
    ("arg", "nr", "res"),
    [
        (SyncCancelReg(addr=1), 0, -EINVAL),
        ("x", 1, -EFAULT),
        (SyncCancelReg(addr="x"), 1, -EFAULT),  # not an integer where the C field is one
        (SyncCancelReg(timeout=None), 1, -EFAULT),  # type: ignore[arg-type]
        (SyncCancelReg(pad=[0]), 1, -EFAULT),  # too short to be read
        (SyncCancelReg(opcode=0x1FF, flags=1 << 6), 1, -EINVAL),
    ],
)
def test_bad_arguments_are_errnos(arg: Any, nr: int, res: int) -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        out["ret"] = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, arg, nr)

    assert _run(body)["ret"] == res
