"""IORING_REGISTER_CLONE_BUFFERS (kernel/rsrc.py: register_clone_buffers, clone_buffers): the
argument checks in the kernel's order, the destination's table afterwards, shared memory, tags,
and random arguments that never raise."""

from __future__ import annotations

import random

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, ENXIO, EOPNOTSUPP, EOVERFLOW
from simuring.host.current import current_task
from simuring.kernel.enter import ring_of
from simuring.kernel.rsrc import BufTable
from simuring.liburing import (
    Ring,
    io_uring_clone_buffers,
    io_uring_clone_buffers_offset,
    io_uring_get_sqe,
    io_uring_prep_read_fixed,
    io_uring_queue_init,
    io_uring_register,
    io_uring_register_buffers,
    io_uring_register_buffers_tags,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_unregister_buffers,
)
from simuring.syscalls import pipe, write
from simuring.uapi import (
    IORING_REGISTER_CLONE_BUFFERS,
    IORING_REGISTER_DST_REPLACE,
    IORING_REGISTER_RING_FDS,
    IORING_REGISTER_SRC_REGISTERED,
    CloneBuffers,
    RsrcUpdate,
)
from tests.helpers.ring import drain, reap
from tests.helpers.sim import run_task

REPLACE = IORING_REGISTER_DST_REPLACE


def _ring():
    ring = Ring()
    assert (yield from io_uring_queue_init(8, ring, 0)) == 0
    return ring


def _rings(nbufs, tags=None):
    src = yield from _ring()
    dst = yield from _ring()
    bufs = [bytearray(16) for _ in range(nbufs)]
    if tags is None:
        assert (yield from io_uring_register_buffers(src, bufs, nbufs)) == 0
    else:
        assert (yield from io_uring_register_buffers_tags(src, bufs, tags, nbufs)) == 0
    return src, dst, bufs


def _table(ring):
    """The ring's table as the list of buffers each slot views (None: empty; no table: None)."""
    nodes = ring_of(current_task(), ring.ring_fd).ext(BufTable).nodes
    return None if nodes is None else [None if n is None else n.view.obj for n in nodes]


def _clone(dst, arg, nr_args=1):
    return (yield from io_uring_register(dst.ring_fd, IORING_REGISTER_CLONE_BUFFERS, arg, nr_args))


def test_checks_in_the_kernels_order():
    """NULL / nr_args, the struct, flags, -EBUSY, pad, the source lookup, then io_clone_buffers'
    range checks; nothing changes on failure."""

    def body():
        src, dst, _ = yield from _rings(3)
        fds = [0, 0]
        yield from pipe(fds)
        fd = src.ring_fd
        got = [
            (yield from _clone(dst, None)),
            (yield from _clone(dst, CloneBuffers(src_fd=fd), 2)),
            (yield from _clone(dst, 8)),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, pad=[0]))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, flags=4))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, pad=[0, 0, 7]))),
            (yield from _clone(dst, CloneBuffers(src_fd=999))),
            (yield from _clone(dst, CloneBuffers(src_fd=fds[0]))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, dst_off=1))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, nr=4))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, nr=2, src_off=2))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, nr=1, dst_off=0xFFFF_FFFF))),
            (yield from _clone(dst, CloneBuffers(src_fd=fd, nr=1, dst_off=16384))),
            _table(dst),
        ]
        assert (yield from io_uring_register_buffers(dst, [bytearray(4)], 1)) == 0
        got.append((yield from _clone(dst, CloneBuffers(src_fd=999, pad=[1, 0, 0]))))
        got.append((yield from _clone(dst, CloneBuffers(src_fd=999, flags=REPLACE, pad=[1, 0, 0]))))
        empty = yield from _ring()
        got.append((yield from io_uring_clone_buffers_offset(dst, empty, 0, 0, 1, REPLACE)))
        return got

    assert run_task(body) == [
        -EINVAL, -EINVAL, -EFAULT, -EFAULT, -EINVAL, -EINVAL, -EBADF, -EOPNOTSUPP,
        -EINVAL, -EINVAL, -EOVERFLOW, -EOVERFLOW, -EINVAL, None,
        -EBUSY, -EINVAL, -ENXIO,
    ]  # fmt: skip


def test_table_after_offset_and_replace():
    """An offset copy leaves the slots before it empty; DST_REPLACE keeps the old slots outside the
    copied range and grows the table to cover it."""

    def body():
        src, dst, bufs = yield from _rings(3)
        assert (yield from io_uring_clone_buffers_offset(dst, src, 2, 1, 2, 0)) == 0
        first = _table(dst)
        own = [bytearray(4) for _ in range(3)]
        assert (yield from io_uring_unregister_buffers(dst)) == 0
        assert (yield from io_uring_register_buffers(dst, own, 3)) == 0
        assert (yield from io_uring_clone_buffers_offset(dst, src, 1, 0, 1, REPLACE)) == 0
        second = _table(dst)
        assert (yield from io_uring_clone_buffers_offset(dst, src, 4, 0, 1, REPLACE)) == 0
        return first, second, _table(dst), bufs, own

    first, second, third, bufs, own = run_task(body)
    assert first == [None, None, bufs[1], bufs[2]]
    assert second == [own[0], bufs[0], own[2]]
    assert third == [own[0], bufs[0], own[2], None, bufs[0]]


def test_clone_shares_memory_and_tags_stay_with_the_source():
    """A READ_FIXED on the destination lands in the source's buffer; the copies have no tag, the
    source's tags post when the source drops its nodes."""

    def body():
        src, dst, bufs = yield from _rings(2, tags=[7, 8])
        assert (yield from io_uring_clone_buffers(dst, src)) == 0
        fds = [0, 0]
        yield from pipe(fds)
        yield from write(fds[1], b"abcd", 4)
        sqe = io_uring_get_sqe(dst)
        io_uring_prep_read_fixed(sqe, fds[0], bufs[1], 4, 0, 1)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit_and_wait(dst, 1)
        read = yield from reap(dst, 1)
        assert (yield from io_uring_unregister_buffers(dst)) == 0
        after_dst = drain(dst) + drain(src)
        assert (yield from io_uring_unregister_buffers(src)) == 0
        return read, bytes(bufs[1][:4]), after_dst, drain(src)

    assert run_task(body) == ([(1, 4)], b"abcd", [], [(8, 0), (7, 0)])


def test_same_ring_and_registered_source():
    """The source may be the ring itself (with DST_REPLACE: its tags post, the copies have none);
    SRC_REGISTERED names the source by its registered-ring index."""

    def body():
        src, dst, bufs = yield from _rings(1, tags=[5])
        assert (yield from io_uring_clone_buffers_offset(src, src, 1, 0, 1, REPLACE)) == 0
        self_clone = drain(src), _table(src)
        up = [RsrcUpdate(offset=2, data=src.ring_fd)]
        assert (yield from io_uring_register(src.ring_fd, IORING_REGISTER_RING_FDS, up, 1)) == 1
        flags = IORING_REGISTER_SRC_REGISTERED
        got = [
            (yield from _clone(dst, CloneBuffers(src_fd=3, flags=flags))),
            (yield from _clone(dst, CloneBuffers(src_fd=16, flags=flags))),
            (yield from _clone(dst, CloneBuffers(src_fd=2, flags=flags))),
        ]
        return self_clone, got, _table(dst), bufs

    (cqes, table), got, dst_table, bufs = run_task(body)
    assert cqes == [] and table == [bufs[0], bufs[0]]  # slot 0 kept: its node (and tag) stays
    assert got == [-EBADF, -EINVAL, 0]
    assert dst_table == [bufs[0], bufs[0]]


def test_random_arguments_never_raise():
    """Random CloneBuffers (odd types, huge and negative values, short pads, any flags) and
    nr_args: always an int result, 0 or a -errno, and a table that stays consistent."""
    rnd = random.Random(11)
    values = [0, 1, 2, 3, -1, 16383, 16384, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 40, "x", None, 2.5]

    def body():
        src, dst, _ = yield from _rings(3, tags=[1, 0, 2])
        fds = [0, 0]
        yield from pipe(fds)
        results = set()
        for _ in range(400):
            arg = CloneBuffers(
                src_fd=rnd.choice([src.ring_fd, dst.ring_fd, fds[0], *values]),
                flags=rnd.choice([0, 1, 2, 3, 4, *values]),
                src_off=rnd.choice(values),
                dst_off=rnd.choice(values),
                nr=rnd.choice(values),
                pad=rnd.choice([[0, 0, 0], [0], [], [0, 0, 1], "abc", None, [0, 0, "x"]]),
            )
            if rnd.random() < 0.3:  # a valid one now and then, over whatever table there is
                arg = CloneBuffers(src_fd=src.ring_fd, flags=REPLACE, dst_off=rnd.randrange(4), nr=rnd.randrange(1, 4))
            elif rnd.random() < 0.05:
                arg = rnd.choice([None, 3, "s", [arg]])
            ret = yield from _clone(dst, arg, rnd.choice([1, 1, 1, 0, -1, 1 << 33]))
            assert isinstance(ret, int) and ret <= 0
            results.add(ret)
            if ret == 0 and rnd.random() < 0.3:
                assert (yield from io_uring_unregister_buffers(dst)) == 0
            table = _table(dst)
            assert table is None or 0 < len(table) <= 16384
        drain(dst)
        drain(src)
        return results

    results = run_task(body)
    assert 0 in results and -EINVAL in results and -EFAULT in results
