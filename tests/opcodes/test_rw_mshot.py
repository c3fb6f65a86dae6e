"""IORING_OP_READ_MULTISHOT (opcodes/rw_mshot.py)."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import EAGAIN, EBADFD, ECANCELED, EINVAL, ENOBUFS
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_read_multishot,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import O_CREAT, O_RDWR, close, pipe, write
from simuring.syscalls import open as sys_open
from simuring.uapi import IORING_CQE_F_MORE, IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER
from tests.helpers.procs import run_threads
from tests.helpers.ring import reap_flags
from tests.opcodes.test_kbuf import buf_flags, provide

MORE = IORING_CQE_F_MORE


def run(body: Any, entries: int = 16, flags: int = 0) -> dict[str, Any]:
    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(entries, ring, flags)) == 0
        yield from body(ring, out)
        yield from io_uring_queue_exit(ring)

    return run_threads(main)


def mshot(ring: Ring, fd: int, bgid: int, user_data: int, **fields: Any) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_read_multishot(sqe, fd, 0, 0, bgid)
    io_uring_sqe_set_data64(sqe, user_data)
    for name, value in fields.items():
        setattr(sqe, name, value)
    return sqe


def test_reads_each_write_into_the_next_buffer_until_eof() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        mem = bytearray(4 * 4)
        provide(ring, mem, 4, 4, 1, 0, 1)
        mshot(ring, fds[0], 1, 2)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"abcdef", 6)
        yield from close(fds[1])
        out["cqes"] = yield from reap_flags(ring, 4)
        out["mem"] = bytes(mem)

    out = run(body)
    assert out["cqes"] == [(1, 0, 0), (2, 4, buf_flags(0) | MORE), (2, 2, buf_flags(1) | MORE), (2, 0, 0)]
    assert out["mem"][:6] == b"abcdef"


def test_ends_with_enobufs_when_the_group_runs_dry() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(4), 2, 2, 1, 0, 1)
        yield from write(fds[1], b"abcdef", 6)
        mshot(ring, fds[0], 1, 2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 4)

    cqes = run(body)["cqes"]
    assert cqes[1:] == [(2, 2, buf_flags(0) | MORE), (2, 2, buf_flags(1) | MORE), (2, -ENOBUFS, 0)]


@pytest.mark.parametrize(
    ("field", "value", "res"),
    [
        ("flags", 0, -EINVAL),  # no IOSQE_BUFFER_SELECT
        ("addr", bytearray(4), -EINVAL),
        ("len", 4, -EINVAL),
        ("len", "x", -EINVAL),
        ("addr", object(), -EINVAL),
        ("off", "x", -EINVAL),
        ("buf_group", None, -EINVAL),
        ("op_flags", 3.5, -EINVAL),
    ],
)
def test_prep_refuses_and_never_raises(field: str, value: Any, res: int) -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(8), 8, 1, 1, 0, 1)
        mshot(ring, fds[0], 1, 2, **{field: value})
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)

    assert run(body)["cqes"][1] == (2, res, 0)


def test_regular_file_is_ebadfd_and_nowait_ends_with_eagain() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        fd = yield from sys_open("/mshot-file", O_CREAT | O_RDWR, 0o644)
        provide(ring, bytearray(16), 8, 2, 1, 0, 1)
        mshot(ring, fd, 1, 2)
        mshot(ring, fds[0], 1, 3, rw_flags=0x08)  # RWF_NOWAIT, nothing in the pipe
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 3)

    assert run(body)["cqes"][1:] == [(2, -EBADFD, 0), (3, -EAGAIN, 0)]


def test_full_cq_ends_the_request_with_its_last_read() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(40), 2, 20, 1, 0, 1)
        yield from write(fds[1], b"x" * 40, 40)
        mshot(ring, fds[0], 1, 2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 9)

    cqes = run(body, entries=4)["cqes"]  # a CQ of 8, the first slot taken by PROVIDE_BUFFERS' CQE
    assert [c[2] & MORE for c in cqes[1:8]] == [MORE] * 7
    assert cqes[-1] == (2, 2, buf_flags(7))  # the eighth read: no room for F_MORE, it ends


def test_defer_taskrun_posts_the_first_read_at_submission_and_cancel_ends_it() -> None:
    def body(ring: Ring, out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        provide(ring, bytearray(16), 4, 4, 1, 0, 1)
        yield from io_uring_submit(ring)
        yield from reap_flags(ring, 1)
        yield from write(fds[1], b"abcdefgh", 8)
        mshot(ring, fds[0], 1, 2)
        yield from io_uring_submit(ring)
        out["ready"] = io_uring_cq_ready(ring)
        out["reads"] = yield from reap_flags(ring, 2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 2, 0)
        io_uring_sqe_set_data64(sqe, 3)
        yield from io_uring_submit(ring)
        out["end"] = sorted((yield from reap_flags(ring, 2)))

    out = run(body, flags=IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    assert out["ready"] == 1
    assert out["reads"] == [(2, 4, buf_flags(0) | MORE), (2, 4, buf_flags(1) | MORE)]
    assert out["end"] == [(2, -ECANCELED, 0), (3, 0, 0)]
