"""SEND and RECV (io_uring_prep_send(3), io_uring_prep_recv(3)) on AF_UNIX stream socket pairs, as
liburing's send/recv tests exercise them; names prefixed ``ln-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    reap,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_POLL_FIRST,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
)

TAGS = ("liburing",)

#: recv(2) / send(2) flags (include/linux/socket.h).
MSG_OOB = 0x01
MSG_DONTWAIT = 0x40
MSG_WAITALL = 0x100
MSG_NOSIGNAL = 0x4000


def send(L: Any, ring: Any, fd: int, buf: Any, n: int, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_send(sqe, fd, buf, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def recv(L: Any, ring: Any, fd: int, buf: Any, n: int, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_recv(sqe, fd, buf, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def socketpair(L: Any, flags: int = 0) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM | flags, 0, sv)
    return sv


@scenario("ln-send-recv-basic", tags=(*TAGS, "net", "socket"))
def ln_send_recv_basic(L: Any) -> Gen:
    """A SEND of 5 bytes on one end and a RECV of up to 16 on the other: 5 and 5; the received bytes are
    read back with a second SEND/RECV pair; a zero-length SEND is 0."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    send(L, ring, sv[0], b"hello", 5, 0, 1)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    recv(L, ring, sv[1], buf, 16, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[1], bytes(buf[:5]), 5, 0)
    yield from L.recv(sv[0], bytearray(16), 16, 0)
    send(L, ring, sv[0], b"", 0, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waits-for-send", tags=(*TAGS, "net", "socket", "poll"))
def ln_recv_waits_for_send(L: Any) -> Gen:
    """A RECV on an empty socket waits (a NOP round trip completes first); a send(2) from the peer
    completes it with the bytes sent.  A RECV of 2 bytes on 5 queued gets 2; the next gets the rest."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[0], b"12345", 5, 0)
    recv(L, ring, sv[1], bytearray(2), 2, 0, 2)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-dontwait", tags=(*TAGS, "net", "socket"))
def ln_recv_dontwait(L: Any) -> Gen:
    """MSG_DONTWAIT: a RECV of an empty socket completes at once with -EAGAIN (also forced async), and
    a linked NOP after it is cancelled; with MSG_WAITALL too and 2 of 4 bytes queued it completes with 2."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 1, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring, 2)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 3, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"ab", 2, 0)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_DONTWAIT | MSG_WAITALL, 4)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waitall", tags=(*TAGS, "net", "socket", "poll"))
def ln_recv_waitall(L: Any) -> Gen:
    """MSG_WAITALL: a RECV of 6 bytes with 2 queued waits, gathering the 2, then 3 more from a second
    send(2) (still waiting: a NOP round trip completes first), and completes with 6 once the last byte
    arrives.  Another for 8 with 3 queued completes with 3 when the peer closes (EOF)."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[0], b"ab", 2, 0)
    buf = bytearray(6)
    recv(L, ring, sv[1], buf, 6, MSG_WAITALL, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"cde", 3, 0)
    yield from round_trip(L, ring, 10)
    yield from L.send(sv[0], b"fg", 2, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[1], bytes(buf), 6, 0)
    yield from L.recv(sv[0], bytearray(8), 8, 0)
    yield from L.send(sv[0], b"xyz", 3, 0)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_WAITALL, 2, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 11)
    yield from L.close(sv[0])
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waitall-async", tags=(*TAGS, "net", "socket", "iowq"))
def ln_recv_waitall_async(L: Any) -> Gen:
    """MSG_WAITALL forced async (IOSQE_ASYNC): a RECV of 4 bytes gathers two sends of 2."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_WAITALL, 1, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"ab", 2, 0)
    yield from round_trip(L, ring, 10)
    yield from L.send(sv[0], b"cd", 2, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-full-buffer", tags=(*TAGS, "net", "socket", "poll"))
def ln_send_full_buffer(L: Any) -> Gen:
    """Filling the send buffer: a 1 MiB SEND completes short with what fit; a SEND with MSG_DONTWAIT
    then is -EAGAIN; a plain SEND waits (a NOP round trip first) until recv(2) drains the peer, and a
    MSG_WAITALL SEND of 1 MiB completes with the whole MiB once the peer reads it all."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    big = bytes(1 << 20)
    send(L, ring, sv[0], big, 1 << 20, 0, 1)
    yield from submit_and_reap(L, ring)
    send(L, ring, sv[0], b"x", 1, MSG_DONTWAIT, 2)
    yield from submit_and_reap(L, ring)
    send(L, ring, sv[0], b"y", 1, 0, 3)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    sink = bytearray(1 << 20)
    yield from L.recv(sv[1], sink, 1 << 20, MSG_WAITALL | MSG_DONTWAIT)
    yield from reap(L, ring, 1)
    yield from L.recv(sv[1], sink, 1 << 20, MSG_DONTWAIT)
    send(L, ring, sv[0], big, 1 << 20, MSG_WAITALL, 4)
    yield from L.io_uring_submit(ring)
    total = 0
    for _ in range(64):
        n = yield from L.recv(sv[1], sink, 1 << 20, 0)
        if n <= 0:
            break
        total += n
        if total >= 1 << 20:
            break
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-recv-errors", tags=(*TAGS, "net", "socket", "pipe", "sqe"))
def ln_send_recv_errors(L: Any) -> Gen:
    """-ENOTSOCK for SEND and RECV on a pipe; -EBADF on a descriptor that is not open; -EPIPE for a SEND
    (MSG_NOSIGNAL implied: no SIGPIPE) and 0 for a RECV once the peer is closed; RECV with MSG_OOB and
    nothing out of band is -EINVAL."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    send(L, ring, fds[1], b"a", 1, 0, 1)
    yield from submit_and_reap(L, ring)
    recv(L, ring, fds[0], bytearray(1), 1, 0, 2)
    yield from submit_and_reap(L, ring)
    send(L, ring, 100_000, b"a", 1, 0, 3)
    yield from submit_and_reap(L, ring)
    recv(L, ring, 100_000, bytearray(1), 1, 0, 4)
    yield from submit_and_reap(L, ring)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(1), 1, MSG_OOB, 5)
    yield from submit_and_reap(L, ring)
    yield from L.close(sv[1])
    send(L, ring, sv[0], b"a", 1, 0, 6)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[0], bytearray(1), 1, 0, 7)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-recv-sqe-fields", tags=(*TAGS, "net", "socket", "sqe"))
def ln_send_recv_sqe_fields(L: Any) -> Gen:
    """Prep checks: an unknown ioprio flag bit, MULTISHOT (RECV) without a provided buffer, a non-zero ``addr2`` or ``file_index`` on RECV, a non-zero ``__pad3`` on SEND: -EINVAL each."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[1], b"zz", 2, 0)
    cases: list[tuple[bool, str, int]] = [
        (True, "ioprio", 1 << 3),
        (False, "ioprio", 1 << 3),
        (False, "ioprio", IORING_RECV_MULTISHOT),
        (False, "addr2", 8),
        (False, "file_index", 1),
        (True, "file_index", 1 << 16),
    ]
    for ud, (is_send, name, value) in enumerate(cases, 1):
        if is_send:
            sqe = send(L, ring, sv[0], b"a", 1, 0, ud)
        else:
            sqe = recv(L, ring, sv[0], bytearray(1), 1, MSG_DONTWAIT, ud)
        setattr(sqe, name, value)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-poll-first", tags=(*TAGS, "net", "socket", "poll"))
def ln_poll_first(L: Any) -> Gen:
    """IORING_RECVSEND_POLL_FIRST: a RECV with data already queued still completes (it polls first, the
    socket is ready); a SEND on a socket with room completes; a RECV on an empty socket waits for a
    send(2); with MSG_DONTWAIT it is -EAGAIN at once."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[0], b"abc", 3, 0)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, 0, 1)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    sqe = send(L, ring, sv[1], b"de", 2, 0, 2)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, 0, 3)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"f", 1, 0)
    yield from reap(L, ring, 1)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 4)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-zero-length", tags=(*TAGS, "net", "socket"))
def ln_recv_zero_length(L: Any) -> Gen:
    """A zero-length RECV waits for data like any other (a NOP round trip first), then completes with 0
    without consuming it: a RECV of 8 after it gets the whole 3 bytes."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(1), 0, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from reap(L, ring, 1)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


# --- SPLICE / TEE -------------------------------------------------------------------------

SPLICE_F_NONBLOCK = 0x02
SPLICE_F_FD_IN_FIXED = 1 << 31
PAGE = 4096


def splice(
    L: Any, ring: Any, fd_in: int, off_in: int, fd_out: int, off_out: int, n: int, flags: int, user_data: int
) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_splice(sqe, fd_in, off_in, fd_out, off_out, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def tee(L: Any, ring: Any, fd_in: int, fd_out: int, n: int, flags: int, user_data: int) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_tee(sqe, fd_in, fd_out, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("ln-splice-tee-pipes", tags=(*TAGS, "splice", "pipe"))
def ln_splice_tee_pipes(L: Any) -> Gen:
    """SPLICE of up to 100 bytes from a pipe holding 10 into another: 10, and the bytes are readable
    from the second pipe; TEE of 5 queued bytes: 5, readable from both pipes; a SPLICE of 3 of them
    moves 3 and leaves 2."""
    ring = yield from new_ring(L, 8)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    yield from L.write(a[1], b"0123456789", 10)
    splice(L, ring, a[0], -1, b[1], -1, 100, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.read(b[0], bytearray(64), 64)
    yield from L.write(a[1], b"abcde", 5)
    tee(L, ring, a[0], b[1], 100, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.read(b[0], bytearray(64), 64)
    splice(L, ring, a[0], -1, b[1], -1, 3, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.read(a[0], bytearray(64), 64)
    yield from L.read(b[0], bytearray(64), 64)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-splice-errors", tags=(*TAGS, "splice", "pipe", "sqe"))
def ln_splice_errors(L: Any) -> Gen:
    """SPLICE and TEE errors: an offset on a pipe (-ESPIPE), the same pipe on both sides (-EINVAL), two
    sockets (-EINVAL), an input descriptor that is not open (-EBADF, even with len 0), the write end as
    input (-EBADF), an unknown flag (-EINVAL), TEE with an offset (-EINVAL) or to a socket (-EINVAL),
    SPLICE_F_FD_IN_FIXED without registered files (-EBADF); len 0 between pipes is 0."""
    ring = yield from new_ring(L, 8)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    sv = yield from socketpair(L)
    yield from L.write(a[1], b"xy", 2)
    cases = [
        (False, a[0], 0, b[1], -1, 1, 0),
        (False, a[0], -1, b[1], 0, 1, 0),
        (False, a[0], -1, a[1], -1, 1, 0),
        (False, sv[0], -1, sv[1], -1, 1, 0),
        (False, 100_000, -1, b[1], -1, 1, 0),
        (False, 100_000, -1, b[1], -1, 0, 0),
        (False, a[1], -1, b[1], -1, 1, 0),
        (False, a[0], -1, b[1], -1, 1, 1 << 4),
        (False, 0, -1, b[1], -1, 1, SPLICE_F_FD_IN_FIXED),
        (False, a[0], -1, b[1], -1, 0, 0),
        (True, a[0], 0, sv[0], 0, 1, 0),
        (True, a[0], 0, a[1], 0, 1, 0),
    ]
    for ud, (is_tee, fin, off_in, fout, off_out, n, flags) in enumerate(cases, 1):
        if is_tee:
            tee(L, ring, fin, fout, n, flags, ud)
        else:
            splice(L, ring, fin, off_in, fout, off_out, n, flags, ud)
        yield from submit_and_reap(L, ring)
    sqe = tee(L, ring, a[0], b[1], 1, 0, 20)
    sqe.off = 1
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-splice-blocking", tags=(*TAGS, "splice", "pipe", "iowq"))
def ln_splice_blocking(L: Any) -> Gen:
    """SPLICE from an empty pipe: with SPLICE_F_NONBLOCK -EAGAIN at once; without, it waits in io-wq (a
    NOP round trip completes first) until a write(2) to the input, then moves what was written; a TEE
    waits the same way.  Once the input has no writer left a SPLICE of it is 0."""
    ring = yield from new_ring(L, 8)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    splice(L, ring, a[0], -1, b[1], -1, 64, SPLICE_F_NONBLOCK, 1)
    yield from submit_and_reap(L, ring)
    tee(L, ring, a[0], b[1], 64, SPLICE_F_NONBLOCK, 2)
    yield from submit_and_reap(L, ring)
    splice(L, ring, a[0], -1, b[1], -1, 64, 0, 3)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.write(a[1], b"hello", 5)
    yield from reap(L, ring, 1)
    tee(L, ring, a[0], b[1], 64, 0, 4)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 10)
    yield from L.write(a[1], b"abc", 3)
    yield from reap(L, ring, 1)
    yield from L.close(a[1])
    yield from L.read(a[0], bytearray(64), 64)
    splice(L, ring, a[0], -1, b[1], -1, 64, 0, 5)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-splice-nearly-full", tags=(*TAGS, "splice", "pipe"))
def ln_splice_nearly_full(L: Any) -> Gen:
    """An output pipe with one free slot (15 pages written) takes one whole input buffer (a page) from a
    SPLICE of 16 KiB; with the output full a SPLICE_F_NONBLOCK SPLICE is -EAGAIN; after two pages are
    read, a TEE of 16 KiB duplicates two input buffers.  A spliced buffer takes no merged write: after a
    10-byte buffer is spliced into the (O_NONBLOCK) output and 10 bytes written to it, a write of 15
    pages fits only 14."""
    ring = yield from new_ring(L, 8)
    a = yield from new_pipe(L)
    b = [0, 0]
    yield from L.pipe2(b, L.O_NONBLOCK)
    page = bytes(PAGE)
    for _ in range(4):
        yield from L.write(a[1], page, PAGE)
    for _ in range(15):
        yield from L.write(b[1], page, PAGE)
    splice(L, ring, a[0], -1, b[1], -1, 4 * PAGE, 0, 1)
    yield from submit_and_reap(L, ring)
    splice(L, ring, a[0], -1, b[1], -1, 4 * PAGE, SPLICE_F_NONBLOCK, 2)
    yield from submit_and_reap(L, ring)
    yield from L.read(b[0], bytearray(2 * PAGE), 2 * PAGE)
    tee(L, ring, a[0], b[1], 4 * PAGE, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.read(b[0], bytearray(64 * 1024), 64 * 1024)
    yield from L.write(a[1], b"x" * 10, 10)
    splice(L, ring, a[0], -1, b[1], -1, 4 * PAGE, 0, 4)
    yield from submit_and_reap(L, ring)
    yield from L.write(b[1], b"y" * 10, 10)
    yield from L.write(b[1], bytes(15 * PAGE), 15 * PAGE)
    yield from L.read(b[0], bytearray(64 * 1024), 64 * 1024)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-splice-tee-merge", tags=(*TAGS, "splice", "pipe"))
def ln_splice_tee_merge(L: Any) -> Gen:
    """Which spliced buffers take a later small write(2): 3 of 10 bytes spliced into an empty
    (O_NONBLOCK) pipe, then 10 bytes written, then 15 pages written (how many fit shows whether the
    10 bytes got a slot of their own); the same after a TEE of 7 bytes and after a SPLICE that moves a
    whole 7-byte buffer."""
    ring = yield from new_ring(L, 8)
    a = yield from new_pipe(L)
    yield from L.write(a[1], b"0123456789", 10)
    for ud in (1, 2, 3):
        b = [0, 0]
        yield from L.pipe2(b, L.O_NONBLOCK)
        if ud == 1:
            splice(L, ring, a[0], -1, b[1], -1, 3, 0, ud)
        elif ud == 2:
            tee(L, ring, a[0], b[1], 7, 0, ud)
        else:
            splice(L, ring, a[0], -1, b[1], -1, 7, 0, ud)
        yield from submit_and_reap(L, ring)
        yield from L.write(b[1], b"y" * 10, 10)
        yield from L.write(b[1], bytes(15 * PAGE), 15 * PAGE)
        yield from L.read(b[0], bytearray(64 * 1024), 64 * 1024)
        yield from L.close(b[0])
        yield from L.close(b[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-splice-file", tags=(*TAGS, "splice", "pipe", "file"))
def ln_splice_file(L: Any) -> Gen:
    """SPLICE between a pipe and a regular file: 10 piped bytes into the file at its position (-1: the
    position moves) and at offset 100; the file (110 bytes) into a pipe from offset 2, then from its
    position; an offset on the pipe side is -ESPIPE, a negative file offset -EINVAL, an O_APPEND output
    -EINVAL; 3 pages from offset 100 into a pipe with 2 free slots move up to the second page boundary;
    from the end of the file 0.  TEE with a file is -EINVAL."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/ln-splice", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    p = yield from new_pipe(L)
    yield from L.write(p[1], b"0123456789", 10)
    splice(L, ring, p[0], -1, fd, -1, 64, 0, 1)
    yield from submit_and_reap(L, ring)
    L.record("position", (yield from L.lseek(fd, 0, L.SEEK_CUR)))
    yield from L.write(p[1], b"abcdefghij", 10)
    splice(L, ring, p[0], -1, fd, 100, 64, 0, 2)
    yield from submit_and_reap(L, ring)
    L.record("position", (yield from L.lseek(fd, 0, L.SEEK_CUR)))
    splice(L, ring, fd, 2, p[1], -1, 5, 0, 3)
    yield from submit_and_reap(L, ring)
    splice(L, ring, fd, -1, p[1], -1, 1000, 0, 4)
    yield from submit_and_reap(L, ring)
    L.record("position", (yield from L.lseek(fd, 0, L.SEEK_CUR)))
    yield from L.read(p[0], bytearray(4096), 4096)
    for ud, (fin, off_in, fout, off_out) in enumerate(
        ((fd, 0, p[1], 0), (p[0], 0, fd, 0), (fd, -2, p[1], -1), (p[0], -1, fd, -2)), 5
    ):
        splice(L, ring, fin, off_in, fout, off_out, 8, SPLICE_F_NONBLOCK, ud)
        yield from submit_and_reap(L, ring)
    tee(L, ring, fd, p[1], 8, 0, 9)
    yield from submit_and_reap(L, ring)
    afd = yield from L.open("/ln-splice", L.O_WRONLY | L.O_APPEND, 0)
    yield from L.write(p[1], b"z", 1)
    splice(L, ring, p[0], -1, afd, -1, 8, 0, 10)
    yield from submit_and_reap(L, ring)
    yield from L.read(p[0], bytearray(16), 16)
    yield from L.write(fd, bytes(3 * PAGE), 3 * PAGE)
    for _ in range(14):
        yield from L.write(p[1], bytes(PAGE), PAGE)
    splice(L, ring, fd, 100, p[1], -1, 3 * PAGE, 0, 11)
    yield from submit_and_reap(L, ring)
    yield from L.read(p[0], bytearray(64 * 1024), 64 * 1024)
    end = yield from L.lseek(fd, 0, L.SEEK_END)
    splice(L, ring, fd, end, p[1], -1, 8, 0, 12)
    yield from submit_and_reap(L, ring)
    yield from L.close(afd)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)
