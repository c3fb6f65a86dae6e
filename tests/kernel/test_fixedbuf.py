"""Registered buffers (kernel/rsrc.py): registration, tags, updates, the range check, and the
READ_FIXED / WRITE_FIXED opcodes (opcodes/rw_fixed.py) that use them."""

from __future__ import annotations

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, ENXIO, EOVERFLOW
from simuring.kernel.rsrc import RegBuf, import_fixed, user_address
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_read_fixed,
    io_uring_prep_write_fixed,
    io_uring_queue_init,
    io_uring_register,
    io_uring_register_buffers,
    io_uring_register_buffers_sparse,
    io_uring_register_buffers_tags,
    io_uring_register_buffers_update_tag,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_submit_and_wait,
    io_uring_unregister_buffers,
)
from simuring.syscalls import pipe, write
from simuring.uapi import (
    IORING_NOP_FIXED_BUFFER,
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_BUFFERS2,
    IOSQE_ASYNC,
    Iovec,
    RsrcRegister,
)
from tests.helpers.ring import drain, reap
from tests.helpers.sim import run_task


def _ring(entries=8):
    ring = Ring()
    assert (yield from io_uring_queue_init(entries, ring, 0)) == 0
    return ring


def _fixed(ring, read, fd, buf, n, off, index, ud, flags=0):
    sqe = io_uring_get_sqe(ring)
    prep = io_uring_prep_read_fixed if read else io_uring_prep_write_fixed
    prep(sqe, fd, buf, n, off, index)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, flags)
    return sqe


def test_user_address_of_a_slice_is_inside_its_buffer():
    """A slice of a bytearray has the buffer's address plus its offset (what the real side passes);
    NULL is 0, an int stands as itself, read-only memory has no address to compare."""
    buf = bytearray(64)
    base = user_address(buf)
    assert base is not None and base > 0
    assert user_address(memoryview(buf)[10:]) == base + 10
    assert user_address(None) == 0
    assert user_address(0x1234) == 0x1234
    assert user_address(-1) == 0xFFFF_FFFF_FFFF_FFFF
    assert user_address(b"abc") is None
    assert user_address(memoryview(buf)[::2]) is None


def test_import_fixed_range_rule():
    """validate_fixed_range: inside the buffer only, the exact end included, a wrap is -EFAULT; the
    view returned is the user's own memory at that offset."""
    buf = bytearray(32)
    node = RegBuf(None, memoryview(buf), user_address(buf))  # type: ignore[arg-type]
    view = import_fixed(node, memoryview(buf)[8:], 24)
    assert not isinstance(view, int)
    view[:3] = b"abc"
    assert bytes(buf[8:11]) == b"abc"
    assert import_fixed(node, memoryview(buf)[8:], 25) == -EFAULT
    assert import_fixed(node, None, 1) == -EFAULT
    assert import_fixed(node, 0xFFFF_FFFF_FFFF_FFF0, 0x20) == -EFAULT
    assert import_fixed(node, bytearray(32), 4) == -EFAULT  # other memory
    assert import_fixed(node, bytes(buf), 4) == -EFAULT  # a copy has no address inside
    assert import_fixed(node, buf, 0) != -EFAULT


def test_register_checks_in_the_kernels_order():
    """-EFAULT for a NULL array before -EBUSY; -EINVAL for 0 or more than 16384 buffers before the
    array is read; each iovec: NULL with a length, length 0, above 1 GiB -EFAULT; a wrapping range
    -EOVERFLOW; a length negative as a ssize_t -EINVAL; nothing stays after a failure."""

    def body():
        ring = yield from _ring()
        buf = bytearray(64)
        out = [
            (yield from io_uring_register_buffers(ring, [buf], 0)),
            (yield from io_uring_register_buffers(ring, [], 16385)),
            (yield from io_uring_register_buffers(ring, [Iovec(None, 8)], 1)),
            (yield from io_uring_register_buffers(ring, [Iovec(buf, 0)], 1)),
            (yield from io_uring_register_buffers(ring, [Iovec(buf, (1 << 30) + 1)], 1)),
            (yield from io_uring_register_buffers(ring, [Iovec(0xFFFF_FFFF_FFFF_F000, 0x2000)], 1)),
            (yield from io_uring_register_buffers(ring, [Iovec(buf, -1)], 1)),
            (yield from io_uring_register_buffers(ring, [Iovec(buf, 65)], 1)),  # more than is there
            (yield from io_uring_register_buffers(ring, [b"read-only"], 1)),  # pinned for writing
            (yield from io_uring_register_buffers(ring, [buf, "no iovec"], 2)),
            (yield from io_uring_unregister_buffers(ring)),
            (yield from io_uring_register_buffers(ring, [buf], 1)),
            (yield from io_uring_register_buffers(ring, [buf], 1)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, None, 1)),
            (
                yield from io_uring_register(
                    ring.ring_fd, IORING_REGISTER_BUFFERS2, RsrcRegister(nr=1), 32
                )
            ),
        ]
        return out

    assert run_task(body) == [
        -EINVAL,
        -EINVAL,
        -EFAULT,
        -EFAULT,
        -EFAULT,
        -EOVERFLOW,
        -EINVAL,
        -EFAULT,
        -EFAULT,
        -EFAULT,
        -ENXIO,
        0,
        -EBUSY,
        -EFAULT,
        -EBUSY,
    ]


def test_tags_post_when_buffers_go_last_slot_first():
    """A replaced buffer's tag is posted at the update, the rest at unregistration from the last slot
    to the first; a failed tagged registration posts nothing; a tag on an empty slot is -EINVAL."""

    def body():
        ring = yield from _ring()
        a, b, c = bytearray(8), bytearray(8), bytearray(8)
        failed = yield from io_uring_register_buffers_tags(ring, [a, Iovec(None, 4)], [1, 2], 2)
        empty_tag = yield from io_uring_register_buffers_tags(ring, [a, None], [1, 2], 2)
        after_failures = drain(ring)
        assert (yield from io_uring_register_buffers_tags(ring, [a, b, c], [1, 0, 3], 3)) == 0
        assert (yield from io_uring_register_buffers_update_tag(ring, 1, [a], [4], 1)) == 1
        replaced_untagged = drain(ring)
        assert (yield from io_uring_register_buffers_update_tag(ring, 0, [None], None, 1)) == 1
        emptied = drain(ring)
        assert (yield from io_uring_unregister_buffers(ring)) == 0
        return failed, empty_tag, after_failures, replaced_untagged, emptied, drain(ring)

    assert run_task(body) == (-EFAULT, -EINVAL, [], [], [(1, 0)], [(3, 0), (4, 0)])


def test_update_returns_entries_done_or_the_error():
    """__io_sqe_buffers_update: the count done before the first bad entry, else its error; the range
    checks (-EOVERFLOW, -ENXIO, -EINVAL) come first."""

    def body():
        ring = yield from _ring()
        a = bytearray(8)
        none = yield from io_uring_register_buffers_update_tag(ring, 0, [a], None, 1)
        wraps = yield from io_uring_register_buffers_update_tag(ring, 0xFFFF_FFFF, [a, a], None, 2)
        assert (yield from io_uring_register_buffers_sparse(ring, 3)) == 0
        past = yield from io_uring_register_buffers_update_tag(ring, 2, [a, a], None, 2)
        partial = yield from io_uring_register_buffers_update_tag(
            ring, 0, [a, Iovec(a, 0), a], None, 3
        )
        first_bad = yield from io_uring_register_buffers_update_tag(
            ring, 1, [Iovec(None, 1)], None, 1
        )
        return none, wraps, past, partial, first_bad

    assert run_task(body) == (-ENXIO, -EOVERFLOW, -EINVAL, 1, -EFAULT)


def test_fixed_read_lands_in_the_registered_memory_at_its_offset():
    """READ_FIXED at buf + 4 fills buf[4:], WRITE_FIXED sends what the buffer holds; a range of one
    buffer named with another index, an empty slot and a missing table are -EFAULT."""

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf, other = bytearray(16), bytearray(16)
        _fixed(ring, True, fds[0], buf, 4, 0, 0, 1)
        yield from io_uring_submit_and_wait(ring, 1)
        no_table = drain(ring)
        assert (yield from io_uring_register_buffers(ring, [buf, other, None], 3)) == 0
        yield from write(fds[1], b"abcdefgh", 8)
        _fixed(ring, True, fds[0], memoryview(buf)[4:], 4, 0, 0, 2)
        _fixed(ring, True, fds[0], buf, 4, 0, 1, 3)
        _fixed(ring, True, fds[0], buf, 4, 0, 2, 4)
        _fixed(ring, False, fds[1], memoryview(buf)[4:], 4, 0, 0, 5)
        yield from io_uring_submit_and_wait(ring, 4)
        got = drain(ring)
        back = bytearray(8)
        _fixed(ring, True, fds[0], memoryview(other)[2:], 8, 0, 1, 6)
        yield from io_uring_submit_and_wait(ring, 1)
        return no_table, got, bytes(buf[:8]), drain(ring), bytes(other[2:10]), bytes(back)

    no_table, got, head, last, other, _ = run_task(body)
    assert no_table == [(1, -EFAULT)]
    assert got == [(2, 4), (3, -EFAULT), (4, -EFAULT), (5, 4)]
    assert head == b"\0\0\0\0abcd"
    assert last == [(6, 8)]  # the 4 bytes left in the pipe, then the 4 the WRITE_FIXED put back
    assert other == b"efghabcd"


def test_fixed_checks_after_the_fd_before_the_access_mode():
    """io_issue_sqe assigns the file first (-EBADF), io_read_fixed imports the buffer (-EFAULT)
    before io_rw_init_file checks the access mode (-EBADF)."""

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf = bytearray(8)
        assert (yield from io_uring_register_buffers(ring, [buf], 1)) == 0
        _fixed(ring, True, 999, buf, 4, 0, 5, 1)
        _fixed(ring, False, fds[0], buf, 4, 0, 5, 2)
        _fixed(ring, False, fds[0], buf, 4, 0, 0, 3)
        yield from io_uring_submit_and_wait(ring, 3)
        return drain(ring)

    assert run_task(body) == [(1, -EBADF), (2, -EFAULT), (3, -EBADF)]


def test_a_waiting_request_keeps_its_buffer_and_defers_the_tag():
    """A READ_FIXED waiting on a pipe holds a reference on its buffer's node: unregistering posts no
    tag yet, the read still lands in the buffer, then the tag's CQE follows the read's."""

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf = bytearray(8)
        assert (yield from io_uring_register_buffers_tags(ring, [buf], [42], 1)) == 0
        _fixed(ring, True, fds[0], buf, 4, 0, 0, 1)
        yield from io_uring_submit(ring)
        assert (yield from io_uring_unregister_buffers(ring)) == 0
        early = drain(ring)
        yield from write(fds[1], b"late", 4)
        return early, (yield from reap(ring, 2)), bytes(buf[:4])

    assert run_task(body) == ([], [(1, 4), (42, 0)], b"late")


def test_fixed_write_forced_async_and_nop_fixed_buffer():
    """IOSQE_ASYNC: the io-wq worker imports the buffer as the inline issue does; NOP with
    IORING_NOP_FIXED_BUFFER finds a registered slot (0) and not an empty or missing one (-EFAULT)."""

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf = bytearray(b"worker!!")
        assert (yield from io_uring_register_buffers(ring, [buf, None], 2)) == 0
        _fixed(ring, False, fds[1], buf, 8, 0, 0, 1, IOSQE_ASYNC)
        for ud, index in ((2, 0), (3, 1), (4, 7)):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            sqe.nop_flags = IORING_NOP_FIXED_BUFFER
            sqe.buf_index = index
            io_uring_sqe_set_data64(sqe, ud)
        yield from io_uring_submit(ring)
        return sorted((yield from reap(ring, 4)))

    assert run_task(body) == [(1, 8), (2, 0), (3, -EFAULT), (4, -EFAULT)]


def test_odd_sqe_fields_give_errno_cqes():
    """Fields of the wrong kind in a fixed SQE (a str buf_index, a str address, a len of 2^32 - 1)
    complete with a -errno, never an exception."""

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf = bytearray(8)
        assert (yield from io_uring_register_buffers(ring, [buf], 1)) == 0
        sqe = _fixed(ring, True, fds[0], buf, 4, 0, 0, 1)
        sqe.buf_index = "x"
        yield from io_uring_submit_and_wait(ring, 1)
        sqe = _fixed(ring, True, fds[0], buf, 4, 0, 0, 2)
        sqe.addr = "not memory"
        sqe = _fixed(ring, True, fds[0], buf, 0xFFFF_FFFF, 0, 0, 3)
        yield from io_uring_submit_and_wait(ring, 2)
        return drain(ring)

    assert run_task(body) == [(1, -EINVAL), (2, -EFAULT), (3, -EFAULT)]


def test_vectored_fixed_scatter_gather_and_checks():
    """READV_FIXED scatters into ranges of the registered buffer in iovec order, WRITEV_FIXED gathers;
    prep refuses 1025 iovecs (-EINVAL) and a huge count (-ENOMEM); an empty iovec or a range outside
    the buffer is -EFAULT at issue; zero iovecs read 0."""
    from simuring.abi.errno import ENOMEM
    from simuring.liburing import io_uring_prep_readv_fixed, io_uring_prep_writev_fixed

    def body():
        ring = yield from _ring()
        fds = []
        yield from pipe(fds)
        buf = bytearray(32)
        mv = memoryview(buf)
        assert (yield from io_uring_register_buffers(ring, [buf], 1)) == 0
        buf[0:4] = b"abcd"
        cases = (
            (io_uring_prep_writev_fixed, [mv[2:4], mv[0:2]], 2),
            (io_uring_prep_readv_fixed, [mv[20:21], mv[10:13]], 2),
            (io_uring_prep_readv_fixed, [mv[0:4]] * 2, 1025),
            (io_uring_prep_readv_fixed, [mv[0:4]], 0xFFFF_FFFF),
            (io_uring_prep_readv_fixed, [mv[0:4], Iovec(mv[4:], 0)], 2),
            (io_uring_prep_readv_fixed, [Iovec(mv[30:], 4)], 1),
            (io_uring_prep_readv_fixed, [], 0),
        )
        out = []
        for ud, (prep, iovecs, nr) in enumerate(cases, 1):
            sqe = io_uring_get_sqe(ring)
            prep(sqe, fds[1] if prep is io_uring_prep_writev_fixed else fds[0], iovecs, nr, 0, 0, 0)
            io_uring_sqe_set_data64(sqe, ud)
            yield from io_uring_submit_and_wait(ring, 1)
            out += drain(ring)
        return out, bytes(buf[20:21] + buf[10:13])

    out, scattered = run_task(body)
    assert out == [(1, 4), (2, 4), (3, -EINVAL), (4, -ENOMEM), (5, -EFAULT), (6, -EFAULT), (7, 0)]
    assert scattered == b"cdab"


def test_random_fixed_sqes_always_complete_with_a_cqe():
    """Random READ_FIXED / WRITE_FIXED / READV_FIXED / WRITEV_FIXED SQEs (addresses inside, across
    and outside the buffers, odd objects, any index, length and flags) each complete with one CQE
    whose result is a count or a -errno: never a Python exception."""
    import random

    from simuring.host.current import current_task
    from simuring.kernel.enter import ring_of
    from simuring.liburing import io_uring_prep_readv_fixed, io_uring_prep_writev_fixed
    from simuring.syscalls import O_CREAT, O_NONBLOCK, O_RDWR, pipe2
    from simuring.syscalls import open as sys_open
    from simuring.uapi import IOSQE_IO_LINK

    rnd = random.Random(7)

    def body():
        ring = yield from _ring(64)
        fds = []
        yield from pipe2(fds, O_NONBLOCK)  # the test's own writes never block
        fd = yield from sys_open("/fuzz-fixed", O_CREAT | O_RDWR, 0o644)
        bufs = [bytearray(64), bytearray(4096), None, bytearray(1)]
        assert (yield from io_uring_register_buffers_tags(ring, bufs, [0, 5, 0, 6], 4)) == 0
        yield from write(fds[1], b"x" * 4096, 4096)

        def addr():
            b = bufs[rnd.randrange(len(bufs))] or bytearray(8)
            kind = rnd.randrange(7)
            if kind == 0:
                return memoryview(b)[rnd.randrange(len(b) + 1) :]
            if kind == 1:
                return rnd.choice([0, 1, 0xFFFF_FFFF_FFFF_FFFF, -5])
            if kind == 2:
                return rnd.choice([None, b"ro", "str", 3.5, [b]])
            if kind == 3:
                return Iovec(b, rnd.choice([0, 1, -1, 1 << 40]))
            return b

        posted = 0
        for ud in range(1, 301):
            sqe = io_uring_get_sqe(ring)
            kind = rnd.randrange(4)
            target = rnd.choice([fds[0], fds[1], fd, 12345])
            index = rnd.choice([0, 1, 2, 3, 4, 0xFFFF])
            n = rnd.choice([0, 1, 8, 64, 4097, 0xFFFF_FFFF])
            if kind < 2:
                (io_uring_prep_read_fixed if kind == 0 else io_uring_prep_write_fixed)(
                    sqe, target, None, n, 0, index
                )
                sqe.addr = addr()
            else:
                prep = io_uring_prep_readv_fixed if kind == 2 else io_uring_prep_writev_fixed
                iovecs = [addr() for _ in range(rnd.randrange(4))]
                prep(
                    sqe,
                    target,
                    iovecs,
                    rnd.choice([len(iovecs), len(iovecs) + 1, 1025]),
                    rnd.choice([0, -1, -2]),
                    0,
                    index,
                )
                if rnd.random() < 0.1:
                    sqe.rw_flags = rnd.choice([1, 8, 0x8000])
            if rnd.random() < 0.1:
                sqe.buf_index = rnd.choice(["x", -1, 1 << 20])
            io_uring_sqe_set_data64(sqe, ud)
            io_uring_sqe_set_flags(sqe, rnd.choice([0, 0, IOSQE_ASYNC, IOSQE_IO_LINK]))
            yield from io_uring_submit(ring)
            posted += len(drain(ring))
            if ud % 50 == 0:
                yield from write(fds[1], b"y" * 512, 512)  # wake the reads that wait
        assert (yield from io_uring_unregister_buffers(ring)) == 0
        yield from write(fds[1], b"z" * 4096, 4096)
        posted += len(drain(ring))
        waiting = len(
            ring_of(current_task(), ring.ring_fd).inflight
        )  # reads still parked on the pipe
        return posted, waiting

    posted, waiting = run_task(body)
    assert (posted, waiting) == (
        302,
        0,
    )  # 300 requests, and the two tags' CQEs once the buffers went


def test_rsrc_structs_with_non_integer_fields_fault():
    """An rsrc struct whose integer fields hold something else (a misuse no C struct can express) is
    -EFAULT from the kernel, for buffers and files alike, never an exception."""
    from simuring.uapi import (
        IORING_REGISTER_BUFFERS_UPDATE,
        IORING_REGISTER_FILES2,
        IORING_REGISTER_FILES_UPDATE,
        RsrcUpdate,
        RsrcUpdate2,
    )

    def body():
        ring = yield from _ring()
        buf = bytearray(4)
        cases = (
            (IORING_REGISTER_BUFFERS2, RsrcRegister(nr="x", data=[buf]), 32),  # type: ignore[arg-type]
            (IORING_REGISTER_BUFFERS2, RsrcRegister(nr=1, flags=None, data=[buf]), 32),  # type: ignore[arg-type]
            (IORING_REGISTER_BUFFERS_UPDATE, RsrcUpdate2(offset="y", data=[buf], nr=1), 32),  # type: ignore[arg-type]
            (IORING_REGISTER_FILES2, RsrcRegister(nr=1.5), 32),  # type: ignore[arg-type]
            (IORING_REGISTER_FILES_UPDATE, RsrcUpdate(offset="y", data=[1]), 1),  # type: ignore[arg-type]
        )
        out = []
        for op, arg, nr in cases:
            out.append((yield from io_uring_register(ring.ring_fd, op, arg, nr)))
        return out

    assert run_task(body) == [-EFAULT] * 5
