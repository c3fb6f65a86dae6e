"""io_uring_register(2): the fixed-file table (IORING_REGISTER_FILES)."""

from __future__ import annotations

from simuring.abi.errno import EPIPE
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_register_files,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_submit_and_wait,
    io_uring_unregister_files,
)
from simuring.syscalls import close, pipe, write
from simuring.uapi import IOSQE_FIXED_FILE
from tests.helpers.ring import drain
from tests.helpers.sim import run_task


def test_a_registered_file_keeps_its_file_open_after_close():
    """io_sqe_files_register takes a reference (io_uring_registered_files(7))."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files(ring, [fds[0]], 1)) == 0
        assert (yield from close(fds[0])) == 0
        written = yield from write(fds[1], b"data", 4)  # a reader still exists: the table's
        buf = bytearray(4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, 0, buf, 4, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit_and_wait(ring, 1)
        got = drain(ring)
        assert (yield from io_uring_unregister_files(ring)) == 0
        after = yield from write(fds[1], b"x", 1)  # the last reader is gone now
        return written, got, bytes(buf), after

    assert run_task(body) == (4, [(1, 4)], b"data", -EPIPE)


def test_register_checks_in_the_kernels_order():
    """SYSCALL_DEFINE4(io_uring_register): opcode range, blind fd -1, registered-ring index, then the
    command's own argument check before the ring's state (__io_uring_register)."""
    from simuring.abi.errno import EBADF, EINVAL
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register
    from simuring.uapi import (
        IORING_REGISTER_ENABLE_RINGS,
        IORING_REGISTER_LAST,
        IORING_REGISTER_USE_REGISTERED_RING,
    )

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        reg = IORING_REGISTER_USE_REGISTERED_RING | IORING_REGISTER_ENABLE_RINGS
        return [
            (yield from io_uring_register(100_000, IORING_REGISTER_LAST, None, 0)),
            (yield from io_uring_register(-1, IORING_REGISTER_ENABLE_RINGS, None, 0)),
            (yield from io_uring_register(0, reg, None, 0)),
            (yield from io_uring_register(100, reg, None, 0)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 1)),
        ]

    assert run_task(body) == [-EINVAL, -EINVAL, -EBADF, -EINVAL, -EINVAL]


def test_register_files_null_array_faults_before_other_checks():
    """IORING_REGISTER_FILES with a NULL array: -EFAULT with nr_args 4 or 0, and with a table already
    registered (the real kernel's order: scenario li-register-files-null-array)."""
    from simuring.abi.errno import EFAULT
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register_files
    from simuring.liburing.syscall import io_uring_register
    from simuring.uapi import IORING_REGISTER_FILES

    out = []

    def body():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 0)))
        out.append((yield from io_uring_register_files(ring, [-1, -1], 2)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))

    run_task(body)
    assert out == [-EFAULT, -EFAULT, 0, -EFAULT]


def test_a_pending_fixed_file_request_keeps_its_file_after_unregister():
    """A READ through a fixed file pins the file (io_req_assign_rsrc_node): with the read end's fd
    closed and the table unregistered while the READ waits, the pipe still has a reader (write(2) is
    not -EPIPE) and the READ completes (scenario li-fixed-file-unregister-inflight); once it has, the
    last reader is gone."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files(ring, [fds[0]], 1)) == 0
        assert (yield from close(fds[0])) == 0
        buf = bytearray(2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, 0, buf, 2, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        assert (yield from io_uring_unregister_files(ring)) == 0
        written = yield from write(fds[1], b"io", 2)
        yield from io_uring_submit_and_wait(ring, 1)
        got = drain(ring)
        after = yield from write(fds[1], b"x", 1)
        return written, got, bytes(buf), after

    assert run_task(body) == (2, [(1, 2)], b"io", -EPIPE)


def test_register_files_sizes_are_checked_before_the_array():
    """nr_args above IORING_MAX_FIXED_FILES, or above the process's RLIMIT_NOFILE (1024 in the model), is
    -EMFILE before the array is read, so a short array does not matter (scenario
    li-register-files-too-many); 0 is -EINVAL; a table of 1024 empty slots is accepted.  (The raw
    call: liburing's io_uring_register_files raises the limit and retries, tests/kernel/test_nofile.py.)"""
    from simuring.abi.errno import EINVAL, EMFILE
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register
    from simuring.uapi import IORING_REGISTER_FILES

    def body():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        out = []
        for files, nr in (([-1], (1 << 20) + 1), ([-1], 1025), ([-1], 0), ([-1] * 1024, 1024)):
            out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, files, nr)))
        return out

    assert run_task(body) == [-EMFILE, -EMFILE, -EINVAL, 0]


def test_probe_reports_the_registry_opcodes():
    """IORING_REGISTER_PROBE (io_probe): last_op is IORING_OP_LAST - 1, ops_len the opcodes asked for
    (clamped to IORING_OP_LAST), each entry numbered, the registry's opcodes flagged supported."""
    from simuring.liburing import io_uring_register_probe
    from simuring.uapi import (
        IO_URING_OP_SUPPORTED,
        IORING_OP_LAST,
        IORING_OP_NOP,
        IORING_OP_READ,
        Probe,
    )

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        p = Probe()
        ret = yield from io_uring_register_probe(ring, p, 256)
        short = Probe()
        ret_short = yield from io_uring_register_probe(ring, short, 2)
        return ret, p, ret_short, short

    ret, p, ret_short, short = run_task(body)
    assert ret == 0 and p.last_op == IORING_OP_LAST - 1 and p.ops_len == IORING_OP_LAST
    assert [op.op for op in p.ops[: p.ops_len]] == list(range(IORING_OP_LAST))
    assert p.ops[IORING_OP_NOP].flags == IO_URING_OP_SUPPORTED and p.ops[IORING_OP_READ].flags == IO_URING_OP_SUPPORTED
    assert all(op.flags == 0 and op.op == 0 for op in p.ops[IORING_OP_LAST:])
    assert ret_short == 0 and short.ops_len == 2 and short.ops[2].op == 0


def test_probe_errors_leave_the_probe_untouched():
    """NULL probe or nr_args > 256: -EINVAL; a non-zeroed probe: -EINVAL, nothing written; a probe with
    fewer entries than asked for, or not a probe at all: -EFAULT (the copy from user memory)."""
    from simuring.abi.errno import EFAULT, EINVAL
    from simuring.liburing import io_uring_register, io_uring_register_probe
    from simuring.uapi import IORING_REGISTER_PROBE, Probe, ProbeOp

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        dirty = Probe()
        dirty.ops[1].resv = 1
        short = Probe(ops=[ProbeOp() for _ in range(2)])
        return [
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, None, 4)),
            (yield from io_uring_register_probe(ring, Probe(), 257)),
            (yield from io_uring_register_probe(ring, dirty, 4)),
            dirty.last_op,
            (yield from io_uring_register_probe(ring, short, 4)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, b"x", 4)),
        ]

    assert run_task(body) == [-EINVAL, -EINVAL, -EINVAL, 0, -EFAULT, -EFAULT]


def test_eventfd_registration_errors():
    """IORING_REGISTER_EVENTFD: nr_args != 1 -EINVAL, not an eventfd -EINVAL, a closed fd -EBADF, a second
    registration -EBUSY; IORING_UNREGISTER_EVENTFD without one -ENXIO."""
    from simuring.abi.errno import EBADF, EBUSY, EINVAL, ENXIO
    from simuring.liburing import (
        io_uring_register,
        io_uring_register_eventfd,
        io_uring_register_eventfd_async,
        io_uring_unregister_eventfd,
    )
    from simuring.syscalls import eventfd
    from simuring.uapi import IORING_REGISTER_EVENTFD

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        efd = yield from eventfd(0, 0)
        fds = []
        yield from pipe(fds)
        return [
            (yield from io_uring_unregister_eventfd(ring)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [efd], 2)),
            (yield from io_uring_register_eventfd(ring, fds[0])),
            (yield from io_uring_register_eventfd(ring, 99)),
            (yield from io_uring_register_eventfd(ring, efd)),
            (yield from io_uring_register_eventfd_async(ring, efd)),
            (yield from io_uring_unregister_eventfd(ring)),
            (yield from io_uring_unregister_eventfd(ring)),
        ]

    assert run_task(body) == [-ENXIO, -EINVAL, -EINVAL, -EBADF, 0, -EBUSY, 0, -ENXIO]


def test_eventfd_is_signalled_once_per_flush():
    """io_eventfd_flush_signal: one signal for a submission that posted several CQEs, none without a new
    CQE, none while IORING_CQ_EVENTFD_DISABLED is set in the CQ ring's flags."""
    from simuring.liburing import io_uring_prep_nop, io_uring_register_eventfd
    from simuring.syscalls import EFD_NONBLOCK, eventfd, eventfd_read
    from simuring.uapi import IORING_CQ_EVENTFD_DISABLED

    def count(efd):
        value = [0]
        ret = yield from eventfd_read(efd, value)
        return value[0] if ret == 0 else ret

    def nops(ring, n):
        for ud in range(n):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, ud)
        yield from io_uring_submit_and_wait(ring, n)
        drain(ring)

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        efd = yield from eventfd(0, EFD_NONBLOCK)
        assert (yield from io_uring_register_eventfd(ring, efd)) == 0
        yield from nops(ring, 3)
        three = yield from count(efd)
        yield from io_uring_submit(ring)
        none = yield from count(efd)
        ring.rings.cq_flags |= IORING_CQ_EVENTFD_DISABLED
        yield from nops(ring, 1)
        disabled = yield from count(efd)
        ring.rings.cq_flags &= ~IORING_CQ_EVENTFD_DISABLED
        yield from nops(ring, 1)
        enabled = yield from count(efd)
        return three, none, disabled, enabled

    from simuring.abi.errno import EAGAIN

    assert run_task(body) == (1, -EAGAIN, -EAGAIN, 1)


def test_eventfd_signalled_once_per_task_work_run():
    """Two polls fired by one write complete from one run of task work: the CQEs are flushed together
    (ctx_flush_ts), so the registered eventfd is signalled once, not once per CQE."""
    from simuring.liburing import io_uring_prep_poll_add, io_uring_register_eventfd
    from simuring.syscalls import EFD_NONBLOCK, eventfd, eventfd_read
    from simuring.uapi import POLLIN

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        efd = yield from eventfd(0, EFD_NONBLOCK)
        assert (yield from io_uring_register_eventfd(ring, efd)) == 0
        for ud in (1, 2):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_poll_add(sqe, fds[0], POLLIN)
            io_uring_sqe_set_data64(sqe, ud)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"x", 1)
        yield from io_uring_submit_and_wait(ring, 2)
        got = drain(ring)
        value = [0]
        yield from eventfd_read(efd, value)
        return len(got), value[0]

    assert run_task(body) == (2, 1)


def test_files_update_counts_done_slots_and_stops_at_a_bad_fd():
    """__io_sqe_files_update: the result is the slots processed (SKIP counts) or, with none, the error;
    the checks before the loop: -ENXIO without a table, -EINVAL past it, -EOVERFLOW on u32 wrap."""
    from simuring.abi.errno import EBADF, EINVAL, ENXIO, EOVERFLOW
    from simuring.liburing import io_uring_register_files_update
    from simuring.uapi import IORING_REGISTER_FILES_SKIP

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        out = [(yield from io_uring_register_files_update(ring, 0, [fds[0]], 1))]
        assert (yield from io_uring_register_files(ring, [-1, -1], 2)) == 0
        out += [
            (yield from io_uring_register_files_update(ring, 0, [IORING_REGISTER_FILES_SKIP, fds[0]], 2)),
            (yield from io_uring_register_files_update(ring, 1, [fds[0], fds[1]], 2)),
            (yield from io_uring_register_files_update(ring, 0xFFFF_FFFF, [fds[0], fds[1]], 2)),
            (yield from io_uring_register_files_update(ring, 0, [99], 1)),
            (yield from io_uring_register_files_update(ring, 0, [fds[1], 99], 2)),
            (yield from io_uring_register_files_update(ring, 0, [ring.ring_fd], 1)),
        ]
        return out

    assert run_task(body) == [-ENXIO, 2, -EINVAL, -EOVERFLOW, -EBADF, 1, -EBADF]


def test_file_tags_post_cqes_when_slots_go():
    """A tagged slot emptied or replaced posts a CQE (user_data = tag, res 0); unregistering posts the rest,
    last slot first; a failed FILES2 registration posts none and leaves no table."""
    from simuring.abi.errno import EINVAL, ENXIO
    from simuring.liburing import (
        io_uring_register_files_tags,
        io_uring_register_files_update,
        io_uring_register_files_update_tag,
    )

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        bad = yield from io_uring_register_files_tags(ring, [fds[0], -1], [7, 8], 2)
        none = yield from io_uring_unregister_files(ring)
        assert (yield from io_uring_register_files_tags(ring, [fds[0], fds[1], fds[0]], [1, 2, 3], 3)) == 0
        assert (yield from io_uring_register_files_update_tag(ring, 0, [fds[1]], [4], 1)) == 1
        assert (yield from io_uring_register_files_update(ring, 1, [-1], 1)) == 1
        first = drain(ring)
        assert (yield from io_uring_unregister_files(ring)) == 0
        return bad, none, first, drain(ring)

    assert run_task(body) == (-EINVAL, -ENXIO, [(1, 0), (2, 0)], [(3, 0), (4, 0)])


def test_ring_fds_register_enter_and_unregister():
    """IORING_REGISTER_RING_FDS: offset -1 takes the first free slot (written back); the slot then works
    with IORING_ENTER_REGISTERED_RING and keeps the ring alive after its fd is closed; unregistering
    drops it (-EBADF after); a pipe is -EOPNOTSUPP, a taken slot -EBUSY."""
    from simuring.abi.errno import EBADF, EBUSY, EOPNOTSUPP
    from simuring.liburing import io_uring_enter, io_uring_register
    from simuring.uapi import (
        IORING_ENTER_REGISTERED_RING,
        IORING_REGISTER_RING_FDS,
        IORING_UNREGISTER_RING_FDS,
        RsrcUpdate,
    )

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        up = RsrcUpdate(offset=0xFFFF_FFFF, data=ring.ring_fd)
        out = [(yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [up], 1)), up.offset]
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [RsrcUpdate(offset=0, data=ring.ring_fd)], 1)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [RsrcUpdate(offset=1, data=fds[0])], 1)))
        ring_file = yield from close(ring.ring_fd)
        out.append(ring_file)
        out.append((yield from io_uring_enter(0, 0, 0, IORING_ENTER_REGISTERED_RING)))
        out.append((yield from io_uring_register(0, IORING_UNREGISTER_RING_FDS | (1 << 31), [RsrcUpdate(offset=0)], 1)))
        out.append((yield from io_uring_enter(0, 0, 0, IORING_ENTER_REGISTERED_RING)))
        return out

    assert run_task(body) == [1, 0, -EBUSY, -EOPNOTSUPP, 0, 0, 1, -EBADF]


def test_iowq_max_workers_returns_the_previous_caps():
    """IORING_REGISTER_IOWQ_MAX_WORKERS: [0, 0] reads the caps (bounded: min(SQ entries, 4 x CPUs) of the
    task's first ring); non-zero counts replace them and the old ones come back; the io-wq created later
    by a punt keeps the caps; > INT_MAX is -EINVAL."""
    from simuring.abi.errno import EINVAL
    from simuring.kernel.iowq import UNBOUNDED_MAX
    from simuring.liburing import io_uring_register_iowq_max_workers

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        a, b, c, d = [0, 0], [2, 3], [0, 0], [0x8000_0000, 1]
        rets = []
        for v in (a, b, c, d):
            rets.append((yield from io_uring_register_iowq_max_workers(ring, v)))
        return rets, a, b, c, d

    rets, a, b, c, d = run_task(body)
    assert rets == [0, 0, 0, -EINVAL]
    assert a == [4, UNBOUNDED_MAX] and b == [4, UNBOUNDED_MAX] and c == [2, 3] and d == [0x8000_0000, 1]


def test_iowq_aff_checks_and_keeps_the_mask():
    """IORING_REGISTER_IOWQ_AFF: -EINVAL for NULL or size 0; CPUs past the host's are ignored; the mask is
    kept on the task's io-wq, and IORING_UNREGISTER_IOWQ_AFF clears it."""
    from simuring.abi.errno import EINVAL
    from simuring.engine.sim import Simulation
    from simuring.liburing import (
        io_uring_register,
        io_uring_register_iowq_aff,
        io_uring_unregister_iowq_aff,
    )
    from simuring.uapi import IORING_REGISTER_IOWQ_AFF

    sim = Simulation(seed=0)
    seen = []

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        seen.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_AFF, None, 8)))
        seen.append((yield from io_uring_register_iowq_aff(ring, 0, bytes(8))))
        seen.append((yield from io_uring_register_iowq_aff(ring, 16, bytes([3]) + bytes(14) + bytes([0x80]))))
        wq = next(iter(sim.kernel.iowqs.values()))
        seen.append(sorted(wq.cpu_mask))
        seen.append((yield from io_uring_unregister_iowq_aff(ring)))
        seen.append(wq.cpu_mask)

    sim.spawn(body, name="t", cpu=0)
    sim.run()
    assert seen == [-EINVAL, -EINVAL, 0, [0, 1], 0, None]
