"""IORING_OP_MSG_RING (opcodes/msg_ring.py) between simulated rings."""

from __future__ import annotations

from simuring.abi.errno import EBADF, EBADFD, EINVAL
from simuring.engine.sim import current_simulation as current_sim
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_msg_ring,
    io_uring_prep_msg_ring_cqe_flags,
    io_uring_queue_init,
    io_uring_register_files,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import pipe
from simuring.uapi import (
    IORING_MSG_RING_CQE_SKIP,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_FIXED_FILE,
)
from tests.helpers.ring import reap

DEFER = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


def send(ring, fd, length, data, ud, flags=0, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_msg_ring(sqe, fd, length, data, flags)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def two_rings(runner, body, dst_flags=0):
    out = {}

    def task():
        src, dst = Ring(), Ring()
        assert (yield from io_uring_queue_init(8, src, 0)) == 0
        assert (yield from io_uring_queue_init(8, dst, dst_flags)) == 0
        out.update((yield from body(src, dst)))

    runner.spawn(task)
    runner.run()
    return out


def full_cqes(ring, n):
    out = []
    cqe = Cqe()
    for _ in range(n):
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        out.append((cqe[0].user_data, cqe[0].res, cqe[0].flags))
        io_uring_cqe_seen(ring, cqe[0])
    return out


def test_msg_ring_delivers_res_and_user_data(runner):
    def body(src, dst):
        send(src, dst.ring_fd, 0x42, 0xDEAD, ud=1)
        yield from io_uring_submit(src)
        return {"src": (yield from reap(src, 1)), "dst": (yield from full_cqes(dst, 1))}

    out = two_rings(runner, body)
    assert out["src"] == [(1, 0)]
    assert out["dst"] == [(0xDEAD, 0x42, 0)]


def test_msg_ring_flags_pass_puts_file_index_in_the_target_cqe_flags(runner):
    def body(src, dst):
        sqe = io_uring_get_sqe(src)
        io_uring_prep_msg_ring_cqe_flags(sqe, dst.ring_fd, 7, 8, 0, 0x10)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(src)
        return {"src": (yield from reap(src, 1)), "dst": (yield from full_cqes(dst, 1))}

    out = two_rings(runner, body)
    assert out["src"] == [(1, 0)]
    assert out["dst"] == [(8, 7, 0x10)]


def test_a_ring_fd_cannot_be_a_registered_file_and_a_fixed_non_ring_target_is_ebadfd(runner):
    """io_sqe_files_register refuses io_uring instances (-EBADF); a registered pipe is no ring."""

    def body(src, dst):
        refused = yield from io_uring_register_files(src, [dst.ring_fd], 1)
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files(src, [fds[0]], 1)) == 0
        send(src, 0, 5, 6, ud=1, sqe_flags=IOSQE_FIXED_FILE)
        yield from io_uring_submit(src)
        return {"refused": refused, "src": (yield from reap(src, 1))}

    out = two_rings(runner, body)
    assert out["refused"] == -EBADF
    assert out["src"] == [(1, -EBADFD)]


def test_msg_ring_to_defer_taskrun_ring_appears_only_when_its_task_waits(runner):
    def body(src, dst):
        send(src, dst.ring_fd, 5, 99, ud=1)
        yield from io_uring_submit(src)
        sent = yield from reap(src, 1)
        before = io_uring_cq_ready(dst)
        got = yield from full_cqes(dst, 1)
        return {"sent": sent, "before": before, "got": got}

    out = two_rings(runner, body, DEFER)
    assert out["sent"] == [(1, 0)]
    assert out["before"] == 0
    assert out["got"] == [(99, 5, 0)]


def test_msg_ring_wakes_a_defer_taskrun_owner_waiting_in_another_thread(runner):
    shared = {}

    def receiver():
        dst = Ring()
        assert (yield from io_uring_queue_init(8, dst, DEFER)) == 0
        shared["fd"] = dst.ring_fd
        shared["got"] = yield from full_cqes(dst, 1)
        shared["t_got"] = current_sim().now

    def sender():
        src = Ring()
        assert (yield from io_uring_queue_init(8, src, 0)) == 0
        yield from simuring_sleep(50_000)
        send(src, shared["fd"], 3, 4, ud=1)
        yield from io_uring_submit(src)
        shared["t_sent"] = current_sim().now
        shared["sent"] = yield from reap(src, 1)

    rx = runner.spawn(receiver, cpu=0)
    runner.spawn(sender, cpu=1, process=rx.process)
    runner.run()
    assert shared["sent"] == [(1, 0)]
    assert shared["got"] == [(4, 3, 0)]
    assert shared["t_got"] >= shared["t_sent"]


def simuring_sleep(ns):
    from simuring.syscalls import nanosleep

    return (yield from nanosleep(ns))


def test_msg_ring_errors(runner):
    def body(src, dst):
        send(src, 0, 1, 1, ud=1)  # stdin placeholder: not a ring
        send(src, 999, 1, 1, ud=2)  # not open
        send(src, dst.ring_fd, 1, 1, ud=3, flags=IORING_MSG_RING_CQE_SKIP)  # not valid for DATA
        res = []
        for _ in range(3):
            yield from io_uring_submit(src)  # each failure ends its batch
            res += yield from reap(src, 1)
        return {"res": res, "dst": io_uring_cq_ready(dst)}

    out = two_rings(runner, body)
    assert out["res"] == [(1, -EBADFD), (2, -EBADF), (3, -EINVAL)]
    assert out["dst"] == 0


def test_command_and_source_fd_are_u32(runner):
    """io_msg_ring_prep: struct io_msg's cmd and src_fd are u32, so the upper halves of addr/addr3 are dropped."""

    def body(src, dst):
        sqe = send(src, dst.ring_fd, 1, 0x11, ud=1)
        sqe.addr = (1 << 32) | 0  # IORING_MSG_DATA
        sqe = send(src, dst.ring_fd, 2, 0x22, ud=2)
        sqe.addr3 = 1 << 32  # source fd 0
        yield from io_uring_submit(src)
        return {"src": (yield from reap(src, 2)), "dst": (yield from full_cqes(dst, 2))}

    out = two_rings(runner, body)
    assert out["src"] == [(1, 0), (2, 0)]
    assert out["dst"] == [(0x11, 1, 0), (0x22, 2, 0)]


def test_a_defer_taskrun_iopoll_target_gets_the_message_posted_at_once(runner):
    """io_msg_need_remote is ctx->task_complete, which IOPOLL turns off: no deferred work."""
    from simuring.uapi import IORING_SETUP_IOPOLL

    def body(src, dst):
        send(src, dst.ring_fd, 5, 99, ud=1)
        yield from io_uring_submit(src)
        sent = yield from reap(src, 1)
        return {"sent": sent, "ready": io_uring_cq_ready(dst)}

    out = two_rings(runner, body, DEFER | IORING_SETUP_IOPOLL)
    assert out == {"sent": [(1, 0)], "ready": 1}


def test_register_sync_msg_wakes_a_ring_waiting_in_another_thread(runner):
    """io_uring_register_sync_msg(3): the system call posts the message itself (no source ring, no CQE of
    its own), and the target's waiter wakes; the caller pays the post, then the call returns 0."""
    from simuring.liburing import io_uring_register_sync_msg
    from simuring.uapi import Sqe

    shared = {}

    def receiver():
        dst = Ring()
        assert (yield from io_uring_queue_init(8, dst, 0)) == 0
        shared["fd"] = dst.ring_fd
        shared["got"] = yield from full_cqes(dst, 1)
        shared["t_got"] = current_sim().now

    def sender():
        yield from simuring_sleep(50_000)
        sqe = Sqe()
        io_uring_prep_msg_ring(sqe, shared["fd"], 3, 4, 0)
        shared["t_sent"] = current_sim().now
        shared["sent"] = yield from io_uring_register_sync_msg(sqe)

    rx = runner.spawn(receiver, cpu=0)
    runner.spawn(sender, cpu=1, process=rx.process)
    runner.run()
    assert shared["sent"] == 0
    assert shared["got"] == [(4, 3, 0)]
    assert shared["t_got"] > shared["t_sent"]


def test_register_send_msg_ring_takes_any_argument_without_raising(runner):
    """What is not a struct io_uring_sqe is -EFAULT (copy_from_user), and fields of the wrong type are
    -errno, never a Python exception."""
    from simuring.abi.errno import EFAULT
    from simuring.liburing import io_uring_register
    from simuring.uapi import IORING_OP_MSG_RING, IORING_REGISTER_SEND_MSG_RING, Sqe

    def body(src, dst):
        out = []
        out.append((yield from io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, "not an sqe", 1)))
        for field, value in (("fd", "x"), ("len", None), ("op_flags", 1.5), ("addr", b"")):
            sqe = Sqe(opcode=IORING_OP_MSG_RING, fd=dst.ring_fd)
            setattr(sqe, field, value)
            out.append((yield from io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, sqe, 1)))
        return {"res": out, "ready": io_uring_cq_ready(dst)}

    out = two_rings(runner, body)
    assert out["res"] == [-EFAULT, -EBADF, -EINVAL, -EINVAL, -EINVAL]
    assert out["ready"] == 0
