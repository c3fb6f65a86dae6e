"""SEND_ZC / SENDMSG_ZC (opcodes/net_zc.py) on simulated AF_UNIX stream sockets: the failure, its
IORING_CQE_F_MORE and the notification CQE."""

from __future__ import annotations

import itertools

from simuring.abi.errno import EBADF, ECANCELED, EFAULT, EINVAL, ENOTSOCK, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_CQE_F_MORE,
    IORING_CQE_F_NOTIF,
    IORING_SEND_ZC_REPORT_USAGE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_LINK,
)
from simuring.abi.posix import Msghdr
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_prep_nop,
    io_uring_prep_send_zc,
    io_uring_prep_sendmsg_zc,
    io_uring_queue_init,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import pipe, recv, socketpair
from tests.helpers.ring import reap_flags
from tests.opcodes.test_openclose_sync import queue as _queue
from tests.opcodes.test_openclose_sync import run

AF_UNIX, SOCK_STREAM, MSG_DONTWAIT = 1, 1, 0x40
MORE, NOTIF = IORING_CQE_F_MORE, IORING_CQE_F_NOTIF


def _pair():
    sv = [0, 0]
    assert (yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0
    return sv


def _cqes(ring, n):
    yield from io_uring_submit(ring)
    return (yield from reap_flags(ring, n))


def test_send_zc_on_unix_fails_with_more_then_a_notification(runner):
    def body(ring):
        a, b = yield from _pair()
        _queue(ring, io_uring_prep_send_zc, a, b"hello", 5, 0, 0)
        first = yield from _cqes(ring, 2)
        _queue(ring, io_uring_prep_sendmsg_zc, a, Msghdr([b"ab"]), 0, ud=2)
        second = yield from _cqes(ring, 2)
        _queue(ring, io_uring_prep_send_zc, a, b"hello", 5, 0, IORING_SEND_ZC_REPORT_USAGE, ud=3)
        usage = yield from _cqes(ring, 2)
        peer = yield from recv(b, bytearray(8), 8, MSG_DONTWAIT)
        return {"r": (first, second, usage, peer)}

    first, second, usage, peer = run(runner, body)["r"]
    assert first == [(1, -EOPNOTSUPP, MORE), (1, 0, NOTIF)]
    assert second == [(2, -EOPNOTSUPP, MORE), (2, 0, NOTIF)]
    assert usage == [(3, -EOPNOTSUPP, MORE), (3, -(1 << 31), NOTIF)]
    assert peer < 0


def test_prep_errors_before_and_after_the_notification(runner):
    def body(ring):
        a, _ = yield from _pair()
        fds = [0, 0]
        yield from pipe(fds)
        out = []
        for ud, (fd, zc, sqe_flags, fields) in enumerate(
            (
                (a, 0, 0, {"addr3": 8}),
                (a, 0, IOSQE_CQE_SKIP_SUCCESS, {}),
                (a, 1 << 7, 0, {}),
                (a, 1 << 5, 0, {}),
                (a, 0, 0, {"file_index": 1 << 16}),
                (fds[1], 0, 0, {}),
                (999, 0, 0, {}),
            ),
            1,
        ):
            _queue(ring, io_uring_prep_send_zc, fd, b"x", 1, 0, zc, ud=ud, sqe_flags=sqe_flags, **fields)
            yield from io_uring_submit(ring)
            n = 1 if ud <= 2 else 2
            out.append((yield from reap_flags(ring, n)))
        return {"out": out}

    out = run(runner, body)["out"]
    assert out[0] == [(1, -EINVAL, 0)] and out[1] == [(2, -EINVAL, 0)]
    assert out[2] == [(3, -EINVAL, MORE), (3, 0, NOTIF)]
    assert out[3] == [(4, -EFAULT, MORE), (4, 0, NOTIF)]
    assert out[4] == [(5, -EINVAL, MORE), (5, 0, NOTIF)]
    assert out[5] == [(6, -ENOTSOCK, MORE), (6, 0, NOTIF)]
    assert out[6] == [(7, -EBADF, MORE), (7, 0, NOTIF)]


def test_links_put_the_notification_after_the_chain(runner):
    def body(ring):
        a, _ = yield from _pair()
        _queue(ring, io_uring_prep_send_zc, a, b"x", 1, 0, 0, ud=1, sqe_flags=IOSQE_IO_LINK)
        _queue(ring, io_uring_prep_nop, ud=2)
        failing = yield from _cqes(ring, 3)
        _queue(ring, io_uring_prep_nop, ud=3, sqe_flags=IOSQE_IO_LINK)
        _queue(ring, io_uring_prep_send_zc, a, b"x", 1, 0, 1 << 7, ud=4)
        member = yield from _cqes(ring, 3)
        return {"r": (failing, member)}

    failing, member = run(runner, body)["r"]
    assert failing == [(1, -EOPNOTSUPP, MORE), (2, -ECANCELED, 0), (1, 0, NOTIF)]
    assert member == [(3, -ECANCELED, 0), (4, -EINVAL, 0), (4, 0, NOTIF)]


def test_notifications_left_queued_run_in_one_deferred_pass(runner):
    """On a DEFER_TASKRUN ring each notification is one deferred task work item, queued when its
    SEND_ZC (failing at prep: unknown ``ioprio`` bits) is freed; nothing runs them until a wait,
    which runs them in one pass: both notifications ready at once (fz10-zc-notif-together)."""
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)) == 0
        a, _ = yield from _pair()
        failed = []
        for ud in (1, 2):
            _queue(ring, io_uring_prep_send_zc, a, b"x", 1, 0, 0xE000, ud=ud)
            failed += yield from _cqes(ring, 1)
        assert (yield from io_uring_wait_cqe(ring, Cqe())) == 0
        ready = io_uring_cq_ready(ring)
        out["r"] = (failed, ready, (yield from reap_flags(ring, ready)))

    runner.spawn(task)
    runner.run()
    assert out["r"] == ([(1, -EINVAL, MORE), (2, -EINVAL, MORE)], 2, [(1, 0, NOTIF), (2, 0, NOTIF)])


def test_fuzzed_fields_never_raise(runner):
    odd = (0, -1, 1 << 63, (1 << 64) - 1, 0xFFFF, bytearray(2), b"xy", [b"a", None], None, object())

    def body(ring):
        a, _ = yield from _pair()
        out = []
        for zc, field, value in itertools.product((0, 1 << 5), ("addr", "addr2", "addr3", "file_index", "ioprio", "len", "op_flags"), odd):
            try:
                _queue(ring, io_uring_prep_send_zc, a, b"abc", 3, 0, zc, **{field: value})
            except TypeError:
                continue
            yield from io_uring_submit(ring)
            first = (yield from reap_flags(ring, 1))[0]
            if first[2] & MORE:
                first = (yield from reap_flags(ring, 1))[0]
            out.append(first)
        for value in odd:
            _queue(ring, io_uring_prep_sendmsg_zc, a, Msghdr([b"a"]), 0, addr=value)
            yield from io_uring_submit(ring)
            first = (yield from reap_flags(ring, 1))[0]
            if first[2] & MORE:
                yield from reap_flags(ring, 1)
            out.append(first)
        return {"out": out}

    out = run(runner, body)["out"]
    assert out and all(isinstance(r[1], int) for r in out)
