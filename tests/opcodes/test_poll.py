"""POLL_ADD and POLL_REMOVE (io_uring/poll.c) and cancelling a read parked on fast poll.

The corner cases each name the kernel function whose behaviour they pin down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simuring import Simulation
from simuring.abi.errno import EALREADY, ECANCELED, EINVAL, ENOENT
from simuring.engine.sim import current_simulation as current_sim
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    Params,
    Ring,
    io_uring_prep_cancel64,
    io_uring_prep_nop,
    io_uring_prep_poll_add,
    io_uring_prep_poll_multishot,
    io_uring_prep_poll_remove,
    io_uring_prep_poll_update,
    io_uring_prep_read,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_submit,
)
from simuring.syscalls import (
    AF_UNIX,
    O_RDONLY,
    SOCK_STREAM,
    close,
    eventfd,
    eventfd_write,
    nanosleep,
    open,
    pipe,
    read,
    send,
    socketpair,
    write,
)
from simuring.uapi import (
    IORING_CQE_F_MORE,
    IORING_POLL_ADD_LEVEL,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLPRI,
    POLLRDHUP,
)
from tests.helpers.procs import run_pair
from tests.helpers.ring import drain_flags, prep, reap_flags

Cqes = list[tuple[int, int, int]]


def run(main: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}
    sim.spawn(main, out, name="main", cpu=0)
    sim.run(until=10**9)
    return out


def test_poll_add_single_and_multishot() -> None:
    def main(out: dict[str, Any]) -> Any:
        efd = yield from eventfd(0, 0)
        out["efd"] = efd
        ring = Ring()
        yield from io_uring_queue_init(16, ring, 0)
        prep(ring, io_uring_prep_poll_add, efd, POLLOUT, user_data=1)  # writable now
        prep(ring, io_uring_prep_poll_add, efd, POLLIN, user_data=2)  # after the first write
        prep(ring, io_uring_prep_poll_multishot, efd, POLLIN, user_data=3)
        yield from io_uring_submit(ring)
        out["first"] = yield from reap_flags(ring, 1)
        out["single"] = yield from reap_flags(ring, 2)  # the single POLLIN + multishot #1
        got = []
        while len(got) < 2:
            got += yield from reap_flags(ring, 1)
        out["multi"] = got
        prep(ring, io_uring_prep_poll_remove, 3, user_data=4)
        prep(ring, io_uring_prep_poll_remove, 99, user_data=5)
        yield from io_uring_submit(ring)
        out["remove"] = sorted((yield from reap_flags(ring, 3)))
        yield from io_uring_queue_exit(ring)

    def helper(out: dict[str, Any]) -> Any:
        for _ in range(3):
            yield from nanosleep(50_000)
            yield from eventfd_write(out["efd"], 1)

    _, out = run_pair(main, helper)
    assert out["first"] == [(1, POLLOUT, 0)]
    assert sorted(out["single"]) == [(2, POLLIN, 0), (3, POLLIN, IORING_CQE_F_MORE)]
    assert out["multi"] == [(3, POLLIN, IORING_CQE_F_MORE), (3, POLLIN, IORING_CQE_F_MORE)]
    assert out["remove"] == [(3, -ECANCELED, 0), (4, 0, 0), (5, -ENOENT, 0)]


def test_async_cancel_of_a_read_parked_on_poll() -> None:
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_read, fds[0], bytearray(4), 4, 0, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_cancel64, 1, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 2)))
        yield from io_uring_queue_exit(ring)

    sim.spawn(main)
    sim.run()
    assert out["cqes"] == [(1, -ECANCELED, 0), (2, 0, 0)]


# -- corner cases ----------------------------------------------------------------------------
def test_multishot_poll_ends_with_the_mask_when_the_cq_is_full() -> None:
    """io_poll_check_events: the extra CQE goes through io_req_post_cqe, which
    does not overflow; when it fails the poll is removed and its final CQE
    (mask, no F_MORE) is the request's completion."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        p = Params()
        p.flags = IORING_SETUP_CQSIZE
        p.cq_entries = 2
        yield from io_uring_queue_init_params(1, ring, p)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_multishot, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        for _ in range(5):  # five separate wake-ups, nothing reaped
            yield from write(fds[1], b"x", 1)
            yield from nanosleep(20_000)
        out["cqes"] = yield from reap_flags(ring, 3)
        yield from nanosleep(20_000)
        out["later"] = drain_flags(ring)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        yield from io_uring_submit(ring)
        out["remove"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["cqes"] == [(1, POLLIN, IORING_CQE_F_MORE), (1, POLLIN, IORING_CQE_F_MORE), (1, POLLIN, 0)]
    assert out["later"] == []  # terminated: later wake-ups post nothing
    assert out["remove"] == [(2, -ENOENT, 0)]  # and it is no longer armed


def test_poll_add_always_reports_rdhup_and_hup() -> None:
    """io_init_poll_iocb: IO_POLL_UNMASK (ERR|HUP|NVAL|RDHUP) is added to the
    events of every poll, so POLLIN on a socket whose peer closed reports
    POLLIN|POLLHUP|POLLRDHUP."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        sv = [0, 0]
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        yield from close(sv[1])
        prep(ring, io_uring_prep_poll_add, sv[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, POLLIN | POLLHUP | POLLRDHUP, 0)]


def test_poll_add_rejects_the_level_flag() -> None:
    """io_poll_add_prep: any sqe->len bit but IORING_POLL_ADD_MULTI is -EINVAL
    (IORING_POLL_ADD_LEVEL is no longer accepted)."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        # a request failing its prep ends the submission batch (no SUBMIT_ALL): one per submit
        got: Cqes = []
        for ud, flags in ((1, IORING_POLL_ADD_LEVEL), (2, IORING_POLL_ADD_LEVEL | IORING_POLL_ADD_MULTI)):
            sqe = prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=ud)
            sqe.len = flags
            assert (yield from io_uring_submit(ring)) == 1
            got += yield from reap_flags(ring, 1)
        out["cqes"] = got
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, -EINVAL, 0), (2, -EINVAL, 0)]


def test_poll_remove_prep_rejects_fields_without_their_update_flag() -> None:
    """io_poll_remove_prep: IORING_POLL_ADD_MULTI alone, ``off`` without
    IORING_POLL_UPDATE_USER_DATA and ``poll32_events`` without
    IORING_POLL_UPDATE_EVENTS are -EINVAL; valid updates of an unknown
    user_data are -ENOENT."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        cases: list[tuple[int, int, int]] = [  # (len, off, poll32_events)
            (IORING_POLL_ADD_MULTI, 0, 0),
            (0, 7, 0),
            (0, 0, POLLIN),
            (IORING_POLL_UPDATE_USER_DATA, 7, 0),
            (IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_MULTI, 0, POLLIN),
        ]
        got: Cqes = []
        for ud, (flags, off, events) in enumerate(cases, 1):
            sqe = prep(ring, io_uring_prep_poll_remove, 12345, user_data=ud)
            sqe.len = flags
            sqe.off = off
            sqe.op_flags = events
            assert (yield from io_uring_submit(ring)) == 1
            got += yield from reap_flags(ring, 1)
        out["cqes"] = got
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [
        (1, -EINVAL, 0),
        (2, -EINVAL, 0),
        (3, -EINVAL, 0),
        (4, -ENOENT, 0),
        (5, -ENOENT, 0),
    ]


def test_poll_remove_of_a_fired_poll_is_ealready() -> None:
    """io_poll_disarm: a poll whose task work is pending (it fired; DEFER_TASKRUN
    keeps the work queued) cannot be owned: -EALREADY, and the poll posts its mask."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"x", 1)  # wakes the poll: its task work waits on the ring
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 2)))
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, POLLIN, 0), (2, -EALREADY, 0)]


def test_poll_remove_cqe_comes_before_the_target_cancel() -> None:
    """io_poll_remove (since "io_uring: fix poll_remove stalled req completion",
    6.9 and stable) completes the target with io_req_task_work_add, so
    POLL_REMOVE's own CQE, flushed at the end of the submission, comes first.
    Pins the current order (unchanged by the poll fixes)."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(2, 0, 0), (1, -ECANCELED, 0)]


def test_poll_on_a_regular_file_without_a_ready_event_is_einval() -> None:
    """__io_arm_poll_handler: no wait queue was added and nothing in the
    default mask matches (POLLPRI on a regular file): -EINVAL."""

    def main(out: dict[str, Any]) -> Any:
        create_file(current_sim().kernel, "/disk/f", b"data")
        fd = yield from open("/disk/f", O_RDONLY)
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        prep(ring, io_uring_prep_poll_add, fd, POLLPRI, user_data=1)
        prep(ring, io_uring_prep_poll_multishot, fd, POLLIN | POLLPRI, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 2)))
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, -EINVAL, 0), (2, POLLIN, 0)]


def test_cancelled_poll_stays_findable_until_its_task_work_runs() -> None:
    """io_poll_cancel_req leaves the poll in the cancel table until its task
    work completes it: a second ASYNC_CANCEL still finds it (0) and a
    POLL_REMOVE cannot own it (-EALREADY); one -ECANCELED CQE."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_cancel64, 1, 0, user_data=2)
        prep(ring, io_uring_prep_cancel64, 1, 0, user_data=3)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=4)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 4)))
        yield from nanosleep(10_000)
        out["later"] = drain_flags(ring)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["cqes"] == [(1, -ECANCELED, 0), (2, 0, 0), (3, 0, 0), (4, -EALREADY, 0)]
    assert out["later"] == []


def test_removed_poll_leaves_the_table_at_once() -> None:
    """io_poll_disarm takes the poll out of the cancel table: a second
    POLL_REMOVE and an ASYNC_CANCEL issued before its -ECANCELED is posted
    find nothing (-ENOENT)."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=3)
        prep(ring, io_uring_prep_cancel64, 1, 0, user_data=4)
        yield from io_uring_submit(ring)
        out["cqes"] = sorted((yield from reap_flags(ring, 4)))
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, -ECANCELED, 0), (2, 0, 0), (3, -ENOENT, 0), (4, -ENOENT, 0)]


def test_poll_remove_takes_the_newest_poll_with_that_user_data() -> None:
    """io_poll_find walks the hash chain from its head, where
    io_poll_req_insert puts the newest poll: with two POLL_ADDs sharing a
    user_data, POLL_REMOVE cancels the later one."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        a: list[int] = []
        b: list[int] = []
        yield from pipe(a)
        yield from pipe(b)
        prep(ring, io_uring_prep_poll_add, a[0], POLLIN, user_data=1)
        prep(ring, io_uring_prep_poll_add, b[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        yield from io_uring_submit(ring)
        out["remove"] = sorted((yield from reap_flags(ring, 2)))
        yield from write(b[1], b"x", 1)  # the cancelled poll's pipe: nothing
        yield from nanosleep(10_000)
        out["after_b"] = drain_flags(ring)
        yield from write(a[1], b"x", 1)  # the older poll is still armed
        out["after_a"] = yield from reap_flags(ring, 1)
        yield from read(a[0], bytearray(1), 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["remove"] == [(1, -ECANCELED, 0), (2, 0, 0)]
    assert out["after_b"] == []
    assert out["after_a"] == [(1, POLLIN, 0)]


# -- wake-up order, the wake-up's key, ring fds ------------------------------------------
def test_polls_on_one_file_are_woken_newest_first() -> None:
    """__io_queue_proc adds each poll with add_wait_queue, at the head of the
    file's wait queue, and __wake_up_common walks it from the head: of three
    POLL_ADDs woken by one write, the newest completes first."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        for ud in (1, 2, 3):
            prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=ud)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"x", 1)
        out["cqes"] = yield from reap_flags(ring, 3)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(3, POLLIN, 0), (2, POLLIN, 0), (1, POLLIN, 0)]


def test_fast_poll_reads_of_one_pipe_newest_first() -> None:
    """Two READs parked on one empty pipe: the write's wake-up reaches the
    newest poll first, so the later READ gets the byte."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_read, fds[0], bytearray(8), 8, 0, user_data=1)
        prep(ring, io_uring_prep_read, fds[0], bytearray(8), 8, 0, user_data=2)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"A", 1)
        out["first"] = yield from reap_flags(ring, 1)
        yield from write(fds[1], b"B", 1)
        out["second"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["first"] == [(2, 1, 0)]
    assert out["second"] == [(1, 1, 0)]


def test_poll_add_result_is_the_wake_up_key() -> None:
    """io_poll_wake stashes the wake-up's key and io_poll_check_events uses it
    when it is the only wake-up: an AF_UNIX send wakes its peer with
    POLLIN|POLLPRI|POLLRDNORM|POLLRDBAND (sock_def_readable), so a poll for
    POLLIN|POLLPRI reports both, although the socket's own mask has no POLLPRI."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        prep(ring, io_uring_prep_poll_add, sv[1], POLLIN | POLLPRI, user_data=1)
        yield from io_uring_submit(ring)
        yield from send(sv[0], b"k", 1, 0)
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, POLLIN | POLLPRI, 0)]


def test_pipe_hangup_wakes_without_a_key() -> None:
    """pipe_release wakes the readers without a key (wake_up_interruptible_all):
    the poll re-reads the mask, POLLHUP alone on an empty pipe."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        yield from close(fds[1])
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(1, POLLHUP, 0)]


def test_poll_on_a_ring_fd_waits_for_a_cqe() -> None:
    """io_uring_poll: a ring fd is POLLOUT while its SQ has room and POLLIN once
    its CQ holds a CQE; a CQE wakes the ring's poll queue (io_poll_wq_wake)
    with EPOLL_URING_WAKE, which makes a multishot poll a single shot."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        other = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        yield from io_uring_queue_init(8, other, 0)
        prep(ring, io_uring_prep_poll_add, other.ring_fd, POLLIN, user_data=1)
        prep(ring, io_uring_prep_poll_multishot, other.ring_fd, POLLIN, user_data=2)
        prep(ring, io_uring_prep_poll_add, other.ring_fd, POLLOUT, user_data=3)
        yield from io_uring_submit(ring)
        yield from nanosleep(10_000)
        out["before"] = drain_flags(ring)
        prep(other, io_uring_prep_nop, user_data=9)
        yield from io_uring_submit(other)
        out["after"] = sorted((yield from reap_flags(ring, 2)))
        yield from nanosleep(10_000)
        out["later"] = drain_flags(ring)
        yield from io_uring_queue_exit(ring)
        yield from io_uring_queue_exit(other)

    out = run(main)
    assert out["before"] == [(3, POLLOUT, 0)]
    assert out["after"] == [(1, POLLIN, 0), (2, POLLIN, 0)]  # no F_MORE: single shot
    assert out["later"] == []


# -- poll updates (io_poll_remove with IORING_POLL_UPDATE_*) ------------------------------
def test_poll_update_events_and_user_data() -> None:
    """io_poll_remove: an update disarms the POLL_ADD, replaces its mask and/or
    user_data and arms it again; the update completes with 0, the poll fires
    later under its new settings and its old user_data is no longer found."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[0], POLLPRI, user_data=1)
        yield from io_uring_submit(ring)
        flags = IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA
        prep(ring, io_uring_prep_poll_update, 1, 5, POLLIN, flags, user_data=2)
        yield from io_uring_submit(ring)
        out["update"] = yield from reap_flags(ring, 1)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=3)
        yield from io_uring_submit(ring)
        out["old"] = yield from reap_flags(ring, 1)
        yield from write(fds[1], b"z", 1)
        out["fired"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["update"] == [(2, 0, 0)]
    assert out["old"] == [(3, -ENOENT, 0)]
    assert out["fired"] == [(5, POLLIN, 0)]


def test_poll_update_to_a_ready_mask_completes_after_the_update() -> None:
    """An update whose new mask is true at once: the update's CQE (0), then the
    poll's with the mask (through task work)."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_add, fds[1], POLLIN, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_poll_update, 1, 0, POLLOUT, IORING_POLL_UPDATE_EVENTS, user_data=2)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    assert run(main)["cqes"] == [(2, 0, 0), (1, POLLOUT, 0)]


def test_poll_update_keeps_multishot() -> None:
    """Only the low 16 bits of the mask are replaced: a multishot poll stays
    multishot (F_MORE) after an events update."""

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_multishot, fds[0], POLLPRI, user_data=1)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_poll_update, 1, 0, POLLIN, IORING_POLL_UPDATE_EVENTS, user_data=2)
        yield from io_uring_submit(ring)
        out["update"] = yield from reap_flags(ring, 1)
        yield from write(fds[1], b"z", 1)
        out["fired"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["update"] == [(2, 0, 0)]
    assert out["fired"] == [(1, POLLIN, IORING_CQE_F_MORE)]


def test_exclusive_polls_go_to_the_tail_and_one_is_woken() -> None:
    """EPOLLEXCLUSIVE: add_wait_queue_exclusive puts the poll at the tail and a keyed wake-up stops after
    the first exclusive entry: of two exclusive polls (1, 2) and an ordinary one (3), a write completes 3
    then 1; 2 stays armed (scenario li-poll-exclusive)."""
    from simuring.opcodes.poll import EPOLLEXCLUSIVE

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        for ud, extra in ((1, EPOLLEXCLUSIVE), (2, EPOLLEXCLUSIVE), (3, 0)):
            prep(ring, io_uring_prep_poll_add, fds[0], POLLIN | extra, user_data=ud)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"x", 1)
        out["cqes"] = yield from reap_flags(ring, 2)
        prep(ring, io_uring_prep_poll_remove, 2, user_data=4)
        yield from io_uring_submit(ring)
        out["removed"] = yield from reap_flags(ring, 2)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["cqes"] == [(3, POLLIN, 0), (1, POLLIN, 0)]
    assert out["removed"] == [(4, 0, 0), (2, -ECANCELED, 0)]


def test_oneshot_bit_makes_a_multishot_poll_single_shot() -> None:
    """io_poll_parse_events keeps EPOLLONESHOT from poll32_events, and multishot is its absence: a
    POLL_ADD with IORING_POLL_ADD_MULTI and EPOLLONESHOT posts one CQE without F_MORE; the high bits are
    not part of the reported mask (scenario li-poll-oneshot-bit-beats-multi)."""
    from simuring.opcodes.poll import EPOLLONESHOT

    def main(out: dict[str, Any]) -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        prep(ring, io_uring_prep_poll_multishot, fds[0], POLLIN | EPOLLONESHOT | (1 << 20), user_data=1)
        yield from io_uring_submit(ring)
        yield from write(fds[1], b"x", 1)
        out["cqes"] = yield from reap_flags(ring, 1)
        prep(ring, io_uring_prep_poll_remove, 1, user_data=2)
        yield from io_uring_submit(ring)
        out["removed"] = yield from reap_flags(ring, 1)
        yield from io_uring_queue_exit(ring)

    out = run(main)
    assert out["cqes"] == [(1, POLLIN, 0)]
    assert out["removed"] == [(2, -ENOENT, 0)]
