"""epoll through io_uring: EPOLL_CTL and EPOLL_WAIT as liburing's tests use them (epwait.c, epoll.c), written
from the man pages (epoll_create1(2), epoll_ctl(2), io_uring_prep_epoll_ctl(3), io_uring_prep_epoll_wait(3));
names prefixed ``le-``.

Events are packed ``struct epoll_event`` (12 bytes) in ``bytearray`` objects; the data word of every item is
a small tag (never an fd number, which differs between the two sides).  A wait that must block is submitted,
then the event is caused by a plain syscall (write(2), eventfd_write), then the CQE is waited for: no timing."""

from __future__ import annotations

from typing import Any

from simuring.abi.epoll import EPOLL_EVENT_SIZE, epoll_event, epoll_events
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    link_timeout,
    new_pipe,
    new_ring,
    nop,
    reap,
    reap_ready,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "epoll")


def _ctl(L: Any, ring: Any, user_data: int, epfd: int, fd: int, op: int, ev: Any, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_epoll_ctl(sqe, epfd, fd, op, ev)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _wait(L: Any, ring: Any, user_data: int, epfd: int, buf: Any, maxevents: int, flags: int = 0, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_epoll_wait(sqe, epfd, buf, maxevents, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _events(L: Any, label: str, buf: bytearray, n: int) -> None:
    """Record the first ``n`` events of ``buf`` (``[events, data]`` pairs)."""
    L.record(label, [list(e) for e in epoll_events(buf, max(0, min(n, len(buf) // EPOLL_EVENT_SIZE)))])


def _reap_wait(L: Any, ring: Any, label: str, buf: bytearray) -> Gen:
    """Wait for one CQE (recorded) and, if it is a count, record that many events of ``buf``."""
    cqe = L.Cqe()
    if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
        return None
    res = cqe[0].res
    L.io_uring_cqe_seen(ring, cqe[0])
    if res > 0:
        _events(L, label, buf, res)
    return res


def _setup(L: Any, entries: int = 8, flags: int = 0) -> Gen:
    """A ring, an epoll fd, a pipe and an eventfd."""
    ring = yield from new_ring(L, entries, flags)
    epfd = yield from L.epoll_create1(0)
    fds = yield from new_pipe(L)
    efd = yield from L.eventfd(0, 0)
    return ring, epfd, fds, efd


def _teardown(L: Any, ring: Any, *fds: int) -> Gen:
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- epoll_create1(2) and epoll_ctl(2) ------------------------------------------------------------


@scenario("le-create1-flags", tags=(*TAGS, "syscall"))
def le_create1_flags(L: Any) -> Gen:
    """epoll_create1(2): 0 and EPOLL_CLOEXEC give a descriptor; any other flag (O_NONBLOCK, 1, -1) is
    -EINVAL."""
    for flags in (0, L.EPOLL_CLOEXEC):
        fd = yield from L.epoll_create1(flags)
        if fd >= 0:
            yield from L.close(fd)
    for flags in (L.O_NONBLOCK, 1, -1):
        yield from L.epoll_create1(flags)


@scenario("le-syscall-ctl-errors", tags=(*TAGS, "syscall"))
def le_syscall_ctl_errors(L: Any) -> Gen:
    """epoll_ctl(2) itself: ADD twice is -EEXIST; MOD and DEL of an unwatched fd -ENOENT; a bad epfd or fd
    -EBADF; a pipe as epfd -EINVAL; the epoll fd added to itself -EINVAL; a regular file -EPERM; an unknown
    op -EINVAL; ADD with a NULL event -EFAULT but DEL with NULL is fine; EPOLLEXCLUSIVE with MOD, with
    EPOLLONESHOT, or on an epoll fd is -EINVAL."""
    epfd = yield from L.epoll_create1(0)
    ep2 = yield from L.epoll_create1(0)
    fds = yield from new_pipe(L)
    reg = yield from L.open("/le-reg", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    ev = epoll_event(L.EPOLLIN, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_MOD, fds[1], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_DEL, fds[1], None)
    yield from L.epoll_ctl(999, L.EPOLL_CTL_ADD, fds[1], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, 999, ev)
    yield from L.epoll_ctl(fds[0], L.EPOLL_CTL_ADD, fds[1], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, epfd, ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, reg, ev)
    yield from L.epoll_ctl(epfd, 7, fds[1], ev)
    yield from L.epoll_ctl(epfd, 0, fds[1], ev)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[1], None)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_DEL, fds[0], None)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[1], epoll_event(L.EPOLLOUT | L.EPOLLEXCLUSIVE, 2))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_MOD, fds[1], epoll_event(L.EPOLLOUT | L.EPOLLEXCLUSIVE, 2))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_MOD, fds[1], epoll_event(L.EPOLLOUT, 2))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN | L.EPOLLEXCLUSIVE | L.EPOLLONESHOT, 3))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, ep2, epoll_event(L.EPOLLIN | L.EPOLLEXCLUSIVE, 4))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, ep2, epoll_event(L.EPOLLIN, 4))
    yield from L.epoll_ctl(ep2, L.EPOLL_CTL_ADD, epfd, epoll_event(L.EPOLLIN, 5))
    for fd in (epfd, ep2, fds[0], fds[1], reg):
        yield from L.close(fd)


# -- EPOLL_CTL ------------------------------------------------------------------------------------


@scenario("le-ctl-add-mod-del", tags=(*TAGS, "pipe"))
def le_ctl_add_mod_del(L: Any) -> Gen:
    """EPOLL_CTL ADD of a pipe's read end, a second ADD -EEXIST, MOD 0, DEL 0, then MOD and DEL -ENOENT:
    one CQE each, in order."""
    ring, epfd, fds, efd = yield from _setup(L)
    ev = epoll_event(L.EPOLLIN, 7)
    _ctl(L, ring, 1, epfd, fds[0], L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 2, epfd, fds[0], L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 3, epfd, fds[0], L.EPOLL_CTL_MOD, epoll_event(L.EPOLLIN | L.EPOLLOUT, 8))
    _ctl(L, ring, 4, epfd, fds[0], L.EPOLL_CTL_DEL, None)
    _ctl(L, ring, 5, epfd, fds[0], L.EPOLL_CTL_MOD, ev)
    _ctl(L, ring, 6, epfd, fds[0], L.EPOLL_CTL_DEL, None)
    yield from submit_and_reap(L, ring, 6)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-ctl-errors", tags=(*TAGS, "pipe", "file"))
def le_ctl_errors(L: Any) -> Gen:
    """EPOLL_CTL's errors at issue: a bad epfd or target -EBADF, a pipe as epfd -EINVAL, the epoll fd added
    to itself -EINVAL, a regular file -EPERM, an unknown op -EINVAL, EPOLLEXCLUSIVE with MOD -EINVAL, a
    loop of two epoll fds -ELOOP; a ring fd and an eventfd can be added."""
    ring, epfd, fds, efd = yield from _setup(L, 16)
    ep2 = yield from L.epoll_create1(0)
    reg = yield from L.open("/le-ctl-reg", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    ev = epoll_event(L.EPOLLIN, 1)
    _ctl(L, ring, 1, 999, fds[0], L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 2, epfd, 999, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 3, fds[0], fds[1], L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 4, epfd, epfd, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 5, epfd, reg, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 6, epfd, fds[0], 9, ev)
    _ctl(L, ring, 7, epfd, fds[0], L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 8, epfd, fds[0], L.EPOLL_CTL_MOD, epoll_event(L.EPOLLIN | L.EPOLLEXCLUSIVE, 1))
    _ctl(L, ring, 9, epfd, ep2, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 10, ep2, epfd, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 11, epfd, ring.ring_fd, L.EPOLL_CTL_ADD, ev)
    _ctl(L, ring, 12, epfd, efd, L.EPOLL_CTL_ADD, ev)
    yield from submit_and_reap(L, ring, 12)
    yield from _teardown(L, ring, epfd, ep2, reg, fds[0], fds[1], efd)


@scenario("le-ctl-prep-fields", tags=(*TAGS, "pipe"))
def le_ctl_prep_fields(L: Any) -> Gen:
    """EPOLL_CTL's prep: non-zero buf_index or splice_fd_in is -EINVAL; a NULL event is -EFAULT for ADD and
    MOD (and for an unknown op) but not for DEL, which answers -ENOENT for an fd never added."""
    ring, epfd, fds, efd = yield from _setup(L)
    ev = epoll_event(L.EPOLLIN, 1)
    # a failed prep ends the submission (no IORING_SETUP_SUBMIT_ALL): one SQE at a time
    sqe = _ctl(L, ring, 1, epfd, fds[0], L.EPOLL_CTL_ADD, ev)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring, 1)
    sqe = _ctl(L, ring, 2, epfd, fds[0], L.EPOLL_CTL_ADD, ev)
    sqe.splice_fd_in = 1
    yield from submit_and_reap(L, ring, 1)
    for ud, op in ((3, L.EPOLL_CTL_ADD), (4, L.EPOLL_CTL_MOD), (5, 9), (6, L.EPOLL_CTL_DEL)):
        _ctl(L, ring, ud, epfd, fds[0], op, None)
        yield from submit_and_reap(L, ring, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-ctl-event-read-at-prep", tags=(*TAGS, "pipe"))
def le_ctl_event_read_at_prep(L: Any) -> Gen:
    """The event of an EPOLL_CTL is copied when the SQE is prepared (submitted): changing the struct after
    io_uring_submit does not change what was added (the wait reports the data word submitted)."""
    ring, epfd, fds, efd = yield from _setup(L)
    ev = epoll_event(L.EPOLLIN, 0x11)
    _ctl(L, ring, 1, epfd, efd, L.EPOLL_CTL_ADD, ev)
    yield from L.io_uring_submit(ring)
    ev[:] = epoll_event(L.EPOLLOUT, 0x22)
    yield from reap(L, ring, 1)
    yield from L.eventfd_write(efd, 1)
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-ctl-link-fail", tags=(*TAGS, "link", "pipe"))
def le_ctl_link_fail(L: Any) -> Gen:
    """A failing EPOLL_CTL (-EEXIST) in a link cancels the next member (-ECANCELED); a succeeding one lets
    the next run; an EPOLL_CTL then an EPOLL_WAIT linked: the wait sees the fd just added."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.write(fds[1], b"x", 1)
    ev = epoll_event(L.EPOLLIN, 5)
    _ctl(L, ring, 1, epfd, fds[0], L.EPOLL_CTL_ADD, ev, IOSQE_IO_LINK)
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf, 2)
    yield from submit_and_reap(L, ring, 2)
    _events(L, "events", buf, 1)
    _ctl(L, ring, 3, epfd, fds[0], L.EPOLL_CTL_ADD, ev, IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-ctl-async", tags=(*TAGS, "iowq", "pipe"))
def le_ctl_async(L: Any) -> Gen:
    """EPOLL_CTL with IOSQE_ASYNC (issued by io-wq): ADD 0, ADD again -EEXIST, DEL 0."""
    ring, epfd, fds, efd = yield from _setup(L)
    ev = epoll_event(L.EPOLLIN, 5)
    _ctl(L, ring, 1, epfd, fds[0], L.EPOLL_CTL_ADD, ev, IOSQE_ASYNC | IOSQE_IO_LINK)
    _ctl(L, ring, 2, epfd, fds[0], L.EPOLL_CTL_ADD, ev, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    _ctl(L, ring, 3, epfd, fds[0], L.EPOLL_CTL_DEL, None, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


# -- EPOLL_WAIT -----------------------------------------------------------------------------------


@scenario("le-wait-ready", tags=(*TAGS, "pipe", "eventfd"))
def le_wait_ready(L: Any) -> Gen:
    """EPOLL_WAIT with events already ready completes at once with their count; the array holds each
    file's ready mask (a pipe's read end EPOLLIN|EPOLLRDNORM, its write end EPOLLOUT|EPOLLWRNORM, an eventfd
    EPOLLIN|EPOLLOUT) and its data word, in the order the items became ready."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.write(fds[1], b"abc", 3)
    yield from L.eventfd_write(efd, 2)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN | L.EPOLLOUT, 0xE))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN | L.EPOLLRDNORM, 0xA))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[1], epoll_event(L.EPOLLOUT | L.EPOLLWRNORM, 0xB))
    buf = bytearray(8 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 8)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-blocks", tags=(*TAGS, "pipe"))
def le_wait_blocks(L: Any) -> Gen:
    """EPOLL_WAIT with nothing ready waits (a NOP submitted after it completes first); a write to the
    watched pipe completes it with one event."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 0x33))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"hello", 5)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-blocks-defer", tags=(*TAGS, "pipe", "defer_taskrun"))
def le_wait_blocks_defer(L: Any) -> Gen:
    """The same wait on a DEFER_TASKRUN ring: an eventfd write completes it when the task next waits."""
    ring, epfd, fds, efd = yield from _setup(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 0x44))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.eventfd_write(efd, 3)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-maxevents", tags=(*TAGS, "pipe", "eventfd"))
def le_wait_maxevents(L: Any) -> Gen:
    """maxevents 1 with three level-triggered items ready: each wait returns one event, and the items come
    round in turn (the one reported goes to the tail of the ready list)."""
    ring, epfd, fds, efd = yield from _setup(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.write(fds[1], b"x", 1)
    yield from L.eventfd_write(efd, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 1))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 2))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, sv[0], epoll_event(L.EPOLLOUT, 3))
    for i in range(5):
        buf = bytearray(EPOLL_EVENT_SIZE)
        _wait(L, ring, 10 + i, epfd, buf, 1)
        yield from L.io_uring_submit(ring)
        yield from _reap_wait(L, ring, f"wait {i}", buf)
    buf = bytearray(3 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 20, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "two", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd, sv[0], sv[1])


@scenario("le-wait-oneshot", tags=(*TAGS, "eventfd"))
def le_wait_oneshot(L: Any) -> Gen:
    """EPOLLONESHOT: the item is reported once, then disabled (a second wait blocks though the eventfd is
    still readable: a NOP overtakes it); EPOLL_CTL_MOD re-arms it and the blocked wait completes."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.eventfd_write(efd, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN | L.EPOLLONESHOT, 9))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "first", buf)
    buf2 = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf2, 2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    _ctl(L, ring, 4, epfd, efd, L.EPOLL_CTL_MOD, epoll_event(L.EPOLLIN | L.EPOLLONESHOT, 10))
    yield from submit_and_reap(L, ring, 1)
    yield from _reap_wait(L, ring, "rearmed", buf2)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-edge", tags=(*TAGS, "pipe"))
def le_wait_edge(L: Any) -> Gen:
    """EPOLLET: a readable pipe is reported once; the next wait blocks (a NOP overtakes it) until a new
    write, though the first bytes were never read."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.write(fds[1], b"a", 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN | L.EPOLLET, 4))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "first", buf)
    buf2 = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf2, 2)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"b", 1)
    yield from _reap_wait(L, ring, "edge", buf2)
    rd = bytearray(8)
    yield from L.read(fds[0], rd, 8)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-level", tags=(*TAGS, "pipe"))
def le_wait_level(L: Any) -> Gen:
    """Level-triggered: a readable pipe is reported by every wait until it is drained; after the read a
    wait blocks (a NOP overtakes it) until the next write."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.write(fds[1], b"a", 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 4))
    for i in range(2):
        buf = bytearray(2 * EPOLL_EVENT_SIZE)
        _wait(L, ring, 1 + i, epfd, buf, 2)
        yield from L.io_uring_submit(ring)
        yield from _reap_wait(L, ring, f"level {i}", buf)
    rd = bytearray(8)
    yield from L.read(fds[0], rd, 8)
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 5, epfd, buf, 2)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"b", 1)
    yield from _reap_wait(L, ring, "again", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-stale-ready", tags=(*TAGS, "pipe"))
def le_wait_stale_ready(L: Any) -> Gen:
    """An item that was ready but no longer is (the pipe drained by read(2) before the wait) is dropped:
    the wait blocks (a NOP overtakes it) until data comes again."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 6))
    yield from L.write(fds[1], b"zz", 2)
    rd = bytearray(8)
    yield from L.read(fds[0], rd, 8)
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"y", 1)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-hup", tags=(*TAGS, "pipe"))
def le_wait_hup(L: Any) -> Gen:
    """EPOLLHUP and EPOLLERR are always watched: an item asking only for EPOLLPRI on a pipe's read end is
    reported with EPOLLHUP once the write end is closed; the write end watched for nothing reports EPOLLERR
    once the read end is closed."""
    ring, epfd, fds, efd = yield from _setup(L)
    fds2 = yield from new_pipe(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLPRI, 1))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds2[1], epoll_event(0, 2))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from L.close(fds[1])
    yield from _reap_wait(L, ring, "hup", buf)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_DEL, fds[0], None)
    yield from L.close(fds2[0])
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "err", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds2[1], efd)


@scenario("le-wait-prep-fields", tags=(*TAGS, "eventfd"))
def le_wait_prep_fields(L: Any) -> Gen:
    """EPOLL_WAIT's prep: non-zero off, rw_flags (the helper's flags), buf_index or splice_fd_in is -EINVAL."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.eventfd_write(efd, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    # a failed prep ends the submission (no IORING_SETUP_SUBMIT_ALL): one SQE at a time
    sqe = _wait(L, ring, 1, epfd, buf, 4)
    sqe.off = 1
    yield from submit_and_reap(L, ring, 1)
    _wait(L, ring, 2, epfd, buf, 4, flags=1)
    yield from submit_and_reap(L, ring, 1)
    sqe = _wait(L, ring, 3, epfd, buf, 4)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring, 1)
    sqe = _wait(L, ring, 4, epfd, buf, 4)
    sqe.splice_fd_in = 1
    yield from submit_and_reap(L, ring, 1)
    _wait(L, ring, 5, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-bad-args", tags=(*TAGS, "eventfd", "pipe"))
def le_wait_bad_args(L: Any) -> Gen:
    """EPOLL_WAIT's issue checks: maxevents 0, negative or above INT_MAX/12 is -EINVAL; a file that is not an
    epoll file (a pipe) -EINVAL; a bad descriptor -EBADF; a NULL array with an event ready -EFAULT, and the
    event is still reported to the next wait."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.eventfd_write(efd, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 0)
    _wait(L, ring, 2, epfd, buf, -1)
    _wait(L, ring, 3, epfd, buf, 0x7FFF_FFFF // 12 + 1)
    _wait(L, ring, 4, fds[0], buf, 4)
    _wait(L, ring, 5, 999, buf, 4)
    _wait(L, ring, 6, epfd, None, 4)
    yield from submit_and_reap(L, ring, 6)
    _wait(L, ring, 7, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "after", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-cancel", tags=(*TAGS, "cancel", "pipe"))
def le_wait_cancel(L: Any) -> Gen:
    """A waiting EPOLL_WAIT is cancelled by ASYNC_CANCEL: the cancel's 0 and the wait's -ECANCELED; a
    cancel of it afterwards is -ENOENT; a later write finds no wait."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 1))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    cancel(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.write(fds[1], b"x", 1)
    nop(L, ring, 4)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-link-timeout", tags=(*TAGS, "link", "timeout", "pipe"))
def le_wait_link_timeout(L: Any) -> Gen:
    """An EPOLL_WAIT guarded by a LINK_TIMEOUT of 10 ms with nothing ready: -ECANCELED, the timeout -ETIME;
    with an event ready at once: the count, the timeout -ECANCELED."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 1))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 10_000_000)
    yield from submit_and_reap(L, ring, 2)
    yield from L.write(fds[1], b"x", 1)
    _wait(L, ring, 3, epfd, buf, 4, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 4, 10_000_000_000)
    yield from submit_and_reap(L, ring, 2)
    _events(L, "events", buf, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-async", tags=(*TAGS, "iowq", "eventfd"))
def le_wait_async(L: Any) -> Gen:
    """EPOLL_WAIT with IOSQE_ASYNC: ready at once, the count; nothing ready, the wait blocks (a NOP overtakes
    it) until an eventfd write completes it."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.eventfd_write(efd, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN | L.EPOLLET, 1))
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "ready", buf)
    buf2 = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 2, epfd, buf2, 4, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.eventfd_write(efd, 1)
    yield from _reap_wait(L, ring, "later", buf2)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-two-waiters", tags=(*TAGS, "eventfd"))
def le_wait_two_waiters(L: Any) -> Gen:
    """Two EPOLL_WAITs on one epoll fd, nothing ready: one eventfd write (a level-triggered item) completes
    both, each with the event."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    b1 = bytearray(2 * EPOLL_EVENT_SIZE)
    b2 = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, b1, 2)
    _wait(L, ring, 2, epfd, b2, 2)
    yield from L.io_uring_submit(ring)
    yield from L.eventfd_write(efd, 1)
    yield from reap(L, ring, 2)
    _events(L, "b1", b1, 1)
    _events(L, "b2", b2, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-ring-fd", tags=(*TAGS, "ring"))
def le_wait_ring_fd(L: Any) -> Gen:
    """A second ring's fd in the interest list: EPOLL_WAIT on the first ring blocks until a NOP completes on
    the second, then reports EPOLLIN with the item's data."""
    ring, epfd, fds, efd = yield from _setup(L)
    other = yield from new_ring(L, 4)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, other.ring_fd, epoll_event(L.EPOLLIN, 0x77))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    nop(L, other, 3)
    yield from L.io_uring_submit(other)
    yield from _reap_wait(L, ring, "events", buf)
    yield from reap(L, other, 1)
    yield from L.io_uring_queue_exit(other)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-nested", tags=(*TAGS, "eventfd"))
def le_wait_nested(L: Any) -> Gen:
    """An epoll fd watching another epoll fd: the outer one reports EPOLLIN when the inner one has a ready
    item (an eventfd write after the wait was submitted)."""
    ring, epfd, fds, efd = yield from _setup(L)
    inner = yield from L.epoll_create1(0)
    yield from L.epoll_ctl(inner, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, inner, epoll_event(L.EPOLLIN, 2))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.eventfd_write(efd, 1)
    yield from _reap_wait(L, ring, "outer", buf)
    ib = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 3, inner, ib, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "inner", ib)
    yield from _teardown(L, ring, epfd, inner, fds[0], fds[1], efd)


@scenario("le-wait-closed-target", tags=(*TAGS, "pipe"))
def le_wait_closed_target(L: Any) -> Gen:
    """Closing the only descriptor of a watched, ready pipe end removes it from the interest list: a wait
    then reports only the other item; a DEL of the old number is -EBADF."""
    ring, epfd, fds, efd = yield from _setup(L)
    fds2 = yield from new_pipe(L)
    yield from L.write(fds[1], b"x", 1)
    yield from L.write(fds2[1], b"y", 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[0], epoll_event(L.EPOLLIN, 1))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds2[0], epoll_event(L.EPOLLIN, 2))
    yield from L.close(fds[0])
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "events", buf)
    _ctl(L, ring, 2, epfd, fds[0], L.EPOLL_CTL_DEL, None)
    yield from submit_and_reap(L, ring, 1)
    yield from _teardown(L, ring, epfd, fds[1], fds2[0], fds2[1], efd)


@scenario("le-wait-mod-ready", tags=(*TAGS, "pipe"))
def le_wait_mod_ready(L: Any) -> Gen:
    """A pipe write end watched for EPOLLIN only is never reported; EPOLL_CTL_MOD to EPOLLOUT (ready at
    once) completes the waiting EPOLL_WAIT with the new data word."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, fds[1], epoll_event(L.EPOLLIN, 1))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    _ctl(L, ring, 3, epfd, fds[1], L.EPOLL_CTL_MOD, epoll_event(L.EPOLLOUT, 0x99))
    yield from submit_and_reap(L, ring, 1)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-socket", tags=(*TAGS, "socket"))
def le_wait_socket(L: Any) -> Gen:
    """An AF_UNIX socket: writable at once (EPOLLOUT|EPOLLWRNORM); readable after the peer sends; the peer's
    shutdown by close gives EPOLLIN|EPOLLRDHUP|EPOLLHUP when asked for EPOLLRDHUP."""
    ring, epfd, fds, efd = yield from _setup(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, sv[0], epoll_event(L.EPOLLOUT | L.EPOLLWRNORM, 1))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "out", buf)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_MOD, sv[0], epoll_event(L.EPOLLIN | L.EPOLLRDHUP, 2))
    _wait(L, ring, 2, epfd, buf, 2)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(sv[1], b"hi", 2, 0)
    yield from _reap_wait(L, ring, "in", buf)
    rd = bytearray(8)
    yield from L.recv(sv[0], rd, 8, 0)
    yield from L.close(sv[1])
    _wait(L, ring, 4, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "rdhup", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd, sv[0])


@scenario("le-wait-exclusive", tags=(*TAGS, "eventfd"))
def le_wait_exclusive(L: Any) -> Gen:
    """The same eventfd in two epoll fds with EPOLLEXCLUSIVE, a wait on each: one eventfd write completes
    both waits (exclusive wake-ups only matter to tasks sleeping in epoll_wait(2))."""
    ring, epfd, fds, efd = yield from _setup(L)
    ep2 = yield from L.epoll_create1(0)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN | L.EPOLLEXCLUSIVE, 1))
    yield from L.epoll_ctl(ep2, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN | L.EPOLLEXCLUSIVE, 2))
    b1 = bytearray(2 * EPOLL_EVENT_SIZE)
    b2 = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, b1, 2)
    _wait(L, ring, 2, ep2, b2, 2)
    yield from L.io_uring_submit(ring)
    yield from L.eventfd_write(efd, 1)
    yield from reap(L, ring, 2)
    _events(L, "b1", b1, 1)
    _events(L, "b2", b2, 1)
    yield from _teardown(L, ring, epfd, ep2, fds[0], fds[1], efd)


@scenario("le-poll-epoll-fd", tags=(*TAGS, "poll", "eventfd"))
def le_poll_epoll_fd(L: Any) -> Gen:
    """POLL_ADD on an epoll fd: not ready while no item is; an eventfd write makes it EPOLLIN|EPOLLRDNORM;
    a POLL_ADD on it afterwards completes at once."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_add(sqe, epfd, L.EPOLLIN)
    L.io_uring_sqe_set_data64(sqe, 1)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.eventfd_write(efd, 1)
    yield from reap(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_add(sqe, epfd, L.EPOLLIN | L.EPOLLOUT)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-wait-own-ring", tags=(*TAGS, "ring"))
def le_wait_own_ring(L: Any) -> Gen:
    """The epoll fd watches the very ring its EPOLL_WAIT runs on: the wait's own ring has no CQE, so it
    waits; a NOP on that ring posts a CQE, which makes the ring fd readable and completes the wait."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, ring.ring_fd, epoll_event(L.EPOLLIN, 0x55))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _events(L, "events", buf, 1)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-ctl-ready-order", tags=(*TAGS, "eventfd"))
def le_ctl_ready_order(L: Any) -> Gen:
    """Two eventfds: the second, readable when added, goes on the ready list first; a second ADD of it is
    -EEXIST and keeps its data word; the first becomes ready later by a write: the wait reports them in
    that order."""
    ring, epfd, fds, efd = yield from _setup(L)
    efd2 = yield from L.eventfd(1, 0)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd2, epoll_event(L.EPOLLIN, 2))
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd2, epoll_event(L.EPOLLIN, 3))
    yield from L.eventfd_write(efd, 1)
    buf = bytearray(4 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 4)
    yield from L.io_uring_submit(ring)
    yield from _reap_wait(L, ring, "events", buf)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd, efd2)


@scenario("le-wait-async-cancel", tags=(*TAGS, "iowq", "cancel", "eventfd"))
def le_wait_async_cancel(L: Any) -> Gen:
    """An EPOLL_WAIT with IOSQE_ASYNC and nothing ready: the io-wq worker arms a poll and lets go, so an
    ASYNC_CANCEL finds it as a poll: 0, and the wait -ECANCELED."""
    ring, epfd, fds, efd = yield from _setup(L)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_ADD, efd, epoll_event(L.EPOLLIN, 1))
    buf = bytearray(2 * EPOLL_EVENT_SIZE)
    _wait(L, ring, 1, epfd, buf, 2, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)


@scenario("le-iopoll-ring", tags=(*TAGS, "iopoll"))
def le_iopoll_ring(L: Any) -> Gen:
    """Neither EPOLL_CTL nor EPOLL_WAIT has polled completion: on an IORING_SETUP_IOPOLL ring both are -EINVAL
    (and the epoll fd is left unchanged: a DEL afterwards through epoll_ctl(2) is -ENOENT)."""
    ring, epfd, fds, efd = yield from _setup(L, 8, IORING_SETUP_IOPOLL)
    if ring is None:
        return
    _ctl(L, ring, 1, epfd, efd, L.EPOLL_CTL_ADD, epoll_event(L.EPOLLIN, 1))
    yield from submit_and_reap(L, ring, 1)
    _wait(L, ring, 2, epfd, bytearray(EPOLL_EVENT_SIZE), 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.epoll_ctl(epfd, L.EPOLL_CTL_DEL, efd, None)
    yield from _teardown(L, ring, epfd, fds[0], fds[1], efd)
