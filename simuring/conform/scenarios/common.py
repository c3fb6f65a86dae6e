"""Small helpers the scenarios share (no scenario here)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

Gen = Generator[Any, Any, Any]


def nop(L: Any, ring: Any, user_data: int, flags: int = 0) -> Any:
    """Queue a NOP with ``user_data`` and SQE ``flags``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, flags)
    return sqe


def prep_named(L: Any, ring: Any, user_data: int, name: str, *args: Any, sqe_flags: int = 0) -> Any:
    """Queue one SQE filled by the prep helper ``L.<name>(sqe, *args)``, with ``user_data`` and
    ``sqe_flags`` (if any); the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    getattr(L, name)(sqe, *args)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def reap(L: Any, ring: Any, n: int) -> Gen:
    """Wait for ``n`` completions one by one, consuming each (each is recorded)."""
    cqe = L.Cqe()
    for _ in range(n):
        ret = yield from L.io_uring_wait_cqe(ring, cqe)
        if ret < 0:
            return
        L.io_uring_cqe_seen(ring, cqe[0])


def record_unordered(L: Any, ring: Any, n: int, label: str) -> Gen:
    """Wait until ``n`` completions are ready and record them as one sorted list under ``label``,
    for completions whose order the kernel does not fix (an io-wq worker and the submitter's task
    work racing to post).  They are left in the CQ, not consumed (consuming records them one by
    one, in CQ order): the scenario goes on with another ring, or ends."""
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe_nr(ring, cqe, n)
    cqes = L.Cqe(n)
    got = L.io_uring_peek_batch_cqe(ring, cqes, n)
    L.record(label, sorted([c.user_data, c.res, c.flags] for c in cqes[:got]))


def reap_one(L: Any, ring: Any) -> Generator[Any, Any, list[int] | None]:
    """Wait for one completion and consume it (it is recorded); its ``[user_data, res, flags]``, or None
    when the wait failed.  For scenarios whose next step depends on what the kernel answered (a
    simulator that answers differently must not leave the scenario waiting for a CQE that never comes)."""
    cqe = L.Cqe()
    if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
        return None
    values = [cqe[0].user_data, cqe[0].res, cqe[0].flags]
    L.io_uring_cqe_seen(ring, cqe[0])
    return values


def reap_ready(L: Any, ring: Any) -> int:
    """Consume every completion already visible (peek until -EAGAIN); how many."""
    cqe = L.Cqe()
    n = 0
    while L.io_uring_peek_cqe(ring, cqe) == 0:
        L.io_uring_cqe_seen(ring, cqe[0])
        n += 1
    return n


def new_ring(L: Any, entries: int = 8, flags: int = 0) -> Gen:
    """A ring set up with ``io_uring_queue_init`` (the result is recorded)."""
    ring = L.Ring()
    ret = yield from L.io_uring_queue_init(entries, ring, flags)
    return ring if ret == 0 else None


def timespec(L: Any, ns: int) -> Any:
    """``ns`` nanoseconds as a ``Timespec``."""
    return L.Timespec(ns // 1_000_000_000, ns % 1_000_000_000)


def timeout(L: Any, ring: Any, user_data: int, ns: int, count: int = 0, flags: int = 0, sqe_flags: int = 0) -> Any:
    """Queue a TIMEOUT of ``ns`` (``count``, timeout ``flags``) with ``user_data`` and SQE ``sqe_flags``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, timespec(L, ns), count, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def link_timeout(L: Any, ring: Any, user_data: int, ns: int, sqe_flags: int = 0) -> Any:
    """Queue a LINK_TIMEOUT of ``ns`` with ``user_data`` and SQE ``sqe_flags``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, timespec(L, ns), 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def remove_timeout(L: Any, ring: Any, user_data: int, target: int, flags: int = 0, sqe_flags: int | None = None) -> Any:
    """Queue a TIMEOUT_REMOVE of ``target`` with ``user_data`` (SQE flags set only when given); the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_remove(sqe, target, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags is not None:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def update_timeout(
    L: Any, ring: Any, user_data: int, target: int, ns: int, flags: int = 0, sqe_flags: int | None = None
) -> Any:
    """Queue a timeout update of ``target`` to ``ns`` with ``user_data`` (SQE flags set only when given); the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_update(sqe, timespec(L, ns), target, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags is not None:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def cancel(L: Any, ring: Any, user_data: int, target: int, flags: int = 0, sqe_flags: int = 0) -> Any:
    """Queue an ASYNC_CANCEL of ``target`` (cancel ``flags``) with ``user_data`` and SQE ``sqe_flags``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, target, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def msg_ring(L: Any, ring: Any, target_fd: int, length: int, data: int, user_data: int, flags: int = 0) -> Any:
    """Queue a MSG_RING of ``length`` and ``data`` to the ring ``target_fd`` with ``user_data``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_msg_ring(sqe, target_fd, length, data, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def new_pipe(L: Any) -> Gen:
    """A pipe made with pipe(2) (the result is recorded); its ``[read_fd, write_fd]``."""
    fds = [0, 0]
    yield from L.pipe(fds)
    return fds


def try_setup(L: Any, label: str, entries: int, flags: int = 0, **fields: Any) -> Gen:
    """io_uring_setup with a fresh Params; record the sizes (or the error) under ``label`` and close the fd."""
    p = L.Params(flags=flags)
    for name, value in fields.items():
        setattr(p, name, value)
    fd = yield from L.io_uring_setup(entries, p)
    if fd >= 0:
        L.record(label, [p.sq_entries, p.cq_entries])
        yield from L.close(fd)
    else:
        L.record(label, fd)
    return fd


def reap_count(L: Any, ring: Any, n: int) -> Gen:
    """Wait for up to ``n`` completions one by one, consuming each, until a wait fails; how many."""
    got = 0
    cqe = L.Cqe()
    for _ in range(n):
        if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
            break
        L.io_uring_cqe_seen(ring, cqe[0])
        got += 1
    return got


def round_trip(L: Any, ring: Any, user_data: int = 99) -> Gen:
    """A NOP submitted and waited for, then every ready CQE consumed: shows what else was posted."""
    nop(L, ring, user_data)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)


def one_result(L: Any, ring: Any, user_data: int, name: str, *args: Any, sqe_flags: int = 0) -> Gen:
    """Queue one SQE filled by ``L.<name>(sqe, *args)`` (as :func:`prep_named`), submit it and reap its
    completion (recorded): its result, or -1 when the wait failed."""
    prep_named(L, ring, user_data, name, *args, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


def submit_and_reap(L: Any, ring: Any, n: int = 1) -> Gen:
    """Submit what is queued and wait for ``n`` completions one by one, consuming each."""
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, n)


def poll_add(
    L: Any, ring: Any, fd: int, mask: int, user_data: int, multishot: bool = False, sqe_flags: int | None = None
) -> Any:
    """Queue a POLL_ADD (multishot or not) of ``mask`` on ``fd`` with ``user_data`` (SQE flags set only when given); the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    (L.io_uring_prep_poll_multishot if multishot else L.io_uring_prep_poll_add)(sqe, fd, mask)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags is not None:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def poll_remove(L: Any, ring: Any, target: int, user_data: int) -> Any:
    """Queue a POLL_REMOVE of the poll ``target`` with ``user_data``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_remove(sqe, target)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def poll_update(L: Any, ring: Any, target: int, user_data: int, flags: int, events: int = 0, new_user_data: int = 0) -> Any:
    """io_uring_prep_poll_update(3): a POLL_REMOVE carrying the IORING_POLL_UPDATE_* ``flags`` in len, the
    new user_data in off and the new mask in poll32_events."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_update(sqe, target, new_user_data, events, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def readv(L: Any, ring: Any, fd: int, iovecs: list[Any], nr_vecs: int, user_data: int) -> Any:
    """Queue a READV of ``nr_vecs`` of ``iovecs`` from ``fd`` at offset 0 with ``user_data``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_readv(sqe, fd, iovecs, nr_vecs, 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def writev(L: Any, ring: Any, fd: int, iovecs: list[Any], nr_vecs: int, user_data: int, sqe_flags: int | None = None) -> Any:
    """Queue a WRITEV of ``nr_vecs`` of ``iovecs`` to ``fd`` at offset 0 with ``user_data`` (SQE flags set only when given); the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_writev(sqe, fd, iovecs, nr_vecs, 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags is not None:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def new_ring_params(L: Any, entries: int, flags: int = 0, **fields: Any) -> Gen:
    """A ring set up with ``io_uring_queue_init_params`` and a Params of ``flags`` and ``fields`` (the result is
    recorded); ``(result, ring, params)``."""
    ring = L.Ring()
    p = L.Params(flags=flags)
    for name, value in fields.items():
        setattr(p, name, value)
    ret = yield from L.io_uring_queue_init_params(entries, ring, p)
    return ret, ring, p


def make_file(L: Any, path: str, data: bytes = b"") -> Gen:
    """A regular file holding ``data``, made (or emptied) with open(2) and write(2)."""
    fd = yield from L.open(path, L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    if fd >= 0:
        if data:
            yield from L.write(fd, data, len(data))
        yield from L.close(fd)


def file_contents(L: Any, path: str) -> Gen:
    """The first 32 bytes of ``path`` read with open(2) and read(2), or the error."""
    fd = yield from L.open(path, L.O_RDONLY, 0)
    if fd < 0:
        return fd
    buf = bytearray(32)
    n = yield from L.read(fd, buf, 32)
    yield from L.close(fd)
    return bytes(buf[:n]) if n >= 0 else n
