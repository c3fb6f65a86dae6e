"""Provided buffers: IORING_OP_PROVIDE_BUFFERS / REMOVE_BUFFERS (io_uring_prep_provide_buffers(3),
io_uring_prep_remove_buffers(3)), ring-mapped buffer groups (io_uring_register_buf_ring(3),
io_uring_setup_buf_ring(3), io_uring_buf_ring_add(3), io_uring_buf_ring_advance(3),
io_uring_free_buf_ring(3), io_uring_buf_ring_head(3)) and IOSQE_BUFFER_SELECT on READ, READV and
RECV, as liburing's provided-buffer tests exercise them; names prefixed ``lp-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, cancel, new_pipe, new_ring, reap, submit_and_reap
from simuring.uapi import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_RECV_MULTISHOT,
    IORING_REGISTER_PBUF_RING,
    IORING_REGISTER_PBUF_STATUS,
    IORING_SETUP_IOPOLL,
    IORING_UNREGISTER_PBUF_RING,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_IO_LINK,
    IOU_PBUF_RING_INC,
    IOU_PBUF_RING_MMAP,
)

TAGS = ("liburing", "pbuf")
BS = IOSQE_BUFFER_SELECT
RWF_NOWAIT = 0x08
MSG_WAITALL = 0x100


def provide(L: Any, ring: Any, buf: Any, length: int, nr: int, bgid: int, bid: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_provide_buffers(sqe, buf, length, nr, bgid, bid)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def remove(L: Any, ring: Any, nr: int, bgid: int, user_data: int) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_remove_buffers(sqe, nr, bgid)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def read_sel(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int, sqe_flags: int = 0, off: int = -1) -> Any:
    """A READ with IOSQE_BUFFER_SELECT from group ``bgid`` (no buffer of its own)."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fd, None, length, off)
    sqe.buf_group = bgid
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, BS | sqe_flags)
    return sqe


def recv_sel(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int, flags: int = 0, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_recv(sqe, fd, None, length, flags)
    sqe.buf_group = bgid
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, BS | sqe_flags)
    return sqe


def socketpair(L: Any) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    return sv


def reap_bids(L: Any, ring: Any, n: int, label: str) -> Gen:
    """Reap ``n`` completions (recorded) and record the buffer ids their flags carry."""
    cqe = L.Cqe()
    bids = []
    for _ in range(n):
        ret = yield from L.io_uring_wait_cqe(ring, cqe)
        if ret < 0:
            bids.append(ret)
            break
        bids.append(cqe[0].flags >> IORING_CQE_BUFFER_SHIFT)
        L.io_uring_cqe_seen(ring, cqe[0])
    L.record(label, bids)


def buf_ring(L: Any, ring: Any, nentries: int, bgid: int, flags: int = 0) -> Gen:
    """io_uring_setup_buf_ring; the ring (None on failure, the error recorded)."""
    err = [0]
    br = yield from L.io_uring_setup_buf_ring(ring, nentries, bgid, flags, err)
    L.record("setup_err", err[0])
    return br


def fill(L: Any, br: Any, bufs: list[Any], nentries: int, first_bid: int = 0) -> None:
    """Add each of ``bufs`` (ids from ``first_bid``) and publish them."""
    mask = L.io_uring_buf_ring_mask(nentries)
    for i, b in enumerate(bufs):
        L.io_uring_buf_ring_add(br, b, len(b), first_bid + i, mask, i)
    L.io_uring_buf_ring_advance(br, len(bufs))


# -- PROVIDE_BUFFERS / REMOVE_BUFFERS ----------------------------------------------------
@scenario("lp-provide-remove-counts", tags=TAGS)
def lp_provide_remove_counts(L: Any) -> Gen:
    """io_uring_prep_provide_buffers(3): providing 8 buffers completes with 0; REMOVE_BUFFERS of 3
    removes 3, of 10 the 5 left, and of 1 from the now empty group 0; a group never provided is
    -ENOENT."""
    ring = yield from new_ring(L)
    mem = bytearray(8 * 64)
    provide(L, ring, mem, 64, 8, 1, 0, 1)
    remove(L, ring, 3, 1, 2)
    remove(L, ring, 10, 1, 3)
    remove(L, ring, 1, 1, 4)
    remove(L, ring, 1, 7, 5)
    yield from submit_and_reap(L, ring, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-provide-prep-errors", tags=TAGS)
def lp_provide_prep_errors(L: Any) -> Gen:
    """PROVIDE_BUFFERS' checks at submission: a count of 0, above 65536 or negative is -E2BIG, a length
    of 0 -EINVAL, a first id above 65535 -E2BIG, ids past 65535 -EINVAL, rw_flags -EINVAL;
    65536 buffers with ids from 0 are accepted."""
    ring = yield from new_ring(L, 16)
    mem = bytearray(64)
    cases = ((1, 0, 0), (1, 65537, 0), (1, -1, 0), (0, 4, 0), (1, 1, 65536), (1, 2, 65535), (1, 1, 0))
    for ud, (length, nr, bid) in enumerate(cases, 1):
        sqe = provide(L, ring, mem, length, nr, 1, bid, ud)
        if ud == len(cases):
            sqe.rw_flags = 1
        yield from submit_and_reap(L, ring, 1)
    provide(L, ring, bytearray(65536), 1, 65536, 2, 0, 8)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-provide-overflow", tags=TAGS)
def lp_provide_overflow(L: Any) -> Gen:
    """PROVIDE_BUFFERS with an address whose range wraps past 2^64 is -EOVERFLOW; one past the user
    address space is -EFAULT (access_ok); an unmapped but valid user address is accepted (0)."""
    ring = yield from new_ring(L)
    cases = ((0xFFFF_FFFF_FFFF_F000, 4096, 2), (0xFFFF_8000_0000_0000, 4096, 1), (0x1000, 4096, 1))
    for ud, (addr, length, nr) in enumerate(cases, 1):
        provide(L, ring, addr, length, nr, 1, 0, ud)
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-remove-prep-errors", tags=TAGS)
def lp_remove_prep_errors(L: Any) -> Gen:
    """REMOVE_BUFFERS: a count of 0 or above 65536 is -EINVAL, and so is a non-zero len or off; 65536
    on a missing group is -ENOENT."""
    ring = yield from new_ring(L)
    for ud, (nr, field) in enumerate(((0, ""), (65537, ""), (1, "len"), (1, "off"), (65536, "")), 1):
        sqe = remove(L, ring, nr, 1, ud)
        if field:
            setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-provide-link-chain", tags=TAGS)
def lp_provide_link_chain(L: Any) -> Gen:
    """A PROVIDE_BUFFERS linked to a READ with IOSQE_BUFFER_SELECT: the READ runs after the buffers
    exist and takes the first one (id 5); a failing PROVIDE_BUFFERS (count 0) cancels its link; a
    READ with a provided buffer that reads less than asked cancels its link too."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    yield from L.write(fds[1], b"hello", 5)
    mem = bytearray(4 * 16)
    provide(L, ring, mem, 16, 4, 3, 5, 1, IOSQE_IO_LINK)
    read_sel(L, ring, fds[0], 16, 3, 2)
    provide(L, ring, mem, 16, 0, 3, 5, 3, IOSQE_IO_LINK)
    read_sel(L, ring, fds[0], 16, 3, 4)
    yield from submit_and_reap(L, ring, 4)
    L.record("data", bytes(mem[:5]))
    yield from L.write(fds[1], b"ab", 2)
    read_sel(L, ring, fds[0], 8, 3, 5, IOSQE_IO_LINK)  # short: 2 of the 8 asked breaks the chain
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 6)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- buffer selection on READ ------------------------------------------------------------
@scenario("lp-read-select-order", tags=TAGS)
def lp_read_select_order(L: Any) -> Gen:
    """READs with IOSQE_BUFFER_SELECT from a pipe take the group's buffers in the order they were
    provided (ids 10, 11, 12), each CQE carrying IORING_CQE_F_BUFFER and the id; the data lands in
    the provided memory; each read is clamped to its buffer's length."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(3 * 4)
    provide(L, ring, mem, 4, 3, 1, 10, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"abcdefghijkl", 12)
    for ud in (2, 3, 4):
        read_sel(L, ring, fds[0], 100, 1, ud)
    yield from L.io_uring_submit(ring)
    yield from reap_bids(L, ring, 3, "bids")
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-enobufs", tags=TAGS)
def lp_read_enobufs(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT from a group that does not exist, or whose buffers are all
    taken, completes with -ENOBUFS and no buffer flag; the data stays in the pipe."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    yield from L.write(fds[1], b"xyz", 3)
    read_sel(L, ring, fds[0], 3, 9, 1)
    yield from submit_and_reap(L, ring, 1)
    mem = bytearray(8)
    provide(L, ring, mem, 8, 1, 2, 0, 2)
    read_sel(L, ring, fds[0], 1, 2, 3)
    read_sel(L, ring, fds[0], 1, 2, 4)
    yield from submit_and_reap(L, ring, 3)
    buf = bytearray(8)
    yield from L.read(fds[0], buf, 8)
    L.record("left", bytes(buf[:2]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-len-zero", tags=TAGS)
def lp_read_len_zero(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT and a length of 0 reads up to the whole buffer (6 bytes of the
    10 in the pipe); a length smaller than the buffer limits it (2)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(12)
    provide(L, ring, mem, 6, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"0123456789", 10)
    read_sel(L, ring, fds[0], 0, 1, 2)
    read_sel(L, ring, fds[0], 2, 1, 3)
    yield from submit_and_reap(L, ring, 2)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-waits-for-data", tags=TAGS)
def lp_read_waits_for_data(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT on an empty pipe waits; its buffer is not taken meanwhile: a
    REMOVE_BUFFERS of the group removes it (1) and the read, woken by a write, completes -ENOBUFS."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(8)
    provide(L, ring, mem, 8, 1, 1, 4, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 8, 1, 2)
    yield from L.io_uring_submit(ring)
    remove(L, ring, 4, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"late", 4)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-waits-then-selects", tags=TAGS)
def lp_read_waits_then_selects(L: Any) -> Gen:
    """Two READs with IOSQE_BUFFER_SELECT wait on an empty pipe with two buffers provided; one write
    wakes both: one reads the data, with a buffer id, the other waits on; a second write completes
    it with the other buffer."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 8, 1, 2)
    read_sel(L, ring, fds[0], 8, 1, 3)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"one", 3)
    yield from reap_bids(L, ring, 1, "first")
    yield from L.write(fds[1], b"two", 3)
    yield from reap_bids(L, ring, 1, "second")
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-eof-consumes", tags=TAGS)
def lp_read_eof_consumes(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT at end of file (the pipe's writer closed) completes with 0
    and still reports the buffer it took, which is consumed: REMOVE_BUFFERS finds 1 of 2 left."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.close(fds[1])
    read_sel(L, ring, fds[0], 8, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    remove(L, ring, 8, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-error-buffer", tags=TAGS)
def lp_read_error_buffer(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT from the write end of a pipe fails with -EBADF after taking a
    buffer: the CQE carries the buffer flag and id, and the buffer is gone (REMOVE_BUFFERS finds 1 of
    2); a bad fd fails before any buffer is taken."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[1], 8, 1, 2)
    read_sel(L, ring, 999, 8, 1, 3)
    yield from submit_and_reap(L, ring, 2)
    remove(L, ring, 8, 1, 4)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-regular-file", tags=TAGS)
def lp_read_regular_file(L: Any) -> Gen:
    """READs with IOSQE_BUFFER_SELECT from a regular file at offsets 0 and 4: each takes the next
    buffer; one past the end reads 0 with a buffer."""
    ring = yield from new_ring(L)
    fd = yield from L.open("pbuf-file", L.O_RDWR | L.O_CREAT | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"ABCDEFGH", 8)
    mem = bytearray(12)
    provide(L, ring, mem, 4, 3, 2, 20, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fd, 4, 2, 2, off=0)
    read_sel(L, ring, fd, 4, 2, 3, off=4)
    read_sel(L, ring, fd, 4, 2, 4, off=100)
    yield from submit_and_reap(L, ring, 3)
    L.record("mem", bytes(mem))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-readv-select", tags=TAGS)
def lp_readv_select(L: Any) -> Gen:
    """READV with IOSQE_BUFFER_SELECT takes one iovec whose length bounds the read (3 bytes into the
    8-byte provided buffer); two iovecs are -EINVAL at submission."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(8)
    provide(L, ring, mem, 8, 1, 1, 7, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"vector", 6)
    for ud, iovs in ((2, [bytearray(3)]), (3, [bytearray(3), bytearray(3)])):
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_readv(sqe, fds[0], iovs, len(iovs), 0)
        sqe.buf_group = 1
        L.io_uring_sqe_set_data64(sqe, ud)
        L.io_uring_sqe_set_flags(sqe, BS)
    yield from submit_and_reap(L, ring, 2)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-async-select", tags=TAGS)
def lp_read_async_select(L: Any) -> Gen:
    """IOSQE_ASYNC READs with IOSQE_BUFFER_SELECT on a pipe with data: io-wq selects the buffers
    (ids 0 then 1 for two reads completed one after the other)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    mem = bytearray(8)
    provide(L, ring, mem, 4, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"12345678", 8)
    read_sel(L, ring, fds[0], 4, 1, 2, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 4, 1, 3, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-select-refused", tags=TAGS)
def lp_select_refused(L: Any) -> Gen:
    """IOSQE_BUFFER_SELECT on an opcode without provided-buffer support (NOP, WRITE, POLL_ADD,
    TIMEOUT, FSYNC) fails at submission with -EOPNOTSUPP."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    sqes = [sqe]
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, fds[1], b"x", 1, 0)
    sqes.append(sqe)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_add(sqe, fds[0], 1)
    sqes.append(sqe)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(10, 0), 0, 0)
    sqes.append(sqe)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_fsync(sqe, fds[1], 0)
    sqes.append(sqe)
    for ud, sqe in enumerate(sqes, 1):
        L.io_uring_sqe_set_data64(sqe, ud)
        L.io_uring_sqe_set_flags(sqe, BS)
    for _ in sqes:  # each failure at submission ends its batch: one submit per SQE
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# -- RECV ------------------------------------------------------------------------------------
@scenario("lp-recv-select", tags=(*TAGS, "net"))
def lp_recv_select(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT on an AF_UNIX stream socket takes the group's first buffer and
    reports its id; the data is in the provided memory; a second RECV takes the next buffer."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(32)
    provide(L, ring, mem, 16, 2, 4, 100, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"ping", 4, 0)
    recv_sel(L, ring, sv[0], 16, 4, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"pong!", 5, 0)
    recv_sel(L, ring, sv[0], 0, 4, 3)
    yield from submit_and_reap(L, ring, 1)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-enobufs", tags=(*TAGS, "net"))
def lp_recv_enobufs(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT and no buffer in the group: -ENOBUFS, the data stays queued."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    yield from L.send(sv[1], b"data", 4, 0)
    recv_sel(L, ring, sv[0], 16, 4, 1)
    yield from submit_and_reap(L, ring, 1)
    buf = bytearray(8)
    yield from L.recv(sv[0], buf, 8, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-waits", tags=(*TAGS, "net"))
def lp_recv_waits(L: Any) -> Gen:
    """A RECV with IOSQE_BUFFER_SELECT on an empty socket waits without holding its buffer: a second
    PROVIDE_BUFFERS adds to the group, and the send that wakes the RECV fills the first buffer."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 1, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    recv_sel(L, ring, sv[0], 8, 1, 2)
    yield from L.io_uring_submit(ring)
    provide(L, ring, memoryview(mem)[8:], 8, 1, 1, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"wake", 4, 0)
    yield from reap(L, ring, 1)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-eof-keeps", tags=(*TAGS, "net"))
def lp_recv_eof_keeps(L: Any) -> Gen:
    """A RECV with IOSQE_BUFFER_SELECT at end of stream (the peer closed) completes with 0 and no
    buffer flag: the buffer is given back, REMOVE_BUFFERS still finds 1."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(8)
    provide(L, ring, mem, 8, 1, 1, 3, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.close(sv[1])
    recv_sel(L, ring, sv[0], 8, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    remove(L, ring, 8, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-nonempty", tags=(*TAGS, "net"))
def lp_recv_nonempty(L: Any) -> Gen:
    """A RECV with IOSQE_BUFFER_SELECT into a 4-byte buffer from 10 queued bytes: 4, with the buffer
    id and IORING_CQE_F_SOCK_NONEMPTY."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(4)
    provide(L, ring, mem, 4, 1, 1, 2, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"0123456789", 10, 0)
    recv_sel(L, ring, sv[0], 100, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# -- ring-mapped groups ---------------------------------------------------------------------
@scenario("lp-ring-read", tags=TAGS)
def lp_ring_read(L: Any) -> Gen:
    """io_uring_setup_buf_ring(3) of 4 entries, 3 buffers added and published: READs with
    IOSQE_BUFFER_SELECT take them in ring order (ids 7, 8, 9) into their memory; a fourth read finds
    the ring empty (-ENOBUFS); io_uring_buf_ring_head(3) says 3."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from buf_ring(L, ring, 4, 5)
    bufs = [bytearray(4) for _ in range(3)]
    fill(L, br, bufs, 4, 7)
    yield from L.write(fds[1], b"aaaabbbbcccc", 12)
    for ud in (1, 2, 3, 4):
        read_sel(L, ring, fds[0], 4, 5, ud)
    yield from L.io_uring_submit(ring)
    yield from reap_bids(L, ring, 4, "bids")
    L.record("bufs", [bytes(b) for b in bufs])
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 5, head)
    L.record("head", head[0])
    yield from L.io_uring_free_buf_ring(ring, br, 4, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-refill", tags=TAGS)
def lp_ring_refill(L: Any) -> Gen:
    """A 2-entry buffer ring used up by two READs, then refilled by advancing the tail again with the
    same buffers: the next READs take them again, the head wraps past the ring size (4)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from buf_ring(L, ring, 2, 1)
    bufs = [bytearray(2), bytearray(2)]
    fill(L, br, bufs, 2)
    yield from L.write(fds[1], b"11223344", 8)
    read_sel(L, ring, fds[0], 2, 1, 1)
    read_sel(L, ring, fds[0], 2, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from reap_bids(L, ring, 2, "first")
    fill(L, br, bufs, 2)
    read_sel(L, ring, fds[0], 2, 1, 3)
    read_sel(L, ring, fds[0], 2, 1, 4)
    yield from L.io_uring_submit(ring)
    yield from reap_bids(L, ring, 2, "second")
    L.record("bufs", [bytes(b) for b in bufs])
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 1, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-recv", tags=(*TAGS, "net"))
def lp_ring_recv(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT from a buffer ring: the first buffer (id 3) takes the data; a
    RECV that waits does not consume a buffer; the one woken by the next send takes id 4."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    br = yield from buf_ring(L, ring, 8, 2)
    bufs = [bytearray(8) for _ in range(2)]
    fill(L, br, bufs, 8, 3)
    yield from L.send(sv[1], b"first", 5, 0)
    recv_sel(L, ring, sv[0], 8, 2, 1)
    yield from submit_and_reap(L, ring, 1)
    recv_sel(L, ring, sv[0], 8, 2, 2)
    yield from L.io_uring_submit(ring)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head-waiting", head[0])
    yield from L.send(sv[1], b"second", 6, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head", head[0])
    L.record("bufs", [bytes(b) for b in bufs])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-recv-eof", tags=(*TAGS, "net"))
def lp_ring_recv_eof(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT from a buffer ring at end of stream: 0 without a buffer flag and
    the head does not move."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    br = yield from buf_ring(L, ring, 2, 2)
    fill(L, br, [bytearray(8)], 2)
    yield from L.close(sv[1])
    recv_sel(L, ring, sv[0], 8, 2, 1)
    yield from submit_and_reap(L, ring, 1)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-read-error", tags=TAGS)
def lp_ring_read_error(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT from a buffer ring on the write end of a pipe: -EBADF with the
    buffer's flag and id; the head stays where it was (the failed transfer consumed nothing), so the
    next READ takes the same buffer."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from buf_ring(L, ring, 2, 1)
    bufs = [bytearray(4), bytearray(4)]
    fill(L, br, bufs, 2, 40)
    read_sel(L, ring, fds[1], 4, 1, 1)
    yield from submit_and_reap(L, ring, 1)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 1, head)
    L.record("head", head[0])
    yield from L.write(fds[1], b"data", 4)
    read_sel(L, ring, fds[0], 4, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("bufs", [bytes(b) for b in bufs])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-regular-file", tags=TAGS)
def lp_ring_regular_file(L: Any) -> Gen:
    """A buffer ring feeding READs of a regular file (not pollable: the buffer is consumed when it is
    selected): ids 0 and 1 in order, the head 2, also for a read past the end (0)."""
    ring = yield from new_ring(L)
    fd = yield from L.open("pbuf-ring-file", L.O_RDWR | L.O_CREAT | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"filedata", 8)
    br = yield from buf_ring(L, ring, 4, 3)
    bufs = [bytearray(4) for _ in range(3)]
    fill(L, br, bufs, 4)
    read_sel(L, ring, fd, 4, 3, 1, off=0)
    read_sel(L, ring, fd, 4, 3, 2, off=4)
    read_sel(L, ring, fd, 4, 3, 3, off=64)
    yield from submit_and_reap(L, ring, 3)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 3, head)
    L.record("head", head[0])
    L.record("bufs", [bytes(b) for b in bufs])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-inc", tags=TAGS)
def lp_ring_inc(L: Any) -> Gen:
    """An incremental buffer ring (IOU_PBUF_RING_INC) with one 8-byte buffer: a 3-byte READ uses part
    of it and the CQE says IORING_CQE_F_BUF_MORE; the next READ continues in the same buffer after
    those bytes; a READ that fills it exactly ends it (no BUF_MORE) and the head moves on."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from buf_ring(L, ring, 2, 1, IOU_PBUF_RING_INC)
    mem = bytearray(8)
    fill(L, br, [mem], 2, 9)
    yield from L.write(fds[1], b"abc", 3)
    read_sel(L, ring, fds[0], 0, 1, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"defgh", 5)
    read_sel(L, ring, fds[0], 0, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 1, head)
    L.record("head", head[0])
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-register-errors", tags=TAGS)
def lp_ring_register_errors(L: Any) -> Gen:
    """IORING_REGISTER_PBUF_RING's checks: ring entries not a power of two or 65536 are -EINVAL, unknown
    flags -EINVAL, reserved words -EINVAL, a NULL ring address -EFAULT, a NULL argument or nr_args 2
    -EINVAL; a second ring for the same group -EEXIST, and so is a ring for a legacy group holding
    buffers."""
    ring = yield from new_ring(L)
    for label, nentries in (("entries-3", 3), ("entries-65536", 65536), ("entries-0", 0)):
        err = [0]
        br = yield from L.io_uring_setup_buf_ring(ring, nentries, 1, 0, err)
        L.record(label, err[0])
        assert br is None or True
    err = [0]
    yield from L.io_uring_setup_buf_ring(ring, 4, 1, 4, err)
    L.record("flags-4", err[0])
    reg = L.BufReg(ring_addr=None, ring_entries=4, bgid=1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    reg = L.BufReg(ring_addr=None, ring_entries=4, bgid=1, resv=[0, 1, 0])
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, None, 1)
    reg = L.BufReg(ring_addr=None, ring_entries=4, bgid=1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 2)
    yield from buf_ring(L, ring, 4, 1)
    err = [0]
    yield from L.io_uring_setup_buf_ring(ring, 4, 1, 0, err)
    L.record("twice", err[0])
    provide(L, ring, bytearray(8), 8, 1, 2, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_setup_buf_ring(ring, 4, 2, 0, err)
    L.record("legacy-busy", err[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-unaligned", tags=TAGS)
def lp_ring_unaligned(L: Any) -> Gen:
    """IORING_REGISTER_PBUF_RING with a ring address that is not page aligned is -EINVAL; a page-aligned
    address with nothing mapped is -EFAULT; IOU_PBUF_RING_MMAP (kernel memory) with no address is 0."""
    ring = yield from new_ring(L)
    for bgid, addr in ((1, 0x1008), (2, 0x10000)):
        reg = L.BufReg(ring_addr=addr, ring_entries=4, bgid=bgid)
        yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    reg = L.BufReg(ring_addr=None, ring_entries=4, bgid=3, flags=IOU_PBUF_RING_MMAP)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    yield from L.io_uring_unregister_buf_ring(ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-unregister", tags=TAGS)
def lp_ring_unregister(L: Any) -> Gen:
    """IORING_UNREGISTER_PBUF_RING: a group never registered is -ENOENT, a legacy group -EINVAL, flags
    -EINVAL; a registered ring unregisters (0), after which a READ from its group is -ENOBUFS and the
    group can be registered again."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    yield from L.io_uring_unregister_buf_ring(ring, 6)
    provide(L, ring, bytearray(8), 8, 1, 7, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_buf_ring(ring, 7)
    br = yield from buf_ring(L, ring, 2, 6)
    fill(L, br, [bytearray(4)], 2)
    reg = L.BufReg(bgid=6, flags=1)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_PBUF_RING, reg, 1)
    yield from L.io_uring_free_buf_ring(ring, br, 2, 6)
    yield from L.write(fds[1], b"zz", 2)
    read_sel(L, ring, fds[0], 2, 6, 2)
    yield from submit_and_reap(L, ring, 1)
    br = yield from buf_ring(L, ring, 2, 6)
    L.record("again", br is not None)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-status-errors", tags=TAGS)
def lp_ring_status_errors(L: Any) -> Gen:
    """IORING_REGISTER_PBUF_STATUS: a group never registered is -ENOENT, a legacy group -EINVAL,
    reserved words -EINVAL, nr_args other than 1 -EINVAL; a fresh ring's head is 0."""
    ring = yield from new_ring(L)
    head = [7]
    yield from L.io_uring_buf_ring_head(ring, 3, head)
    provide(L, ring, bytearray(8), 8, 1, 4, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_buf_ring_head(ring, 4, head)
    yield from buf_ring(L, ring, 2, 3)
    st = L.BufStatus(buf_group=3, resv=[0, 0, 1, 0, 0, 0, 0, 0])
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_STATUS, st, 1)
    st = L.BufStatus(buf_group=3)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_STATUS, st, 0)
    yield from L.io_uring_buf_ring_head(ring, 3, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-provide-into-ring-group", tags=TAGS)
def lp_provide_into_ring_group(L: Any) -> Gen:
    """PROVIDE_BUFFERS and REMOVE_BUFFERS on a group that is a buffer ring: both -EINVAL; an emptied
    legacy group can become a ring (its registration is 0)."""
    ring = yield from new_ring(L)
    yield from buf_ring(L, ring, 2, 1)
    provide(L, ring, bytearray(8), 8, 1, 1, 0, 1)
    remove(L, ring, 1, 1, 2)
    provide(L, ring, bytearray(8), 8, 1, 2, 0, 3)
    remove(L, ring, 1, 2, 4)
    yield from submit_and_reap(L, ring, 4)
    yield from buf_ring(L, ring, 2, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-cancel-held", tags=TAGS)
def lp_read_cancel_held(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT waiting on an empty pipe holds its legacy buffer; cancelled
    (io_uring_prep_cancel64(3)), it completes -ECANCELED naming that buffer, which is consumed:
    REMOVE_BUFFERS then finds only the other one."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    provide(L, ring, bytearray(16), 8, 2, 1, 30, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 8, 1, 2)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    remove(L, ring, 8, 1, 4)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-ring-cancel-waiting", tags=TAGS)
def lp_ring_cancel_waiting(L: Any) -> Gen:
    """A READ with IOSQE_BUFFER_SELECT from a buffer ring waiting on an empty pipe holds no buffer:
    cancelled, it completes -ECANCELED without a buffer flag and the head is still 0."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from buf_ring(L, ring, 2, 1)
    fill(L, br, [bytearray(4)], 2)
    read_sel(L, ring, fds[0], 4, 1, 1)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    head = [9]
    yield from L.io_uring_buf_ring_head(ring, 1, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-cancel-waiting", tags=(*TAGS, "net"))
def lp_recv_cancel_waiting(L: Any) -> Gen:
    """A RECV with IOSQE_BUFFER_SELECT waiting on an empty socket gave its legacy buffer back:
    cancelled, it completes -ECANCELED without a buffer flag, and the buffer is still in the group."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(8), 8, 1, 1, 5, 1)
    yield from submit_and_reap(L, ring, 1)
    recv_sel(L, ring, sv[0], 8, 1, 2)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    remove(L, ring, 8, 1, 4)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-nowait", tags=TAGS)
def lp_read_nowait(L: Any) -> Gen:
    """READ with IOSQE_BUFFER_SELECT and RWF_NOWAIT on an empty pipe: -EAGAIN; a legacy buffer is
    named by the CQE and consumed, a ring buffer is not (no flag, the head stays 0).  A provided
    buffer at an address with nothing mapped: the READ of queued data fails -EFAULT, naming it."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    provide(L, ring, bytearray(16), 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    sqe = read_sel(L, ring, fds[0], 8, 1, 2)
    sqe.rw_flags = RWF_NOWAIT
    yield from submit_and_reap(L, ring, 1)
    br = yield from buf_ring(L, ring, 2, 2)
    fill(L, br, [bytearray(4)], 2)
    sqe = read_sel(L, ring, fds[0], 8, 2, 3)
    sqe.rw_flags = RWF_NOWAIT
    yield from submit_and_reap(L, ring, 1)
    head = [9]
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head", head[0])
    remove(L, ring, 8, 1, 4)
    provide(L, ring, 0x1000, 8, 1, 3, 50, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.write(fds[1], b"abc", 3)
    read_sel(L, ring, fds[0], 8, 3, 6)
    yield from submit_and_reap(L, ring, 1)
    remove(L, ring, 8, 3, 7)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-read-iopoll", tags=TAGS)
def lp_read_iopoll(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring PROVIDE_BUFFERS is accepted; a READ with IOSQE_BUFFER_SELECT from
    a pipe takes its buffer before the file is refused (-EOPNOTSUPP, naming the buffer, which is
    consumed); from an empty group it is -ENOBUFS."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    fds = yield from new_pipe(L)
    provide(L, ring, bytearray(16), 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 8, 1, 2)
    read_sel(L, ring, fds[0], 8, 5, 3)
    yield from submit_and_reap(L, ring, 2)
    remove(L, ring, 8, 1, 4)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-waitall", tags=(*TAGS, "net"))
def lp_recv_waitall(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT and MSG_WAITALL for 6 bytes: 3 queued, the rest sent later; the
    RECV keeps its buffer while it waits for the rest and completes with 6 in one buffer (id 0)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"abc", 3, 0)
    recv_sel(L, ring, sv[0], 6, 1, 2, flags=MSG_WAITALL)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"defgh", 5, 0)
    yield from reap(L, ring, 1)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-provide-group-cap", tags=TAGS)
def lp_provide_group_cap(L: Any) -> Gen:
    """A legacy group holds at most 65535 buffers: providing 65535 then one more gives 0 then
    -EOVERFLOW; providing 65536 at once gives 0 and adds 65535 (REMOVE_BUFFERS counts them)."""
    ring = yield from new_ring(L)
    mem = bytearray(65536)
    provide(L, ring, mem, 1, 65535, 9, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    provide(L, ring, mem, 1, 1, 9, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    remove(L, ring, 65536, 9, 3)
    yield from submit_and_reap(L, ring, 1)
    provide(L, ring, mem, 1, 65536, 10, 0, 4)
    yield from submit_and_reap(L, ring, 1)
    remove(L, ring, 65536, 10, 5)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


def send_sel(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_send(sqe, fd, None, length, 0)
    sqe.buf_group = bgid
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, BS)
    return sqe


@scenario("lp-send-select", tags=(*TAGS, "net"))
def lp_send_select(L: Any) -> Gen:
    """SEND with IOSQE_BUFFER_SELECT sends a provided buffer: from a missing group -ENOENT; a legacy
    buffer goes whole whatever the length asked (5 and 5, ids 3 and 4); a ring buffer is cut to the
    length asked (6 with length 0, then 3 of 6), the head moving on by one each; to a closed peer
    -EPIPE, still naming (and consuming) the buffer."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    send_sel(L, ring, sv[0], 4, 1, 1)
    yield from submit_and_reap(L, ring, 1)
    provide(L, ring, bytearray(b"helloworld"), 5, 2, 1, 3, 2)
    yield from submit_and_reap(L, ring, 1)
    send_sel(L, ring, sv[0], 0, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    send_sel(L, ring, sv[0], 2, 1, 4)
    yield from submit_and_reap(L, ring, 1)
    buf = bytearray(32)
    n = yield from L.recv(sv[1], buf, 32, 0)
    L.record("got", bytes(buf[: max(n, 0)]))
    br = yield from buf_ring(L, ring, 4, 2)
    fill(L, br, [bytearray(b"abcdef"), bytearray(b"ghijkl")], 4, 7)
    send_sel(L, ring, sv[0], 0, 2, 5)
    yield from submit_and_reap(L, ring, 1)
    send_sel(L, ring, sv[0], 3, 2, 6)
    yield from submit_and_reap(L, ring, 1)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head", head[0])
    n = yield from L.recv(sv[1], buf, 32, 0)
    L.record("got2", bytes(buf[: max(n, 0)]))
    provide(L, ring, bytearray(8), 8, 1, 3, 0, 7)
    yield from submit_and_reap(L, ring, 1)
    yield from L.close(sv[1])
    send_sel(L, ring, sv[0], 4, 3, 8)
    remove(L, ring, 8, 3, 9)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-async-wait", tags=(*TAGS, "net"))
def lp_async_wait(L: Any) -> Gen:
    """IOSQE_ASYNC READs and a RECV with IOSQE_BUFFER_SELECT on an empty pipe and socket: io-wq takes
    the buffer (a ring buffer is consumed at once there) and the request completes with it once data
    comes: a legacy buffer (id 0, the other one still in the group), ring buffers (ids 0 and 1, the
    head 2)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(16), 8, 2, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    read_sel(L, ring, fds[0], 8, 1, 2, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"legacy", 6)
    yield from reap(L, ring, 1)
    remove(L, ring, 8, 1, 3)
    yield from submit_and_reap(L, ring, 1)
    br = yield from buf_ring(L, ring, 4, 2)
    bufs = [bytearray(8), bytearray(8)]
    fill(L, br, bufs, 4)
    read_sel(L, ring, fds[0], 8, 2, 4, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"ring", 4)
    yield from reap(L, ring, 1)
    recv_sel(L, ring, sv[0], 8, 2, 5, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"sock", 4, 0)
    yield from reap(L, ring, 1)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 2, head)
    L.record("head", head[0])
    L.record("bufs", [bytes(b) for b in bufs])
    yield from L.io_uring_queue_exit(ring)


# -- multishot RECV ------------------------------------------------------------------------
def recv_mshot(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = recv_sel(L, ring, fd, length, bgid, user_data, sqe_flags=sqe_flags)
    sqe.ioprio = IORING_RECV_MULTISHOT
    return sqe


@scenario("lp-recv-multishot", tags=(*TAGS, "net"))
def lp_recv_multishot(L: Any) -> Gen:
    """A multishot RECV (IORING_RECV_MULTISHOT with IOSQE_BUFFER_SELECT) posts one CQE with
    IORING_CQE_F_MORE per receive, each in the next buffer (ids 0, 1, 2; 12 bytes into 8-byte
    buffers: 8 with IORING_CQE_F_SOCK_NONEMPTY, then 4), and stays armed; with the group empty the
    next data ends it with -ENOBUFS (no F_MORE)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(24), 8, 3, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    recv_mshot(L, ring, sv[0], 0, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"one", 3, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[1], b"twotwotwotwo", 12, 0)
    yield from reap(L, ring, 2)
    yield from L.send(sv[1], b"x", 1, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-multishot-end", tags=(*TAGS, "net"))
def lp_recv_multishot_end(L: Any) -> Gen:
    """A multishot RECV ends with 0 (no F_MORE, no buffer named) at end of stream; one with a length
    is accepted (each receive bounded by it: 4 of 10 bytes, then the rest); one cancelled while it
    waits ends with -ECANCELED; multishot without IOSQE_BUFFER_SELECT, or with MSG_WAITALL, is
    -EINVAL."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(64), 8, 8, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    recv_mshot(L, ring, sv[0], 4, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"0123456789", 10, 0)
    yield from reap(L, ring, 3)
    cancel(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_recv(sqe, sv[0], bytearray(8), 8, 0)
    sqe.ioprio = IORING_RECV_MULTISHOT
    L.io_uring_sqe_set_data64(sqe, 4)
    yield from submit_and_reap(L, ring, 1)
    recv_mshot(L, ring, sv[0], 0, 1, 5).msg_flags = MSG_WAITALL
    yield from submit_and_reap(L, ring, 1)
    recv_mshot(L, ring, sv[0], 0, 1, 6)
    yield from L.io_uring_submit(ring)
    yield from L.close(sv[1])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-multishot-ring", tags=(*TAGS, "net"))
def lp_recv_multishot_ring(L: Any) -> Gen:
    """A multishot RECV from a buffer ring on a ring whose CQ holds 8: 36 bytes into 4-byte buffers
    give 8 CQEs with F_MORE, then, the CQ being full, a last one without it that ends the request
    (it waits on the overflow list); the ring's head has moved past the 9 buffers used."""
    ring = yield from new_ring(L, 4)
    sv = yield from socketpair(L)
    br = yield from buf_ring(L, ring, 16, 1)
    fill(L, br, [bytearray(4) for _ in range(16)], 16)
    recv_mshot(L, ring, sv[0], 0, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[1], b"0123456789abcdefghijklmnopqrstuvwxyz", 36, 0)
    yield from reap(L, ring, 9)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 1, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lp-recv-multishot-async", tags=(*TAGS, "net"))
def lp_recv_multishot_async(L: Any) -> Gen:
    """An IOSQE_ASYNC multishot RECV with 12 bytes already queued: 8 and 4 (ids 0 and 1, F_MORE), then
    3 more when sent (id 2); cancelled, it ends with -ECANCELED."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(32), 8, 4, 1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"twotwotwotwo", 12, 0)
    recv_mshot(L, ring, sv[0], 0, 1, 2, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.send(sv[1], b"abc", 3, 0)
    yield from reap(L, ring, 1)
    cancel(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
