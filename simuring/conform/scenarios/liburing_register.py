"""io_uring_register(2) commands liburing's tests use (``lr-*``): the opcode
probe (probe.c) and the registered eventfd (eventfd.c, eventfd-reg.c),
written in our own words from what those tests check.

The probe's answer differs by design in which opcodes are supported (the
simulator supports what its registry implements); the scenarios compare
what must agree: the errors, ``ops_len``, each entry's ``op``, and the
supported flag of opcodes both kernels implement.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    nop,
    poll_add,
    reap,
    reap_ready,
    submit_and_reap,
)
from simuring.uapi import (
    IO_URING_OP_SUPPORTED,
    IORING_ENTER_REGISTERED_RING,
    IORING_OP_ASYNC_CANCEL,
    IORING_OP_LINK_TIMEOUT,
    IORING_OP_MSG_RING,
    IORING_OP_NOP,
    IORING_OP_PIPE,
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_OP_READ,
    IORING_OP_READV,
    IORING_OP_TIMEOUT,
    IORING_OP_TIMEOUT_REMOVE,
    IORING_OP_WRITE,
    IORING_OP_WRITEV,
    IORING_REGISTER_EVENTFD,
    IORING_REGISTER_FILE_ALLOC_RANGE,
    IORING_REGISTER_FILES2,
    IORING_REGISTER_FILES_SKIP,
    IORING_REGISTER_FILES_UPDATE,
    IORING_REGISTER_FILES_UPDATE2,
    IORING_REGISTER_IOWQ_AFF,
    IORING_REGISTER_IOWQ_MAX_WORKERS,
    IORING_REGISTER_PROBE,
    IORING_REGISTER_RING_FDS,
    IORING_REGISTER_USE_REGISTERED_RING,
    IORING_RSRC_REGISTER_SPARSE,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_IOWQ_AFF,
    IORING_UNREGISTER_RING_FDS,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    POLLIN,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
)

TAGS = ("liburing", "register")

#: Opcodes both the simulator and Linux 6.18 implement.
COMMON_OPS = (
    IORING_OP_NOP,
    IORING_OP_READV,
    IORING_OP_WRITEV,
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_OP_TIMEOUT,
    IORING_OP_TIMEOUT_REMOVE,
    IORING_OP_ASYNC_CANCEL,
    IORING_OP_LINK_TIMEOUT,
    IORING_OP_READ,
    IORING_OP_WRITE,
    IORING_OP_MSG_RING,
)


def _probe_summary(L: Any, p: Any, n: int) -> None:
    """Record what must agree between kernels in a probe filled for ``n`` ops."""
    L.record("last_op covers 6.18's table", p.last_op >= IORING_OP_PIPE)
    if n <= IORING_OP_PIPE:  # the kernels' tables differ in length (the simulator's ABI is newer)
        L.record("ops_len", p.ops_len)
    L.record("ops numbered", all(p.ops[i].op == i for i in range(p.ops_len)))
    L.record("common ops supported", [op for op in COMMON_OPS if op < n and p.ops[op].flags == IO_URING_OP_SUPPORTED])
    L.record("flags beyond ops_len", [op.flags for op in p.ops[p.ops_len : p.ops_len + 2]])


@scenario("lr-probe-ring", tags=TAGS)
def lr_probe_ring(L: Any) -> Gen:
    """IORING_REGISTER_PROBE with a zeroed probe of 256 ops (what io_uring_get_probe_ring(3) asks):
    0; last_op is the kernel's last opcode, ops_len the number of opcodes it knows (last_op + 1),
    each entry carries its opcode (the table's length is each kernel's own: 63 on Linux 6.18, more in
    the simulator, whose ABI has later opcodes and the IPC channel's: compared is that it covers 6.18's
    table), and NOP, READ, WRITE, READV, WRITEV, POLL_ADD, TIMEOUT, ... are
    flagged IO_URING_OP_SUPPORTED."""
    ring = yield from new_ring(L, 4)
    p = L.Probe()
    yield from L.io_uring_register_probe(ring, p, 256)
    L.record("ops_len is last_op + 1", p.ops_len == p.last_op + 1)
    _probe_summary(L, p, 256)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-probe-short", tags=TAGS)
def lr_probe_short(L: Any) -> Gen:
    """A probe for 4 ops: ops_len 4, last_op still the kernel's last opcode; entries past 4 untouched."""
    ring = yield from new_ring(L, 4)
    p = L.Probe()
    yield from L.io_uring_register_probe(ring, p, 4)
    _probe_summary(L, p, 4)
    L.record("entry 4", [p.ops[4].op, p.ops[4].flags])
    p0 = L.Probe()
    yield from L.io_uring_register_probe(ring, p0, 0)
    L.record("nr 0: ops_len", p0.ops_len)
    L.record("nr 0: last_op set", p0.last_op >= IORING_OP_PIPE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-probe-errors", tags=TAGS)
def lr_probe_errors(L: Any) -> Gen:
    """IORING_REGISTER_PROBE: -EINVAL for more than 256 ops, for a NULL probe, and for a probe that is not
    zeroed (a byte of the header, or of an op entry asked for); nothing is written on failure.  A reused
    probe (already filled) is not zeroed: -EINVAL."""
    ring = yield from new_ring(L, 4)
    yield from L.io_uring_register_probe(ring, L.Probe(), 257)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, None, 4)
    p = L.Probe()
    p.resv = 1
    yield from L.io_uring_register_probe(ring, p, 4)
    L.record("header resv: untouched", [p.last_op, p.ops_len])
    p = L.Probe()
    p.resv2[2] = 7
    yield from L.io_uring_register_probe(ring, p, 4)
    p = L.Probe()
    p.ops[3].resv2 = 1
    yield from L.io_uring_register_probe(ring, p, 4)
    L.record("op resv2: untouched", [p.last_op, p.ops_len, p.ops[0].flags])
    p = L.Probe()
    p.ops[10].flags = 1  # past the 4 ops asked for: not read
    yield from L.io_uring_register_probe(ring, p, 4)
    L.record("beyond nr: ops_len", p.ops_len)
    p = L.Probe()
    yield from L.io_uring_register_probe(ring, p, 8)
    yield from L.io_uring_register_probe(ring, p, 8)  # filled, so not zeroed
    yield from L.io_uring_queue_exit(ring)


# -- registered eventfd --------------------------------------------------------------------
def _count(L: Any, efd: int) -> Gen:
    """The eventfd's counter, read (and reset) with a non-blocking eventfd_read(3); 0 when it reads -EAGAIN."""
    value = [0]
    ret = yield from L.eventfd_read(efd, value)
    return value[0] if ret == 0 else ret


@scenario("lr-eventfd-register-errors", tags=TAGS)
def lr_eventfd_register_errors(L: Any) -> Gen:
    """IORING_REGISTER_EVENTFD: nr_args other than 1 is -EINVAL; a second registration -EBUSY (also through
    _ASYNC); a closed fd -EBADF; a pipe (not an eventfd) -EINVAL; IORING_UNREGISTER_EVENTFD with none
    registered -ENXIO, with an argument -EINVAL; after unregistering, registering again works."""
    ring = yield from new_ring(L, 4)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_unregister_eventfd(ring)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [efd], 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [efd], 2)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_eventfd(ring, fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_register_eventfd(ring, fds[1])  # closed: -EBADF
    yield from L.close(fds[0])
    yield from L.io_uring_register_eventfd(ring, efd)
    yield from L.io_uring_register_eventfd(ring, efd)
    yield from L.io_uring_register_eventfd_async(ring, efd)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, [efd], 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, None, 1)
    yield from L.io_uring_unregister_eventfd(ring)
    yield from L.io_uring_unregister_eventfd(ring)
    yield from L.io_uring_register_eventfd_async(ring, efd)
    yield from L.io_uring_unregister_eventfd(ring)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-signal-per-submit", tags=TAGS)
def lr_eventfd_signal_per_submit(L: Any) -> Gen:
    """A registered eventfd is signalled when CQEs are posted: one NOP submitted alone adds 1; four NOPs
    completed inline in one io_uring_enter(2) add 1, not 4 (one signal per flush of completions); with no
    new CQE nothing is added; after IORING_UNREGISTER_EVENTFD nothing is added."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    L.record("after register", (yield from _count(L, efd)))
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    L.record("one nop", (yield from _count(L, efd)))
    for ud in range(2, 6):
        nop(L, ring, ud)
    yield from submit_and_reap(L, ring, 4)
    L.record("four nops, one submit", (yield from _count(L, efd)))
    yield from L.io_uring_submit(ring)
    L.record("empty submit", (yield from _count(L, efd)))
    yield from L.io_uring_unregister_eventfd(ring)
    nop(L, ring, 9)
    yield from submit_and_reap(L, ring, 1)
    L.record("after unregister", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-shared-ring-exit", tags=TAGS)
def lr_eventfd_shared_ring_exit(L: Any) -> Gen:
    """One eventfd registered with two rings: tearing one ring down leaves the other's registration (and
    the eventfd) working; a NOP on the remaining ring signals it once."""
    ring = yield from new_ring(L, 4)
    ring2 = yield from new_ring(L, 4)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    yield from L.io_uring_register_eventfd(ring2, efd)
    yield from L.io_uring_queue_exit(ring2)
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    L.record("signalled", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-async-inline", tags=TAGS)
def lr_eventfd_async_inline(L: Any) -> Gen:
    """IORING_REGISTER_EVENTFD_ASYNC: only completions posted from io-wq signal.  NOPs completed inline
    do not; a NOP forced to io-wq with IOSQE_ASYNC does (its CQE is posted by the worker).  The count is
    read with a blocking eventfd_read(3) once the worker's CQE is reaped: 1, the worker's signal only."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    yield from L.io_uring_register_eventfd_async(ring, efd)
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    nop(L, ring, 3, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("count", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-poll-wakes", tags=TAGS)
def lr_eventfd_poll_wakes(L: Any) -> Gen:
    """A POLL_ADD on a second ring for POLLIN of the registered eventfd completes when the first ring posts
    a CQE (eventfd-ring: the signal wakes pollers)."""
    ring = yield from new_ring(L, 4)
    ring2 = yield from new_ring(L, 4)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    poll_add(L, ring2, efd, POLLIN, 7)
    yield from L.io_uring_submit(ring2)
    L.record("poll pending", L.io_uring_cq_ready(ring2))
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from reap(L, ring2, 1)
    L.record("count", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-toggle", tags=TAGS)
def lr_eventfd_toggle(L: Any) -> Gen:
    """io_uring_cq_eventfd_toggle(3): with IORING_CQ_EVENTFD_DISABLED set in the CQ ring's flags a completed
    NOP does not signal the registered eventfd; cleared again, the next NOP does (eventfd-disable)."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    L.record("enabled", L.io_uring_cq_eventfd_enabled(ring))
    L.record("toggle off", L.io_uring_cq_eventfd_toggle(ring, False))
    L.record("enabled after off", L.io_uring_cq_eventfd_enabled(ring))
    L.record("toggle off again", L.io_uring_cq_eventfd_toggle(ring, False))
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    L.record("disabled", (yield from _count(L, efd)))
    L.record("toggle on", L.io_uring_cq_eventfd_toggle(ring, True))
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("enabled again", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-register-after-cqes", tags=TAGS)
def lr_eventfd_register_after_cqes(L: Any) -> Gen:
    """A CQE posted before IORING_REGISTER_EVENTFD does not count: an enter that posts nothing new does
    not signal; the next NOP does, once."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    yield from L.io_uring_get_events(ring)
    L.record("old cqe", (yield from _count(L, efd)))
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("new cqe", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-task-work-batch", tags=TAGS)
def lr_eventfd_task_work_batch(L: Any) -> Gen:
    """Two POLL_ADDs on a pipe's read end fire together when it is written: both CQEs are posted from one
    run of task work, which signals the registered eventfd once."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    poll_add(L, ring, fds[0], POLLIN, 1)
    poll_add(L, ring, fds[0], POLLIN, 2)
    yield from L.io_uring_submit(ring)
    L.record("armed", (yield from _count(L, efd)))
    yield from L.write(fds[1], b"x", 1)
    yield from reap(L, ring, 2)
    L.record("both fired", (yield from _count(L, efd)))
    for fd in (fds[0], fds[1], efd):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-timeout-fires", tags=TAGS)
def lr_eventfd_timeout_fires(L: Any) -> Gen:
    """A TIMEOUT that expires posts its -ETIME CQE from task work: the registered eventfd is signalled once."""
    from simuring.conform.scenarios.common import timeout

    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    timeout(L, ring, 1, 1_000_000)
    yield from submit_and_reap(L, ring, 1)
    L.record("count", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-iowq-completion", tags=TAGS)
def lr_eventfd_iowq_completion(L: Any) -> Gen:
    """IORING_REGISTER_EVENTFD (not ASYNC) also counts completions posted by io-wq: a NOP with IOSQE_ASYNC
    signals once (read with a blocking eventfd_read(3) after its CQE is reaped)."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    yield from L.io_uring_register_eventfd(ring, efd)
    nop(L, ring, 1, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    L.record("count", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-poll-same-ring", tags=TAGS)
def lr_eventfd_poll_same_ring(L: Any) -> Gen:
    """eventfd-ring: a POLL_ADD for POLLIN of the ring's own registered eventfd completes when a NOP's CQE
    signals it; the poll's own CQE signals once more."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    poll_add(L, ring, efd, POLLIN, 1)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("count", (yield from _count(L, efd)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-eventfd-defer-taskrun", tags=TAGS)
def lr_eventfd_defer_taskrun(L: Any) -> Gen:
    """On a DEFER_TASKRUN ring, a poll that fires queues deferred work; the eventfd count after the CQE is
    reaped is the kernel's (the work's queueing and the flush of its CQE)."""
    from simuring.uapi import IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER

    ring = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    fds = [0, 0]
    yield from L.pipe(fds)
    efd = yield from L.eventfd(0, L.EFD_NONBLOCK)
    yield from L.io_uring_register_eventfd(ring, efd)
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    L.record("nop", (yield from _count(L, efd)))
    poll_add(L, ring, fds[0], POLLIN, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"x", 1)
    L.record("work queued", (yield from _count(L, efd)))
    yield from reap(L, ring, 1)
    L.record("poll reaped", (yield from _count(L, efd)))
    for fd in (fds[0], fds[1], efd):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- the fixed-file table: updates, tags, sparse tables, the allocation range ---------------
def _fixed_read(L: Any, ring: Any, index: int, n: int, user_data: int) -> Any:
    """Queue a READ of ``n`` bytes from fixed file ``index``; the buffer it reads into."""
    buf = bytearray(n)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, index, buf, n, 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    return buf


def _fixed_write(L: Any, ring: Any, index: int, data: bytes, user_data: int) -> None:
    """Queue a WRITE of ``data`` to fixed file ``index``."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, index, data, len(data), 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)


@scenario("lr-files-update", tags=TAGS)
def lr_files_update(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE (io_uring_register_files_update(3)) returns how many slots it
    processed: an empty slot filled with a pipe's read end reads what the pipe holds;
    IORING_REGISTER_FILES_SKIP leaves a slot as it is (and counts); -1 empties a slot, after which a
    request on it fails with -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [-1, -1], 2)
    yield from L.io_uring_register_files_update(ring, 0, [fds[0]], 1)
    yield from L.io_uring_register_files_update(ring, 0, [IORING_REGISTER_FILES_SKIP, fds[1]], 2)
    _fixed_write(L, ring, 1, b"abc", 1)
    yield from submit_and_reap(L, ring, 1)
    buf = _fixed_read(L, ring, 0, 3, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("read", bytes(buf))
    yield from L.io_uring_register_files_update(ring, 0, [-1], 1)
    _fixed_read(L, ring, 0, 3, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_files(ring)
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-files-update-errors", tags=TAGS)
def lr_files_update_errors(L: Any) -> Gen:
    """IORING_REGISTER_FILES_UPDATE errors: -ENXIO with no table; -EINVAL for nr_args 0, a non-zero resv,
    or slots past the table; -EOVERFLOW when offset + nr wraps; -EFAULT for a NULL struct; -EBADF when the
    first fd is not open, or is an io_uring fd; a bad fd after a good one: 1 (the slots done)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files_update(ring, 0, [fds[0]], 1)
    yield from L.io_uring_register_files(ring, [-1, -1, -1], 3)
    yield from L.io_uring_register_files_update(ring, 0, [fds[0]], 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, L.RsrcUpdate(offset=0, resv=1, data=[fds[0]]), 1)
    yield from L.io_uring_register_files_update(ring, 2, [fds[0], fds[1]], 2)
    yield from L.io_uring_register_files_update(ring, 0xFFFF_FFFF, [fds[0], fds[1]], 2)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, None, 1)
    yield from L.close(fds[1])
    yield from L.io_uring_register_files_update(ring, 0, [fds[1]], 1)
    yield from L.io_uring_register_files_update(ring, 0, [ring.ring_fd], 1)
    yield from L.io_uring_register_files_update(ring, 0, [fds[0], fds[1]], 2)
    yield from L.io_uring_unregister_files(ring)
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-files-tags", tags=TAGS)
def lr_files_tags(L: Any) -> Gen:
    """IORING_REGISTER_FILES2 with tags (io_uring_register_files_tags(3)): a tagged slot that is replaced
    by IORING_REGISTER_FILES_UPDATE2 posts a CQE whose user_data is its tag (res 0, flags 0) at once;
    an untagged one posts nothing; IORING_UNREGISTER_FILES posts one for each tagged slot left."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files_tags(ring, [fds[0], fds[1], fds[0]], [11, 0, 13], 3)
    L.record("after register", L.io_uring_cq_ready(ring))
    yield from L.io_uring_register_files_update_tag(ring, 1, [fds[0]], [22], 1)
    L.record("untagged replaced", L.io_uring_cq_ready(ring))
    yield from L.io_uring_register_files_update_tag(ring, 0, [fds[1]], [31], 1)
    L.record("tagged replaced", reap_ready(L, ring))
    yield from L.io_uring_register_files_update(ring, 2, [-1], 1)
    L.record("tagged emptied", reap_ready(L, ring))
    yield from L.io_uring_unregister_files(ring)
    L.record("unregistered", reap_ready(L, ring))
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-files2-errors", tags=TAGS)
def lr_files2_errors(L: Any) -> Gen:
    """IORING_REGISTER_FILES2 errors: -EINVAL for a size other than sizeof(struct io_uring_rsrc_register),
    nr 0, a non-zero resv2, an unknown flag, SPARSE with a data array, or a tag on an empty slot (nothing
    stays registered); -EFAULT for a NULL struct.  A NULL data array without SPARSE registers empty slots;
    a second table is -EBUSY.  IORING_REGISTER_FILES_UPDATE2: -EINVAL for a wrong size, nr 0, or a tag on
    a SKIP slot."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    reg = L.RsrcRegister(nr=2, data=[fds[0], fds[1]])
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, reg, 16)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, None, RSRC_REGISTER_SIZE)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, L.RsrcRegister(nr=0), RSRC_REGISTER_SIZE)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, L.RsrcRegister(nr=2, resv2=1), RSRC_REGISTER_SIZE)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, L.RsrcRegister(nr=2, flags=2), RSRC_REGISTER_SIZE)
    sparse_data = L.RsrcRegister(nr=2, flags=IORING_RSRC_REGISTER_SPARSE, data=[fds[0], fds[1]])
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, sparse_data, RSRC_REGISTER_SIZE)
    yield from L.io_uring_register_files_tags(ring, [fds[0], -1], [1, 2], 2)
    yield from L.io_uring_unregister_files(ring)
    yield from L.io_uring_register_files_tags(ring, None, None, 4)
    yield from L.io_uring_register_files_sparse(ring, 4)
    up = L.RsrcUpdate2(offset=0, data=[fds[0]], nr=1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, up, 16)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, L.RsrcUpdate2(data=[fds[0]], nr=0), RSRC_UPDATE2_SIZE)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, L.RsrcUpdate2(data=[fds[0]], nr=1, resv2=1), RSRC_UPDATE2_SIZE)
    yield from L.io_uring_register_files_update_tag(ring, 0, [IORING_REGISTER_FILES_SKIP], [5], 1)
    yield from L.io_uring_register_files_update_tag(ring, 0, [fds[0], IORING_REGISTER_FILES_SKIP], [5, 6], 2)
    L.record("tag cqes", L.io_uring_cq_ready(ring))
    yield from L.io_uring_unregister_files(ring)
    L.record("unregistered", reap_ready(L, ring))
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-files-sparse", tags=TAGS)
def lr_files_sparse(L: Any) -> Gen:
    """io_uring_register_files_sparse(3): a table of empty slots; a READ on one fails with -EBADF until
    IORING_REGISTER_FILES_UPDATE puts a pipe's read end there; unregistering twice: -ENXIO."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files_sparse(ring, 8)
    _fixed_read(L, ring, 5, 2, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_files_update(ring, 5, [fds[0]], 1)
    yield from L.write(fds[1], b"hi", 2)
    buf = _fixed_read(L, ring, 5, 2, 2)
    yield from submit_and_reap(L, ring, 1)
    L.record("read", bytes(buf))
    _fixed_read(L, ring, 8, 2, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_files(ring)
    yield from L.io_uring_unregister_files(ring)
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-file-alloc-range", tags=TAGS)
def lr_file_alloc_range(L: Any) -> Gen:
    """IORING_REGISTER_FILE_ALLOC_RANGE (io_uring_register_file_alloc_range(3)): -EINVAL for a NULL
    argument or nr_args other than 0, a non-zero resv, or a range past the table (no table: an empty
    range is accepted); -EOVERFLOW when off + len wraps."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_file_alloc_range(ring, 0, 0)
    yield from L.io_uring_register_file_alloc_range(ring, 0, 1)
    yield from L.io_uring_register_files_sparse(ring, 8)
    yield from L.io_uring_register_file_alloc_range(ring, 2, 4)
    yield from L.io_uring_register_file_alloc_range(ring, 4, 8)
    yield from L.io_uring_register_file_alloc_range(ring, 0, 8)
    yield from L.io_uring_register_file_alloc_range(ring, 0xFFFF_FFFF, 2)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, None, 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, L.FileIndexRange(off=0, len=2), 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, L.FileIndexRange(off=0, len=2, resv=1), 0)
    yield from L.io_uring_queue_exit(ring)


# -- registered ring fds ---------------------------------------------------------------------
ANY_SLOT = 0xFFFF_FFFF
IO_RINGFD_REG_MAX = 16  # slots of a task's registered-ring table (the kernel's io_uring/tctx.h)


def _unregister_all_ring_fds(L: Any, ring: Any) -> Gen:
    """Empty every slot of the task's registered-ring table (so no later scenario finds one taken)."""
    slots = [L.RsrcUpdate(offset=i) for i in range(IO_RINGFD_REG_MAX)]
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_RING_FDS, slots, IO_RINGFD_REG_MAX)


@scenario("lr-ring-fds", tags=TAGS)
def lr_ring_fds(L: Any) -> Gen:
    """IORING_REGISTER_RING_FDS (io_uring_register_ring_fd(3)): with offset -1 the ring takes the first free
    slot of the task's table, written back into offset; io_uring_enter(2) with IORING_ENTER_REGISTERED_RING
    and io_uring_register(2) with IORING_REGISTER_USE_REGISTERED_RING then take the slot as the ring;
    a given offset is used as it is; IORING_UNREGISTER_RING_FDS empties slots (an empty one counts too),
    after which the index is -EBADF."""
    ring = yield from new_ring(L, 4)
    up = L.RsrcUpdate(offset=ANY_SLOT, data=ring.ring_fd)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [up], 1)
    L.record("slot", up.offset)
    yield from L.io_uring_enter(up.offset, 0, 0, IORING_ENTER_REGISTERED_RING)
    yield from L.io_uring_register(up.offset, IORING_REGISTER_PROBE | IORING_REGISTER_USE_REGISTERED_RING, L.Probe(), 4)
    at5 = L.RsrcUpdate(offset=5, data=ring.ring_fd)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [at5], 1)
    L.record("slot 5", at5.offset)
    yield from L.io_uring_enter(5, 0, 0, IORING_ENTER_REGISTERED_RING)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=5), L.RsrcUpdate(offset=6)], 2)
    yield from L.io_uring_enter(5, 0, 0, IORING_ENTER_REGISTERED_RING)
    yield from _unregister_all_ring_fds(L, ring)
    yield from L.io_uring_enter(up.offset, 0, 0, IORING_ENTER_REGISTERED_RING)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-ring-fds-errors", tags=TAGS)
def lr_ring_fds_errors(L: Any) -> Gen:
    """IORING_REGISTER_RING_FDS errors: -EINVAL for 0 entries or more than the table's 16, a non-zero resv,
    or an offset past the table; -EBADF for an fd not open; -EOPNOTSUPP for a file that is not a ring;
    -EBUSY for a taken slot, or with every slot taken; an entry failing after one registered: 1.
    IORING_UNREGISTER_RING_FDS: -EINVAL for a non-zero data or an offset past the table."""
    ring = yield from new_ring(L, 4)
    fds = [0, 0]
    yield from L.pipe(fds)
    reg = IORING_REGISTER_RING_FDS
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=ANY_SLOT, data=ring.ring_fd)], 0)
    many = [L.RsrcUpdate(offset=ANY_SLOT, data=ring.ring_fd) for _ in range(17)]
    yield from L.io_uring_register(ring.ring_fd, reg, many, 17)
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=ANY_SLOT, resv=1, data=ring.ring_fd)], 1)
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=16, data=ring.ring_fd)], 1)
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=ANY_SLOT, data=fds[0])], 1)
    yield from L.close(fds[1])
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=ANY_SLOT, data=fds[1])], 1)
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=0, data=ring.ring_fd)], 1)
    yield from L.io_uring_register(ring.ring_fd, reg, [L.RsrcUpdate(offset=0, data=ring.ring_fd)], 1)
    pair = [L.RsrcUpdate(offset=1, data=ring.ring_fd), L.RsrcUpdate(offset=2, data=fds[0])]
    yield from L.io_uring_register(ring.ring_fd, reg, pair, 2)
    L.record("pair offsets", [pair[0].offset, pair[1].offset])
    fill = [L.RsrcUpdate(offset=ANY_SLOT, data=ring.ring_fd) for _ in range(16)]
    yield from L.io_uring_register(ring.ring_fd, reg, fill, 16)
    L.record("fill offsets", [u.offset for u in fill[:15]])
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=0, data=1)], 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=16)], 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset=3)], 0)
    yield from _unregister_all_ring_fds(L, ring)
    yield from L.close(fds[0])
    yield from L.io_uring_queue_exit(ring)


# -- io-wq limits and affinity -----------------------------------------------------------------
@scenario("lr-iowq-max-workers", tags=TAGS)
def lr_iowq_max_workers(L: Any) -> Gen:
    """IORING_REGISTER_IOWQ_MAX_WORKERS (io_uring_register_iowq_max_workers(3)): [0, 0] changes nothing and
    reads the task's current caps (both non-zero); new caps are set where non-zero and the old ones are
    written back; -EINVAL for nr_args other than 2, a NULL array, or a count above INT_MAX (nothing
    changed).  The io-wq is the task's: a second ring reads the same caps.  The caps are restored at the
    end (the io-wq outlives the scenario's rings)."""
    ring = yield from new_ring(L, 4)
    orig = [0, 0]
    yield from L.io_uring_register_iowq_max_workers(ring, orig)
    L.record("current caps set", [v > 0 for v in orig])
    vals = [2, 3]
    yield from L.io_uring_register_iowq_max_workers(ring, vals)
    L.record("old caps returned", vals == orig)
    vals = [0, 5]
    yield from L.io_uring_register_iowq_max_workers(ring, vals)
    L.record("after [2, 3]", vals)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_MAX_WORKERS, [1, 1], 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_MAX_WORKERS, None, 2)
    big = [0x8000_0000, 0]
    yield from L.io_uring_register_iowq_max_workers(ring, big)
    L.record("refused array unchanged", big)
    ring2 = yield from new_ring(L, 8)
    vals = [0, 0]
    yield from L.io_uring_register_iowq_max_workers(ring2, vals)
    L.record("through ring2", vals)
    yield from L.io_uring_queue_exit(ring2)
    restore = list(orig)
    yield from L.io_uring_register_iowq_max_workers(ring, restore)
    L.record("restored from", restore)
    yield from L.io_uring_queue_exit(ring)


@scenario("lr-iowq-aff", tags=TAGS)
def lr_iowq_aff(L: Any) -> Gen:
    """IORING_REGISTER_IOWQ_AFF (io_uring_register_iowq_aff(3)): a mask of CPU 0 is accepted, and so is an
    empty mask (a subset of the allowed CPUs); -EINVAL for a NULL mask or a size of 0.  A CPU the machine
    does not have (CPU 40 with CPU 0 here; both kernels run on fewer CPUs) is ignored: accepted.
    IORING_UNREGISTER_IOWQ_AFF gives every CPU back (-EINVAL with an argument)."""
    ring = yield from new_ring(L, 4)
    yield from L.io_uring_register_iowq_aff(ring, 8, bytes([1, 0, 0, 0, 0, 0, 0, 0]))
    yield from L.io_uring_register_iowq_aff(ring, 8, bytes(8))
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_AFF, None, 8)
    yield from L.io_uring_register_iowq_aff(ring, 0, bytes([1, 0, 0, 0, 0, 0, 0, 0]))
    yield from L.io_uring_register_iowq_aff(ring, 8, bytes([1, 0, 0, 0, 0, 1, 0, 0]))
    yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 1)
    yield from L.io_uring_unregister_iowq_aff(ring)
    yield from L.io_uring_queue_exit(ring)
