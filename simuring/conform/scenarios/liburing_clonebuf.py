"""Cloning registered buffers between rings (``lcb-*``): IORING_REGISTER_CLONE_BUFFERS
through io_uring_clone_buffers(3) and io_uring_clone_buffers_offset(3), written in our
own words from what liburing's clone-buffers.c test and the man pages check.

The source ring registers buffers; the destination clones them and uses them with
READ_FIXED / WRITE_FIXED.  A cloned buffer is the source's own memory: the scenarios
pass the source's ``bytearray`` as ``addr`` on the destination ring and record where
the bytes landed.  Tags stay with the source's nodes: the scenarios record the tag
CQEs each ring posts when either side unregisters or replaces its table.
"""

from __future__ import annotations

from typing import Any

from simuring import uapi
from simuring.abi.limits import U32
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_pipe, new_ring, reap_ready, submit_and_reap
from simuring.conform.scenarios.liburing_fixedbuf import fixed
from simuring.uapi import IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, CloneBuffers

TAGS = ("liburing", "clonebuf")
BAD_FD = 1000  # not open in the scenario's process
REPLACE = uapi.IORING_REGISTER_DST_REPLACE
SRC_REGISTERED = uapi.IORING_REGISTER_SRC_REGISTERED


def two_rings(L: Any, nbufs: int, size: int = 64, tags: list[int] | None = None) -> Gen:
    """A source ring with ``nbufs`` registered buffers of ``size`` bytes (with ``tags``, or
    none) and a destination ring without buffers; ``(src, dst, bufs)``."""
    src = yield from new_ring(L, 4)
    dst = yield from new_ring(L, 4)
    bufs = [bytearray(size) for _ in range(nbufs)]
    if tags is None:
        yield from L.io_uring_register_buffers(src, bufs, nbufs)
    else:
        yield from L.io_uring_register_buffers_tags(src, bufs, tags, nbufs)
    return src, dst, bufs


def read_into(L: Any, ring: Any, fds: list[int], buf: Any, index: int, data: bytes, user_data: int) -> Gen:
    """Write ``data`` into the pipe ``fds`` and READ_FIXED it on ``ring`` into ``buf`` as
    registered buffer ``index``; the CQE is recorded."""
    yield from L.write(fds[1], data, len(data))
    fixed(L, ring, IORING_OP_READ_FIXED, fds[0], buf, len(data), 0, index, user_data)
    yield from submit_and_reap(L, ring, 1)


def probe_slots(L: Any, ring: Any, bufs: list[Any], nslots: int) -> Gen:
    """For each slot below ``nslots`` and each buffer of ``bufs``, a READ_FIXED of 4 bytes
    naming that slot with that buffer as ``addr``: which slot holds which buffer, by the
    CQEs (-EFAULT for an empty slot, or memory the slot does not hold); the bytes left in
    the pipe by a failed read go to the next read that works.  The buffers are recorded."""
    fds = yield from new_pipe(L)
    ud = 1
    for slot in range(nslots):
        for buf in bufs:
            yield from read_into(L, ring, fds, buf, slot, bytes([0x40 + ud] * 4), ud)
            ud += 1
    L.record("bufs", [bytes(b[:8]) for b in bufs])
    yield from L.close(fds[0])
    yield from L.close(fds[1])


def clone_raw(L: Any, dst: Any, arg: Any, nr_args: int = 1) -> Gen:
    """IORING_REGISTER_CLONE_BUFFERS on ``dst`` with ``arg`` as it stands (the result is recorded)."""
    return (yield from L.io_uring_register(dst.ring_fd, uapi.IORING_REGISTER_CLONE_BUFFERS, arg, nr_args))


def unregister_and_record(L: Any, ring: Any, label: str) -> Gen:
    """Unregister ``ring``'s buffers and record, as ``label``, how many tag CQEs came at once
    (each one recorded)."""
    yield from L.io_uring_unregister_buffers(ring)
    L.record(label, reap_ready(L, ring))


def exit_rings(L: Any, *rings: Any) -> Gen:
    for ring in rings:
        yield from L.io_uring_queue_exit(ring)


# -- the copy and its memory ------------------------------------------------------------------------
@scenario("lcb-clone-read-fixed", tags=TAGS)
def lcb_clone_read_fixed(L: Any) -> Gen:
    """io_uring_clone_buffers(3) gives the destination the source's whole table (0); a
    READ_FIXED on the destination naming slot 1 lands in the source's second buffer, and
    the source's own buffers still work on the source ring."""
    src, dst, bufs = yield from two_rings(L, 2)
    yield from L.io_uring_clone_buffers(dst, src)
    fds = yield from new_pipe(L)
    yield from read_into(L, dst, fds, bufs[1], 1, b"cloned!!", 1)
    yield from read_into(L, src, fds, bufs[0], 0, b"source", 2)
    L.record("bufs", [bytes(b[:8]) for b in bufs])
    yield from exit_rings(L, src, dst)


@scenario("lcb-clone-write-fixed", tags=TAGS)
def lcb_clone_write_fixed(L: Any) -> Gen:
    """A WRITE_FIXED on the destination from a cloned buffer sends the source's bytes: what
    the source ring's buffer holds is what the pipe gets."""
    src, dst, bufs = yield from two_rings(L, 1, 16)
    bufs[0][:] = b"0123456789abcdef"
    yield from L.io_uring_clone_buffers(dst, src)
    fds = yield from new_pipe(L)
    fixed(L, dst, IORING_OP_WRITE_FIXED, fds[1], memoryview(bufs[0])[4:], 8, 0, 0, 7)
    yield from submit_and_reap(L, dst, 1)
    out = bytearray(16)
    yield from L.read(fds[0], out, 16)
    L.record("out", bytes(out))
    yield from exit_rings(L, src, dst)


@scenario("lcb-clone-slots", tags=TAGS)
def lcb_clone_slots(L: Any) -> Gen:
    """The destination's table is the source's, slot for slot: each of three buffers is
    found at its own slot and nowhere else, and slot 3 is past the table."""
    src, dst, bufs = yield from two_rings(L, 3, 16)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from probe_slots(L, dst, bufs, 4)
    yield from exit_rings(L, src, dst)


@scenario("lcb-clone-sparse-source", tags=TAGS)
def lcb_clone_sparse_source(L: Any) -> Gen:
    """A sparse source table of 4 slots with one buffer in slot 2: the clone copies the
    empty slots as empty (READ_FIXED -EFAULT) and slot 2's buffer."""
    src = yield from new_ring(L, 4)
    dst = yield from new_ring(L, 4)
    buf = bytearray(32)
    yield from L.io_uring_register_buffers_sparse(src, 4)
    yield from L.io_uring_register_buffers_update_tag(src, 2, [buf], None, 1)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from probe_slots(L, dst, [buf], 4)
    yield from exit_rings(L, src, dst)


@scenario("lcb-clone-chain", tags=TAGS)
def lcb_clone_chain(L: Any) -> Gen:
    """A ring can clone from a clone: A's buffers cloned into B, B's into C; a READ_FIXED on C
    lands in A's memory."""
    a, b, bufs = yield from two_rings(L, 2)
    c = yield from new_ring(L, 4)
    yield from L.io_uring_clone_buffers(b, a)
    yield from L.io_uring_clone_buffers(c, b)
    fds = yield from new_pipe(L)
    yield from read_into(L, c, fds, bufs[0], 0, b"thirdhop", 1)
    L.record("buf", bytes(bufs[0][:8]))
    yield from exit_rings(L, a, b, c)


@scenario("lcb-src-update-after-clone", tags=TAGS)
def lcb_src_update_after_clone(L: Any) -> Gen:
    """After the clone the tables are apart: replacing the source's slot 0 with another
    buffer leaves the destination's slot 0 on the first buffer (a READ_FIXED there into the
    new buffer is -EFAULT, into the old one works)."""
    src, dst, bufs = yield from two_rings(L, 1)
    other = bytearray(64)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_register_buffers_update_tag(src, 0, [other], None, 1)
    yield from probe_slots(L, dst, [bufs[0], other], 1)
    yield from exit_rings(L, src, dst)


@scenario("lcb-src-unregistered-after-clone", tags=TAGS)
def lcb_src_unregistered_after_clone(L: Any) -> Gen:
    """The destination's copies outlive the source's table: with the source unregistered
    (and its ring gone) a READ_FIXED on the destination still lands in the buffer."""
    src, dst, bufs = yield from two_rings(L, 1)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_unregister_buffers(src)
    yield from L.io_uring_queue_exit(src)
    fds = yield from new_pipe(L)
    yield from read_into(L, dst, fds, bufs[0], 0, b"survives", 1)
    L.record("buf", bytes(bufs[0][:8]))
    yield from L.io_uring_queue_exit(dst)


# -- offsets ----------------------------------------------------------------------------------
@scenario("lcb-offset-range", tags=TAGS)
def lcb_offset_range(L: Any) -> Gen:
    """io_uring_clone_buffers_offset(3) copying source slots 1 and 2 to destination slots 3
    and 4: the destination's table has 5 slots, 0 to 2 empty."""
    src, dst, bufs = yield from two_rings(L, 4, 16)
    yield from L.io_uring_clone_buffers_offset(dst, src, 3, 1, 2, 0)
    yield from probe_slots(L, dst, bufs, 6)
    yield from exit_rings(L, src, dst)


@scenario("lcb-offset-without-nr", tags=TAGS)
def lcb_offset_without_nr(L: Any) -> Gen:
    """An offset with ``nr`` 0 is -EINVAL (source or destination offset), and nothing is
    registered on the destination (it can still clone)."""
    src, dst, _ = yield from two_rings(L, 2)
    yield from L.io_uring_clone_buffers_offset(dst, src, 1, 0, 0, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 1, 0, 0)
    yield from L.io_uring_unregister_buffers(dst)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from exit_rings(L, src, dst)


@scenario("lcb-nr-past-source", tags=TAGS)
def lcb_nr_past_source(L: Any) -> Gen:
    """``nr`` larger than the source's table is -EINVAL; ``src_off + nr`` past its end is
    -EOVERFLOW, and so is a ``src_off`` near 2^32; exactly to the end is accepted."""
    src, dst, _ = yield from two_rings(L, 3)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0, 4, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 2, 2, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, U32, 1, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0x7FFF_FFFF, 1, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 1, 2, 0)
    yield from exit_rings(L, src, dst)


@scenario("lcb-dst-off-limits", tags=TAGS)
def lcb_dst_off_limits(L: Any) -> Gen:
    """``dst_off + nr`` wrapping a u32 is -EOVERFLOW, above 16384 (IORING_MAX_REG_BUFFERS)
    -EINVAL; a copy into the very last slot (16383) makes a table of 16384 slots."""
    src, dst, bufs = yield from two_rings(L, 1)
    yield from L.io_uring_clone_buffers_offset(dst, src, U32, 0, 1, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 16384, 0, 1, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 16383, 0, 1, 0)
    fds = yield from new_pipe(L)
    yield from read_into(L, dst, fds, bufs[0], 16383, b"lastslot", 1)
    yield from read_into(L, dst, fds, bufs[0], 0, b"firstslt", 2)
    L.record("buf", bytes(bufs[0][:8]))
    yield from exit_rings(L, src, dst)


# -- replacing the destination's table --------------------------------------------------------
@scenario("lcb-dst-busy", tags=TAGS)
def lcb_dst_busy(L: Any) -> Gen:
    """A destination with a table of its own: a clone is -EBUSY (an offset clone too), and
    with IORING_REGISTER_DST_REPLACE it is accepted; a second plain clone is -EBUSY."""
    src, dst, bufs = yield from two_rings(L, 2)
    yield from L.io_uring_register_buffers(dst, [bytearray(8)], 1)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0, 1, 0)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0, 0, REPLACE)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from probe_slots(L, dst, bufs, 2)
    yield from exit_rings(L, src, dst)


@scenario("lcb-replace-keeps-other-slots", tags=TAGS)
def lcb_replace_keeps_other_slots(L: Any) -> Gen:
    """DST_REPLACE of one slot (``dst_off`` 1) over a destination table of 4 buffers: the new
    table keeps 4 slots, the source buffer at slot 1 and the old buffers at slots 0, 2
    and 3 (on both sides of the copied range); slot 4 is past the table."""
    src, dst, bufs = yield from two_rings(L, 1, 16)
    own = [bytearray(16) for _ in range(4)]
    yield from L.io_uring_register_buffers(dst, own, 4)
    yield from L.io_uring_clone_buffers_offset(dst, src, 1, 0, 1, REPLACE)
    yield from probe_slots(L, dst, [*own, bufs[0]], 5)
    yield from exit_rings(L, src, dst)


@scenario("lcb-replace-grows-table", tags=TAGS)
def lcb_replace_grows_table(L: Any) -> Gen:
    """DST_REPLACE past the end of a destination table of 1 slot: copying 2 source buffers to
    slots 2 and 3 gives 4 slots, old slot 0 kept, slot 1 empty."""
    src, dst, bufs = yield from two_rings(L, 2, 16)
    own = bytearray(16)
    yield from L.io_uring_register_buffers(dst, [own], 1)
    yield from L.io_uring_clone_buffers_offset(dst, src, 2, 0, 2, REPLACE)
    yield from probe_slots(L, dst, [own, *bufs], 5)
    yield from exit_rings(L, src, dst)


@scenario("lcb-replace-tags", tags=TAGS)
def lcb_replace_tags(L: Any) -> Gen:
    """Replacing slot 1 of a tagged destination table (tags 10, 11, 12) with DST_REPLACE: only
    the node the copy displaced posts its tag CQE (11); the slots kept on either side post
    theirs when the destination unregisters (12, then 10)."""
    src, dst, _ = yield from two_rings(L, 1)
    own = [bytearray(8) for _ in range(3)]
    yield from L.io_uring_register_buffers_tags(dst, own, [10, 11, 12], 3)
    yield from L.io_uring_clone_buffers_offset(dst, src, 1, 0, 1, REPLACE)
    L.record("after-clone", reap_ready(L, dst))
    yield from unregister_and_record(L, dst, "after-unregister")
    yield from exit_rings(L, src, dst)


# -- tags ------------------------------------------------------------------------------------
@scenario("lcb-tags-stay-with-source", tags=TAGS)
def lcb_tags_stay_with_source(L: Any) -> Gen:
    """Tagged source buffers (tags 7 and 8) cloned: the destination unregistering posts no tag
    CQE on either ring; the source unregistering posts 7 and 8 on the source ring."""
    src, dst, _ = yield from two_rings(L, 2, tags=[7, 8])
    yield from L.io_uring_clone_buffers(dst, src)
    yield from unregister_and_record(L, dst, "dst-after-dst")
    L.record("src-after-dst", reap_ready(L, src))
    yield from unregister_and_record(L, src, "src-after-src")
    L.record("dst-after-src", reap_ready(L, dst))
    yield from exit_rings(L, src, dst)


@scenario("lcb-tags-source-first", tags=TAGS)
def lcb_tags_source_first(L: Any) -> Gen:
    """The source unregistering first: its tag CQEs come at once, although the destination
    still holds copies of the buffers (which still work)."""
    src, dst, bufs = yield from two_rings(L, 2, tags=[7, 8])
    yield from L.io_uring_clone_buffers(dst, src)
    yield from unregister_and_record(L, src, "src")
    fds = yield from new_pipe(L)
    yield from read_into(L, dst, fds, bufs[1], 1, b"stillhere", 1)
    yield from unregister_and_record(L, dst, "dst")
    L.record("buf", bytes(bufs[1][:9]))
    yield from exit_rings(L, src, dst)


@scenario("lcb-tags-inflight-source-unregister", tags=TAGS)
def lcb_tags_inflight_source_unregister(L: Any) -> Gen:
    """A READ_FIXED on the destination waiting on an empty pipe uses the cloned buffer; the
    source unregistering meanwhile posts its tag CQE at once (the request holds the
    destination's node, not the source's), and the read completes into the memory."""
    src, dst, bufs = yield from two_rings(L, 1, tags=[9])
    yield from L.io_uring_clone_buffers(dst, src)
    fds = yield from new_pipe(L)
    fixed(L, dst, IORING_OP_READ_FIXED, fds[0], bufs[0], 6, 0, 0, 1)
    yield from L.io_uring_submit(dst)
    yield from unregister_and_record(L, src, "src")
    yield from L.write(fds[1], b"landed", 6)
    yield from submit_and_reap(L, dst, 1)
    L.record("buf", bytes(bufs[0][:6]))
    yield from exit_rings(L, src, dst)


@scenario("lcb-same-ring-replace-tags", tags=TAGS)
def lcb_same_ring_replace_tags(L: Any) -> Gen:
    """A ring cloning from itself with DST_REPLACE: the copies are new untagged nodes, so the
    old table's tags (3 and 4) post when it is put; a later unregistration posts none."""
    ring = yield from new_ring(L, 4)
    bufs = [bytearray(8), bytearray(8)]
    yield from L.io_uring_register_buffers_tags(ring, bufs, [3, 4], 2)
    yield from L.io_uring_clone_buffers_offset(ring, ring, 0, 0, 0, REPLACE)
    L.record("after-clone", reap_ready(L, ring))
    yield from unregister_and_record(L, ring, "after-unregister")
    yield from L.io_uring_queue_exit(ring)


# -- the source ring -------------------------------------------------------------------------
@scenario("lcb-same-ring", tags=TAGS)
def lcb_same_ring(L: Any) -> Gen:
    """The source may be the destination itself: without a table -ENXIO, with one and no
    DST_REPLACE -EBUSY, with DST_REPLACE copying slots 0-1 to 2-3 a table of 4 where slot 3
    holds the second buffer."""
    ring = yield from new_ring(L, 4)
    bufs = [bytearray(8), bytearray(8)]
    yield from L.io_uring_clone_buffers(ring, ring)
    yield from L.io_uring_register_buffers(ring, bufs, 2)
    yield from L.io_uring_clone_buffers(ring, ring)
    yield from L.io_uring_clone_buffers_offset(ring, ring, 2, 0, 2, REPLACE)
    yield from probe_slots(L, ring, bufs, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lcb-src-without-buffers", tags=TAGS)
def lcb_src_without_buffers(L: Any) -> Gen:
    """A source without a table is -ENXIO, with ``nr`` 0 or 1 (the emptiness is checked
    before ``nr``); after the source unregisters its table, -ENXIO again."""
    src = yield from new_ring(L, 4)
    dst = yield from new_ring(L, 4)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0, 1, 0)
    yield from L.io_uring_register_buffers(src, [bytearray(8)], 1)
    yield from L.io_uring_unregister_buffers(src)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from exit_rings(L, src, dst)


@scenario("lcb-bad-src-fd", tags=TAGS)
def lcb_bad_src_fd(L: Any) -> Gen:
    """``src_fd`` not open is -EBADF (and -1), a file that is not a ring (a pipe)
    -EOPNOTSUPP."""
    src, dst, _ = yield from two_rings(L, 1)
    fds = yield from new_pipe(L)
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=U32))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=fds[0]))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=src.ring_fd))
    yield from exit_rings(L, src, dst)


@scenario("lcb-src-registered", tags=TAGS)
def lcb_src_registered(L: Any) -> Gen:
    """IORING_REGISTER_SRC_REGISTERED: ``src_fd`` is an index into the task's registered
    rings; the source registered there clones (0); an empty index is -EBADF, one past
    the 16 slots -EINVAL.  The slot is emptied at the end (the task's table outlives the
    scenario)."""
    src, dst, bufs = yield from two_rings(L, 1)
    up = [L.RsrcUpdate(offset=3, data=src.ring_fd)]
    yield from L.io_uring_register(src.ring_fd, uapi.IORING_REGISTER_RING_FDS, up, 1)
    yield from clone_raw(L, dst, CloneBuffers(src_fd=4, flags=SRC_REGISTERED))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=16, flags=SRC_REGISTERED))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=3, flags=SRC_REGISTERED))
    yield from probe_slots(L, dst, bufs, 1)
    yield from L.io_uring_register(src.ring_fd, uapi.IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=3)], 1)
    yield from exit_rings(L, src, dst)


# -- the argument ----------------------------------------------------------------------------
@scenario("lcb-arg-checks", tags=TAGS)
def lcb_arg_checks(L: Any) -> Gen:
    """io_uring_register(2): a NULL argument or ``nr_args`` other than 1 is -EINVAL; an
    unreadable argument -EFAULT; unknown flags -EINVAL; a non-zero pad word -EINVAL."""
    src, dst, _ = yield from two_rings(L, 1)
    good = CloneBuffers(src_fd=src.ring_fd)
    yield from clone_raw(L, dst, None)
    yield from clone_raw(L, dst, good, 0)
    yield from clone_raw(L, dst, good, 2)
    yield from clone_raw(L, dst, 8)
    yield from clone_raw(L, dst, CloneBuffers(src_fd=src.ring_fd, flags=4))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=src.ring_fd, flags=0x8000_0000))
    for word in range(3):
        pad = [0, 0, 0]
        pad[word] = 1
        yield from clone_raw(L, dst, CloneBuffers(src_fd=src.ring_fd, pad=pad))
    yield from clone_raw(L, dst, good)
    yield from exit_rings(L, src, dst)


@scenario("lcb-check-order", tags=TAGS)
def lcb_check_order(L: Any) -> Gen:
    """The order of the checks on a destination that has a table: an unreadable argument
    (-EFAULT) and unknown flags (-EINVAL) come before -EBUSY, -EBUSY before a non-zero pad and before a bad ``src_fd``; with
    DST_REPLACE the pad (-EINVAL) comes before the source lookup (-EBADF), which comes
    before the offsets (-EINVAL for an offset without ``nr``)."""
    src, dst, _ = yield from two_rings(L, 1)
    yield from L.io_uring_register_buffers(dst, [bytearray(8)], 1)
    yield from clone_raw(L, dst, 8)
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD, flags=4))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD, pad=[1, 0, 0]))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD, dst_off=1))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD, flags=REPLACE, pad=[0, 0, 1]))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=BAD_FD, flags=REPLACE, dst_off=1))
    yield from clone_raw(L, dst, CloneBuffers(src_fd=src.ring_fd, flags=REPLACE, dst_off=1))
    yield from exit_rings(L, src, dst)


@scenario("lcb-failure-keeps-table", tags=TAGS)
def lcb_failure_keeps_table(L: Any) -> Gen:
    """A DST_REPLACE clone that fails (``nr`` past the source: -EINVAL) leaves the
    destination's tagged table as it was: no tag CQE, its buffer still at slot 0."""
    src, dst, _ = yield from two_rings(L, 1)
    own = bytearray(8)
    yield from L.io_uring_register_buffers_tags(dst, [own], [21], 1)
    yield from L.io_uring_clone_buffers_offset(dst, src, 0, 0, 2, REPLACE)
    L.record("cqes", reap_ready(L, dst))
    yield from probe_slots(L, dst, [own], 1)
    yield from exit_rings(L, src, dst)


@scenario("lcb-unregister-reclone", tags=TAGS)
def lcb_unregister_reclone(L: Any) -> Gen:
    """A cloned table unregisters like any other (0, then -ENXIO); the destination can then
    clone again, or register its own buffers."""
    src, dst, _ = yield from two_rings(L, 2)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_unregister_buffers(dst)
    yield from L.io_uring_unregister_buffers(dst)
    yield from L.io_uring_clone_buffers(dst, src)
    yield from L.io_uring_unregister_buffers(dst)
    yield from L.io_uring_register_buffers(dst, [bytearray(8)], 1)
    yield from exit_rings(L, src, dst)
