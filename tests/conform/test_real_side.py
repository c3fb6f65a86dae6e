"""The real-kernel side (ctypes over io_uring_setup/enter/register), when io_uring is available here."""

from __future__ import annotations

import ctypes
import struct

import pytest

from simuring.conform import run
from simuring.conform.compare import expectation_difference
from simuring.conform.real import DISABLE_ENV, availability
from simuring.conform.real.abi import SQE_SIZE
from simuring.conform.real.memory import Pins
from simuring.conform.real.sqe import RealSqe
from simuring.conform.registry import all_scenarios
from simuring.conform.watchdog import watchdog
from simuring.uapi import Sqe, Timespec

AVAILABLE, WHY = availability()
needs_kernel = pytest.mark.skipif(not AVAILABLE, reason=f"io_uring is not available: {WHY}")
SCENARIOS = all_scenarios()


def _sqe_names() -> set[str]:
    names = {a.name for a in Sqe.__attrs_attrs__}
    names |= {n for n, v in vars(Sqe).items() if isinstance(v, property)}
    return names


def test_real_sqe_has_every_field_name_of_simurings_sqe() -> None:
    missing = sorted(n for n in _sqe_names() if not hasattr(RealSqe, n))
    assert not missing


def test_real_sqe_writes_the_c_layout() -> None:
    mem = ctypes.create_string_buffer(SQE_SIZE)
    pins = Pins()
    sqe = RealSqe(ctypes.addressof(mem), pins)
    sqe.opcode, sqe.flags, sqe.ioprio, sqe.fd = 22, 0x44, 3, -1
    sqe.off, sqe.len, sqe.user_data = 2**40, 16, 2**64 - 1
    sqe.timeout_flags = 0x20
    sqe.buf_group, sqe.personality, sqe.splice_fd_in, sqe.addr3 = 7, 9, -2, 5
    fields = struct.unpack_from("<BBHiQQIIQHHiQ", mem.raw)
    assert fields == (22, 0x44, 3, -1, 2**40, 0, 16, 0x20, 2**64 - 1, 7, 9, -2, 5)
    assert (sqe.fd, sqe.op_flags, sqe.buf_index, sqe.file_index) == (-1, 0x20, 7, 2**32 - 2)
    sqe.poll_events = 0x1_0001
    assert sqe.op_flags == 0x0001
    ts = Timespec(1, 2)
    sqe.addr = ts
    assert sqe.addr is ts
    addr = struct.unpack_from("<Q", mem.raw, 16)[0]
    assert struct.unpack("<qq", ctypes.string_at(addr, 16)) == (1, 2)
    buf = bytearray(b"abc")
    sqe.addr = buf
    assert ctypes.string_at(struct.unpack_from("<Q", mem.raw, 16)[0], 3) == b"abc"
    sqe.clear()
    assert mem.raw == bytes(SQE_SIZE) and sqe.addr == 0


def test_unavailable_kernel_compares_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_ENV, "1")
    report = run("nop-user-data")
    assert report.mode == "unavailable" and not report.results and not report.failed
    assert "nothing compared" in report.summary()


@needs_kernel
@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: s.name)
def test_real_side_runs_and_meets_the_expectations(sc) -> None:
    from simuring.conform.real.backend import run_real

    with watchdog(10):
        observations, error = run_real(sc)
    assert error is None, f"{sc.name}: {error}"
    diff = expectation_difference(dict(sc.expect), observations)
    assert diff is None, f"{sc.name}: the kernel contradicts the scenario's expectation: {diff.describe()}"


@needs_kernel
def test_a_conforming_scenario_compares_same() -> None:
    report = run("nop-user-data")
    assert report.mode == "compare"
    assert [r.status for r in report.results] == ["same"]
    real = report.results[0].real
    assert real is not None and [o.value for o in real if o.kind == "cqe"] == [
        [0, 0, 0],
        [1, 0, 0],
        [1 << 63, 0, 0],
        [(1 << 64) - 1, 0, 0],
    ]
