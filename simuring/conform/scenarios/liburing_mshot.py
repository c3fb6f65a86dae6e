"""IORING_OP_READ_MULTISHOT (io_uring_prep_read_multishot(3)) as liburing's read-mshot tests use it:
a multishot read of a pipe (or another pollable file) into provided buffers, one CQE with
IORING_CQE_F_MORE per read, until end of file, an error, no buffer, or a full CQ ends it; names
prefixed ``lm-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, cancel, new_pipe, new_ring, reap, submit_and_reap
from simuring.conform.scenarios.liburing_pbuf import buf_ring, fill, provide
from simuring.uapi import (
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "pbuf", "mshot")
RWF_NOWAIT = 0x08


def read_mshot(L: Any, ring: Any, fd: int, bgid: int, user_data: int, nbytes: int = 0, sqe_flags: int = 0) -> Any:
    """io_uring_prep_read_multishot(3) of ``fd`` from buffer group ``bgid``."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read_multishot(sqe, fd, nbytes, 0, bgid)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT | sqe_flags)
    return sqe


def ring_of_bufs(L: Any, ring: Any, nentries: int, size: int, bgid: int = 1) -> Gen:
    """A buffer ring of ``nentries`` buffers of ``size`` bytes (ids 0..), published; the buffers."""
    br = yield from buf_ring(L, ring, nentries, bgid)
    bufs = [bytearray(size) for _ in range(nentries)]
    fill(L, br, bufs, nentries)
    return bufs


def pipe_and_bufs(L: Any, nentries: int, size: int, entries: int = 8, flags: int = 0) -> Gen:
    """A ring (``entries``, setup ``flags``), a pipe, and a buffer ring of group 1 (:func:`ring_of_bufs`)."""
    ring = yield from new_ring(L, entries, flags)
    fds = yield from new_pipe(L)
    bufs = yield from ring_of_bufs(L, ring, nentries, size)
    return ring, fds, bufs


def record_rest(L: Any, fd: int, most: int) -> Gen:
    """Record what is left in the pipe (up to ``most`` bytes), read with read(2)."""
    rest = bytearray(most)
    n = yield from L.read(fd, rest, most)
    L.record("rest", bytes(rest[: max(0, n)]))


@scenario("lm-pipe-reads", tags=TAGS)
def lm_pipe_reads(L: Any) -> Gen:
    """A multishot read of an empty pipe waits; each write is then read into the next ring buffer
    (ids 0, 1, 2) with IORING_CQE_F_MORE, 32-byte buffers taking a 40-byte write in two reads; the
    data lands in the buffers."""
    ring, fds, bufs = yield from pipe_and_bufs(L, 8, 32)
    read_mshot(L, ring, fds[0], 1, 7)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"hello", 5)
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"x" * 40, 40)
    yield from reap(L, ring, 2)
    L.record("bufs", [bytes(b[:8]) for b in bufs[:3]])
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-pipe-eof", tags=TAGS)
def lm_pipe_eof(L: Any) -> Gen:
    """Closing the pipe's write end ends a multishot read: a CQE of 0 without F_MORE and without a
    buffer; data written before the close is read first."""
    ring, fds, _ = yield from pipe_and_bufs(L, 4, 16)
    read_mshot(L, ring, fds[0], 1, 1)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"abc", 3)
    yield from L.close(fds[1])
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-data-before-submit", tags=TAGS)
def lm_data_before_submit(L: Any) -> Gen:
    """Data already in the pipe is read at submission, one buffer after another (20 bytes into
    8-byte buffers: 8, 8, 4, all with F_MORE); the request then waits for more."""
    ring, fds, _ = yield from pipe_and_bufs(L, 8, 8)
    yield from L.write(fds[1], b"0123456789abcdefghij", 20)
    read_mshot(L, ring, fds[0], 1, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.write(fds[1], b"k", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-enobufs", tags=TAGS)
def lm_enobufs(L: Any) -> Gen:
    """With two buffers in the ring, a third read finds none: the request ends with -ENOBUFS (no
    F_MORE); the data left stays in the pipe for a plain read."""
    ring, fds, _ = yield from pipe_and_bufs(L, 2, 4)
    read_mshot(L, ring, fds[0], 1, 5)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"aaaabbbbcc", 10)
    yield from reap(L, ring, 3)
    yield from record_rest(L, fds[0], 8)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-no-group", tags=TAGS)
def lm_no_group(L: Any) -> Gen:
    """A multishot read from a buffer group that does not exist ends at once with -ENOBUFS, even with
    no data in the pipe."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    read_mshot(L, ring, fds[0], 9, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"z", 1)
    read_mshot(L, ring, fds[0], 9, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-prep-errors", tags=TAGS)
def lm_prep_errors(L: Any) -> Gen:
    """READ_MULTISHOT's checks at submission: without IOSQE_BUFFER_SELECT, with a buffer address, with
    a length (6.18 has no first-read clamp), with a bad ioprio class: -EINVAL; an unknown RWF_ flag
    is -EOPNOTSUPP at issue; RWF_NOWAIT on an empty pipe ends it with -EAGAIN."""
    ring, fds, _ = yield from pipe_and_bufs(L, 4, 8)
    cases = (("flags", 0), ("addr", bytearray(8)), ("len", 4), ("ioprio", 7 << 13), ("rw_flags", 0x200))
    for ud, (field, value) in enumerate(cases, 1):
        setattr(read_mshot(L, ring, fds[0], 1, ud), field, value)
        yield from submit_and_reap(L, ring, 1)
    read_mshot(L, ring, fds[0], 1, 6).rw_flags = RWF_NOWAIT
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"123456", 6)
    read_mshot(L, ring, fds[0], 1, 7).rw_flags = RWF_NOWAIT
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-offset", tags=TAGS)
def lm_offset(L: Any) -> Gen:
    """An offset other than 0 on a pipe: -1 and 5 are accepted as for READ (a stream ignores it); a
    negative offset below -1 fails at issue with -EINVAL."""
    ring, fds, _ = yield from pipe_and_bufs(L, 8, 8)
    yield from L.write(fds[1], b"abcdef", 6)
    for ud, off in ((1, -1), (2, 5), (3, -2)):
        sqe = read_mshot(L, ring, fds[0], 1, ud)
        sqe.off = off
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
        cancel(L, ring, 10 + ud, ud)
        yield from submit_and_reap(L, ring, 1 if ud == 3 else 2)
        yield from L.write(fds[1], b"gh", 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-regular-file", tags=TAGS)
def lm_regular_file(L: Any) -> Gen:
    """A multishot read needs a pollable file: on a regular file it is -EBADFD; on a pipe's write end
    -EBADF (not open for reading); on a bad descriptor -EBADF."""
    ring, fds, _ = yield from pipe_and_bufs(L, 4, 8)
    fd = yield from L.open("/lm-file", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"file data", 9)
    read_mshot(L, ring, fd, 1, 1)
    yield from submit_and_reap(L, ring, 1)
    read_mshot(L, ring, fds[1], 1, 2)
    yield from submit_and_reap(L, ring, 1)
    read_mshot(L, ring, 999, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-cancel", tags=TAGS)
def lm_cancel(L: Any) -> Gen:
    """A waiting multishot read cancelled by user_data ends with -ECANCELED (no F_MORE, no buffer);
    the cancel finds it (0); a second cancel finds nothing (-ENOENT)."""
    ring, fds, _ = yield from pipe_and_bufs(L, 4, 8)
    read_mshot(L, ring, fds[0], 1, 1)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"ab", 2)
    yield from reap(L, ring, 1)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    cancel(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-cq-full", tags=TAGS)
def lm_cq_full(L: Any) -> Gen:
    """On a ring whose CQ holds 8, 40 bytes into 4-byte buffers: 8 reads post CQEs with F_MORE, the
    ninth finds the CQ full and ends the request (its CQE, without F_MORE, overflows); the rest of
    the data stays in the pipe."""
    ring, fds, _ = yield from pipe_and_bufs(L, 16, 4, entries=4)
    yield from L.write(fds[1], b"0123456789" * 4, 40)
    read_mshot(L, ring, fds[0], 1, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 9)
    yield from record_rest(L, fds[0], 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-legacy-buffers", tags=TAGS)
def lm_legacy_buffers(L: Any) -> Gen:
    """Multishot read with buffers given by IORING_OP_PROVIDE_BUFFERS (ids 4, 5, 6 of 6 bytes): each
    read takes the next; when the group is empty the next data ends it with -ENOBUFS."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    provide(L, ring, bytearray(18), 6, 3, 2, 4, 1)
    yield from submit_and_reap(L, ring, 1)
    read_mshot(L, ring, fds[0], 2, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"first", 5)
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"second-and-more", 15)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-async", tags=TAGS)
def lm_async(L: Any) -> Gen:
    """IOSQE_ASYNC: the multishot read goes to io-wq, which arms the poll; writes are then read as
    without it, and end of file ends it."""
    ring, fds, _ = yield from pipe_and_bufs(L, 8, 8)
    read_mshot(L, ring, fds[0], 1, 1, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"async", 5)
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"0123456789", 10)
    yield from reap(L, ring, 2)
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-link-head", tags=TAGS)
def lm_link_head(L: Any) -> Gen:
    """A multishot read at the head of a link: the linked NOP runs only when the read ends (here at
    end of file), after the read's CQEs."""
    ring, fds, _ = yield from pipe_and_bufs(L, 4, 8)
    read_mshot(L, ring, fds[0], 1, 1, sqe_flags=IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"xy", 2)
    yield from reap(L, ring, 1)
    yield from L.close(fds[1])
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-eventfd", tags=TAGS)
def lm_eventfd(L: Any) -> Gen:
    """A multishot read of an eventfd (pollable): each eventfd_write is read as one 8-byte counter
    into a 16-byte buffer; 4-byte buffers are too small for the counter (-EINVAL ends it)."""
    ring = yield from new_ring(L)
    efd = yield from L.eventfd(0, 0)
    yield from ring_of_bufs(L, ring, 4, 16)
    read_mshot(L, ring, efd, 1, 1)
    yield from L.io_uring_submit(ring)
    yield from L.write(efd, (3).to_bytes(8, "little"), 8)
    yield from reap(L, ring, 1)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from ring_of_bufs(L, ring, 4, 4, bgid=2)
    read_mshot(L, ring, efd, 2, 3)
    yield from L.io_uring_submit(ring)
    yield from L.write(efd, (5).to_bytes(8, "little"), 8)
    yield from reap(L, ring, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-defer-taskrun", tags=TAGS)
def lm_defer_taskrun(L: Any) -> Gen:
    """On a SINGLE_ISSUER|DEFER_TASKRUN ring, 12 bytes already in the pipe and 4-byte buffers: the
    first read's CQE is posted at submission, the others by the poll's task work, which runs when
    the ring is waited on; io_uring_cq_ready(3) after the submission says 1."""
    ring, fds, _ = yield from pipe_and_bufs(L, 8, 4, entries=8, flags=IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    yield from L.write(fds[1], b"abcdefghijkl", 12)
    read_mshot(L, ring, fds[0], 1, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-socket", tags=(*TAGS, "net"))
def lm_socket(L: Any) -> Gen:
    """A multishot read of a unix stream socket: each send is read into the next buffer;
    closing the other end ends the request with 0."""
    ring = yield from new_ring(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from ring_of_bufs(L, ring, 4, 16)
    read_mshot(L, ring, sv[0], 1, 1)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"ping", 4, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[1], b"pong-pong", 9, 0)
    yield from reap(L, ring, 1)
    yield from L.close(sv[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-two-readers", tags=TAGS)
def lm_two_readers(L: Any) -> Gen:
    """Two multishot reads armed on one pipe, each with its own group: the newer poll is woken first
    (poll entries go to the head of the wait queue), so it reads the first write; after it is
    cancelled the older one reads the next."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    yield from ring_of_bufs(L, ring, 4, 8, bgid=1)
    yield from ring_of_bufs(L, ring, 4, 8, bgid=2)
    read_mshot(L, ring, fds[0], 1, 1)
    read_mshot(L, ring, fds[0], 2, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"one", 3)
    yield from reap(L, ring, 1)
    cancel(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.write(fds[1], b"two", 3)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lm-async-data-ready", tags=TAGS)
def lm_async_data_ready(L: Any) -> Gen:
    """IOSQE_ASYNC with 12 bytes already in the pipe and 4-byte buffers: io-wq reads the first, then
    the request goes on reading the rest (F_MORE each), and end of file ends it."""
    ring, fds, _ = yield from pipe_and_bufs(L, 8, 4)
    yield from L.write(fds[1], b"abcdefghijkl", 12)
    read_mshot(L, ring, fds[0], 1, 1, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)
