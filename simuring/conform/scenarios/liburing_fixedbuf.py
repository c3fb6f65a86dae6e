"""Registered (fixed) buffers (``lb-*``): IORING_REGISTER_BUFFERS,
IORING_UNREGISTER_BUFFERS, IORING_REGISTER_BUFFERS2 (tags, sparse tables),
IORING_REGISTER_BUFFERS_UPDATE, and the READ_FIXED / WRITE_FIXED,
READV_FIXED / WRITEV_FIXED and NOP_FIXED_BUFFER requests that use them, written in our own words from what liburing's tests check
(read-write.c, fixed-buf-iter.c, register-restrictions-free buffers,
rsrc_tags.c, the buffer parts of file-register.c).

A fixed request names a registered buffer by ``buf_index`` and a range
inside it by ``addr`` and ``len``: the scenarios pass a slice of the
registered ``bytearray`` (``memoryview(buf)[off:]``) as ``addr``, which the
real side passes at its real address and the simulator locates in the
registered memory.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    make_file,
    new_pipe,
    new_ring,
    nop,
    prep_named,
    reap,
    reap_ready,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_NOP_FIXED_BUFFER,
    IORING_OP_READ_FIXED,
    IORING_OP_WRITE_FIXED,
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_BUFFERS2,
    IORING_REGISTER_BUFFERS_UPDATE,
    IORING_RSRC_REGISTER_SPARSE,
    IORING_SETUP_IOPOLL,
    IORING_UNREGISTER_BUFFERS,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
)

TAGS = ("liburing", "fixedbuf")
BAD_FD = 1000  # not open in the scenario's process


def fixed(
    L: Any,
    ring: Any,
    op: int,
    fd: int,
    buf: Any,
    nbytes: int,
    offset: int,
    index: int,
    user_data: int,
    sqe_flags: int | None = None,
) -> Any:
    """Queue a READ_FIXED or WRITE_FIXED of ``nbytes`` at ``buf`` (inside registered buffer
    ``index``) with ``user_data``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    if op == IORING_OP_READ_FIXED:
        L.io_uring_prep_read_fixed(sqe, fd, buf, nbytes, offset, index)
    else:
        L.io_uring_prep_write_fixed(sqe, fd, buf, nbytes, offset, index)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags is not None:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def pattern(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def new_file(L: Any, name: str, data: bytes = b"") -> Gen:
    """A regular file opened O_RDWR holding ``data``; its fd."""
    fd = yield from L.open(name, L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    if data:
        yield from L.write(fd, data, len(data))
    return fd


# -- registration ---------------------------------------------------------------------------------------
@scenario("lb-register-unregister", tags=TAGS)
def lb_register_unregister(L: Any) -> Gen:
    """io_uring_register_buffers(3) then io_uring_unregister_buffers(3): both 0; a second
    unregistration finds nothing (-ENXIO), and the table can be registered again."""
    ring = yield from new_ring(L, 4)
    bufs = [bytearray(4096), bytearray(100)]
    yield from L.io_uring_register_buffers(ring, bufs, 2)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_register_buffers(ring, bufs[:1], 1)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register-busy", tags=TAGS)
def lb_register_busy(L: Any) -> Gen:
    """A second IORING_REGISTER_BUFFERS or BUFFERS2 while a table is registered is -EBUSY,
    a sparse one too; a NULL array is -EFAULT before that check."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(64)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    yield from L.io_uring_register_buffers_sparse(ring, 4)
    yield from L.io_uring_register_buffers_tags(ring, [buf], [5], 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, None, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register-counts", tags=TAGS)
def lb_register_counts(L: Any) -> Gen:
    """io_uring_register(2): 0 buffers or more than 16384 (IORING_MAX_REG_BUFFERS) is -EINVAL,
    checked before the array is read; a NULL array is -EFAULT; a sparse table of exactly
    16384 slots is accepted."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(64)
    yield from L.io_uring_register_buffers(ring, [buf], 0)
    yield from L.io_uring_register_buffers(ring, [buf], 16385)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, None, 0)
    yield from L.io_uring_register_buffers_sparse(ring, 16385)
    yield from L.io_uring_register_buffers_sparse(ring, 16384)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register-iovec-errors", tags=TAGS)
def lb_register_iovec_errors(L: Any) -> Gen:
    """Each iovec is validated: a NULL base with a length is -EFAULT, a length of 0 with a base
    -EFAULT, more than 1 GiB -EFAULT, a range that wraps the address space -EOVERFLOW, an
    unmapped address -EFAULT, a length negative as a ssize_t -EINVAL; nothing stays registered
    after a failure."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(4096)
    cases = (
        L.Iovec(None, 4096),
        L.Iovec(buf, 0),
        bytearray(0),
        L.Iovec(buf, (1 << 30) + 1),
        L.Iovec(0xFFFF_FFFF_FFFF_F000, 0x2000),
        L.Iovec(4096, 4096),
        L.Iovec(buf, -1),
    )
    for iov in cases:
        yield from L.io_uring_register_buffers(ring, [iov], 1)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register-null-entry", tags=TAGS)
def lb_register_null_entry(L: Any) -> Gen:
    """An iovec with a NULL base and a zero length is an empty slot: the registration succeeds,
    and a READ_FIXED naming that slot is -EFAULT while the next slot works."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    yield from L.io_uring_register_buffers(ring, [None, buf], 2)
    yield from L.write(fds[1], b"abcdefgh", 8)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 4, 0, 0, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 4, 0, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register-partial-failure", tags=TAGS)
def lb_register_partial_failure(L: Any) -> Gen:
    """A registration whose third iovec is bad fails as a whole: -EFAULT, nothing registered
    (unregister: -ENXIO), and a READ_FIXED of the good first buffer is -EFAULT."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    a, b = bytearray(32), bytearray(32)
    yield from L.io_uring_register_buffers(ring, [a, b, L.Iovec(None, 8)], 3)
    yield from L.write(fds[1], b"xyz", 3)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], a, 3, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-unregister-args", tags=TAGS)
def lb_unregister_args(L: Any) -> Gen:
    """IORING_UNREGISTER_BUFFERS takes no argument: a non-NULL arg or a non-zero nr_args is
    -EINVAL (the table stays), without a table it is -ENXIO."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(64)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 0)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, [buf], 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-register2-struct-checks", tags=TAGS)
def lb_register2_struct_checks(L: Any) -> Gen:
    """IORING_REGISTER_BUFFERS2: nr_args must be sizeof(struct io_uring_rsrc_register) (else
    -EINVAL), a NULL struct is -EFAULT, nr 0, a non-zero resv2, an unknown flag, or
    IORING_RSRC_REGISTER_SPARSE with data are -EINVAL; a NULL data array is a sparse table."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(64)
    fd = ring.ring_fd
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, L.RsrcRegister(nr=1, data=[buf]), RSRC_REGISTER_SIZE - 1
    )
    yield from L.io_uring_register(fd, IORING_REGISTER_BUFFERS2, None, RSRC_REGISTER_SIZE)
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, L.RsrcRegister(nr=0, data=[buf]), RSRC_REGISTER_SIZE
    )
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, L.RsrcRegister(nr=1, resv2=1, data=[buf]), RSRC_REGISTER_SIZE
    )
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, L.RsrcRegister(nr=1, flags=2, data=[buf]), RSRC_REGISTER_SIZE
    )
    sparse_with_data = L.RsrcRegister(nr=1, flags=IORING_RSRC_REGISTER_SPARSE, data=[buf])
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, sparse_with_data, RSRC_REGISTER_SIZE
    )
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS2, L.RsrcRegister(nr=2), RSRC_REGISTER_SIZE
    )
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


# -- tags -----------------------------------------------------------------------------------------------
@scenario("lb-tags-unregister", tags=TAGS)
def lb_tags_unregister(L: Any) -> Gen:
    """io_uring_register_buffers_tags(3): unregistering posts one CQE per tagged buffer, its tag as
    user_data, res 0, flags 0, from the last slot to the first; untagged slots post nothing."""
    ring = yield from new_ring(L, 8)
    bufs = [bytearray(64), bytearray(64), bytearray(64), bytearray(64)]
    yield from L.io_uring_register_buffers_tags(ring, bufs, [11, 0, 33, 44], 4)
    L.record("before", reap_ready(L, ring))
    yield from L.io_uring_unregister_buffers(ring)
    L.record("after", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-empty-slot", tags=TAGS)
def lb_tags_empty_slot(L: Any) -> Gen:
    """A tag on an empty slot is -EINVAL: a NULL iovec with a tag, or a sparse table with tags;
    the failed registration posts no tag CQE for the slots before it."""
    ring = yield from new_ring(L, 8)
    buf = bytearray(64)
    yield from L.io_uring_register_buffers_tags(ring, [buf, None], [7, 8], 2)
    sparse = L.RsrcRegister(nr=2, flags=IORING_RSRC_REGISTER_SPARSE, tags=[0, 9])
    yield from L.io_uring_register(
        ring.ring_fd, IORING_REGISTER_BUFFERS2, sparse, RSRC_REGISTER_SIZE
    )
    yield from L.io_uring_register_buffers_tags(ring, [buf, None], [7, 0], 2)
    L.record("cqes", reap_ready(L, ring))
    yield from L.io_uring_unregister_buffers(ring)
    L.record("after", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-failed-register", tags=TAGS)
def lb_tags_failed_register(L: Any) -> Gen:
    """A tagged registration that fails on its last iovec posts no CQE for the tagged buffers it
    had already taken (their tags are cleared before they are dropped)."""
    ring = yield from new_ring(L, 8)
    a, b = bytearray(64), bytearray(64)
    yield from L.io_uring_register_buffers_tags(ring, [a, b, L.Iovec(b, 0)], [1, 2, 3], 3)
    L.record("cqes", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-update", tags=TAGS)
def lb_tags_update(L: Any) -> Gen:
    """io_uring_register_buffers_update_tag(3): replacing a tagged buffer posts the old tag's CQE
    (res 0), emptying a slot too; the new buffer's tag is posted when it goes in turn."""
    ring = yield from new_ring(L, 8)
    a, b, c = bytearray(64), bytearray(64), bytearray(64)
    yield from L.io_uring_register_buffers_tags(ring, [a, b], [100, 200], 2)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [c], [300], 1)
    L.record("replaced", reap_ready(L, ring))
    yield from L.io_uring_register_buffers_update_tag(ring, 1, [None], None, 1)
    L.record("emptied", reap_ready(L, ring))
    yield from L.io_uring_unregister_buffers(ring)
    L.record("unregistered", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-cq-order", tags=TAGS)
def lb_tags_cq_order(L: Any) -> Gen:
    """Tag CQEs go through the CQ like any other: completions already posted come first, the
    update's tag CQE after them, and a NOP submitted after the update after it."""
    ring = yield from new_ring(L, 8)
    a, b = bytearray(64), bytearray(64)
    yield from L.io_uring_register_buffers_tags(ring, [a], [77], 1)
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [b], [88], 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_unregister_buffers(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# -- updates --------------------------------------------------------------------------------------------
@scenario("lb-update-sparse", tags=TAGS)
def lb_update_sparse(L: Any) -> Gen:
    """io_uring_register_buffers_sparse(3) then an update fills slot 2 (1 done): a READ_FIXED
    with buf_index 2 reads into it, while the still empty slot 1 is -EFAULT."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(32)
    yield from L.io_uring_register_buffers_sparse(ring, 4)
    yield from L.io_uring_register_buffers_update_tag(ring, 2, [buf], None, 1)
    yield from L.write(fds[1], b"sparse!", 7)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 7, 0, 1, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 7, 0, 2, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("buf", bytes(buf[:8]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-update-errors", tags=TAGS)
def lb_update_errors(L: Any) -> Gen:
    """IORING_REGISTER_BUFFERS_UPDATE: without a table -ENXIO; an offset + nr past the table
    -EINVAL; one that wraps a u32 -EOVERFLOW (before the table is looked at); nr 0, a non-zero
    resv or resv2, or the wrong nr_args -EINVAL; a NULL struct -EFAULT."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(64)
    fd = ring.ring_fd
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [buf], None, 1)
    yield from L.io_uring_register_buffers_update_tag(ring, 0xFFFF_FFFF, [buf, buf], None, 2)
    yield from L.io_uring_register_buffers_sparse(ring, 2)
    yield from L.io_uring_register_buffers_update_tag(ring, 1, [buf, buf], None, 2)
    yield from L.io_uring_register_buffers_update_tag(ring, 0xFFFF_FFFF, [buf, buf], None, 2)
    yield from L.io_uring_register(
        fd,
        IORING_REGISTER_BUFFERS_UPDATE,
        L.RsrcUpdate2(offset=0, data=[buf], nr=0),
        RSRC_UPDATE2_SIZE,
    )
    yield from L.io_uring_register(
        fd,
        IORING_REGISTER_BUFFERS_UPDATE,
        L.RsrcUpdate2(resv=1, data=[buf], nr=1),
        RSRC_UPDATE2_SIZE,
    )
    yield from L.io_uring_register(
        fd,
        IORING_REGISTER_BUFFERS_UPDATE,
        L.RsrcUpdate2(data=[buf], nr=1, resv2=1),
        RSRC_UPDATE2_SIZE,
    )
    yield from L.io_uring_register(
        fd, IORING_REGISTER_BUFFERS_UPDATE, L.RsrcUpdate2(data=[buf], nr=1), RSRC_UPDATE2_SIZE + 8
    )
    yield from L.io_uring_register(fd, IORING_REGISTER_BUFFERS_UPDATE, None, RSRC_UPDATE2_SIZE)
    yield from L.io_uring_unregister_buffers(ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-update-partial", tags=TAGS)
def lb_update_partial(L: Any) -> Gen:
    """An update stops at its first bad entry and returns how many it did (the first bad entry
    alone is its error): a NULL base with a length, a zero length, a tag on an empty slot."""
    ring = yield from new_ring(L, 8)
    a, b = bytearray(64), bytearray(64)
    yield from L.io_uring_register_buffers_sparse(ring, 4)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [a, L.Iovec(None, 8), b], None, 3)
    yield from L.io_uring_register_buffers_update_tag(ring, 1, [L.Iovec(b, 0), a], None, 2)
    yield from L.io_uring_register_buffers_update_tag(ring, 2, [b, None], [5, 6], 2)
    yield from L.io_uring_register_buffers_update_tag(ring, 3, [None], [6], 1)
    L.record("cqes", reap_ready(L, ring))
    yield from L.io_uring_unregister_buffers(ring)
    L.record("after", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-update-replace-buffer", tags=TAGS)
def lb_update_replace_buffer(L: Any) -> Gen:
    """After an update puts buffer B in slot 0, a READ_FIXED at B with buf_index 0 lands in B;
    one at the old buffer A with that index is -EFAULT (A is no longer registered)."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    a, b = bytearray(16), bytearray(16)
    yield from L.io_uring_register_buffers(ring, [a], 1)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [b], None, 1)
    yield from L.write(fds[1], b"0123456789", 10)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], a, 4, 0, 0, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], b, 4, 0, 0, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("a", bytes(a[:4]))
    L.record("b", bytes(b[:4]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-update-empty-slot", tags=TAGS)
def lb_update_empty_slot(L: Any) -> Gen:
    """Updating a slot with a NULL iovec empties it: a READ_FIXED naming it is then -EFAULT."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [None], None, 1)
    yield from L.write(fds[1], b"data", 4)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 4, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# -- READ_FIXED / WRITE_FIXED ---------------------------------------------------------------------------
@scenario("lb-fixed-file-roundtrip", tags=TAGS)
def lb_fixed_file_roundtrip(L: Any) -> Gen:
    """io_uring_prep_write_fixed(3) writes a registered buffer to a file at an offset and
    io_uring_prep_read_fixed(3) reads it back into another: each returns the byte count and
    the data arrives in the user's buffer, as with READ / WRITE."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-roundtrip")
    src = bytearray(pattern(512, 3))
    dst = bytearray(512)
    yield from L.io_uring_register_buffers(ring, [src, dst], 2)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fd, src, 512, 128, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, dst, 512, 128, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("same", dst == src)
    L.record("head", bytes(dst[:8]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-offset-inside", tags=TAGS)
def lb_fixed_offset_inside(L: Any) -> Gen:
    """A fixed request may use any range inside its buffer: a READ_FIXED at buf + 100 for 50 bytes
    fills exactly those bytes; a WRITE_FIXED from buf + 10 for 20 bytes writes those."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-inside", pattern(200, 1))
    buf = bytearray(256)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[100:], 50, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    L.record("untouched-before", bytes(buf[96:100]))
    L.record("read", bytes(buf[100:150]) == pattern(50, 1))
    L.record("untouched-after", bytes(buf[150:154]))
    buf[10:30] = b"W" * 20
    fixed(L, ring, IORING_OP_WRITE_FIXED, fd, memoryview(buf)[10:], 20, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    out = bytearray(24)
    yield from L.lseek(fd, 0, L.SEEK_SET)
    yield from L.read(fd, out, 24)
    L.record("file", bytes(out))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-pipe", tags=TAGS)
def lb_fixed_pipe(L: Any) -> Gen:
    """READ_FIXED and WRITE_FIXED on a pipe: the write puts the buffer's bytes in the pipe, the
    read (asking for more than is there) returns what the pipe holds."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    src, dst = bytearray(b"hello fixed world"), bytearray(64)
    yield from L.io_uring_register_buffers(ring, [src, dst], 2)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fds[1], src, len(src), 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], dst, 64, 0, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("dst", bytes(dst[:20]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-no-buffers", tags=TAGS)
def lb_fixed_no_buffers(L: Any) -> Gen:
    """READ_FIXED and WRITE_FIXED with no registered buffers complete with -EFAULT, on a pipe and
    on a regular file alike."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    fd = yield from new_file(L, "/lb-nobufs", b"abc")
    buf = bytearray(16)
    yield from L.write(fds[1], b"abc", 3)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 3, 0, 0, 1)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fds[1], buf, 3, 0, 0, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 3, 0, 0, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-bad-index", tags=TAGS)
def lb_fixed_bad_index(L: Any) -> Gen:
    """A buf_index past the table, or a range of buffer 0 named with buf_index 1, is -EFAULT."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-badidx", b"0123456789")
    a, b = bytearray(16), bytearray(16)
    yield from L.io_uring_register_buffers(ring, [a, b], 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, a, 4, 0, 2, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, a, 4, 0, 0xFFFF, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, a, 4, 0, 1, 3)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, b, 4, 0, 1, 4)
    yield from submit_and_reap(L, ring, 4)
    L.record("a", bytes(a[:4]))
    L.record("b", bytes(b[:4]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-out-of-range", tags=TAGS)
def lb_fixed_out_of_range(L: Any) -> Gen:
    """The range addr..addr+len must lie inside the registered buffer (-EFAULT otherwise): one byte
    too long, a range running past the end from inside, NULL, an address whose end wraps; the
    exact end of the buffer is accepted."""
    ring = yield from new_ring(L, 8)
    fd = yield from new_file(L, "/lb-range", pattern(128))
    buf = bytearray(64)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 65, 0, 0, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[60:], 8, 0, 0, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, None, 8, 0, 0, 3)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, 0xFFFF_FFFF_FFFF_FFF0, 0x20, 0, 0, 4)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fd, memoryview(buf)[1:], 64, 0, 0, 5)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[56:], 8, 0, 0, 6)
    yield from submit_and_reap(L, ring, 6)
    L.record("tail", bytes(buf[56:64]) == pattern(8))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-zero-length", tags=TAGS)
def lb_fixed_zero_length(L: Any) -> Gen:
    """A READ_FIXED or WRITE_FIXED of 0 bytes at the start of a registered buffer completes with 0."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-zero", b"abc")
    buf = bytearray(16)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 0, 0, 0, 1)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fd, buf, 0, 0, 0, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-bad-fd", tags=TAGS)
def lb_fixed_bad_fd(L: Any) -> Gen:
    """The file is looked up before the buffer: a bad fd is -EBADF even when the buffer is bad
    too; with a good fd, the buffer's -EFAULT comes before the file's access mode (a
    WRITE_FIXED to a pipe's read end), which alone is -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    fixed(L, ring, IORING_OP_READ_FIXED, BAD_FD, buf, 4, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, BAD_FD, buf, 4, 0, 3, 2)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fds[0], buf, 4, 0, 3, 3)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fds[0], buf, 4, 0, 0, 4)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[1], buf, 4, 0, 0, 5)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-prep-errors", tags=TAGS)
def lb_fixed_prep_errors(L: Any) -> Gen:
    """READ_FIXED's prep checks the fields READ checks: a bad ioprio is -EINVAL, unknown rw_flags
    -EOPNOTSUPP at issue, RWF_HIPRI on a non-IOPOLL ring -EINVAL."""
    ring = yield from new_ring(L, 8)
    fd = yield from new_file(L, "/lb-prep", b"abcdef")
    buf = bytearray(16)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    sqe = fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 1)
    sqe.ioprio = 7 << 13  # a failed prep ends the submission: one request at a time
    yield from submit_and_reap(L, ring, 1)
    sqe = fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 2)
    sqe.rw_flags = 0x8000
    yield from submit_and_reap(L, ring, 1)
    sqe = fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 3)
    sqe.rw_flags = 0x1
    yield from submit_and_reap(L, ring, 1)
    sqe = fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 7, 4)
    sqe.ioprio = 7 << 13  # prep first: -EINVAL, not the buffer's -EFAULT
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-pending-pipe", tags=TAGS)
def lb_fixed_pending_pipe(L: Any) -> Gen:
    """A READ_FIXED on an empty pipe waits; a later write(2) completes it with the bytes written,
    which land in the registered buffer at the requested offset."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(32)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], memoryview(buf)[8:], 16, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"late", 4)
    yield from reap(L, ring, 1)
    L.record("buf", bytes(buf[:16]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-async", tags=TAGS)
def lb_fixed_async(L: Any) -> Gen:
    """IOSQE_ASYNC: a WRITE_FIXED and a READ_FIXED forced to io-wq look their buffer up there and
    complete as inline ones do."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-async")
    src, dst = bytearray(pattern(100, 9)), bytearray(100)
    yield from L.io_uring_register_buffers(ring, [src, dst], 2)
    fixed(L, ring, IORING_OP_WRITE_FIXED, fd, src, 100, 0, 0, 1, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, dst, 100, 0, 1, 2, IOSQE_ASYNC)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, dst, 100, 0, 5, 3, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    L.record("same", src == dst)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-link-short", tags=TAGS)
def lb_fixed_link_short(L: Any) -> Gen:
    """A short READ_FIXED (the file ends first) breaks its link chain, as a short READ does: the
    next request is cancelled (-ECANCELED); a failed one (-EFAULT) too."""
    ring = yield from new_ring(L, 8)
    fd = yield from new_file(L, "/lb-short", b"tiny")
    buf = bytearray(64)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 64, 0, 0, 1, IOSQE_IO_LINK)
    nop(L, ring, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 64, 0, 9, 3, IOSQE_IO_LINK)
    nop(L, ring, 4)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 5, IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 6)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-used-after-unregister", tags=TAGS)
def lb_fixed_used_after_unregister(L: Any) -> Gen:
    """After io_uring_unregister_buffers(3), a READ_FIXED that worked before is -EFAULT; after a
    new registration it works again."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-after", b"again")
    buf = bytearray(8)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 5, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_buffers(ring)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 5, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    buf[:] = bytes(8)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 5, 0, 0, 3)
    yield from submit_and_reap(L, ring, 1)
    L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-many-buffers", tags=TAGS)
def lb_fixed_many_buffers(L: Any) -> Gen:
    """Sixteen registered buffers, each read into through its own index from one file at its own
    offset: every buffer gets its own slice of the file."""
    ring = yield from new_ring(L, 16)
    data = pattern(16 * 32, 5)
    fd = yield from new_file(L, "/lb-many", data)
    bufs = [bytearray(32) for _ in range(16)]
    yield from L.io_uring_register_buffers(ring, bufs, 16)
    for i in range(16):
        fixed(L, ring, IORING_OP_READ_FIXED, fd, bufs[i], 32, 32 * i, i, 100 + i)
    yield from submit_and_reap(L, ring, 16)
    L.record("all", all(bytes(bufs[i]) == data[32 * i : 32 * (i + 1)] for i in range(16)))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-nop-fixed-buffer", tags=TAGS)
def lb_nop_fixed_buffer(L: Any) -> Gen:
    """A NOP with IORING_NOP_FIXED_BUFFER looks up buf_index: -EFAULT with no table, 0 for a
    registered buffer, -EFAULT past the table or for an empty slot."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(16)
    cases_before = ((1, 0),)
    for ud, index in cases_before:
        sqe = nop(L, ring, ud)
        sqe.nop_flags = IORING_NOP_FIXED_BUFFER
        sqe.buf_index = index
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_buffers(ring, [buf, None], 2)
    for ud, index in ((2, 0), (3, 1), (4, 2)):
        sqe = nop(L, ring, ud)
        sqe.nop_flags = IORING_NOP_FIXED_BUFFER
        sqe.buf_index = index
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-pending-request", tags=TAGS)
def lb_tags_pending_request(L: Any) -> Gen:
    """A READ_FIXED waiting on an empty pipe keeps its buffer: unregistering the table meanwhile
    succeeds, the read still completes into the buffer when data comes, and the buffer's tag CQE
    is posted once the request no longer uses it."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    yield from L.io_uring_register_buffers_tags(ring, [buf], [42], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 8, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_unregister_buffers(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"kept", 4)
    yield from reap(L, ring, 2)
    L.record("buf", bytes(buf[:4]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-tags-pending-update", tags=TAGS)
def lb_tags_pending_update(L: Any) -> Gen:
    """Updating the slot of a buffer a waiting READ_FIXED uses: the update succeeds at once, a new
    request with that index uses the new buffer, and the old buffer's tag CQE follows the waiting
    request's completion, which lands in the old buffer."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    other = yield from new_pipe(L)
    old, new = bytearray(16), bytearray(16)
    yield from L.io_uring_register_buffers_tags(ring, [old], [7], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], old, 8, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_register_buffers_update_tag(ring, 0, [new], [8], 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.write(other[1], b"new!", 4)
    fixed(L, ring, IORING_OP_READ_FIXED, other[0], new, 4, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"old!", 4)
    yield from reap(L, ring, 2)
    L.record("old", bytes(old[:4]))
    L.record("new", bytes(new[:4]))
    yield from L.io_uring_unregister_buffers(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-cancel-pending", tags=TAGS)
def lb_fixed_cancel_pending(L: Any) -> Gen:
    """A READ_FIXED waiting on an empty pipe can be cancelled (io_uring_prep_cancel64(3)): it
    completes with -ECANCELED; a tagged buffer unregistered while it waited posts its tag after."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    yield from L.io_uring_register_buffers_tags(ring, [buf], [5], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, 8, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_unregister_buffers(ring)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-eventfd", tags=TAGS)
def lb_fixed_eventfd(L: Any) -> Gen:
    """WRITE_FIXED of 8 bytes from a registered buffer to an eventfd adds the value, READ_FIXED of 8
    bytes reads the counter into the buffer (eventfd(2) through fixed buffers)."""
    ring = yield from new_ring(L, 4)
    efd = yield from L.eventfd(0, 0)
    buf = bytearray(16)
    buf[0:8] = (3).to_bytes(8, "little")
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_WRITE_FIXED, efd, buf, 8, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, efd, memoryview(buf)[8:], 8, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("value", int.from_bytes(bytes(buf[8:16]), "little"))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-iopoll", tags=TAGS)
def lb_fixed_iopoll(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring READ_FIXED is accepted at submission; it imports its buffer
    before it looks at the file: no buffer is -EFAULT, a buffered (not O_DIRECT) file with a good
    buffer -EOPNOTSUPP."""
    ring = yield from new_ring(L, 4, IORING_SETUP_IOPOLL)
    fd = yield from new_file(L, "/lb-iopoll", b"abcd")
    buf = bytearray(4096)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-last-slot", tags=TAGS)
def lb_fixed_last_slot(L: Any) -> Gen:
    """The largest table (16384 slots, sparse): an update fills slot 16383, which a READ_FIXED with
    buf_index 16383 uses; slot 16382 is still empty (-EFAULT)."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-last", b"last slot")
    buf = bytearray(16)
    yield from L.io_uring_register_buffers_sparse(ring, 16384)
    yield from L.io_uring_register_buffers_update_tag(ring, 16383, [buf], None, 1)
    yield from L.io_uring_register_buffers_update_tag(ring, 16383, [buf, buf], None, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 9, 0, 16383, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 9, 0, 16382, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("buf", bytes(buf[:9]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-shared-memory", tags=TAGS)
def lb_fixed_shared_memory(L: Any) -> Gen:
    """The same memory may be registered in two slots, and overlapping ranges too (the second half
    of a buffer as its own slot): each index accepts the ranges inside its own registration only."""
    ring = yield from new_ring(L, 8)
    fd = yield from new_file(L, "/lb-shared", pattern(64, 2))
    buf = bytearray(64)
    half = memoryview(buf)[32:]
    yield from L.io_uring_register_buffers(ring, [buf, buf, half], 3)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[40:], 8, 0, 1, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[48:], 8, 8, 2, 2)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[16:], 8, 0, 2, 3)
    yield from submit_and_reap(L, ring, 3)
    L.record("buf", bytes(buf[40:56]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-socket", tags=TAGS)
def lb_fixed_socket(L: Any) -> Gen:
    """READ_FIXED and WRITE_FIXED on a socketpair(2): the written bytes come out of the other end
    into the registered buffer."""
    ring = yield from new_ring(L, 4)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    src, dst = bytearray(b"over a socket"), bytearray(32)
    yield from L.io_uring_register_buffers(ring, [src, dst], 2)
    fixed(L, ring, IORING_OP_WRITE_FIXED, sv[0], src, len(src), 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, sv[1], dst, 32, 0, 1, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("dst", bytes(dst[:13]))
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-file-position", tags=TAGS)
def lb_fixed_file_position(L: Any) -> Gen:
    """An offset of -1 reads at the file position and advances it, with fixed buffers too: two
    READ_FIXED in a row read consecutive chunks, and lseek(2) then reports the new position."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-pos", b"0123456789abcdef")
    yield from L.lseek(fd, 2, L.SEEK_SET)
    buf = bytearray(8)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, buf, 4, -1, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixed(L, ring, IORING_OP_READ_FIXED, fd, memoryview(buf)[4:], 4, -1, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("buf", bytes(buf))
    yield from L.lseek(fd, 0, L.SEEK_CUR)
    yield from L.io_uring_queue_exit(ring)


# -- READV_FIXED / WRITEV_FIXED -------------------------------------------------------------------------
def fixedv(
    L: Any,
    ring: Any,
    write: bool,
    fd: int,
    iovecs: list[Any],
    nr: int,
    offset: int,
    index: int,
    user_data: int,
    flags: int = 0,
) -> Any:
    """Queue a READV_FIXED or WRITEV_FIXED of ``iovecs`` (ranges inside registered buffer ``index``)."""
    sqe = L.io_uring_get_sqe(ring)
    if write:
        L.io_uring_prep_writev_fixed(sqe, fd, iovecs, nr, offset, flags, index)
    else:
        L.io_uring_prep_readv_fixed(sqe, fd, iovecs, nr, offset, flags, index)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("lb-readv-fixed-scatter", tags=TAGS)
def lb_readv_fixed_scatter(L: Any) -> Gen:
    """io_uring_prep_readv_fixed(3): three ranges of one registered buffer, out of order, are filled
    one after the other from the file; io_uring_prep_writev_fixed(3) gathers ranges into the file."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-readv", pattern(48, 4))
    buf = bytearray(128)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    mv = memoryview(buf)
    fixedv(L, ring, False, fd, [mv[64:80], mv[0:16], mv[100:116]], 3, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    data = pattern(48, 4)
    L.record(
        "scatter",
        [
            bytes(buf[64:80]) == data[:16],
            bytes(buf[0:16]) == data[16:32],
            bytes(buf[100:116]) == data[32:],
        ],
    )
    buf[20:24] = b"ABCD"
    buf[40:44] = b"WXYZ"
    fixedv(L, ring, True, fd, [mv[40:44], mv[20:24]], 2, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    out = bytearray(8)
    yield from L.lseek(fd, 0, L.SEEK_SET)
    yield from L.read(fd, out, 8)
    L.record("gathered", bytes(out))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-readv-fixed-errors", tags=TAGS)
def lb_readv_fixed_errors(L: Any) -> Gen:
    """READV_FIXED's checks: at prep more than UIO_MAXIOV iovecs is -EINVAL, a huge count -ENOMEM, a
    NULL array -EFAULT, a negative iovec length -EINVAL; at issue no buffer, a range outside the
    buffer, an empty iovec or a bad index is -EFAULT; zero iovecs read 0 bytes."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-readv-err", b"0123456789")
    buf = bytearray(32)
    mv = memoryview(buf)
    fixedv(L, ring, False, fd, [mv[0:4]], 1, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    cases: tuple[tuple[int, list[Any] | None, int], ...] = (
        (2, [mv[0:4]] * 2, 1025),
        (3, [mv[0:4]], 0xFFFF_FFFF),
        (4, None, 1),
        (5, [L.Iovec(buf, -1)], 1),
        (6, [mv[0:4], bytearray(4)], 2),
        (7, [mv[0:4], L.Iovec(mv[8:], 0)], 2),
        (8, [mv[28:32], L.Iovec(mv[30:], 4)], 2),
        (9, [], 0),
        (10, [L.Iovec(mv[4:], 4)], 1),
    )
    for ud, iovecs, nr in cases:
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_readv_fixed(sqe, fd, iovecs if iovecs is not None else [], nr, 0, 0, 0)
        if iovecs is None:
            sqe.addr = None
        L.io_uring_sqe_set_data64(sqe, ud)
        yield from submit_and_reap(L, ring, 1)
    fixedv(L, ring, False, fd, [mv[0:4]], 1, 0, 1, 11)
    yield from submit_and_reap(L, ring, 1)
    L.record("buf", bytes(buf[:8]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-readv-fixed-order", tags=TAGS)
def lb_readv_fixed_order(L: Any) -> Gen:
    """READV_FIXED: a prep error (-EINVAL for 1025 iovecs) comes before a bad fd; a bad fd (-EBADF)
    before the buffer's -EFAULT; the buffer's -EFAULT before the access mode's -EBADF."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    mv = memoryview(buf)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixedv(L, ring, False, BAD_FD, [mv[0:4]] * 2, 1025, 0, 0, 1)
    yield from submit_and_reap(L, ring, 1)
    fixedv(L, ring, False, BAD_FD, [mv[0:4]], 1, 0, 3, 2)
    fixedv(L, ring, True, fds[0], [mv[0:4]], 1, 0, 3, 3)
    fixedv(L, ring, True, fds[0], [mv[0:4]], 1, 0, 0, 4)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-readv-fixed-pipe", tags=TAGS)
def lb_readv_fixed_pipe(L: Any) -> Gen:
    """A READV_FIXED on an empty pipe waits; written data fills its ranges in order; a WRITEV_FIXED
    to a socket gathers its ranges and a READV_FIXED from the other end scatters them."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    buf = bytearray(64)
    mv = memoryview(buf)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixedv(L, ring, False, fds[0], [mv[10:13], mv[20:30]], 2, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"abcdefg", 7)
    yield from reap(L, ring, 1)
    L.record("pipe", [bytes(buf[10:13]), bytes(buf[20:24])])
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    buf[40:44] = b"sock"
    buf[50:54] = b"pair"
    fixedv(L, ring, True, sv[0], [mv[50:54], mv[40:44]], 2, 0, 0, 2)
    yield from submit_and_reap(L, ring, 1)
    fixedv(L, ring, False, sv[1], [mv[0:2], mv[60:64], mv[30:32]], 3, 0, 0, 3)
    yield from submit_and_reap(L, ring, 1)
    L.record("sock", [bytes(buf[0:2]), bytes(buf[60:64]), bytes(buf[30:32])])
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lb-fixed-with-fixed-file", tags=TAGS)
def lb_fixed_with_fixed_file(L: Any) -> Gen:
    """A registered file and a registered buffer together (IOSQE_FIXED_FILE with READ_FIXED /
    WRITE_FIXED, as liburing's read-write test runs them): the fd is a slot of the file table, the
    buffer a slot of the buffer table; an empty file slot is -EBADF before the buffer is looked at."""
    ring = yield from new_ring(L, 4)
    fd = yield from new_file(L, "/lb-fixed-file")
    buf = bytearray(b"both registered!")
    yield from L.io_uring_register_files(ring, [-1, fd], 2)
    yield from L.io_uring_register_buffers(ring, [buf], 1)
    fixed(L, ring, IORING_OP_WRITE_FIXED, 1, buf, 16, 0, 0, 1, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 1)
    buf[:] = bytes(16)
    fixed(L, ring, IORING_OP_READ_FIXED, 1, memoryview(buf)[4:], 12, 4, 0, 2, IOSQE_FIXED_FILE)
    fixed(L, ring, IORING_OP_READ_FIXED, 0, buf, 4, 0, 9, 3, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 2)
    L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


# -- a registered file's tag held back by a request (rsrc_tags.c's file cases) ---------------------------
# Each scenario parks a READ on an empty pipe through registered file slot 0 (IOSQE_FIXED_FILE), tagged
# 10, then takes the file out of the slot one way or another: the slot's tag CQE waits for the read,
# which still reads from its pipe once data comes.
AT_FDCWD = -100
PENDING_TAG = 10


def pending_fixed_read(L: Any) -> Gen:
    """A ring, a pipe whose read end is registered in slot 0 with tag :data:`PENDING_TAG`, and a READ
    of 8 bytes through that slot (user_data 1) waiting on it; ``(ring, pipe fds, read buffer)``."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files_tags(ring, [fds[0]], [PENDING_TAG], 1)
    buf = bytearray(8)
    prep_named(L, ring, 1, "io_uring_prep_read", 0, buf, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from L.io_uring_submit(ring)
    return ring, fds, buf


def finish_pending_read(L: Any, ring: Any, fds: list[int], buf: bytearray) -> Gen:
    """Nothing is posted while the read waits; a write to the pipe completes it from the old file,
    and then the slot's tag CQE comes (both reaped in order); the pipe and the ring are closed."""
    L.record("ready before data", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"data", 4)
    yield from reap(L, ring, 2)
    L.record("read", bytes(buf[:4]))
    L.record("ready after", L.io_uring_cq_ready(ring))
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrt-files-update2-pending", tags=TAGS)
def lrt_files_update2_pending(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE2 (io_uring_register_files_update_tag(3)) replacing the slot of a
    waiting fixed-file READ succeeds at once; a READ through the slot then uses the new file, and the
    old slot's tag CQE follows the waiting READ's completion (rsrc_tags.c)."""
    ring, fds, buf = yield from pending_fixed_read(L)
    other = yield from new_pipe(L)
    yield from L.io_uring_register_files_update_tag(ring, 0, [other[0]], [20], 1)
    yield from L.write(other[1], b"new!", 4)
    fresh = bytearray(4)
    prep_named(L, ring, 2, "io_uring_prep_read", 0, fresh, 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 1)
    L.record("fresh", bytes(fresh))
    yield from finish_pending_read(L, ring, fds, buf)
    for fd in other:
        yield from L.close(fd)


@scenario("lrt-files-update-pending", tags=TAGS)
def lrt_files_update_pending(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE (io_uring_register_files_update(3)) emptying the slot of a waiting
    fixed-file READ: a READ through the now empty slot is -EBADF, the waiting one completes from its
    pipe, then the tag's CQE."""
    ring, fds, buf = yield from pending_fixed_read(L)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    prep_named(L, ring, 2, "io_uring_prep_read", 0, bytearray(4), 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 1)
    yield from finish_pending_read(L, ring, fds, buf)


@scenario("lrt-files-update-op-pending", tags=TAGS)
def lrt_files_update_op_pending(L: Any) -> Gen:
    """IORING_OP_FILES_UPDATE (io_uring_prep_files_update(3)) emptying the slot of a waiting fixed-file
    READ completes with 1 at once; the slot's tag CQE follows the READ's completion."""
    ring, fds, buf = yield from pending_fixed_read(L)
    prep_named(L, ring, 2, "io_uring_prep_files_update", [-1], 1, 0)
    yield from submit_and_reap(L, ring, 1)
    yield from finish_pending_read(L, ring, fds, buf)


@scenario("lrt-direct-install-pending", tags=TAGS)
def lrt_direct_install_pending(L: Any) -> Gen:
    """A direct open (io_uring_prep_openat_direct(3)) into the used slot of a waiting fixed-file READ
    replaces the file (result 0); the old slot's tag CQE follows the READ's completion."""
    ring, fds, buf = yield from pending_fixed_read(L)
    yield from make_file(L, "/lrt-install", b"file")
    prep_named(L, ring, 2, "io_uring_prep_openat_direct", AT_FDCWD, "/lrt-install", L.O_RDONLY, 0, 0)
    yield from submit_and_reap(L, ring, 1)
    yield from finish_pending_read(L, ring, fds, buf)


@scenario("lrt-close-direct-pending", tags=TAGS)
def lrt_close_direct_pending(L: Any) -> Gen:
    """CLOSE of the registered slot of a waiting fixed-file READ (io_uring_prep_close_direct(3))
    completes with 0 at once; the slot's tag CQE follows the READ's completion."""
    ring, fds, buf = yield from pending_fixed_read(L)
    prep_named(L, ring, 2, "io_uring_prep_close_direct", 0)
    yield from submit_and_reap(L, ring, 1)
    yield from finish_pending_read(L, ring, fds, buf)


@scenario("lrt-unregister-pending", tags=TAGS)
def lrt_unregister_pending(L: Any) -> Gen:
    """IORING_UNREGISTER_FILES while a fixed-file READ waits succeeds at once and posts nothing; the
    READ completes from its pipe, then the slot's tag CQE."""
    ring, fds, buf = yield from pending_fixed_read(L)
    yield from L.io_uring_unregister_files(ring)
    yield from finish_pending_read(L, ring, fds, buf)


@scenario("lrt-two-requests-pending", tags=TAGS)
def lrt_two_requests_pending(L: Any) -> Gen:
    """Two fixed-file READs waiting on the same slot, which is then emptied: the tag's CQE comes only
    after both have completed (the last reference to the slot's node)."""
    ring, fds, buf = yield from pending_fixed_read(L)
    second = bytearray(8)
    prep_named(L, ring, 2, "io_uring_prep_read", 0, second, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    yield from L.write(fds[1], b"one!", 4)
    yield from reap(L, ring, 1)
    L.record("ready after one", L.io_uring_cq_ready(ring))
    yield from finish_pending_read(L, ring, fds, second)


@scenario("lrt-cancel-pending", tags=TAGS)
def lrt_cancel_pending(L: Any) -> Gen:
    """A waiting fixed-file READ whose slot was emptied, then cancelled (io_uring_prep_cancel64(3)):
    the cancel's CQE, the READ's -ECANCELED, then the slot's tag CQE."""
    ring, fds, _ = yield from pending_fixed_read(L)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 3)
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- a registered file's tag held back by a SPLICE or TEE (SPLICE_F_FD_IN_FIXED) ---------------------------
# SPLICE and TEE always run in an io-wq worker, which looks their input slot up when it issues them
# (io_splice_get_file) and keeps a reference on that slot's node (the splice's own rsrc_node) until the
# request is freed; the output (IOSQE_FIXED_FILE) is the request's file, held as a READ's is.  Each scenario
# waits 20 ms after the submit for the worker to block on the empty input pipe before it touches a slot.
SPLICE_F_FD_IN_FIXED = 1 << 31
IOWQ_WAIT_NS = 20_000_000
OUT_TAG = 11


def pending_splice(L: Any, tee: bool, fixed_out: bool) -> Gen:
    """A ring, two pipes whose ends are registered in slot 0 (the first pipe's read end, tag
    :data:`PENDING_TAG`) and slot 1 (the second pipe's write end, tag :data:`OUT_TAG`), and a SPLICE (or a
    TEE) of 8 bytes (user_data 1) from slot 0 to slot 1 (``fixed_out``) or to the write end's descriptor,
    waiting in io-wq on the empty input; ``(ring, input pipe, output pipe)``."""
    ring = yield from new_ring(L, 8)
    fin = yield from new_pipe(L)
    fout = yield from new_pipe(L)
    yield from L.io_uring_register_files_tags(ring, [fin[0], fout[1]], [PENDING_TAG, OUT_TAG], 2)
    out, sqe_flags = (1, IOSQE_FIXED_FILE) if fixed_out else (fout[1], 0)
    if tee:
        prep_named(L, ring, 1, "io_uring_prep_tee", 0, out, 8, SPLICE_F_FD_IN_FIXED, sqe_flags=sqe_flags)
    else:
        prep_named(L, ring, 1, "io_uring_prep_splice", 0, -1, out, -1, 8, SPLICE_F_FD_IN_FIXED, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(IOWQ_WAIT_NS)
    return ring, fin, fout


def finish_pending_splice(L: Any, ring: Any, fin: list[int], fout: list[int], n: int) -> Gen:
    """Nothing is posted while the SPLICE waits; a write to its input completes it, and ``n`` CQEs are
    reaped in order (its own, then the tags' it held); the bytes it moved are read from the output."""
    L.record("ready before data", L.io_uring_cq_ready(ring))
    yield from L.write(fin[1], b"data", 4)
    yield from reap(L, ring, n)
    out = bytearray(8)
    got = yield from L.read(fout[0], out, 8)
    L.record("moved", bytes(out[: max(got, 0)]))
    L.record("ready after", L.io_uring_cq_ready(ring))
    for fd in (*fin, *fout):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrt-splice-in-update-pending", tags=TAGS)
def lrt_splice_in_update_pending(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE emptying the input slot of a waiting SPLICE (SPLICE_F_FD_IN_FIXED)
    succeeds at once and posts nothing; a SPLICE from the now empty slot is -EBADF; the waiting one still
    moves its pipe's bytes, and the slot's tag CQE follows its CQE."""
    ring, fin, fout = yield from pending_splice(L, tee=False, fixed_out=False)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    L.record("ready after update", L.io_uring_cq_ready(ring))
    prep_named(L, ring, 2, "io_uring_prep_splice", 0, -1, fout[1], -1, 8, SPLICE_F_FD_IN_FIXED)
    yield from submit_and_reap(L, ring, 1)
    yield from finish_pending_splice(L, ring, fin, fout, 2)


@scenario("lrt-tee-in-update-pending", tags=TAGS)
def lrt_tee_in_update_pending(L: Any) -> Gen:
    """A TEE whose input is a fixed slot holds the slot as a SPLICE does: the slot emptied while it waits,
    its tag CQE comes after the TEE's."""
    ring, fin, fout = yield from pending_splice(L, tee=True, fixed_out=False)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    yield from finish_pending_splice(L, ring, fin, fout, 2)


@scenario("lrt-splice-in-update2-pending", tags=TAGS)
def lrt_splice_in_update2_pending(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE2 (io_uring_register_files_update_tag(3)) replacing the input slot of a
    waiting SPLICE with another pipe (tag 20): a SPLICE_F_NONBLOCK SPLICE from the slot reads the new pipe;
    the waiting one reads its old pipe, then the old tag's CQE."""
    ring, fin, fout = yield from pending_splice(L, tee=False, fixed_out=False)
    other = yield from new_pipe(L)
    yield from L.io_uring_register_files_update_tag(ring, 0, [other[0]], [20], 1)
    yield from L.write(other[1], b"new!", 4)
    prep_named(L, ring, 2, "io_uring_prep_splice", 0, -1, fout[1], -1, 4, SPLICE_F_FD_IN_FIXED | 0x02)
    yield from submit_and_reap(L, ring, 1)
    fresh = bytearray(4)
    yield from L.read(fout[0], fresh, 4)
    L.record("fresh", bytes(fresh))
    yield from finish_pending_splice(L, ring, fin, fout, 2)
    for fd in other:
        yield from L.close(fd)


@scenario("lrt-splice-in-unregister-pending", tags=TAGS)
def lrt_splice_in_unregister_pending(L: Any) -> Gen:
    """IORING_UNREGISTER_FILES while a SPLICE from slot 0 waits: the unused slot 1's tag CQE is posted at
    once, slot 0's after the SPLICE's CQE."""
    ring, fin, fout = yield from pending_splice(L, tee=False, fixed_out=False)
    yield from L.io_uring_unregister_files(ring)
    yield from reap(L, ring, 1)
    yield from finish_pending_splice(L, ring, fin, fout, 2)


@scenario("lrt-splice-out-fixed-pending", tags=TAGS)
def lrt_splice_out_fixed_pending(L: Any) -> Gen:
    """A SPLICE from a normal descriptor to fixed slot 1 (IOSQE_FIXED_FILE: the request's own file): the
    output slot emptied while it waits, its tag CQE follows the SPLICE's."""
    ring = yield from new_ring(L, 8)
    fin = yield from new_pipe(L)
    fout = yield from new_pipe(L)
    yield from L.io_uring_register_files_tags(ring, [fin[0], fout[1]], [PENDING_TAG, OUT_TAG], 2)
    prep_named(L, ring, 1, "io_uring_prep_splice", fin[0], -1, 1, -1, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(IOWQ_WAIT_NS)
    yield from L.io_uring_register_files_update(ring, 1, [-1], 1)
    yield from finish_pending_splice(L, ring, fin, fout, 2)


@scenario("lrt-splice-both-fixed-unregister", tags=TAGS)
def lrt_splice_both_fixed_unregister(L: Any) -> Gen:
    """A SPLICE from fixed slot 0 to fixed slot 1, the table unregistered while it waits: both tags' CQEs
    follow the SPLICE's, the input slot's first."""
    ring, fin, fout = yield from pending_splice(L, tee=False, fixed_out=True)
    yield from L.io_uring_unregister_files(ring)
    yield from finish_pending_splice(L, ring, fin, fout, 3)


@scenario("lrt-tee-both-fixed-update", tags=TAGS)
def lrt_tee_both_fixed_update(L: Any) -> Gen:
    """A TEE from fixed slot 0 to fixed slot 1, both slots emptied by one update while it waits: the TEE's
    CQE, then the input slot's tag, then the output slot's."""
    ring, fin, fout = yield from pending_splice(L, tee=True, fixed_out=True)
    yield from L.io_uring_register_files_update(ring, 0, [-1, -1], 2)
    yield from finish_pending_splice(L, ring, fin, fout, 3)


@scenario("lrt-splice-in-done-then-update", tags=TAGS)
def lrt_splice_in_done_then_update(L: Any) -> Gen:
    """Without an update while it waits, a SPLICE from fixed slot 0 posts only its own CQE; emptying the
    slot afterwards posts the tag's CQE at once (the request's reference went with it)."""
    ring, fin, fout = yield from pending_splice(L, tee=False, fixed_out=False)
    yield from L.write(fin[1], b"data", 4)
    yield from reap(L, ring, 1)
    L.record("ready after splice", L.io_uring_cq_ready(ring))
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    yield from reap(L, ring, 1)
    for fd in (*fin, *fout):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)
