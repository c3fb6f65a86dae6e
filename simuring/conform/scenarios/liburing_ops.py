"""CLOSE, FILES_UPDATE, FSYNC and SYNC_FILE_RANGE as liburing's tests use them, written from the man
pages (io_uring_prep_close(3), io_uring_prep_files_update(3), io_uring_prep_fsync(3),
io_uring_prep_sync_file_range(3)); names prefixed ``lo-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    nop,
    reap_one,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IORING_FSYNC_DATASYNC,
    IORING_SETUP_IOPOLL,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
)

TAGS = ("liburing",)


def reap_until(L: Any, ring: Any, user_data: int) -> Gen:
    """Wait for and consume CQEs up to the one with ``user_data`` (at most 4)."""
    for _ in range(4):
        got = yield from reap_one(L, ring)
        if got is None or got[0] == user_data:
            return


def _prep(L: Any, ring: Any, user_data: int, name: str, *args: Any) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    getattr(L, name)(sqe, *args)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("lo-close-fd", tags=(*TAGS, "close", "pipe"))
def lo_close_fd(L: Any) -> Gen:
    """CLOSE of a pipe's write end: 0, and the descriptor is gone (a second CLOSE and a write(2) are
    -EBADF); CLOSE of a descriptor never opened and of -1 is -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_close", fds[1])
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_close", fds[1])
    yield from submit_and_reap(L, ring)
    L.record("write after close", (yield from L.write(fds[1], b"x", 1)))
    _prep(L, ring, 3, "io_uring_prep_close", 999)
    _prep(L, ring, 4, "io_uring_prep_close", -1)
    yield from submit_and_reap(L, ring, 2)
    L.record("read end", (yield from L.read(fds[0], bytearray(4), 4)))
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-close-ring-fd", tags=(*TAGS, "close"))
def lo_close_ring_fd(L: Any) -> Gen:
    """CLOSE of an io_uring instance's descriptor (another ring's, or the ring's own) is -EBADF."""
    ring = yield from new_ring(L, 8)
    other = yield from new_ring(L, 4)
    _prep(L, ring, 1, "io_uring_prep_close", other.ring_fd)
    _prep(L, ring, 2, "io_uring_prep_close", ring.ring_fd)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-close-bad-fields", tags=(*TAGS, "close", "pipe"))
def lo_close_bad_fields(L: Any) -> Gen:
    """io_close_prep: a non-zero off, addr, len, op flags or buf_index is -EINVAL, IOSQE_FIXED_FILE is
    -EBADF, fd and file_index together -EINVAL; none of them closed the pipe (the last CLOSE does)."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud, field in enumerate(("off", "addr", "len", "rw_flags", "buf_index", "file_index"), start=1):
        sqe = _prep(L, ring, ud, "io_uring_prep_close", fds[1])
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 7, "io_uring_prep_close", fds[1])
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 8, "io_uring_prep_close", fds[1])
    yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-close-direct", tags=(*TAGS, "close", "files", "pipe"))
def lo_close_direct(L: Any) -> Gen:
    """io_uring_prep_close_direct(3): without a table -ENXIO; with one, a filled slot closes (0), then it
    is empty (-EBADF), and a slot past the table is -EINVAL.  The fd itself stays open."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_close_direct", 0)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_register_files(ring, [fds[0], -1, fds[1]], 3)
    _prep(L, ring, 2, "io_uring_prep_close_direct", 2)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 3, "io_uring_prep_close_direct", 2)
    _prep(L, ring, 4, "io_uring_prep_close_direct", 1)
    _prep(L, ring, 5, "io_uring_prep_close_direct", 3)
    yield from submit_and_reap(L, ring, 3)
    L.record("write", (yield from L.write(fds[1], b"ok", 2)))
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-close-direct-tag", tags=(*TAGS, "close", "files", "pipe"))
def lo_close_direct_tag(L: Any) -> Gen:
    """Closing a tagged fixed slot posts the tag's CQE (user_data = tag, res 0) besides the CLOSE's own."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files_tags(ring, [fds[0], fds[1]], [0, 77], 2)
    _prep(L, ring, 1, "io_uring_prep_close_direct", 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-files-update", tags=(*TAGS, "files", "pipe"))
def lo_files_update(L: Any) -> Gen:
    """FILES_UPDATE (io_uring_prep_files_update(3)): without a table -ENXIO; it replaces slots from the
    offset and answers how many (a WRITE through the new slot reaches the pipe); past the table
    -EINVAL; a bad fd after a good one stops there (1); len 0 and a non-zero op flag are -EINVAL."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_files_update", [fds[1]], 1, 0)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_register_files(ring, [-1, -1, -1], 3)
    _prep(L, ring, 2, "io_uring_prep_files_update", [fds[0], fds[1]], 2, 1)
    yield from submit_and_reap(L, ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 2, b"via slot", 8, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    L.record("read", (yield from L.read(fds[0], buf, 16)))
    L.record("data", bytes(buf[:8]))
    _prep(L, ring, 4, "io_uring_prep_files_update", [fds[0], fds[1]], 2, 2)
    _prep(L, ring, 5, "io_uring_prep_files_update", [fds[0], 999], 2, 0)
    yield from submit_and_reap(L, ring, 2)
    _prep(L, ring, 6, "io_uring_prep_files_update", [fds[0]], 0, 0)
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 7, "io_uring_prep_files_update", [fds[0]], 1, 0)
    sqe.rw_flags = 1
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 8, "io_uring_prep_files_update", [-1, -1, -1], 3, 0)
    yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-files-update-alloc", tags=(*TAGS, "files", "pipe"))
def lo_files_update_alloc(L: Any) -> Gen:
    """FILES_UPDATE at IORING_FILE_INDEX_ALLOC: each fd goes into a free slot of the table (the count is
    the result); with no free slot left -ENFILE; a ring's fd -EBADF; without a table -ENXIO."""
    ring = yield from new_ring(L, 8)
    other = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_files_update", [fds[0]], 1, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_register_files_sparse(ring, 3)
    _prep(L, ring, 2, "io_uring_prep_files_update", [fds[0], fds[1]], 2, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 3, "io_uring_prep_files_update", [other.ring_fd], 1, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 4, "io_uring_prep_files_update", [fds[0], fds[1]], 2, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 5, "io_uring_prep_files_update", [fds[0]], 1, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 6, "io_uring_prep_close_direct", 0)
    yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-fsync", tags=(*TAGS, "sync", "file", "pipe"))
def lo_fsync(L: Any) -> Gen:
    """FSYNC on a regular file is 0, with IORING_FSYNC_DATASYNC too; on a pipe -EINVAL (no ->fsync); a bad
    fd -EBADF; an unknown flag, a non-zero addr or buf_index -EINVAL at prep."""
    ring = yield from new_ring(L, 16)
    fd = yield from L.open("/lo-fsync", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    fds = yield from new_pipe(L)
    yield from L.write(fd, b"data", 4)
    _prep(L, ring, 1, "io_uring_prep_fsync", fd, 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_fsync", fd, IORING_FSYNC_DATASYNC)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 3, "io_uring_prep_fsync", fds[0], 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 4, "io_uring_prep_fsync", 999, 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 5, "io_uring_prep_fsync", fd, 2)
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 6, "io_uring_prep_fsync", fd, 0)
    sqe.addr = 8
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 7, "io_uring_prep_fsync", fd, 0)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-sync-file-range", tags=(*TAGS, "sync", "file", "pipe"))
def lo_sync_file_range(L: Any) -> Gen:
    """SYNC_FILE_RANGE on a regular file is 0 (whole file, or a range, with WRITE|WAIT_AFTER); on a pipe
    -ESPIPE; an unknown flag or a negative offset -EINVAL."""
    ring = yield from new_ring(L, 16)
    fd = yield from L.open("/lo-sfr", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    fds = yield from new_pipe(L)
    yield from L.write(fd, b"data", 4)
    _prep(L, ring, 1, "io_uring_prep_sync_file_range", fd, 0, 0, 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_sync_file_range", fd, 4096, 0, 2 | 4)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 3, "io_uring_prep_sync_file_range", fds[1], 0, 0, 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 4, "io_uring_prep_sync_file_range", fd, 0, 0, 8)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 5, "io_uring_prep_sync_file_range", fd, 0, -4096, 0)
    yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-fsync-error-in-link", tags=(*TAGS, "sync", "links", "pipe"))
def lo_fsync_error_in_link(L: Any) -> Gen:
    """io_fsync and io_sync_file_range set their result without req_set_fail: an FSYNC failing on a pipe
    (-EINVAL) or a SYNC_FILE_RANGE (-ESPIPE) at the head of a link leaves the NOP after it to run (0), and
    with IOSQE_CQE_SKIP_SUCCESS its own CQE is skipped too; a CLOSE failing (-EBADF) and an FSYNC on a
    bad fd (-EBADF, from the file lookup) do fail the link (-ECANCELED; with CQE_SKIP_SUCCESS on the head,
the cancelled member posts no CQE)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    sqe = _prep(L, ring, 1, "io_uring_prep_fsync", fds[0], 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    sqe = _prep(L, ring, 3, "io_uring_prep_sync_file_range", fds[0], 0, 0, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    sqe = _prep(L, ring, 5, "io_uring_prep_close", 999)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 2)
    sqe = _prep(L, ring, 7, "io_uring_prep_fsync", fds[0], 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    yield from reap_until(L, ring, 8)
    sqe = _prep(L, ring, 9, "io_uring_prep_fsync", 999, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 10)
    yield from L.io_uring_submit(ring)
    yield from reap_until(L, ring, 9)
    nop(L, ring, 11)
    yield from L.io_uring_submit(ring)
    yield from reap_until(L, ring, 11)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-fadvise", tags=(*TAGS, "advise", "file", "pipe"))
def lo_fadvise(L: Any) -> Gen:
    """FADVISE (io_uring_prep_fadvise(3)) on a regular file: 0 for POSIX_FADV_NORMAL .. NOREUSE (the ones
    forced to io-wq too), -EINVAL for advice 6; on a pipe -ESPIPE, on a socket, an eventfd and a ring's fd
    whatever generic_fadvise answers; a bad fd -EBADF; addr is the 64-bit length (used when non-zero: a
negative one is -EINVAL); a non-zero buf_index -EINVAL at prep."""
    ring = yield from new_ring(L, 16)
    other = yield from new_ring(L, 4)
    fd = yield from L.open("/lo-fadvise", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"data" * 1024, 4096)
    fds = yield from new_pipe(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    efd = yield from L.eventfd(0, 0)
    for advice in range(7):
        _prep(L, ring, 1 + advice, "io_uring_prep_fadvise", fd, 0, 4096, advice)
        yield from submit_and_reap(L, ring)
    for ud, target in enumerate((fds[0], sv[0], efd, other.ring_fd, 999), start=10):
        _prep(L, ring, ud, "io_uring_prep_fadvise", target, 0, 0, 0)
        yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 20, "io_uring_prep_fadvise", fd, 0, 0, 0)
    sqe.addr = 4096
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 21, "io_uring_prep_fadvise", fd, 0, 0, 0)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 22, "io_uring_prep_fadvise", fd, 0, 4096, 0)
    sqe.addr = 1 << 63
    yield from submit_and_reap(L, ring)
    for f in (fd, fds[0], fds[1], sv[0], sv[1], efd):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-madvise", tags=(*TAGS, "advise"))
def lo_madvise(L: Any) -> Gen:
    """MADVISE (io_uring_prep_madvise(3)) on a plain heap buffer is -EINVAL (not page aligned), for good
    and bad advice alike; at address 0 with length 0 it is 0 (nothing to do), with a length -ENOMEM
    (nothing mapped); unknown advice -EINVAL even there; off is the 64-bit length (used when non-zero),
and one whose page-rounded end wraps is -EINVAL; a non-zero buf_index -EINVAL at prep.  A failed
    MADVISE does not fail its link."""
    ring = yield from new_ring(L, 16)
    buf = bytearray(64)
    _prep(L, ring, 1, "io_uring_prep_madvise", buf, 64, 0)
    _prep(L, ring, 2, "io_uring_prep_madvise", buf, 64, 999)
    _prep(L, ring, 3, "io_uring_prep_madvise", 0, 0, 0)
    _prep(L, ring, 4, "io_uring_prep_madvise", 0, 4096, 4)
    _prep(L, ring, 5, "io_uring_prep_madvise", 0, 0, 7)
    yield from L.io_uring_submit(ring)
    for _ in range(5):
        yield from reap_one(L, ring)
    sqe = _prep(L, ring, 6, "io_uring_prep_madvise", 0, 0, 0)
    sqe.off = 1
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 9, "io_uring_prep_madvise", 0, 0, 0)
    sqe.off = (1 << 64) - 1
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 10, "io_uring_prep_madvise", 0, 0, 0)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring)
    sqe = _prep(L, ring, 7, "io_uring_prep_madvise", buf, 64, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 8)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-iopoll-ring", tags=(*TAGS, "iopoll", "pipe"))
def lo_iopoll_ring(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring only FILES_UPDATE of these ops has ``.iopoll``: CLOSE, FSYNC,
    SYNC_FILE_RANGE, FADVISE and MADVISE are -EINVAL at submission (io_init_req); FILES_UPDATE runs."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    fds = yield from new_pipe(L)
    preps = (
        ("io_uring_prep_close", (fds[1],)),
        ("io_uring_prep_fsync", (fds[0], 0)),
        ("io_uring_prep_sync_file_range", (fds[0], 0, 0, 0)),
        ("io_uring_prep_fadvise", (fds[0], 0, 0, 0)),
        ("io_uring_prep_madvise", (0, 0, 0)),
        ("io_uring_prep_files_update", ([fds[0]], 1, 0)),
    )
    for ud, (name, args) in enumerate(preps, start=1):
        _prep(L, ring, ud, name, *args)
        yield from submit_and_reap(L, ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo-close-fd-keeps-fixed-slot", tags=(*TAGS, "close", "files", "pipe"))
def lo_close_fd_keeps_fixed_slot(L: Any) -> Gen:
    """CLOSE of a descriptor that is also in the registered-file table: the slot keeps the file, so a WRITE
    through it still reaches the pipe; closing the slot (close_direct) then drops the last reference, and
    the read end sees end of file."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [fds[1]], 1)
    _prep(L, ring, 1, "io_uring_prep_close", fds[1])
    yield from submit_and_reap(L, ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 0, b"slot", 4, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring)
    buf = bytearray(8)
    L.record("read", (yield from L.read(fds[0], buf, 8)))
    _prep(L, ring, 3, "io_uring_prep_close_direct", 0)
    yield from submit_and_reap(L, ring)
    L.record("eof", (yield from L.read(fds[0], buf, 8)))
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)
