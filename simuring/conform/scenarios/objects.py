"""Pipes, eventfd, AF_UNIX socket pairs and regular files, through io_uring and through syscalls."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap
from simuring.uapi import IOSQE_ASYNC, IOSQE_IO_LINK


def rw(L: Any, ring: Any, write: bool, fd: int, buf: Any, n: int, off: int, user_data: int) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    (L.io_uring_prep_write if write else L.io_uring_prep_read)(sqe, fd, buf, n, off)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("pipe-uring-write-read", tags=("pipe", "rw"), expect={"data": repr(b"hello")})
def pipe_uring_write_read(L: Any) -> Gen:
    """IORING_OP_WRITE then IORING_OP_READ on a pipe (offset 0 on a stream): 5 bytes each way."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    rw(L, ring, True, fds[1], b"hello", 5, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    buf = bytearray(16)
    rw(L, ring, False, fds[0], buf, 16, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:5]))
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-read-pending-then-write", tags=("pipe", "rw"), expect={"ready before write": 0, "data": repr(b"abc")})
def pipe_read_pending_then_write(L: Any) -> Gen:
    """A READ of an empty pipe stays pending; write(2) of 3 bytes completes it with 3."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(16)
    rw(L, ring, False, fds[0], buf, 16, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"abc", 3)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:3]))
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-readv-writev", tags=("pipe", "rw"), expect={"parts": [repr(b"abc"), repr(b"defgh")]})
def pipe_readv_writev(L: Any) -> Gen:
    """IORING_OP_WRITEV of two buffers (3 + 5 bytes) and IORING_OP_READV into two buffers of the same
    sizes: 8 bytes each way, split as written."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_writev(sqe, fds[1], [bytearray(b"abc"), bytearray(b"defgh")], 2, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    parts = [bytearray(3), bytearray(5)]
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_readv(sqe, fds[0], parts, 2, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("parts", [bytes(p) for p in parts])
    yield from L.io_uring_queue_exit(ring)


@scenario("eventfd-rw", tags=("eventfd", "rw"), expect={"value": 5, "read value": 3, "empty nonblocking read": -11})
def eventfd_rw(L: Any) -> Gen:
    """eventfd(2): an IORING_OP_WRITE of 8 bytes adds to the counter (read back with eventfd_read), an
    IORING_OP_READ of 8 bytes takes it; a 4-byte write is -EINVAL; an empty non-blocking read -EAGAIN."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    rw(L, ring, True, efd, (5).to_bytes(8, "little"), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    value = [0]
    yield from L.eventfd_read(efd, value)
    L.record("value", value[0])
    yield from L.eventfd_write(efd, 3)
    buf = bytearray(8)
    rw(L, ring, False, efd, buf, 8, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("read value", int.from_bytes(buf, "little"))
    rw(L, ring, True, efd, bytes(4), 4, 0, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("empty nonblocking read", (yield from L.eventfd_read(efd, value)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("socketpair-send-recv", tags=("socket", "rw"), expect={"got": repr(b"ping"), "back": repr(b"pong"), "empty": -11})
def socketpair_send_recv(L: Any) -> Gen:
    """AF_UNIX stream pair: send(2) then an IORING_OP_READ on the peer (4 bytes); an IORING_OP_WRITE
    back, then recv(2) (4 bytes); recv with MSG_DONTWAIT on an empty socket is -EAGAIN."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.send(sv[0], b"ping", 4, 0)
    buf = bytearray(8)
    rw(L, ring, False, sv[1], buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("got", bytes(buf[:4]))
    rw(L, ring, True, sv[1], b"pong", 4, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    back = bytearray(8)
    yield from L.recv(sv[0], back, 8, 0)
    L.record("back", bytes(back[:4]))
    L.record("empty", (yield from L.recv(sv[0], back, 8, L.MSG_DONTWAIT)))
    yield from L.io_uring_queue_exit(ring)


@scenario("regular-file-rw", tags=("file", "rw"), expect={"read at 2": repr(b"ta"), "size": 4, "after truncate": repr(b"d")})
def regular_file_rw(L: Any) -> Gen:
    """A regular file: IORING_OP_WRITE at offset 0, IORING_OP_READ at offset 2, lseek(SEEK_END) gives
    the size, ftruncate shortens it and read(2) sees the rest."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/conform-file", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    rw(L, ring, True, fd, b"data", 4, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    buf = bytearray(8)
    rw(L, ring, False, fd, buf, 2, 2, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("read at 2", bytes(buf[:2]))
    L.record("size", (yield from L.lseek(fd, 0, L.SEEK_END)))
    yield from L.ftruncate(fd, 1)
    yield from L.lseek(fd, 0, L.SEEK_SET)
    n = yield from L.read(fd, buf, 8)
    L.record("after truncate", bytes(buf[: max(n, 0)]))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("syscall-errors", tags=("syscalls",))
def syscall_errors(L: Any) -> Gen:
    """POSIX errors: read/close of a descriptor that is not open (-EBADF), write to a pipe's read end
    (-EBADF), lseek on a pipe (-ESPIPE), unknown pipe2 and eventfd flags (-EINVAL), open of a missing
    file without O_CREAT (-ENOENT), a write to a pipe whose read end is closed (-EPIPE)."""
    fds = [0, 0]
    buf = bytearray(4)
    yield from L.read(100_000, buf, 4)
    yield from L.close(100_000)
    yield from L.pipe(fds)
    yield from L.write(fds[0], b"x", 1)
    yield from L.lseek(fds[0], 0, L.SEEK_SET)
    yield from L.pipe2([0, 0], 1 << 30)
    yield from L.eventfd(0, 1 << 30)
    yield from L.open("/no-such-file", L.O_RDONLY, 0)
    yield from L.close(fds[0])
    yield from L.write(fds[1], b"x", 1)
    yield from L.close(fds[1])


@scenario("pipe-readv-across-iovecs", tags=("pipe", "rw"), expect={"parts": [repr(b"012"), repr(b"3456"), repr(b"789")]})
def pipe_readv_across_iovecs(L: Any) -> Gen:
    """IORING_OP_READV fills its iovecs in order: 10 bytes in the pipe, buffers of 3, 4 and 8 bytes; the
    read returns 10, the first two buffers are full and the third holds the last 3 bytes."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"0123456789", 10)
    parts = [bytearray(3), bytearray(4), bytearray(8)]
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_readv(sqe, fds[0], parts, 3, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("parts", [bytes(parts[0]), bytes(parts[1]), bytes(parts[2][:3])])
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-writev-empty-iovec", tags=("pipe", "rw"), expect={"read": repr(b"abcde")})
def pipe_writev_empty_iovec(L: Any) -> Gen:
    """IORING_OP_WRITEV with an empty iovec between two others writes the 5 bytes of the other two (5);
    read(2) gets them in order."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_writev(sqe, fds[1], [bytearray(b"ab"), bytearray(0), bytearray(b"cde")], 3, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    buf = bytearray(8)
    n = yield from L.read(fds[0], buf, 8)
    L.record("read", bytes(buf[: max(n, 0)]))
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-short-read-breaks-link", tags=("pipe", "rw", "links"))
def pipe_short_read_breaks_link(L: Any) -> Gen:
    """A short read counts as a failure for its link: a READ of 16 bytes from a pipe holding 3 completes
    with 3, and the NOP linked after it is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"abc", 3)
    buf = bytearray(16)
    sqe = rw(L, ring, False, fds[0], buf, 16, 0, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-read-closed-writer", tags=("pipe", "rw"))
def pipe_read_closed_writer(L: Any) -> Gen:
    """pipe(7): once the write end is closed, a READ first gets the data still in the pipe (2), then end of
    file (0)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"hi", 2)
    yield from L.close(fds[1])
    buf = bytearray(8)
    for ud in (1, 2):
        rw(L, ring, False, fds[0], buf, 8, 0, ud)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-read-pending-writer-closes", tags=("pipe", "rw"), expect={"ready before close": 0})
def pipe_read_pending_writer_closes(L: Any) -> Gen:
    """A READ waiting on an empty pipe completes with 0 (end of file) when the last write end is closed."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    rw(L, ring, False, fds[0], buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before close", L.io_uring_cq_ready(ring))
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-write-closed-reader", tags=("pipe", "rw"))
def pipe_write_closed_reader(L: Any) -> Gen:
    """pipe(7): a WRITE to a pipe whose read end is closed completes with -EPIPE (SIGPIPE is ignored by the
    Python process)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.close(fds[0])
    rw(L, ring, True, fds[1], b"lost", 4, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-nonblock-read-empty", tags=("pipe", "rw"), expect={"ready before write": 0})
def pipe_nonblock_read_empty(L: Any) -> Gen:
    """A READ of an empty O_NONBLOCK pipe: read(2) would be -EAGAIN, but io_uring arms a poll and waits for
    data as for a blocking pipe (no CQE at once); a write(2) then completes it with 2."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe2(fds, L.O_NONBLOCK)
    buf = bytearray(8)
    rw(L, ring, False, fds[0], buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"nb", 2)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("socket-read-after-peer-close", tags=("socket", "rw"), expect={"recv at eof": 0})
def socket_read_after_peer_close(L: Any) -> Gen:
    """AF_UNIX stream: after the peer sent 2 bytes and closed, a READ gets the 2 bytes, the next READ 0
    (end of stream), and recv(2) 0 too."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.send(sv[0], b"ab", 2, 0)
    yield from L.close(sv[0])
    buf = bytearray(8)
    for ud in (1, 2):
        rw(L, ring, False, sv[1], buf, 8, 0, ud)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    L.record("recv at eof", (yield from L.recv(sv[1], buf, 8, 0)))
    yield from L.io_uring_queue_exit(ring)


@scenario("socket-read-pending-peer-closes", tags=("socket", "rw"), expect={"ready before close": 0})
def socket_read_pending_peer_closes(L: Any) -> Gen:
    """A READ waiting on an AF_UNIX stream socket completes with 0 when the peer closes."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    buf = bytearray(8)
    rw(L, ring, False, sv[1], buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before close", L.io_uring_cq_ready(ring))
    yield from L.close(sv[0])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("socket-write-peer-closed", tags=("socket", "rw"), expect={"send": -32})
def socket_write_peer_closed(L: Any) -> Gen:
    """AF_UNIX stream whose peer is closed: a WRITE completes with -EPIPE, and so does send(2) with
    MSG_NOSIGNAL."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.close(sv[0])
    rw(L, ring, True, sv[1], b"gone", 4, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("send", (yield from L.send(sv[1], b"gone", 4, L.MSG_NOSIGNAL)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "eventfd-semaphore",
    tags=("eventfd", "rw"),
    expect={"values": [1, 1, 1], "ready while zero": 0, "after write": 1, "left": 1},
)
def eventfd_semaphore(L: Any) -> Gen:
    """eventfd(2) with EFD_SEMAPHORE: each 8-byte READ takes 1 from the counter and returns 1; with the
    counter at 3, three READs get 1 each; a fourth waits (counter 0) until eventfd_write adds 2, then gets
    1, leaving 1 for eventfd_read."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(3, L.EFD_SEMAPHORE)
    bufs = [bytearray(8) for _ in range(4)]
    for i in range(3):
        rw(L, ring, False, efd, bufs[i], 8, 0, i + 1)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    L.record("values", [int.from_bytes(b, "little") for b in bufs[:3]])
    rw(L, ring, False, efd, bufs[3], 8, 0, 4)
    yield from L.io_uring_submit(ring)
    L.record("ready while zero", L.io_uring_cq_ready(ring))
    yield from L.eventfd_write(efd, 2)
    yield from reap(L, ring, 1)
    L.record("after write", int.from_bytes(bufs[3], "little"))
    value = [0]
    yield from L.eventfd_read(efd, value)
    L.record("left", value[0])
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("eventfd-nonblock-read-empty", tags=("eventfd", "rw"), expect={"eventfd_read": -11, "ready before write": 0, "value": 7})
def eventfd_nonblock_read_empty(L: Any) -> Gen:
    """An EFD_NONBLOCK eventfd with counter 0: eventfd_read(3) is -EAGAIN, while an IORING_OP_READ does not
    fail: io_uring arms a poll and waits for the counter (no CQE at once); eventfd_write of 7 then
    completes it with 8 and the value 7."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    value = [0]
    L.record("eventfd_read", (yield from L.eventfd_read(efd, value)))
    buf = bytearray(8)
    rw(L, ring, False, efd, buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.eventfd_write(efd, 7)
    yield from reap(L, ring, 1)
    L.record("value", int.from_bytes(buf, "little"))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("eventfd-short-buffer", tags=("eventfd", "rw"))
def eventfd_short_buffer(L: Any) -> Gen:
    """eventfd(2): a READ of fewer than 8 bytes is -EINVAL even with a non-zero counter, and so is a WRITE
    of the value 2^64-1 (the largest value allowed is 2^64-2)."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(4, 0)
    buf = bytearray(8)
    rw(L, ring, False, efd, buf, 4, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    rw(L, ring, True, efd, b"\xff" * 8, 8, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-two-readers-one-byte", tags=("pipe", "rw"), expect={"ready after write": 1})
def pipe_two_readers_one_byte(L: Any) -> Gen:
    """Two READs wait on one empty pipe (user_data 1, then 2) and write(2) puts one byte in it: both are
    woken, one gets the byte (1) and the other finds the pipe empty again and keeps waiting; which one the
    kernel serves first is recorded.  A second byte completes the other."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    bufs = [bytearray(8), bytearray(8)]
    rw(L, ring, False, fds[0], bufs[0], 8, 0, 1)
    rw(L, ring, False, fds[0], bufs[1], 8, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"A", 1)
    L.record("ready after write", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"B", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("pipe-small-writes-merge", tags=("pipe",), expect={"1 byte": 1, "then 65535": 65535, "then 1 more": -11})
def pipe_small_writes_merge(L: Any) -> Gen:
    """pipe(7): a small write tops up the last, partly filled page of the pipe, so after a 1-byte write a
    non-blocking write of 65535 bytes still fits whole in the 64 KiB pipe; the pipe is then full (-EAGAIN)."""
    fds = [0, 0]
    yield from L.pipe2(fds, L.O_NONBLOCK)
    L.record("1 byte", (yield from L.write(fds[1], b"x", 1)))
    L.record("then 65535", (yield from L.write(fds[1], bytes(65535), 65535)))
    L.record("then 1 more", (yield from L.write(fds[1], b"y", 1)))
    yield from L.close(fds[0])
    yield from L.close(fds[1])


@scenario("nanosleep-timespec", tags=("syscalls",))
def nanosleep_timespec(L: Any) -> Gen:
    """nanosleep(2) as C calls it, ``nanosleep(&ts, NULL)``: a valid timespec sleeps and returns 0;
    a negative tv_sec, a negative tv_nsec or a tv_nsec of 10**9 is -EINVAL; simuring's int shorthand
    (nanoseconds) sleeps too."""
    yield from L.nanosleep(L.Timespec(0, 1000), None)
    yield from L.nanosleep(L.Timespec(0, 0), None)
    yield from L.nanosleep(L.Timespec(-1, 0), None)
    yield from L.nanosleep(L.Timespec(0, -1), None)
    yield from L.nanosleep(L.Timespec(0, 1_000_000_000), None)
    yield from L.nanosleep(1000)


@scenario(
    "regular-file-huge-offsets",
    tags=("file", "rw"),
    expect={"size": (1 << 40) + 8, "hole": repr(bytes(8)), "data": repr(b"farfaraw")},
)
def regular_file_huge_offsets(L: Any) -> Gen:
    """A regular file is sparse: IORING_OP_WRITE of 8 bytes at offset 2**40 succeeds and sets the size
    to 2**40 + 8, a read of the hole before it gives zeros, a read at 2**40 the data.  A range that
    leaves loff_t (offset 2**63 - 1 or 2**63 - 8 with 8 bytes, offset 2**63) is -EINVAL for reads,
    writes and pwrite-style write(2) alike (rw_verify_area)."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/conform-sparse", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    rw(L, ring, True, fd, b"farfaraw", 8, 1 << 40, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("size", (yield from L.lseek(fd, 0, L.SEEK_END)))
    hole = bytearray(b"\xff" * 8)
    data = bytearray(8)
    # one request per submission: where a regular file's I/O runs (inline or io-wq) depends on the
    # file system (tmpfs has no FMODE_NOWAIT), which would change the order of CQEs of a batch
    for ud, write, buf, off in (
        (2, False, hole, 1 << 39),
        (3, False, data, 1 << 40),
        (4, True, b"farfaraw", (1 << 63) - 1),
        (5, False, bytearray(8), (1 << 63) - 1),
        (6, True, b"farfaraw", (1 << 63) - 8),
        (7, False, bytearray(8), (1 << 63) - 8),
        (8, True, b"farfaraw", 1 << 63),
        (9, False, bytearray(8), 1 << 63),
    ):
        rw(L, ring, write, fd, buf, 8, off, ud)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    L.record("hole", bytes(hole))
    L.record("data", bytes(data))
    L.record("size after", (yield from L.lseek(fd, 0, L.SEEK_END)))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "eventfd-nonblock-write-would-overflow",
    tags=("eventfd", "rw", "poll"),
    expect={"semaphore read": 1},
)
def eventfd_nonblock_write_would_overflow(L: Any) -> Gen:
    """An IORING_OP_WRITE to an EFD_NONBLOCK|EFD_SEMAPHORE eventfd whose value (2**64 - 2) does not fit
    the counter (0xffffffff): the write answers -EAGAIN while POLLOUT stays set, so each fast poll
    fires at once; after its budget of poll arms the request goes to io-wq, whose issue (the file
    being O_NONBLOCK) answers -EAGAIN, and that is the CQE.  With IOSQE_ASYNC the worker's own poll
    finds the file ready and it retries blocking at once: -EAGAIN too.  The counter is unchanged."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0xFFFF_FFFF, L.EFD_NONBLOCK | L.EFD_SEMAPHORE)
    rw(L, ring, True, efd, ((1 << 64) - 2).to_bytes(8, "little"), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    # IOSQE_ASYNC: the worker tries, its poll finds POLLOUT at once, so it retries blocking: -EAGAIN
    sqe = rw(L, ring, True, efd, ((1 << 64) - 2).to_bytes(8, "little"), 8, 0, 2)
    L.io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    value = [0]
    yield from L.eventfd_read(efd, value)  # a semaphore read: 1, the counter is now 0xfffffffe
    L.record("semaphore read", value[0])
    # the counter was unchanged: exactly this much more fits (the maximum is 2**64 - 2), then nothing
    yield from L.eventfd_write(efd, (1 << 64) - 2 - 0xFFFF_FFFE)
    yield from L.eventfd_write(efd, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("eventfd-blocked-write-cancelled", tags=("eventfd", "rw", "cancel"), expect={"ready before cancel": 0})
def eventfd_blocked_write_cancelled(L: Any) -> Gen:
    """An IORING_OP_WRITE to a blocking eventfd whose value does not fit ends up sleeping in an io-wq
    worker (its fast polls all fire at once).  IORING_OP_ASYNC_CANCEL finds it running (-EALREADY)
    and the worker's sleep is interrupted: the write completes with -EINTR."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(10, 0)
    rw(L, ring, True, efd, ((1 << 64) - 5).to_bytes(8, "little"), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)  # long enough for the worker to block, even on a loaded machine
    L.record("ready before cancel", L.io_uring_cq_ready(ring))
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 1, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)
