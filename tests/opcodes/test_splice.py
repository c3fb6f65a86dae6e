"""SPLICE and TEE (io_uring/splice.c, fs/splice.c) between pipes: io-wq, offsets, flags, slots."""

from __future__ import annotations

from typing import Any

from simuring.abi.errno import EAGAIN, EBADF, EINVAL, ESPIPE
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_prep_splice,
    io_uring_prep_tee,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.syscalls import (
    AF_UNIX,
    O_CREAT,
    O_RDWR,
    SOCK_STREAM,
    nanosleep,
    open,
    pipe,
    read,
    socketpair,
    write,
)
from tests.helpers.procs import run_pair, run_threads
from tests.helpers.ring import prep, reap_flags

SPLICE_F_NONBLOCK = 0x02
PAGE = 4096


def test_splice_moves_and_tee_duplicates() -> None:
    def main(out: dict[str, Any]) -> Any:
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        yield from write(a[1], b"abcdef", 6)
        prep(ring, io_uring_prep_tee, a[0], b[1], 100, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["tee"] = yield from reap_flags(ring, 1)
        prep(ring, io_uring_prep_splice, a[0], -1, b[1], -1, 4, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["splice"] = yield from reap_flags(ring, 1)
        buf = bytearray(64)
        n = yield from read(b[0], buf, 64)
        out["b"] = bytes(buf[:n])
        n = yield from read(a[0], buf, 64)
        out["a"] = bytes(buf[:n])
        yield from io_uring_queue_exit(ring)

    out = run_threads(main)
    assert out["tee"] == [(1, 6, 0)]
    assert out["splice"] == [(2, 4, 0)]
    assert out["b"] == b"abcdefabcd"
    assert out["a"] == b"ef"


def test_errors() -> None:
    def main(out: dict[str, Any]) -> Any:
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        res = []
        for args in (
            (a[0], 0, b[1], -1, 1, 0),
            (a[0], -1, a[1], -1, 1, 0),
            (999, -1, b[1], -1, 0, 0),
            (a[1], -1, b[1], -1, 1, 0),
            (a[0], -1, b[1], -1, 1, 1 << 4),
            (a[0], -1, b[1], -1, 1, SPLICE_F_NONBLOCK),
            (a[0], -1, b[1], -1, 0, 0),
        ):
            prep(ring, io_uring_prep_splice, *args, user_data=len(res))
            yield from io_uring_submit(ring)
            res += [r for _, r, _ in (yield from reap_flags(ring, 1))]
        out["res"] = res
        yield from io_uring_queue_exit(ring)

    out = run_threads(main)
    assert out["res"] == [-ESPIPE, -EINVAL, -EBADF, -EBADF, -EINVAL, -EAGAIN, 0]


def test_blocking_splice_waits_in_iowq_for_data() -> None:
    def main(out: dict[str, Any]) -> Any:
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        out["a"] = a
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_splice, a[0], -1, b[1], -1, 64, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["ready"] = io_uring_cq_ready(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        out["t_done"] = out["sim"].now
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(50_000)
        out["t_write"] = out["sim"].now
        yield from write(out["a"][1], b"hello", 5)

    sim, out = run_pair(main, helper)
    assert out["ready"] == 0
    assert out["cqes"] == [(1, 5, 0)]
    assert out["t_done"] > out["t_write"]
    assert sim.kernel.iowqs.get(sim.tasks[0].tid) is not None  # REQ_F_FORCE_ASYNC


def test_nearly_full_output_takes_one_buffer_per_free_slot() -> None:
    def main(out: dict[str, Any]) -> Any:
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        for _ in range(4):
            yield from write(a[1], bytes(PAGE), PAGE)
        for _ in range(14):
            yield from write(b[1], bytes(PAGE), PAGE)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_splice, a[0], -1, b[1], -1, 4 * PAGE, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run_threads(main)
    assert out["cqes"] == [(1, 2 * PAGE, 0)]


def test_pipe_to_file_and_back() -> None:
    def main(out: dict[str, Any]) -> Any:
        a: list[int] = []
        yield from pipe(a)
        fd = yield from open("/splice-f", O_CREAT | O_RDWR, 0o644)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        yield from write(a[1], b"hello", 5)
        prep(ring, io_uring_prep_splice, a[0], -1, fd, -1, 64, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["to_file"] = yield from reap_flags(ring, 1)
        prep(ring, io_uring_prep_splice, fd, 1, a[1], -1, 64, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["to_pipe"] = yield from reap_flags(ring, 1)
        buf = bytearray(16)
        n = yield from read(a[0], buf, 16)
        out["data"] = bytes(buf[:n])
        yield from io_uring_queue_exit(ring)

    out = run_threads(main)
    assert out["to_file"] == [(1, 5, 0)]
    assert out["to_pipe"] == [(2, 4, 0)]
    assert out["data"] == b"ello"


def test_an_offset_on_the_pipe_side_is_espipe_whatever_the_other_end() -> None:
    """``do_splice`` with one end a pipe: an offset on the pipe's side is -ESPIPE before anything
    about the other end (a socket here, whose transfer is not modelled); one on the socket's side
    is -EINVAL (no FMODE_PREAD / FMODE_PWRITE)."""

    def main(out: dict[str, Any]) -> Any:
        p: list[int] = []
        sv: list[int] = []
        yield from pipe(p)
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        for ud, args in enumerate(((sv[0], -1, p[1], 0), (p[0], 0, sv[1], -1), (sv[0], 0, p[1], -1)), 1):
            prep(ring, io_uring_prep_splice, *args, 4, 0, user_data=ud)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 3)))
        yield from io_uring_queue_exit(ring)

    out = run_threads(main)
    assert out["cqes"] == [(1, -ESPIPE, 0), (2, -ESPIPE, 0), (3, -EINVAL, 0)]
