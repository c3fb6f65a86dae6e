"""What an audit of liburing's test suite (test/*.c) found still unchecked by the library, each
behaviour written in our own words from what the named test checks; names ``lg-<test>-<what>``,
tagged ``liburing`` and ``gap``.

The audit's table is in docs/conformance.md.  Behaviour of those tests that the simulator does not
model is listed there, not here."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    make_file,
    new_pipe,
    new_ring,
    new_ring_params,
    nop,
    poll_add,
    prep_named,
    reap,
    remove_timeout,
    submit_and_reap,
    timeout,
)
from simuring.conform.scenarios.liburing_pbuf import buf_ring, fill, read_sel
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_FILE_INDEX_ALLOC,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQPOLL,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    IOU_PBUF_RING_INC,
    POLLIN,
)

TAGS = ("liburing", "gap")
AT_FDCWD = -100


def _alloc_range_table(L: Any, nr: int, off: int, length: int) -> Gen:
    """A ring with a sparse table of ``nr`` slots whose allocation range is ``[off, off + length)``,
    and a pipe; ``(ring, fds)``."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files_sparse(ring, nr)
    yield from L.io_uring_register_file_alloc_range(ring, off, length)
    return ring, fds


def _open_alloc(L: Any, ring: Any, user_data: int, path: str) -> Gen:
    """An OPENAT into a slot the kernel picks (IORING_FILE_INDEX_ALLOC): the CQE's res is the slot."""
    prep_named(L, ring, user_data, "io_uring_prep_openat_direct", AT_FDCWD, path, L.O_RDONLY, 0, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)


@scenario("lg-file-alloc-range-hint-below", tags=(*TAGS, "files"))
def lg_file_alloc_range_hint_below(L: Any) -> Gen:
    """file-alloc-range-hint.c: with the allocation range [10, 20) of a sparse table of 20, a file
    registered at slot 2 and removed again (io_uring_register_files_update(3)) moves the allocation
    hint (io_file_bitmap_clear) below the range.  A FILES_UPDATE at IORING_FILE_INDEX_ALLOC then
    allocates a slot, which a fixed-file WRITE through slot 2 and slot 10 finds; an OPENAT_DIRECT
    with IORING_FILE_INDEX_ALLOC says the next slot it picks (io_file_bitmap_get)."""
    ring, fds = yield from _alloc_range_table(L, 20, 10, 10)
    yield from make_file(L, "/lg-alloc-hint", b"x")
    yield from L.io_uring_register_files_update(ring, 2, [fds[0]], 1)
    yield from L.io_uring_register_files_update(ring, 2, [-1], 1)
    prep_named(L, ring, 1, "io_uring_prep_files_update", [fds[1]], 1, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    for ud, slot in ((2, 2), (3, 10)):
        prep_named(L, ring, ud, "io_uring_prep_write", slot, b"y", 1, 0, sqe_flags=IOSQE_FIXED_FILE)
        yield from submit_and_reap(L, ring)
    yield from _open_alloc(L, ring, 4, "/lg-alloc-hint")
    L.record("pipe holds", (yield from L.read(fds[0], bytearray(4), 4)))
    yield from L.io_uring_queue_exit(ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])


@scenario("lg-file-alloc-range-hint-above", tags=(*TAGS, "files"))
def lg_file_alloc_range_hint_above(L: Any) -> Gen:
    """file-alloc-range-hint.c: with the allocation range [0, 2) of a sparse table of 8, two
    OPENAT_DIRECTs at IORING_FILE_INDEX_ALLOC take slots 0 and 1; a file registered at slot 5 (outside
    the range) moves the allocation hint past it (io_file_bitmap_set).  The next allocation must
    stay inside the full range (-ENFILE), and so must a FILES_UPDATE at IORING_FILE_INDEX_ALLOC."""
    ring, fds = yield from _alloc_range_table(L, 8, 0, 2)
    yield from make_file(L, "/lg-alloc-above", b"x")
    yield from _open_alloc(L, ring, 1, "/lg-alloc-above")
    yield from _open_alloc(L, ring, 2, "/lg-alloc-above")
    yield from L.io_uring_register_files_update(ring, 5, [fds[0]], 1)
    yield from _open_alloc(L, ring, 3, "/lg-alloc-above")
    prep_named(L, ring, 4, "io_uring_prep_files_update", [fds[1]], 1, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 5, "io_uring_prep_write", 6, b"y", 1, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)
    yield from L.close(fds[0])
    yield from L.close(fds[1])


@scenario("lg-file-update-index-alloc-io", tags=(*TAGS, "files", "pipe"))
def lg_file_update_index_alloc_io(L: Any) -> Gen:
    """file-update-index-alloc.c: a table registered from two -1 entries (io_uring_register_files(3))
    is all free: a FILES_UPDATE of a non-blocking pipe's two ends at IORING_FILE_INDEX_ALLOC
    installs them in slots 0 and 1 (result 2); a fixed-file WRITE through slot 1 is read back through
    slot 0; CLOSE of each slot (io_uring_prep_close_direct(3)) and of each descriptor is 0."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files(ring, [-1, -1], 2)
    fds = [0, 0]
    yield from L.pipe2(fds, L.O_NONBLOCK)
    prep_named(L, ring, 1, "io_uring_prep_files_update", [fds[0], fds[1]], 2, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 2, "io_uring_prep_write", 1, b"\xef", 1, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    buf = bytearray(1)
    prep_named(L, ring, 3, "io_uring_prep_read", 0, buf, 1, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("read back", bytes(buf))
    prep_named(L, ring, 4, "io_uring_prep_close_direct", 0)
    prep_named(L, ring, 5, "io_uring_prep_close_direct", 1)
    prep_named(L, ring, 6, "io_uring_prep_close", fds[0])
    prep_named(L, ring, 7, "io_uring_prep_close", fds[1])
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-evfd-short-read-pending", tags=(*TAGS, "eventfd"))
def lg_evfd_short_read_pending(L: Any) -> Gen:
    """evfd-short-read.c: a READ of 16 bytes from an empty EFD_NONBLOCK eventfd waits (armed poll);
    an 8-byte write(2) of 1 completes it with 8, a short read (an eventfd is not a regular file, so
    io_uring does not retry for the rest) holding the counter."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_CLOEXEC | L.EFD_NONBLOCK)
    buf = bytearray(16)
    prep_named(L, ring, 1, "io_uring_prep_read", efd, buf, 16, 0)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(efd, (1).to_bytes(8, "little"), 8)
    yield from reap(L, ring, 1)
    L.record("buffer", bytes(buf))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-empty-eownerdead-sqpoll-enter", tags=(*TAGS, "sqpoll", "enter"))
def lg_empty_eownerdead_sqpoll_enter(L: Any) -> Gen:
    """empty-eownerdead.c: io_uring_enter(2) with nothing to submit and nothing to wait for, no flags,
    on an SQPOLL ring (sq_thread_idle 100 ms) is 0, not an error (an old kernel gave -EOWNERDEAD);
    a NOP submitted afterwards completes."""
    ret, ring, _ = yield from new_ring_params(L, 1, IORING_SETUP_SQPOLL, sq_thread_idle=100)
    if ret != 0:
        return
    yield from L.io_uring_enter(ring.ring_fd, 0, 0, 0)
    nop(L, ring, 1)
    yield from L.io_uring_submit_and_wait(ring, 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-b5837bd5311d-wait-nr", tags=(*TAGS, "timeouts", "enter"))
def lg_b5837bd5311d_wait_nr(L: Any) -> Gen:
    """b5837bd5311d.c: wait_nr is honoured. A TIMEOUT of 10 ms with a count no completion reaches
    ((unsigned)-1), then a NOP submitted by io_uring_submit_and_wait(3) with wait_nr 2: the call
    returns 1 (one SQE submitted) only once both CQEs are there, the NOP's (0) and the timeout's
    (-ETIME); both can then be peeked without waiting."""
    ring = yield from new_ring(L, 4)
    timeout(L, ring, 1, 10_000_000, count=0xFFFF_FFFF)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 2)
    L.record("ready after wait", L.io_uring_cq_ready(ring))
    cqe = L.Cqe()
    for _ in range(2):
        if L.io_uring_peek_cqe(ring, cqe) == 0:
            L.io_uring_cqe_seen(ring, cqe[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-pipe-bug-close-then-read", tags=(*TAGS, "pipe", "close"))
def lg_pipe_bug_close_then_read(L: Any) -> Gen:
    """pipe-bug.c: a WRITE of "foobar" to a pipe, then an IORING_OP_CLOSE of its write end (0), then
    READs of 1024 bytes: the first gets the 6 bytes, the second end of file (0) at once, since the
    CLOSE dropped the last writer; each wait ends well before its 1 s timeout."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    prep_named(L, ring, 1, "io_uring_prep_write", fds[1], b"foobar", 6, 0)
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 2, "io_uring_prep_close", fds[1])
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    second = L.Timespec(1, 0)
    yield from L.io_uring_wait_cqe_timeout(ring, cqe, second)
    L.io_uring_cqe_seen(ring, cqe[0])
    buf = bytearray(1024)
    for ud in (3, 4):
        prep_named(L, ring, ud, "io_uring_prep_read", fds[0], buf, 1024, 0)
        yield from L.io_uring_submit(ring)
        if (yield from L.io_uring_wait_cqe_timeout(ring, cqe, second)) == 0:
            L.io_uring_cqe_seen(ring, cqe[0])
    L.record("data", bytes(buf[:6]))
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-8a9973408177-fsync-after-unregister", tags=(*TAGS, "files", "sync"))
def lg_8a9973408177_fsync_after_unregister(L: Any) -> Gen:
    """8a9973408177.c: a regular file registered (io_uring_register_files(3)) and unregistered again
    leaves the ring working: an FSYNC of another regular file is then 0, and a READ through fixed file
    0 is -EBADF (no table)."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/lg-8a99-a", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.io_uring_register_files(ring, [fd], 1)
    yield from L.io_uring_unregister_files(ring)
    yield from L.unlink("/lg-8a99-a")
    yield from L.close(fd)
    other = yield from L.open("/lg-8a99-b", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    prep_named(L, ring, 1, "io_uring_prep_fsync", other, 0)
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 2, "io_uring_prep_read", 0, bytearray(4), 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from L.close(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-reg-hint-alloc-after-unregister", tags=(*TAGS, "files"))
def lg_reg_hint_alloc_after_unregister(L: Any) -> Gen:
    """reg-hint.c: after a sparse table of 16 is registered and unregistered, an OPENAT_DIRECT at
    IORING_FILE_INDEX_ALLOC finds no table (-ENFILE, io_file_bitmap_get without a bitmap); a new
    sparse table of 4 then gives slot 0: the old table's hint is gone with it."""
    ring = yield from new_ring(L, 4)
    yield from make_file(L, "/lg-reg-hint", b"x")
    yield from L.io_uring_register_files_sparse(ring, 16)
    yield from L.io_uring_unregister_files(ring)
    yield from _open_alloc(L, ring, 1, "/lg-reg-hint")
    yield from L.io_uring_register_files_sparse(ring, 4)
    yield from _open_alloc(L, ring, 2, "/lg-reg-hint")
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-open-direct-pick-order", tags=(*TAGS, "files", "openat"))
def lg_open_direct_pick_order(L: Any) -> Gen:
    """open-direct-pick.c: OPENAT_DIRECT with IORING_FILE_INDEX_ALLOC fills a sparse table of 8 in slot
    order (0..7), then -ENFILE; after CLOSEs of slots 5, 2 and 6 (io_uring_prep_close_direct(3)) the
    next allocations take the freed slots from the last one closed on, wrapping to the start
    (io_file_bitmap_clear sets the hint, io_file_bitmap_get searches from it): 6, 2, 5; then -ENFILE."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lg-pick", b"x")
    yield from L.io_uring_register_files_sparse(ring, 8)
    for ud in range(1, 10):
        yield from _open_alloc(L, ring, ud, "/lg-pick")
    for ud, slot in ((20, 5), (21, 2), (22, 6)):
        prep_named(L, ring, ud, "io_uring_prep_close_direct", slot)
        yield from submit_and_reap(L, ring)
    for ud in range(30, 34):
        yield from _open_alloc(L, ring, ud, "/lg-pick")
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-nop-all-sizes-fill", tags=(*TAGS, "nop", "sq"))
def lg_nop_all_sizes_fill(L: Any) -> Gen:
    """nop-all-sizes.c: for rings of 1 to 64 entries (powers of two), io_uring_get_sqe(3) hands out
    exactly sq_entries NOPs before returning NULL, twice in a row (io_uring_submit(3) submits each
    batch whole); the CQ of twice the size then holds every completion with no overflow."""
    for shift in range(7):
        depth = 1 << shift
        ring = yield from new_ring(L, depth)
        if ring is None:
            return
        counts = []
        for _ in range(2):
            n = 0
            while (sqe := L.io_uring_get_sqe(ring)) is not None:
                L.io_uring_prep_nop(sqe)
                n += 1
            counts.append([n, (yield from L.io_uring_submit(ring))])
        yield from L.io_uring_wait_cqe_nr(ring, L.Cqe(), 2 * depth)
        ready = L.io_uring_cq_ready(ring)
        L.record(f"depth {depth}", [counts, ready, bool(L.io_uring_cq_has_overflow(ring))])
        L.io_uring_cq_advance(ring, ready)
        yield from L.io_uring_queue_exit(ring)


@scenario("lg-read-inc-file", tags=(*TAGS, "pbuf", "file"))
def lg_read_inc_file(L: Any) -> Gen:
    """read-inc-file.c: READs of a regular file (eight 80-byte runs of 'a' to 'h') at offsets 0, 80,
    160 and 240 with IOSQE_BUFFER_SELECT from an incremental buffer ring (IOU_PBUF_RING_INC) holding
    one 1 KiB buffer (id 8): each gets 80 bytes in buffer 8 with IORING_CQE_F_BUF_MORE, and the
    runs land one after the other from the buffer's start (none of it skipped).  A read at offset
    600 gets the file's last 40 bytes, yet the next read lands 80 bytes on: a file that cannot be
    polled commits the whole length asked for when the buffer is selected (io_ring_buffer_select),
    so 40 bytes of the buffer stay unused."""
    ring = yield from new_ring(L, 16)
    yield from make_file(L, "/lg-inc-file", b"".join(bytes([c]) * 80 for c in b"abcdefgh"))
    fd = yield from L.open("/lg-inc-file", L.O_RDONLY, 0)
    br = yield from buf_ring(L, ring, 32, 4, IOU_PBUF_RING_INC)
    mem = bytearray(1024)
    fill(L, br, [mem], 32, 8)
    for ud, off in ((1, 0), (2, 80), (3, 160), (4, 240), (5, 600), (6, 0)):
        read_sel(L, ring, fd, 80, 4, ud, off=off)
        yield from submit_and_reap(L, ring)
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 4, head)
    L.record("head", head[0])
    L.record("mem", bytes(mem[:480]).rstrip(b"\0"))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


def _fpos_chain(L: Any, ring: Any, name: str, fd: int, bufs: list[Any], sqe_flags: int) -> Gen:
    """A chain of ``len(bufs)`` linked ``name`` requests (READ or WRITE) at offset -1, each with its buffer,
    the last one unlinked; submitted and waited for as a whole, then reaped; lseek(2) says where the
    file position ended."""
    for i, buf in enumerate(bufs):
        link = IOSQE_IO_LINK if i < len(bufs) - 1 else 0
        prep_named(L, ring, i + 1, name, fd, buf, len(buf), -1, sqe_flags=sqe_flags | link)
    yield from L.io_uring_submit_and_wait(ring, len(bufs))
    yield from reap(L, ring, len(bufs))
    L.record("position", (yield from L.lseek(fd, 0, L.SEEK_CUR)))


@scenario("lg-fpos-linked-reads", tags=(*TAGS, "links", "file"))
def lg_fpos_linked_reads(L: Any) -> Gen:
    """fpos.c: six READs of 7 bytes at offset -1 (the file position) linked in a chain, on a 30-byte
    regular file, inline and with IOSQE_ASYNC: the chain reads the file in order (7, 7, 7, 7), the
    fifth read is short (2) and so fails its link: the sixth is -ECANCELED; the position ends at 30
    and the buffers hold the file in order."""
    data = b"0123456789abcdefghijklmnopqrst"
    yield from make_file(L, "/lg-fpos-r", data)
    ring = yield from new_ring(L, 8)
    for flags in (0, IOSQE_ASYNC):
        fd = yield from L.open("/lg-fpos-r", L.O_RDONLY, 0)
        bufs = [bytearray(7) for _ in range(6)]
        yield from _fpos_chain(L, ring, "io_uring_prep_read", fd, bufs, flags)
        L.record("data", b"".join(bytes(b) for b in bufs))
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-fpos-linked-writes", tags=(*TAGS, "links", "file"))
def lg_fpos_linked_writes(L: Any) -> Gen:
    """fpos.c: eight one-byte WRITEs at offset -1 linked in a chain, inline and then with IOSQE_ASYNC on
    the same descriptor: each writes 1 where the previous ended, the position moves to 8 and then 16,
    and the file reads back the sixteen bytes in submission order."""
    fd = yield from L.open("/lg-fpos-w", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    ring = yield from new_ring(L, 8)
    for flags, text in ((0, b"ABCDEFGH"), (IOSQE_ASYNC, b"abcdefgh")):
        yield from _fpos_chain(L, ring, "io_uring_prep_write", fd, [text[i : i + 1] for i in range(8)], flags)
    yield from L.lseek(fd, 0, L.SEEK_SET)
    buf = bytearray(32)
    yield from L.read(fd, buf, 32)
    L.record("file", bytes(buf).rstrip(b"\0"))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-min-timeout-first-cqe-after-min", tags=(*TAGS, "enter", "timeouts"))
def lg_min_timeout_first_cqe_after_min(L: Any) -> Gen:
    """min-timeout.c: a GETEVENTS wait for 4 completions with EXT_ARG's min_wait_usec of 2 ms and a
    100 ms timeout, on a plain ring and on a SINGLE_ISSUER|DEFER_TASKRUN one, while the only
    completions due are TIMEOUT requests of 20 ms and 1 s: once the minimum wait is over the wait
    ends at the first completion (0, one CQE ready), neither waiting for four nor until the 100 ms
    timeout.  The 1 s TIMEOUT is then removed (0, -ECANCELED)."""
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    for setup in (0, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN):
        ring = yield from new_ring(L, 8, setup)
        if ring is None:
            continue
        timeout(L, ring, 1, 20_000_000)
        timeout(L, ring, 2, 1_000_000_000)
        yield from L.io_uring_submit(ring)
        arg = L.GeteventsArg(min_wait_usec=2000, ts=L.Timespec(0, 100_000_000))
        L.record("wait for 4", (yield from L.io_uring_enter2(ring.ring_fd, 0, 4, flags, arg, GETEVENTS_ARG_SIZE)))
        L.record("ready", L.io_uring_cq_ready(ring))
        yield from reap(L, ring, 1)
        remove_timeout(L, ring, 3, 2)
        yield from submit_and_reap(L, ring, 2)
        yield from L.io_uring_queue_exit(ring)


@scenario("lg-ooo-file-unreg-poll-inflight", tags=(*TAGS, "files", "poll"))
def lg_ooo_file_unreg_poll_inflight(L: Any) -> Gen:
    """ooo-file-unreg.c, on pipes: the read ends of two pipes in slots 0 and 1 of a sparse table, a
    POLL_ADD for POLLIN armed through fixed file 0, both read descriptors closed, then slot 1 and slot
    0 emptied in that order (io_uring_register_files_update(3) with -1: 1 each).  The armed poll keeps
    its file: a write(2) to the first pipe completes it with POLLIN; a fixed-file READ of slot 0 is
    then -EBADF."""
    ring = yield from new_ring(L, 4)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from L.io_uring_register_files_update(ring, 0, [a[0], b[0]], 2)
    poll_add(L, ring, 0, POLLIN, 1, sqe_flags=IOSQE_FIXED_FILE)
    yield from L.io_uring_submit(ring)
    yield from L.close(a[0])
    yield from L.close(b[0])
    yield from L.io_uring_register_files_update(ring, 1, [-1], 1)
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(a[1], b"x", 1)
    yield from reap(L, ring, 1)
    prep_named(L, ring, 2, "io_uring_prep_read", 0, bytearray(4), 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from L.close(a[1])
    yield from L.close(b[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lg-fixed-reuse-linked-open", tags=(*TAGS, "files", "openat", "links"))
def lg_fixed_reuse_linked_open(L: Any) -> Gen:
    """fixed-reuse.c: slot 0 of a table registered from eight -1 entries holds a first file (an
    OPENAT_DIRECT into it, 0); a chain OPENAT_DIRECT of a second file into the same slot, a fixed-file
    READ of slot 0 and a CLOSE of the slot (io_uring_prep_close_direct(3)) runs in order (0, 8, 0) and
    the READ sees the second file's bytes, not the first's."""
    yield from make_file(L, "/lg-reuse-1", b"\xaa" * 8)
    yield from make_file(L, "/lg-reuse-2", b"\x55" * 8)
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files(ring, [-1] * 8, 8)
    prep_named(L, ring, 1, "io_uring_prep_openat_direct", AT_FDCWD, "/lg-reuse-1", L.O_RDONLY, 0, 0)
    yield from submit_and_reap(L, ring)
    buf = bytearray(8)
    prep_named(L, ring, 2, "io_uring_prep_openat_direct", AT_FDCWD, "/lg-reuse-2", L.O_RDONLY, 0, 0, sqe_flags=IOSQE_IO_LINK)
    prep_named(L, ring, 3, "io_uring_prep_read", 0, buf, 8, 0, sqe_flags=IOSQE_FIXED_FILE | IOSQE_IO_LINK)
    prep_named(L, ring, 4, "io_uring_prep_close_direct", 0)
    yield from submit_and_reap(L, ring, 3)
    L.record("read", bytes(buf))
    yield from L.io_uring_queue_exit(ring)
