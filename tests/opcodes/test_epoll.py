"""epoll (simuring/kernel/objects/epoll.py), epoll_create1/epoll_ctl, and IORING_OP_EPOLL_CTL /
IORING_OP_EPOLL_WAIT (opcodes/epoll.py)."""

from __future__ import annotations

import itertools

from simuring.abi.epoll import EPOLL_EVENT_SIZE, epoll_event, epoll_events
from simuring.abi.errno import (
    EAGAIN,
    EBADF,
    ECANCELED,
    EEXIST,
    EFAULT,
    EINVAL,
    ELOOP,
    ENOENT,
    EPERM,
)
from simuring.kernel.objects.epoll import EventPoll
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_epoll_ctl,
    io_uring_prep_epoll_wait,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import (
    EPOLL_CLOEXEC,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLLERR,
    EPOLLET,
    EPOLLEXCLUSIVE,
    EPOLLHUP,
    EPOLLIN,
    EPOLLONESHOT,
    EPOLLOUT,
    close,
    epoll_create1,
    epoll_ctl,
    eventfd,
    eventfd_write,
    pipe,
    read,
    write,
)
from simuring.syscalls import open as sys_open
from tests.helpers.procs import fd_object
from tests.helpers.ring import reap
from tests.opcodes.test_openclose_sync import one, run

O_RDWR_CREAT = 0o2 | 0o100


def _wait_now(ring, epfd, n=4):
    buf = bytearray(n * EPOLL_EVENT_SIZE)
    res = yield from one(ring, io_uring_prep_epoll_wait, epfd, buf, n, 0)
    return res, epoll_events(buf, max(res, 0))


def test_epoll_create1_flags(runner):
    def body(ring):
        return {"r": [(yield from epoll_create1(0)) >= 0, (yield from epoll_create1(EPOLL_CLOEXEC)) >= 0, (yield from epoll_create1(1)), (yield from epoll_create1(-1))]}

    assert run(runner, body)["r"] == [True, True, -EINVAL, -EINVAL]


def test_epoll_ctl_errors_in_the_kernels_order(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        ep2 = yield from epoll_create1(0)
        fds = []
        yield from pipe(fds)
        reg = yield from sys_open("/f", O_RDWR_CREAT, 0o644)
        ev = epoll_event(EPOLLIN, 1)
        return {
            "r": [
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], ev)),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], ev)),
                (yield from epoll_ctl(ep, EPOLL_CTL_MOD, fds[1], ev)),
                (yield from epoll_ctl(ep, EPOLL_CTL_DEL, fds[1], None)),
                (yield from epoll_ctl(99, EPOLL_CTL_ADD, 98, ev)),  # epfd looked up first
                (yield from epoll_ctl(fds[0], EPOLL_CTL_ADD, reg, ev)),  # EPERM before "not an epoll"
                (yield from epoll_ctl(fds[0], EPOLL_CTL_ADD, fds[1], ev)),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, ep, ev)),
                (yield from epoll_ctl(ep, 17, fds[1], ev)),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], None)),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], bytearray(11))),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], epoll_event(EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT))),
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], epoll_event(EPOLLOUT | EPOLLEXCLUSIVE))),
                (yield from epoll_ctl(ep, EPOLL_CTL_MOD, fds[1], epoll_event(EPOLLOUT))),  # exclusive item
                (yield from epoll_ctl(ep, EPOLL_CTL_ADD, ep2, ev)),
                (yield from epoll_ctl(ep2, EPOLL_CTL_ADD, ep, ev)),
            ]
        }

    assert run(runner, body)["r"] == [0, -EEXIST, -ENOENT, -ENOENT, -EBADF, -EPERM, -EINVAL, -EINVAL, -EINVAL, -EFAULT, -EFAULT, -EINVAL, 0, -EINVAL, 0, -ELOOP]


def test_level_triggered_items_come_round_in_turn_and_errhup_are_always_added(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        a = yield from eventfd(1, 0)
        b = yield from eventfd(1, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, a, epoll_event(EPOLLIN, 1))
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, b, epoll_event(EPOLLIN, 2))
        obj = fd_object(ep)
        stored = sorted(it.events for it in obj.items.values())
        got = []
        for _ in range(3):
            got.append((yield from _wait_now(ring, ep, 1)))
        return {"stored": stored, "got": got}

    out = run(runner, body)
    assert out["stored"] == [EPOLLIN | EPOLLERR | EPOLLHUP] * 2
    assert out["got"] == [(1, [(EPOLLIN, 1)]), (1, [(EPOLLIN, 2)]), (1, [(EPOLLIN, 1)])]


def test_oneshot_disables_and_mod_rearms(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        efd = yield from eventfd(1, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, efd, epoll_event(EPOLLIN | EPOLLONESHOT, 5))
        first = yield from _wait_now(ring, ep)
        yield from eventfd_write(efd, 1)  # the disabled item ignores the wake-up
        ready = fd_object(ep).poll_mask()
        yield from epoll_ctl(ep, EPOLL_CTL_MOD, efd, epoll_event(EPOLLIN | EPOLLONESHOT, 6))
        second = yield from _wait_now(ring, ep)
        return {"r": [first, ready, second]}

    assert run(runner, body)["r"] == [(1, [(EPOLLIN, 5)]), 0, (1, [(EPOLLIN, 6)])]


def test_edge_triggered_item_leaves_the_ready_list(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        efd = yield from eventfd(1, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, efd, epoll_event(EPOLLIN | EPOLLET, 5))
        first = yield from _wait_now(ring, ep)
        return {"r": [first, len(fd_object(ep).rdllist)]}

    assert run(runner, body)["r"] == [(1, [(EPOLLIN, 5)]), 0]


def test_wait_blocks_until_a_write_and_cancel_is_ecanceled(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        fds = []
        yield from pipe(fds)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], epoll_event(EPOLLIN, 9))
        buf = bytearray(2 * EPOLL_EVENT_SIZE)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_epoll_wait(sqe, ep, buf, 2, 0)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        parked = len(fd_object(ep).poll_wait.entries)
        yield from write(fds[1], b"x", 1)
        done = yield from reap(ring, 1)
        events = epoll_events(buf, 1)
        yield from read(fds[0], bytearray(4), 4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_epoll_wait(sqe, ep, buf, 2, 0)
        io_uring_sqe_set_data64(sqe, 2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 2, 0)
        io_uring_sqe_set_data64(sqe, 3)
        yield from io_uring_submit(ring)
        cancelled = sorted((yield from reap(ring, 2)))
        return {"r": [parked, done, events, cancelled, len(fd_object(ep).poll_wait.entries)]}

    assert run(runner, body)["r"] == [1, [(1, 1)], [(EPOLLIN, 9)], [(2, -ECANCELED), (3, 0)], 0]


def test_wait_checks_and_efault_keeps_the_event(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        efd = yield from eventfd(1, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, efd, epoll_event(EPOLLIN, 3))
        return {
            "r": [
                (yield from one(ring, io_uring_prep_epoll_wait, ep, bytearray(12), 0, 0)),
                (yield from one(ring, io_uring_prep_epoll_wait, ep, bytearray(12), -1, 0)),
                (yield from one(ring, io_uring_prep_epoll_wait, efd, bytearray(12), 1, 0)),
                (yield from one(ring, io_uring_prep_epoll_wait, ep, bytearray(12), 1, 1)),
                (yield from one(ring, io_uring_prep_epoll_wait, ep, None, 1, 0)),
                (yield from one(ring, io_uring_prep_epoll_wait, ep, bytearray(5), 1, 0)),
                (yield from one(ring, io_uring_prep_epoll_wait, ep, bytes(12), 1, 0)),  # read-only memory
                (yield from _wait_now(ring, ep)),
            ]
        }

    assert run(runner, body)["r"] == [-EINVAL, -EINVAL, -EINVAL, -EINVAL, -EFAULT, -EFAULT, -EFAULT, (1, [(EPOLLIN, 3)])]


def test_ctl_through_the_ring_reads_the_event_at_prep_and_checks_fields(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        efd = yield from eventfd(0, 0)
        ev = epoll_event(EPOLLIN, 1)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_ADD, ev)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_ADD, ev)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_MOD, None)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_DEL, None)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_ADD, ev, buf_index=1)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, efd, EPOLL_CTL_ADD, ev, file_index=1)),
                (yield from one(ring, io_uring_prep_epoll_ctl, ep, -1, EPOLL_CTL_ADD, ev)),
            ]
        }

    assert run(runner, body)["r"] == [0, -EEXIST, -EFAULT, 0, -EINVAL, -EINVAL, -EBADF]


def test_every_odd_sqe_field_is_an_errno_not_an_exception(runner):
    odd = [None, "x", object(), -1, 1 << 70, 1.5, bytearray(3)]
    fields = ("fd", "off", "addr", "len", "op_flags", "buf_index", "file_index", "addr3", "ioprio")

    def body(ring):
        ep = yield from epoll_create1(0)
        efd = yield from eventfd(1, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, efd, epoll_event(EPOLLIN, 3))
        results = []
        for prep, args in ((io_uring_prep_epoll_ctl, (ep, efd, EPOLL_CTL_MOD, epoll_event(EPOLLIN, 3))), (io_uring_prep_epoll_wait, (ep, bytearray(48), 4, 0))):
            for field, value in itertools.product(fields, odd):
                res = yield from one(ring, prep, *args, **{field: value})
                results.append(res)
        return {"r": results}

    results = run(runner, body)["r"]
    assert len(results) == 2 * 9 * 7
    assert all(isinstance(r, int) and r >= -4095 for r in results)


def test_closing_the_last_reference_removes_the_item_and_the_epoll_file_unhooks(runner):
    def body(ring):
        ep = yield from epoll_create1(0)
        fds = []
        yield from pipe(fds)
        yield from write(fds[1], b"x", 1)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], epoll_event(EPOLLIN, 1))
        pipe_obj = fd_object(fds[0]).pipe
        hooked = len(pipe_obj.wq.entries)
        yield from close(fds[0])
        epobj = fd_object(ep)
        after_close = [epobj.poll_mask(), len(epobj.items), len(epobj.rdllist)]
        efd = yield from eventfd(0, 0)
        yield from epoll_ctl(ep, EPOLL_CTL_ADD, efd, epoll_event(EPOLLIN, 2))
        eobj = fd_object(efd)
        before = len(eobj.wq.entries)
        yield from close(ep)
        return {"r": [hooked, after_close, before, len(eobj.wq.entries), (yield from eventfd_write(efd, 1))]}

    # the closed (ready) pipe end: not ready any more, no item left; the closed epoll file's
    # entry is off the eventfd's queue
    assert run(runner, body)["r"] == [1, [0, 0, 0], 1, 0, 0]


def test_unwatched_files_have_no_epoll_entry_on_their_queue(runner):
    def body(ring):
        efd = yield from eventfd(0, 0)
        yield from eventfd_write(efd, 1)
        return {"r": [len(fd_object(efd).wq.entries), isinstance(fd_object(efd), EventPoll)]}

    assert run(runner, body)["r"] == [0, False]


def test_eagain_is_never_posted_inline(runner):
    """An EPOLL_WAIT with nothing ready is parked on the epoll file's poll queue (the generic
    fast poll), not completed with -EAGAIN."""

    def body(ring):
        ep = yield from epoll_create1(0)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_epoll_wait(sqe, ep, bytearray(12), 1, 0)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return {"r": sorted((yield from reap(ring, 2)))}

    r = run(runner, body)["r"]
    assert (1, -EAGAIN) not in r
    assert r == [(1, -ECANCELED), (2, 0)]
