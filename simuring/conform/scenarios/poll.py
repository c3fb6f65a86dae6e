"""IORING_OP_POLL_ADD and POLL_REMOVE (io_uring_prep_poll_add(3), io_uring_prep_poll_remove(3))."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    nop,
    poll_add,
    poll_remove,
    poll_update,
    reap,
    reap_one,
    reap_ready,
)
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_POLL_ADD_LEVEL,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IOSQE_CQE_SKIP_SUCCESS,
    POLLIN,
    POLLOUT,
    POLLPRI,
)

#: A pipe's capacity on Linux: 16 pages of 4 KiB (pipe(7)).
PIPE_CAPACITY = 65536


@scenario("poll-add-fires-on-write", tags=("poll", "pipe"), expect={"ready before write": 0})
def poll_add_fires_on_write(L: Any) -> Gen:
    """POLL_ADD for POLLIN on an empty pipe stays pending; a write(2) to the pipe completes it with
    the ready mask (POLLIN)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"x", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-add-ready-at-once", tags=("poll", "pipe"))
def poll_add_ready_at_once(L: Any) -> Gen:
    """POLL_ADD for POLLOUT on an empty pipe's write end completes at once with POLLOUT."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[1], POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-remove", tags=("poll", "cancel"))
def poll_remove_scenario(L: Any) -> Gen:
    """POLL_REMOVE: removing a pending POLL_ADD completes the remove with 0 and the poll with
    -ECANCELED; removing an unknown user_data is -ENOENT."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    poll_remove(L, ring, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    poll_remove(L, ring, 77, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-multishot", tags=("poll", "pipe"))
def poll_multishot(L: Any) -> Gen:
    """IORING_POLL_ADD_MULTI: each write to the empty pipe posts a CQE with IORING_CQE_F_MORE; after
    POLL_REMOVE the last CQE is -ECANCELED without F_MORE."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    buf = bytearray(4)
    for _ in range(2):
        yield from L.write(fds[1], b"y", 1)
        yield from reap(L, ring, 1)
        yield from L.read(fds[0], buf, 4)
    poll_remove(L, ring, 1, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-ring-fd", tags=("poll",), expect={"ready before": 0})
def poll_ring_fd(L: Any) -> Gen:
    """POLL_ADD for POLLIN on another ring's fd: pending while that ring's CQ is empty, completed with
    POLLIN once a NOP completes there."""
    ring = yield from new_ring(L, 8)
    other = yield from new_ring(L, 8)
    poll_add(L, ring, other.ring_fd, POLLIN, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before", L.io_uring_cq_ready(ring))
    nop(L, other, 9)
    yield from L.io_uring_submit(other)
    yield from reap(L, ring, 1)
    reap_ready(L, other)
    yield from L.io_uring_queue_exit(ring)
    yield from L.io_uring_queue_exit(other)


@scenario("poll-update-events", tags=("poll", "pipe"), expect={"ready after update": 1, "ready after write": 1})
def poll_update_events(L: Any) -> Gen:
    """POLL_REMOVE with IORING_POLL_UPDATE_EVENTS changes the mask of an armed POLL_ADD: a poll for POLLPRI
    on an empty pipe is switched to POLLIN (the update completes with 0, the poll stays armed); a write(2)
    then completes the poll with POLLIN."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLPRI, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS, POLLIN)
    yield from L.io_uring_submit(ring)
    L.record("ready after update", L.io_uring_cq_ready(ring))
    update = yield from reap_one(L, ring)
    yield from L.write(fds[1], b"z", 1)
    L.record("ready after write", L.io_uring_cq_ready(ring))
    if update is not None and update[1] != 0:  # not updated: the POLLPRI poll is still armed
        poll_remove(L, ring, 1, 3)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-update-events-ready", tags=("poll", "pipe"))
def poll_update_events_ready(L: Any) -> Gen:
    """IORING_POLL_UPDATE_EVENTS to a mask that is already true: a POLL_ADD for POLLIN on a pipe's write
    end (never readable) is switched to POLLOUT, which the empty pipe has at once: the update completes
    with 0, then the poll with POLLOUT; nothing else follows (a NOP round trip shows it)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[1], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS, POLLOUT)
    yield from L.io_uring_submit(ring)
    update = yield from reap_one(L, ring)
    if update is not None and update[1] != 0:  # not updated: the POLLIN poll is still armed
        poll_remove(L, ring, 1, 4)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from reap(L, ring, 1)
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-update-user-data", tags=("poll", "pipe"))
def poll_update_user_data(L: Any) -> Gen:
    """POLL_REMOVE with IORING_POLL_UPDATE_USER_DATA gives an armed POLL_ADD a new user_data (from off):
    the update completes with 0, the old user_data is no longer found (-ENOENT) and the poll completes
    under the new one (5) when the pipe gets data."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_USER_DATA, new_user_data=5)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    poll_remove(L, ring, 1, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"z", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-update-errors", tags=("poll", "sqe"))
def poll_update_errors(L: Any) -> Gen:
    """io_uring_prep_poll_update(3) errors: updating a user_data nothing carries is -ENOENT; a new user_data
    without IORING_POLL_UPDATE_USER_DATA, new events without IORING_POLL_UPDATE_EVENTS, and
    IORING_POLL_ADD_MULTI alone are -EINVAL.  The armed poll is untouched and then removed (0,
    -ECANCELED).  One SQE per submit."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    for ud, target, flags, events, new_ud in (
        (2, 42, IORING_POLL_UPDATE_EVENTS, POLLIN, 0),
        (3, 1, IORING_POLL_UPDATE_EVENTS, POLLIN, 9),
        (4, 1, IORING_POLL_UPDATE_USER_DATA, POLLOUT, 9),
        (5, 1, IORING_POLL_ADD_MULTI, 0, 0),
    ):
        poll_update(L, ring, target, ud, flags, events, new_ud)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    poll_remove(L, ring, 1, 6)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-add-errors", tags=("poll", "sqe"))
def poll_add_errors(L: Any) -> Gen:
    """POLL_ADD errors: IORING_POLL_ADD_LEVEL in len, a non-zero addr, and a multishot poll with
    IOSQE_CQE_SKIP_SUCCESS are -EINVAL at submission; a descriptor that is not open is -EBADF.  One SQE
    per submit."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)

    def one(ud: int, fd: int, field: str = "", value: int = 0, multishot: bool = False, flags: int = 0) -> Gen:
        sqe = poll_add(L, ring, fd, POLLIN, ud, multishot)
        if field:
            setattr(sqe, field, value)
        L.io_uring_sqe_set_flags(sqe, flags)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)

    yield from one(1, fds[0], "len", IORING_POLL_ADD_LEVEL)
    yield from one(2, fds[0], "addr", 64)
    yield from one(3, fds[0], multishot=True, flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from one(4, 100_000)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-multishot-cq-full", tags=("poll", "pipe", "overflow"), expect={"overflow flag": True})
def poll_multishot_cq_full(L: Any) -> Gen:
    """A multishot POLL_ADD that fires while the CQ is full cannot post its IORING_CQE_F_MORE completion,
    so it ends: its last CQE (the mask, no F_MORE) waits in the overflow list behind the two NOPs that
    filled the 2-entry CQ, and later writes post nothing more (a NOP round trip shows it)."""
    ring = yield from new_ring(L, 1)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"a", 1)
    L.record("overflow flag", L.io_uring_cq_has_overflow(ring))
    reap_ready(L, ring)
    yield from L.write(fds[1], b"b", 1)
    nop(L, ring, 4)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "poll-pollout-full-pipe",
    tags=("poll", "pipe"),
    expect={"fill": PIPE_CAPACITY, "one more": -11, "ready while full": 0, "ready after 1 byte": 0},
)
def poll_pollout_full_pipe(L: Any) -> Gen:
    """POLLOUT on a full pipe: once 64 KiB fill the non-blocking pipe (a further byte is -EAGAIN), a
    POLL_ADD for POLLOUT stays pending; reading one byte frees no page, so it stays pending; reading the
    rest of the first page makes room and the poll completes with POLLOUT."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe2(fds, L.O_NONBLOCK)
    L.record("fill", (yield from L.write(fds[1], bytes(PIPE_CAPACITY), PIPE_CAPACITY)))
    L.record("one more", (yield from L.write(fds[1], b"x", 1)))
    poll_add(L, ring, fds[1], POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready while full", L.io_uring_cq_ready(ring))
    buf = bytearray(4096)
    yield from L.read(fds[0], buf, 1)
    L.record("ready after 1 byte", L.io_uring_cq_ready(ring))
    yield from L.read(fds[0], buf, 4095)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-pollhup-writer-closed", tags=("poll", "pipe"), expect={"ready before close": 0})
def poll_pollhup_writer_closed(L: Any) -> Gen:
    """POLLHUP is always reported: a POLL_ADD for POLLIN on an empty pipe completes with POLLHUP when the
    write end is closed, and a new one on the pipe without writers completes at once with POLLHUP."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before close", L.io_uring_cq_ready(ring))
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    poll_add(L, ring, fds[0], POLLIN, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-eventfd", tags=("poll", "eventfd"), expect={"ready before write": 1})
def poll_eventfd(L: Any) -> Gen:
    """POLL_ADD on an eventfd (eventfd(2)): POLLOUT is true at once (the counter can grow), POLLIN waits
    until eventfd_write makes the counter non-zero, and completes with POLLIN."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    poll_add(L, ring, efd, POLLIN, 1)
    poll_add(L, ring, efd, POLLOUT, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    yield from L.eventfd_write(efd, 1)
    yield from reap(L, ring, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-socket", tags=("poll", "socket"), expect={"ready before send": 1})
def poll_socket(L: Any) -> Gen:
    """POLL_ADD on an AF_UNIX stream socket pair: POLLOUT on one end is true at once; POLLIN on the other
    end waits for send(2) from its peer and completes with POLLIN."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    poll_add(L, ring, sv[1], POLLIN, 1)
    poll_add(L, ring, sv[0], POLLOUT, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready before send", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    yield from L.send(sv[0], b"hey", 3, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-socket-peer-close", tags=("poll", "socket"))
def poll_socket_peer_close(L: Any) -> Gen:
    """Closing one end of an AF_UNIX stream pair completes a POLL_ADD for POLLIN on the other end with the
    hang-up bits the kernel reports (always-reported POLLHUP and POLLRDHUP with POLLIN); a POLL_ADD for
    POLLOUT made afterwards gets the mask of the orphaned socket."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    poll_add(L, ring, sv[1], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    yield from L.close(sv[0])
    yield from reap(L, ring, 1)
    poll_add(L, ring, sv[1], POLLOUT, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-wake-order", tags=("poll", "pipe"))
def poll_wake_order(L: Any) -> Gen:
    """Three POLL_ADDs for POLLIN on one empty pipe (user_data 1, 2, 3) all fire on one write(2); their
    CQEs come in the order the pipe's wait queue wakes them (the kernel adds each poll at the head of the
    queue, so the newest is woken first)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    for ud in (1, 2, 3):
        poll_add(L, ring, fds[0], POLLIN, ud)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"x", 1)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-socket-wake-mask", tags=("poll", "socket"))
def poll_socket_wake_mask(L: Any) -> Gen:
    """POLL_ADD for POLLIN|POLLPRI on an AF_UNIX stream socket, completed by send(2) from the peer: the
    result is the armed events intersected with the mask the wake-up carried (the kernel uses the wake-up's
    mask when it is the only one pending), recorded as the kernel reports it."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    poll_add(L, ring, sv[1], POLLIN | POLLPRI, 1)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[0], b"k", 1, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("poll-ring-fd-multishot", tags=("poll", "multishot"), expect={"ready before": 1})
def poll_ring_fd_multishot(L: Any) -> Gen:
    """A ring fd is writable while its SQ has room: POLL_ADD for POLLOUT on another ring's fd completes at
    once.  A multishot POLL_ADD for POLLIN on it is turned into a single shot by the ring's own wake-up
    (EPOLL_URING_WAKE): its one CQE, after a NOP completes there, has no IORING_CQE_F_MORE, and a second
    NOP posts nothing more (a NOP round trip shows it)."""
    ring = yield from new_ring(L, 8)
    other = yield from new_ring(L, 8)
    poll_add(L, ring, other.ring_fd, POLLOUT, 1)
    poll_add(L, ring, other.ring_fd, POLLIN, 2, multishot=True)
    yield from L.io_uring_submit(ring)
    L.record("ready before", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    nop(L, other, 9)
    yield from L.io_uring_submit(other)
    yield from reap(L, ring, 1)
    nop(L, other, 10)
    yield from L.io_uring_submit(other)
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    reap_ready(L, other)
    yield from L.io_uring_queue_exit(ring)
    yield from L.io_uring_queue_exit(other)


@scenario("poll-update-user-data-rehashed", tags=("poll", "cancel"))
def poll_update_user_data_rehashed(L: Any) -> Gen:
    """A poll update re-inserts the poll at the head of the hash chain of its new user_data: polls 1 and 3
    share a bucket, 2 is in the other; updating 1's user_data to 8 (bucket 0 again, now at its head) makes
    a CANCEL_FD|ALL meet 8, 3, 2."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    for ud in (1, 2, 3):
        poll_add(L, ring, fds[0], POLLIN, ud)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 5, IORING_POLL_UPDATE_USER_DATA, new_user_data=8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel_fd(sqe, fds[0], IORING_ASYNC_CANCEL_ALL)
    L.io_uring_sqe_set_data64(sqe, 9)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)
