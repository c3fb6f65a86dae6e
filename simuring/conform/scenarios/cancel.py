"""IORING_OP_ASYNC_CANCEL (io_uring_prep_cancel(3))."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    nop,
    poll_add,
    poll_remove,
    reap,
    timeout,
)
from simuring.conform.scenarios.timeouts import MS, pending_read
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_ASYNC_CANCEL_OP,
    IORING_ASYNC_CANCEL_USERDATA,
    IORING_OP_READ,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    POLLIN,
)

# The kernel keeps armed polls (POLL_ADD, and reads waiting on a pipe) in a table hashed by user_data; on
# an 8-entry ring it has two buckets, and a lookup by file, opcode or ANY walks bucket 0 then bucket 1,
# newest first in each.  user_data 1, 3, 6, 8 hash to bucket 0 and 2, 4, 5, 7 to bucket 1.  Scenarios that
# are not about that order pick user_data for which it is the submission order.


@scenario("cancel-by-user-data", tags=("cancel",))
def cancel_by_user_data(L: Any) -> Gen:
    """io_uring_prep_cancel64(3): cancelling a READ pending on an empty pipe completes the cancel with 0
    and the read with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf)
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 1, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-not-found", tags=("cancel",))
def cancel_not_found(L: Any) -> Gen:
    """io_uring_prep_cancel64(3): cancelling a user_data nothing carries completes with -ENOENT."""
    ring = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 42, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-fd-all", tags=("cancel",))
def cancel_fd_all(L: Any) -> Gen:
    """io_uring_prep_cancel_fd(3) with IORING_ASYNC_CANCEL_ALL: both READs pending on the pipe are
    cancelled (-ECANCELED) and the cancel completes with the number it cancelled (2)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    bufs = [bytearray(8), bytearray(8)]
    pending_read(L, ring, fds[0], 1, bufs[0])
    pending_read(L, ring, fds[0], 2, bufs[1])
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel_fd(sqe, fds[0], IORING_ASYNC_CANCEL_ALL)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


def _cancel(L: Any, ring: Any, user_data: int, target: int, flags: int = 0, opcode: int = 0) -> Any:
    """Queue an ASYNC_CANCEL of ``target`` (a user_data) with ``flags``; ``opcode`` goes in len (CANCEL_OP)."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, target, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if opcode:
        sqe.len = opcode
    return sqe


def _cancel_fd(L: Any, ring: Any, user_data: int, fd: int, flags: int = 0, target: int = 0) -> Any:
    """Queue an ASYNC_CANCEL matching file ``fd`` (IORING_ASYNC_CANCEL_FD is added), ``target`` in addr."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel_fd(sqe, fd, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    sqe.addr = target
    return sqe


@scenario("cancel-fd-all-order", tags=("cancel", "poll"))
def cancel_fd_all_order(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_FD|ALL over three POLL_ADDs armed on the same pipe (user_data 1, 2, 3): the
    cancel counts 3, and the polls complete with -ECANCELED in the order the kernel's lookup meets them
    (by hash bucket of the user_data, newest first within a bucket: 3, 1, 2)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    for ud in (1, 2, 3):
        poll_add(L, ring, fds[0], POLLIN, ud)
    yield from L.io_uring_submit(ring)
    _cancel_fd(L, ring, 9, fds[0], IORING_ASYNC_CANCEL_ALL)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-any", tags=("cancel",))
def cancel_any(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ANY matches every request whatever its user_data and file: a READ waiting on one
    pipe, a POLL_ADD on another and a 10 s TIMEOUT are all cancelled (-ECANCELED, polls first, the timeout
    last) and the cancel completes with the number it cancelled (3)."""
    ring = yield from new_ring(L, 8)
    a, b = [0, 0], [0, 0]
    yield from L.pipe(a)
    yield from L.pipe(b)
    buf = bytearray(8)
    pending_read(L, ring, a[0], 1, buf)
    poll_add(L, ring, b[0], POLLIN, 2)
    timeout(L, ring, 3, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 9, 0, IORING_ASYNC_CANCEL_ANY)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-all-nothing-found", tags=("cancel",))
def cancel_all_nothing_found(L: Any) -> Gen:
    """With IORING_ASYNC_CANCEL_ALL or _ANY the result is a count, so a cancel that finds nothing completes
    with 0 (ANY on an idle ring, ALL by an unknown user_data, FD|ALL on a pipe nobody waits on), where a
    plain cancel of an unknown user_data is -ENOENT."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    _cancel(L, ring, 1, 0, IORING_ASYNC_CANCEL_ANY)
    _cancel(L, ring, 2, 77, IORING_ASYNC_CANCEL_ALL)
    _cancel_fd(L, ring, 3, fds[0], IORING_ASYNC_CANCEL_ALL)
    _cancel(L, ring, 4, 77)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-flag-errors", tags=("cancel", "sqe"))
def cancel_flag_errors(L: Any) -> Gen:
    """io_uring_prep_cancel(3) argument errors: ANY with FD, ANY with OP, an unknown cancel flag and a
    non-zero off are -EINVAL at submission; FD with a descriptor that is not open, and FD_FIXED with no
    registered file table, are -EBADF.  One SQE per submit."""
    ring = yield from new_ring(L, 8)

    def one(ud: int, flags: int, fd: int = -1, off: int = 0) -> Gen:
        sqe = _cancel(L, ring, ud, 0, flags)
        sqe.fd = fd
        sqe.off = off
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)

    yield from one(1, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD, 0)
    yield from one(2, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_OP)
    yield from one(3, 1 << 12)
    yield from one(4, 0, off=1)
    yield from one(5, IORING_ASYNC_CANCEL_FD, 100_000)
    yield from one(6, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-op-all", tags=("cancel",))
def cancel_op_all(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_OP|ALL with IORING_OP_READ in len: the two READs waiting on two pipes are
    cancelled (count 2), the POLL_ADD on the first pipe is not; a POLL_REMOVE then removes it."""
    ring = yield from new_ring(L, 8)
    a, b = [0, 0], [0, 0]
    yield from L.pipe(a)
    yield from L.pipe(b)
    bufs = [bytearray(8), bytearray(8)]
    pending_read(L, ring, a[0], 1, bufs[0])
    poll_add(L, ring, a[0], POLLIN, 4)
    pending_read(L, ring, b[0], 2, bufs[1])
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 9, 0, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ALL, IORING_OP_READ)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    poll_remove(L, ring, 4, 10)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-op-userdata", tags=("cancel",))
def cancel_op_userdata(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_OP|USERDATA: a POLL_ADD on one pipe and a READ on another share user_data 1;
    cancelling opcode READ with user_data 1 cancels only the READ (0, -ECANCELED).  Writing 2 bytes to the
    READ's pipe then completes nothing, and 1 byte to the poll's pipe completes the poll (POLLIN)."""
    ring = yield from new_ring(L, 8)
    a, b = [0, 0], [0, 0]
    yield from L.pipe(a)
    yield from L.pipe(b)
    poll_add(L, ring, a[0], POLLIN, 1)
    buf = bytearray(8)
    pending_read(L, ring, b[0], 1, buf)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 8, 1, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA, IORING_OP_READ)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.write(b[1], b"xy", 2)
    yield from L.write(a[1], b"z", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-fd-userdata", tags=("cancel",))
def cancel_fd_userdata(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_FD|USERDATA matches file and user_data together: of two READs with user_data 1
    on two pipes, only the one on the named pipe is cancelled; the same match with user_data 7 on the other
    pipe finds nothing (-ENOENT).  Writing 2 bytes to the first pipe completes nothing, 1 byte to the
    other completes its READ (1)."""
    ring = yield from new_ring(L, 8)
    a, b = [0, 0], [0, 0]
    yield from L.pipe(a)
    yield from L.pipe(b)
    bufs = [bytearray(8), bytearray(8)]
    pending_read(L, ring, a[0], 1, bufs[0])
    pending_read(L, ring, b[0], 1, bufs[1])
    yield from L.io_uring_submit(ring)
    _cancel_fd(L, ring, 8, b[0], IORING_ASYNC_CANCEL_USERDATA, target=1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _cancel_fd(L, ring, 9, a[0], IORING_ASYNC_CANCEL_USERDATA, target=7)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.write(b[1], b"xy", 2)
    yield from L.write(a[1], b"z", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-userdata-all", tags=("cancel",))
def cancel_userdata_all(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ALL by user_data: READs waiting on three pipes, two with user_data 5 and one
    with 6; the cancel of 5 cancels both (count 2), the READ with 6 stays until it is cancelled on its
    own."""
    ring = yield from new_ring(L, 8)
    pipes = [[0, 0], [0, 0], [0, 0]]
    for p in pipes:
        yield from L.pipe(p)
    bufs = [bytearray(8) for _ in pipes]
    for p, ud, buf in zip(pipes, (5, 5, 6), bufs, strict=True):
        pending_read(L, ring, p[0], ud, buf)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 9, 5, IORING_ASYNC_CANCEL_ALL)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    _cancel(L, ring, 10, 6)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-poll", tags=("cancel", "poll"))
def cancel_poll(L: Any) -> Gen:
    """ASYNC_CANCEL reaches armed polls: a single-shot POLL_ADD completes with -ECANCELED, a multishot one
    with -ECANCELED and no IORING_CQE_F_MORE; each cancel completes with 0."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    poll_add(L, ring, fds[0], POLLIN, 1)
    poll_add(L, ring, fds[0], POLLIN, 2, multishot=True)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 8, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _cancel(L, ring, 9, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-timeout", tags=("cancel", "timeouts"))
def cancel_timeout(L: Any) -> Gen:
    """ASYNC_CANCEL reaches pending TIMEOUTs by user_data: the 10 s timeout completes with -ECANCELED and
    the cancel with 0; a file-based cancel (CANCEL_FD) never looks at timeouts."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    timeout(L, ring, 1, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    _cancel_fd(L, ring, 8, fds[0], IORING_ASYNC_CANCEL_ALL)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    _cancel(L, ring, 9, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-link-head", tags=("cancel", "links"))
def cancel_link_head(L: Any) -> Gen:
    """Cancelling the head of a link chain (a READ waiting on a pipe, linked to two NOPs): the cancel
    completes with 0, the read with -ECANCELED and both NOPs behind it with -ECANCELED, in chain order."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 9, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-link-member", tags=("cancel", "links"))
def cancel_link_member(L: Any) -> Gen:
    """A request waiting behind the head of its link chain has not been issued, so a cancel by its
    user_data does not find it (-ENOENT); cancelling the head then ends the whole chain (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 8, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    _cancel(L, ring, 9, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-fd-fixed", tags=("cancel", "files"))
def cancel_fd_fixed(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_FD_FIXED names a registered file by its index.  The match is by file, so
    cancelling fixed file 0 (a pipe's read end) with ALL finds both READs waiting on that pipe, the one
    issued with IOSQE_FIXED_FILE and the one issued with the plain descriptor (count 2); an index past
    the table is -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    bufs = [bytearray(8), bytearray(8)]
    pending_read(L, ring, 0, 1, bufs[0], IOSQE_FIXED_FILE)
    pending_read(L, ring, fds[0], 2, bufs[1])
    yield from L.io_uring_submit(ring)
    _cancel_fd(L, ring, 8, 0, IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_ALL)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    _cancel_fd(L, ring, 9, 5, IORING_ASYNC_CANCEL_FD_FIXED)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("cancel-any-timeout-list-order", tags=("cancel", "timeouts"))
def cancel_any_timeout_list_order(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ANY over three pending TIMEOUTs meets them in the order of the ring's timeout
    list: timeouts with a completion count come first, sorted by the count they still need (user_data 3,
    count 2, before 2, count 5), then those without (1), whatever the submission order (1, 2, 3)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS)
    timeout(L, ring, 2, 10_000 * MS, count=5)
    timeout(L, ring, 3, 10_000 * MS, count=2)
    yield from L.io_uring_submit(ring)
    _cancel(L, ring, 9, 0, IORING_ASYNC_CANCEL_ANY)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)
