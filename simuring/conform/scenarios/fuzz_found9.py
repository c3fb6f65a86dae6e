"""Rules the differential fuzzer's sweeps from seed 100000 found the simulator breaking, each pinned on
its own; names prefixed ``fz9-``.

* A regular file opened with access mode 3 (O_ACCMODE: neither O_RDONLY, O_WRONLY nor O_RDWR) is
  opened, for neither reading nor writing (``OPEN_FMODE``: its READ and WRITE are -EBADF), by
  open(2) and by OPENAT alike; O_TRUNC empties a regular file whatever the access mode, O_RDONLY's
  too (``do_open``).  Fields seed 104112: an OPENAT whose random ``open_flags`` had both low bits
  set; the simulator answered -EINVAL (which only a FIFO's ``fifo_open`` answers).
* ``____sys_sendmsg`` and ``____sys_recvmsg`` add MSG_DONTWAIT for a socket whose file has
  O_NONBLOCK, so an io-wq worker's blocking SENDMSG / RECVMSG on such a socket does not wait: its
  -EAGAIN is the result.  SEND and RECV (``sock_sendmsg`` / ``sock_recvmsg``) ignore the file's
  flags and wait.  It shows where a poll reports the socket ready while the non-blocking call still
  says -EAGAIN, so the fast poll's budget runs out: a datagram socket shut for reading (POLLIN and
  POLLRDHUP: a RECVMSG; with its send buffer full, a SENDMSG).  State seeds 104441 and 107516: a
  RECVMSG on a SOCK_NONBLOCK datagram socket shut for reading, -EAGAIN where the simulator waited
  in the worker and answered 0.
* A DEFER_TASKRUN ring's poll wait queue is activated lazily (``io_activate_pollwq``): the first poll
  of its descriptor queues task work on the submitter task, which wakes the queue without a key; a
  fast poll woken so re-issues its request.  Fields seed 117897: a RECV with
  IORING_RECVSEND_POLL_FIRST of its own DEFER_TASKRUN ring's descriptor is -ENOTSOCK at once (the
  re-issue is REQ_F_POLLED), where the simulator waited on the ring's poll.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    file_contents,
    make_file,
    new_ring,
    one_result,
    prep_named,
    reap_one,
)
from simuring.uapi import (
    IORING_RECVSEND_POLL_FIRST,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
)

TAGS = ("difffuzz",)
MSG_DONTWAIT, MSG_NOSIGNAL, MSG_WAITALL = 0x40, 0x4000, 0x100
SHUT_RD = 0
#: Fields seed 104112's ``open_flags`` without O_NOATIME (which asks for the file's owner or
#: CAP_FOWNER): access mode 3, unknown bits 0x4 and 0x20, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC,
#: FASYNC, O_NOFOLLOW and bits above O_TMPFILE (``build_open_how`` keeps only VALID_OPEN_FLAGS).
SEED_104112_FLAGS = 0x2B823E27


def _openat_close(L: Any, ring: Any, ud: int, path: str, flags: int) -> Gen:
    """An OPENAT of ``path`` with ``flags``, reaped (recorded); the descriptor's READ and WRITE of 4
    bytes, then close(2): whether it opened."""
    got = yield from one_result(L, ring, ud, "io_uring_prep_openat", -100, path, flags, 0)
    if got < 0:
        return got
    yield from one_result(L, ring, ud + 1, "io_uring_prep_read", got, bytearray(4), 4, 0)
    yield from one_result(L, ring, ud + 2, "io_uring_prep_write", got, b"data", 4, 0)
    yield from L.close(got)
    return 0


@scenario("fz9-open-accmode3", tags=TAGS)
def fz9_open_accmode3(L: Any) -> Gen:
    """A regular file opened with access mode 3 (O_ACCMODE) is opened for neither reading nor writing:
    OPENAT and open(2) give a descriptor whose READ and WRITE (and read(2)) are -EBADF; the flags of
    fields seed 104112 (mode 3 with O_TRUNC, O_APPEND, O_NONBLOCK and unknown bits) too, and their
    O_TRUNC empties the file.  A directory opened with mode 3 is -EISDIR (it asks for writing)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/fz9-a", b"0123456789")
    yield from _openat_close(L, ring, 10, "/fz9-a", L.O_ACCMODE)
    L.record("contents", (yield from file_contents(L, "/fz9-a")))
    fd = yield from L.open("/fz9-a", L.O_ACCMODE, 0)
    if fd >= 0:
        L.record("read(2)", (yield from L.read(fd, bytearray(4), 4)))
        L.record("write(2)", (yield from L.write(fd, b"data", 4)))
        yield from L.close(fd)
    yield from _openat_close(L, ring, 20, "/fz9-a", SEED_104112_FLAGS)
    L.record("contents", (yield from file_contents(L, "/fz9-a")))
    yield from L.mkdir("/fz9-d", 0o755)
    yield from one_result(L, ring, 30, "io_uring_prep_openat", -100, "/fz9-d", L.O_ACCMODE, 0)
    L.record("open(2) dir", (yield from L.open("/fz9-d", L.O_ACCMODE, 0)))


@scenario("fz9-open-rdonly-trunc", tags=TAGS)
def fz9_open_rdonly_trunc(L: Any) -> Gen:
    """O_TRUNC empties a regular file opened read-only, by open(2) and by OPENAT (``do_open`` truncates
    any regular file with O_TRUNC; the access mode decides only FMODE_READ / FMODE_WRITE), and the
    file still reads (0 bytes) and does not write (-EBADF); with access mode 3 too."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/fz9-t", b"0123456789")
    fd = yield from L.open("/fz9-t", L.O_RDONLY | L.O_TRUNC, 0)
    if fd >= 0:
        yield from L.close(fd)
    L.record("contents", (yield from file_contents(L, "/fz9-t")))
    yield from make_file(L, "/fz9-t", b"0123456789")
    yield from _openat_close(L, ring, 10, "/fz9-t", L.O_RDONLY | L.O_TRUNC)
    L.record("contents", (yield from file_contents(L, "/fz9-t")))
    yield from make_file(L, "/fz9-t", b"0123456789")
    yield from _openat_close(L, ring, 20, "/fz9-t", L.O_ACCMODE | L.O_TRUNC)
    L.record("contents", (yield from file_contents(L, "/fz9-t")))


def _sock_pair(L: Any, kind: int) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, kind, 0, sv)
    return sv


def _shut_rd(L: Any, ring: Any, fd: int) -> Gen:
    yield from one_result(L, ring, 1, "io_uring_prep_shutdown", fd, SHUT_RD)


def _settled(L: Any, ring: Any, ud: int) -> Gen:
    """Wait 50 ms for request ``ud``; if it did not complete, cancel it and reap both CQEs."""
    cqe = L.Cqe()
    if (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 50_000_000))) == 0:
        L.io_uring_cqe_seen(ring, cqe[0])
        return
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, ud, 0)
    L.io_uring_sqe_set_data64(sqe, ud + 1)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)
    yield from reap_one(L, ring)


def _one_settled(L: Any, ring: Any, ud: int, prep: str, args: tuple[Any, ...], sqe_flags: int, sv: list[int]) -> Gen:
    """One SQE filled by ``L.<prep>(sqe, *args)``, submitted and settled (:func:`_settled`); then both
    ends of the pair ``sv`` closed."""
    prep_named(L, ring, ud, prep, *args, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    yield from _settled(L, ring, ud)
    yield from L.close(sv[0])
    yield from L.close(sv[1])


@scenario("fz9-recvmsg-nonblock-shut-rd", tags=TAGS)
def fz9_recvmsg_nonblock_shut_rd(L: Any) -> Gen:
    """A datagram socket shut for reading polls readable, but a non-blocking receive is still -EAGAIN
    (``unix_dgram_recvmsg``), so a RECV or RECVMSG spends its fast-poll budget and is issued,
    blocking, in io-wq, where a waiting receive returns 0.  On a SOCK_NONBLOCK socket RECVMSG's call
    (``____sys_recvmsg``) adds MSG_DONTWAIT: -EAGAIN; RECV (``sock_recvmsg``) still answers 0.  The
    same with IOSQE_ASYNC, and with MSG_WAITALL; on a blocking socket both answer 0."""
    ring = yield from new_ring(L, 8)
    ud = 100
    for kind in (L.SOCK_DGRAM, L.SOCK_DGRAM | L.SOCK_NONBLOCK):
        for sqe_flags, msg_flags in ((0, 0), (IOSQE_ASYNC, 0), (0, MSG_WAITALL)):
            for op in ("recv", "recvmsg"):
                sv = yield from _sock_pair(L, kind)
                yield from _shut_rd(L, ring, sv[0])
                buf = bytearray(4)
                args = (sv[0], buf, 4, msg_flags) if op == "recv" else (sv[0], L.Msghdr([buf]), msg_flags)
                yield from _one_settled(L, ring, ud, f"io_uring_prep_{op}", args, sqe_flags, sv)
                ud += 2


@scenario("fz9-sendmsg-nonblock-full-shut-rd", tags=TAGS)
def fz9_sendmsg_nonblock_full_shut_rd(L: Any) -> Gen:
    """A datagram socket whose send buffer is full (MSG_DONTWAIT sends until -EAGAIN), shut for reading:
    its POLLRDHUP fires every fast poll while the send is -EAGAIN, so the budget runs out and an io-wq
    worker issues it blocking.  A SEND waits there (cancelled: -EALREADY, the SEND -EINTR); a
    SENDMSG on a SOCK_NONBLOCK socket does not (``____sys_sendmsg`` adds MSG_DONTWAIT): -EAGAIN, with
    IOSQE_ASYNC too; on a blocking socket it waits as SEND does."""
    ring = yield from new_ring(L, 8)
    ud = 100
    for kind in (L.SOCK_DGRAM, L.SOCK_DGRAM | L.SOCK_NONBLOCK):
        for sqe_flags in (0, IOSQE_ASYNC):
            for op in ("send", "sendmsg"):
                sv = yield from _sock_pair(L, kind)
                for _ in range(100):
                    if (yield from L.send(sv[0], bytes(4096), 4096, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0:
                        break
                yield from _shut_rd(L, ring, sv[0])
                buf = bytearray(b"w" * 8)
                args = (sv[0], buf, 8, MSG_NOSIGNAL) if op == "send" else (sv[0], L.Msghdr([buf]), MSG_NOSIGNAL)
                yield from _one_settled(L, ring, ud, f"io_uring_prep_{op}", args, sqe_flags, sv)
                ud += 2


@scenario("fz9-recv-poll-first-defer-ring-fd", tags=TAGS)
def fz9_recv_poll_first_defer_ring_fd(L: Any) -> Gen:
    """A RECV with IORING_RECVSEND_POLL_FIRST of its own ring's descriptor arms a poll on the ring (its CQ
    is empty).  On a ring without DEFER_TASKRUN it waits (cancelled: -ECANCELED).  A DEFER_TASKRUN ring's
    poll queue is activated by the first poll of its descriptor, through task work on the submitter task
    that wakes the queue without a key (``io_activate_pollwq_cb``): the RECV's fast poll re-issues it,
    now polled, and the ring's file is no socket: -ENOTSOCK at once.  Only the first poll does that: a
    second RECV waits as on the other ring."""
    ud = 100
    for flags in (0, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN):
        ring = yield from new_ring(L, 8, flags)
        for _ in range(2):
            sqe = prep_named(L, ring, ud, "io_uring_prep_recv", ring.ring_fd, bytearray(4), 4, 0)
            sqe.ioprio = IORING_RECVSEND_POLL_FIRST
            yield from L.io_uring_submit(ring)
            yield from _settled(L, ring, ud)
            ud += 2
        yield from L.io_uring_queue_exit(ring)
