"""SEND and RECV (io_uring/net.c) on AF_UNIX stream sockets: prep checks, poll-armed retry, MSG_* flags."""

from __future__ import annotations

from typing import Any

from simuring.abi.errno import EAGAIN, EBADF, ECANCELED, EINVAL, ENOTSOCK, EPIPE
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_prep_cancel64,
    io_uring_prep_nop,
    io_uring_prep_recv,
    io_uring_prep_send,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.syscalls import (
    AF_UNIX,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    close,
    nanosleep,
    pipe,
    recv,
    send,
    socketpair,
)
from simuring.uapi import (
    IORING_CQE_F_SOCK_NONEMPTY,
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_POLL_FIRST,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
)
from tests.helpers.procs import run_pair, run_threads
from tests.helpers.ring import prep, reap_flags

MSG_DONTWAIT = 0x40
MSG_WAITALL = 0x100


def _one(body: Any) -> dict[str, Any]:
    return run_threads(body)


def test_send_then_recv_moves_the_bytes() -> None:
    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_send, sv[0], b"hello", 5, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["send"] = yield from reap_flags(ring, 1)
        buf = bytearray(3)
        prep(ring, io_uring_prep_recv, sv[1], buf, 3, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["recv"] = yield from reap_flags(ring, 1)
        out["data"] = bytes(buf)
        yield from io_uring_queue_exit(ring)

    out = _one(main)
    assert out["send"] == [(1, 5, 0)]
    assert out["recv"] == [(2, 3, IORING_CQE_F_SOCK_NONEMPTY)]  # 2 bytes still queued
    assert out["data"] == b"hel"


def test_recv_on_empty_socket_polls_and_completes_on_send() -> None:
    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        out["sv"] = sv
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        buf = bytearray(8)
        prep(ring, io_uring_prep_recv, sv[1], buf, 8, 0, user_data=7)
        yield from io_uring_submit(ring)
        out["ready"] = io_uring_cq_ready(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        out["data"] = bytes(buf[:3])
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        yield from nanosleep(30_000)
        assert (yield from send(out["sv"][0], b"abc", 3, 0)) == 3

    sim, out = run_pair(main, helper)
    assert out["ready"] == 0
    assert out["cqes"] == [(7, 3, 0)]
    assert out["data"] == b"abc"
    assert sim.kernel.iowqs.get(sim.tasks[0].tid) is None  # fast poll, no io-wq


def test_recv_waitall_gathers_several_sends() -> None:
    for sqe_flags in (0, IOSQE_ASYNC):

        def main(out: dict[str, Any], sqe_flags: int = sqe_flags) -> Any:
            sv: list[int] = []
            yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
            out["sv"] = sv
            ring = Ring()
            yield from io_uring_queue_init(8, ring, 0)
            buf = bytearray(4)
            prep(ring, io_uring_prep_recv, sv[1], buf, 4, MSG_WAITALL, user_data=1, flags=sqe_flags)
            yield from io_uring_submit(ring)
            out["cqes"] = yield from reap_flags(ring, 1)
            out["data"] = bytes(buf)
            yield from io_uring_queue_exit(ring)

        def helper(out: dict[str, Any]) -> Any:
            for m in (b"ab", b"cd"):
                yield from nanosleep(20_000)
                yield from send(out["sv"][0], m, 2, 0)

        _, out = run_pair(main, helper)
        assert out["cqes"] == [(1, 4, 0)]
        assert out["data"] == b"abcd"


def test_dontwait_is_eagain_and_fails_the_link() -> None:
    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_recv, sv[1], bytearray(4), 4, MSG_DONTWAIT, user_data=1, flags=IOSQE_IO_LINK)
        prep(ring, io_uring_prep_send, sv[0], b"x", 1, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    out = _one(main)
    assert out["cqes"] == [(1, -EAGAIN, 0), (2, -125, 0)]  # -ECANCELED


def test_errors_not_a_socket_bad_fd_closed_peer_and_prep() -> None:
    def main(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        errs = []
        for ud in range(1, 6):
            if ud == 1:
                prep(ring, io_uring_prep_send, fds[1], b"x", 1, 0, user_data=1)
            elif ud == 2:
                prep(ring, io_uring_prep_recv, fds[0], bytearray(1), 1, 0, user_data=2)
            elif ud == 3:
                prep(ring, io_uring_prep_send, 999, b"x", 1, 0, user_data=3)
            elif ud == 4:
                sqe = prep(ring, io_uring_prep_recv, sv[0], bytearray(1), 1, 0, user_data=4)
                sqe.ioprio = IORING_RECV_MULTISHOT
            else:
                sqe = prep(ring, io_uring_prep_recv, sv[0], bytearray(1), 1, 0, user_data=5)
                sqe.addr2 = 1
            yield from io_uring_submit(ring)
            errs += yield from reap_flags(ring, 1)
        out["errs"] = errs
        yield from close(sv[1])
        prep(ring, io_uring_prep_send, sv[0], b"x", 1, 0, user_data=6)
        prep(ring, io_uring_prep_recv, sv[0], bytearray(1), 1, 0, user_data=7)
        yield from io_uring_submit(ring)
        out["closed"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    out = _one(main)
    assert out["errs"] == [(1, -ENOTSOCK, 0), (2, -ENOTSOCK, 0), (3, -EBADF, 0), (4, -EINVAL, 0), (5, -EINVAL, 0)]
    assert out["closed"] == [(6, -EPIPE, 0), (7, 0, 0)]


def test_poll_first_waits_even_with_data_queued_then_completes() -> None:
    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        yield from send(sv[0], b"abc", 3, 0)
        sqe = prep(ring, io_uring_prep_recv, sv[1], bytearray(8), 8, 0, user_data=1)
        sqe.ioprio = IORING_RECVSEND_POLL_FIRST
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = _one(main)
    assert out["cqes"] == [(1, 3, 0)]


def test_short_send_when_the_buffer_fills_then_waitall_send_completes() -> None:
    big = bytes(1 << 20)

    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        out["sv"] = sv
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_send, sv[0], big, 1 << 20, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["short"] = yield from reap_flags(ring, 1)
        prep(ring, io_uring_prep_send, sv[0], big, 1 << 20, MSG_WAITALL, user_data=2)
        yield from io_uring_submit(ring)
        out["full"] = yield from reap_flags(ring, 1)
        out["done"] = True
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        sink = bytearray(1 << 20)
        while not out.get("done"):
            yield from nanosleep(10_000)
            yield from recv(out["sv"][1], sink, 1 << 20, MSG_DONTWAIT)

    _, out = run_pair(main, helper)
    ((ud, res, _fl),) = out["short"]
    assert ud == 1 and 0 < res < 1 << 20
    assert out["full"] == [(2, 1 << 20, 0)]
    assert out["done"]


def _waitall_linked(kind: int, messages: tuple[bytes, ...], sqe_flags: int, cancel: bool) -> dict[str, Any]:
    """A RECV with MSG_WAITALL of 64 on a pair of ``kind`` holding ``messages``, linked to a NOP (and,
    if ``cancel``, an ASYNC_CANCEL of it submitted after): the CQEs and what is left queued."""

    def main(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, kind, 0, sv)
        for m in messages:
            yield from send(sv[0], m, len(m), 0)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_recv, sv[1], bytearray(64), 64, MSG_WAITALL, user_data=1, flags=sqe_flags | IOSQE_IO_LINK)
        prep(ring, io_uring_prep_nop, user_data=2)
        yield from io_uring_submit(ring)
        if cancel:
            prep(ring, io_uring_prep_cancel64, 1, 0, user_data=3)
            yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 3 if cancel else 2)
        out["left"] = yield from recv(sv[1], bytearray(64), 64, MSG_DONTWAIT)
        yield from io_uring_queue_exit(ring)

    return _one(main)


def test_seqpacket_waitall_in_iowq_ends_after_the_blocking_retry() -> None:
    """io-wq's non-blocking try takes one message (short: -EAGAIN), its poll is ready, the blocking
    retry takes the next (short again) and ``io_wq_submit_work`` fails the request with that -EAGAIN:
    the two messages' bytes (``io_sendrecv_fail``), the link broken, the third message left."""
    out = _waitall_linked(SOCK_SEQPACKET, (b"a" * 9, b"b" * 16, b"c" * 5), IOSQE_ASYNC, cancel=False)
    assert out["cqes"] == [(1, 25, 0), (2, -ECANCELED, 0)]
    assert out["left"] == 5


def test_cancelled_waitall_recv_keeps_its_bytes_and_fails_its_link() -> None:
    """A MSG_WAITALL RECV waiting on its poll for the rest, cancelled: it completes with the bytes it
    has, and its link fails (``io_req_defer_failed``'s ``req_set_fail``)."""
    out = _waitall_linked(SOCK_STREAM, (b"a" * 9,), 0, cancel=True)
    assert out["cqes"] == [(3, 0, 0), (1, 9, 0), (2, -ECANCELED, 0)]
