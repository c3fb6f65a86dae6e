"""MSG_RING's IORING_MSG_SEND_FD (opcodes/msg_ring.py) and FIXED_FD_INSTALL (opcodes/openclose.py)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, EBADFD, EINVAL, ENFILE, ENXIO
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_fixed_fd_install,
    io_uring_prep_msg_ring_fd,
    io_uring_prep_msg_ring_fd_alloc,
    io_uring_prep_write,
    io_uring_queue_init,
    io_uring_register_files,
    io_uring_register_files_sparse,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import close, pipe, read, write
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IORING_MSG_RING_CQE_SKIP,
    IORING_MSG_SEND_FD,
    IORING_OP_MSG_RING,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_FIXED_FILE,
    Sqe,
)
from tests.helpers.ring import drain, reap


def run(runner, body, b_flags=0):
    out = {}

    def task():
        a, b = Ring(), Ring()
        assert (yield from io_uring_queue_init(8, a, 0)) == 0
        assert (yield from io_uring_queue_init(8, b, b_flags)) == 0
        fds = []
        yield from pipe(fds)
        out.update((yield from body(a, b, fds)))

    runner.spawn(task)
    runner.run()
    return out


def send_fd(ring, target, src, slot, data, ud=1, flags=0):
    sqe = io_uring_get_sqe(ring)
    if slot == IORING_FILE_INDEX_ALLOC:
        io_uring_prep_msg_ring_fd_alloc(sqe, target, src, data, flags)
    else:
        io_uring_prep_msg_ring_fd(sqe, target, src, slot, data, flags)
    io_uring_sqe_set_data64(sqe, ud)
    return sqe


def test_helper_fields_as_liburing():
    sqe = Sqe()
    io_uring_prep_msg_ring_fd(sqe, 7, 3, 2, 0x99, IORING_MSG_RING_CQE_SKIP)
    assert (sqe.opcode, sqe.fd, sqe.addr, sqe.addr3, sqe.file_index, sqe.off, sqe.op_flags, sqe.len) == (
        IORING_OP_MSG_RING, 7, IORING_MSG_SEND_FD, 3, 3, 0x99, IORING_MSG_RING_CQE_SKIP, 0)  # fmt: skip
    io_uring_prep_msg_ring_fd_alloc(sqe, 7, 3, 0x99, 0)
    assert sqe.file_index == IORING_FILE_INDEX_ALLOC


def test_send_fd_installs_in_the_slot_and_posts_on_both_rings(runner):
    def body(a, b, fds):
        yield from io_uring_register_files(a, [fds[1]], 1)
        yield from io_uring_register_files_sparse(b, 2)
        send_fd(a, b.ring_fd, 0, 1, 0x77)
        yield from io_uring_submit(a)
        sender = yield from reap(a, 1)
        target = drain(b)
        sqe = io_uring_get_sqe(b)
        io_uring_prep_write(sqe, 1, b"hi", 2, 0)
        io_uring_sqe_set_data64(sqe, 9)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        yield from io_uring_submit(b)
        wrote = yield from reap(b, 1)
        buf = bytearray(2)
        got = yield from read(fds[0], buf, 2)
        allocs = []
        for ud in (2, 3, 4):
            send_fd(a, b.ring_fd, 0, IORING_FILE_INDEX_ALLOC, ud, ud=ud)
            yield from io_uring_submit(a)
            allocs += yield from reap(a, 1)
        return {"r": (sender, target, wrote, got, bytes(buf), allocs, drain(b))}

    sender, target, wrote, got, data, allocs, later = run(runner, body)["r"]
    assert sender == [(1, 0)] and target == [(0x77, 0)]
    assert wrote == [(9, 2)] and (got, data) == (2, b"hi")
    assert allocs == [(2, 0), (3, -ENFILE), (4, -ENFILE)]  # slot 1 taken: the search wraps to slot 0, then none is free
    assert later == [(2, 0)]


def test_send_fd_errors(runner):
    def body(a, b, fds):
        yield from io_uring_register_files(a, [fds[1], -1], 2)
        res = []
        for src, slot, target in ((0, 1, a.ring_fd), (5, 1, b.ring_fd), (1, 1, b.ring_fd), (0, 1, fds[0])):
            send_fd(a, target, src, slot, 1)
            yield from io_uring_submit(a)
            res.append((yield from reap(a, 1))[0][1])
        for slot in (1, IORING_FILE_INDEX_ALLOC):  # B has no table
            send_fd(a, b.ring_fd, 0, slot, 1)
            yield from io_uring_submit(a)
            res.append((yield from reap(a, 1))[0][1])
        yield from io_uring_register_files_sparse(b, 1)
        sqe = send_fd(a, b.ring_fd, 0, 1, 1)
        sqe.file_index = 0  # slot -1
        yield from io_uring_submit(a)
        res.append((yield from reap(a, 1))[0][1])
        sqe = send_fd(a, b.ring_fd, 0, 0, 1)
        sqe.len = 1
        yield from io_uring_submit(a)
        res.append((yield from reap(a, 1))[0][1])
        send_fd(a, b.ring_fd, 0, 0, 1, flags=IORING_MSG_RING_CQE_SKIP)
        yield from io_uring_submit(a)
        res.append((yield from reap(a, 1))[0][1])
        return {"r": (res, drain(b))}

    res, on_b = run(runner, body)["r"]
    assert res == [-EINVAL, -EBADF, -EBADF, -EBADFD, -ENXIO, -ENFILE, -EINVAL, -EINVAL, 0]
    assert on_b == []


def test_send_fd_to_a_defer_taskrun_ring(runner):
    def body(a, b, fds):
        yield from io_uring_register_files(a, [fds[1]], 1)
        yield from io_uring_register_files_sparse(b, 2)
        send_fd(a, b.ring_fd, 0, 1, 0x42)
        yield from io_uring_submit(a)
        sender = yield from reap(a, 1)
        return {"r": (sender, (yield from reap(b, 1)))}

    assert run(runner, body, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)["r"] == ([(1, 0)], [(0x42, 0)])


def test_fixed_fd_install(runner):
    def body(a, b, fds):
        yield from io_uring_register_files(a, [fds[1], -1], 2)
        yield from close(fds[1])
        res = []
        for slot, flags, sqe_flags in ((0, 0, IOSQE_FIXED_FILE), (0, 0, 0), (0, 2, IOSQE_FIXED_FILE), (1, 0, IOSQE_FIXED_FILE)):
            sqe = io_uring_get_sqe(a)
            io_uring_prep_fixed_fd_install(sqe, slot, flags)
            io_uring_sqe_set_flags(sqe, sqe_flags)
            yield from io_uring_submit(a)
            res.append((yield from reap(a, 1))[0][1])
        wrote = yield from write(res[0], b"x", 1)
        return {"r": (res, wrote, fds[1])}

    res, wrote, old = run(runner, body)["r"]
    assert res == [old, -EBADF, -EINVAL, -EBADF]  # the lowest free descriptor: the one just closed
    assert wrote == 1
