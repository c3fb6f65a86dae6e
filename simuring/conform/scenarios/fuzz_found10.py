"""Rules the differential fuzzer's tenth set of sweeps found the simulator breaking, each pinned on its
own; names prefixed ``fz10-``.

* A MSG_WAITALL receive that comes back short on a socket ``io_net_retry`` goes on with (stream and
  SOCK_SEQPACKET) answers -EAGAIN with the bytes kept (``done_io``).  Issued inline, that arms the
  request's poll; in an io-wq worker whose own poll already fired (IOSQE_ASYNC: the non-blocking try
  was short, the poll found more queued) or that issued it blocking from the start,
  ``io_wq_submit_work`` does not retry an -EAGAIN: the request fails with it, and ``io_sendrecv_fail``
  turns that into the bytes received.  A stream socket's blocking receive waits inside
  ``unix_stream_read_generic`` for all of it, so only a SOCK_SEQPACKET one (``unix_dgram_recvmsg``:
  one message per call) shows it: with three messages queued, the worker takes the first without
  blocking and the second blocking, and completes with the two; the third stays queued.  State seed
  122111 (a RECVMSG with MSG_WAITALL and IOSQE_ASYNC on a seqpacket pair holding two messages): the
  real kernel completed it at once with both, where the simulator's worker waited for more.
* A request whose fast poll is cancelled fails (``io_apoll_task_func`` -> ``io_req_defer_failed``:
  ``req_set_fail``) whatever result its ``.fail`` hook then gives: a MSG_WAITALL receive waiting for
  the rest completes with the bytes it has, and its link is still broken (the linked request
  -ECANCELED).  The simulator completed it with the bytes as a success, and ran the link.
* A SEND_ZC's notification is one task work item (``io_notif_flush`` -> ``io_notif_tw_complete``)
  queued when the request is freed (``io_free_batch_list``: after ``io_queue_next`` moved its chain
  on).  On a DEFER_TASKRUN ring a wait runs everything queued in one pass, so the notifications of
  two SEND_ZCs that failed at prep in earlier submits arrive together, and so do a failed one's
  cancelled link and its notification.  Fields seed 137938 (two SEND_ZCs with unknown ``ioprio``
  bits, then a wait): the real kernel's wait posted both notifications, the simulator's one (it
  queued each notification behind a second hop of task work).
* SPLICE with one end a pipe checks the pipe side's offset before anything about the other end:
  an offset there is -ESPIPE when the other end is a socket or an eventfd too (``do_splice``).
  Fields seed 140965 (a SPLICE from a socket, ``splice_fd_in``, to a pipe's write end with
  ``off`` 0): -ESPIPE, where the simulator, which does not model a socket's transfer, answered
  -EINVAL at once.
* The first rule's other face, on a stream socket: an io-wq worker's blocking MSG_WAITALL receive
  (after IORING_RECVSEND_POLL_FIRST with IOSQE_ASYNC: its poll fired at once) that the end of
  stream cuts short returns the bytes it got, and ``io_recv``'s -EAGAIN for them ends the request
  through ``io_req_defer_failed``: the bytes, the buffer named, but no IORING_CQE_F_SOCK_NONEMPTY
  (only ``io_recv_finish`` sets it, and a TCP socket holding its peer's FIN would have it).  Bundle
  seed 39477 (7 bytes and the FIN into a legacy 16-byte buffer): flags 0x1 where the simulator,
  whose worker went on to read the end of stream and finished normally, said 0x5.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, one_result, prep_named, reap, reap_one
from simuring.conform.scenarios.liburing_bundle import shut_peer
from simuring.conform.scenarios.liburing_inet import closing, pair, poll_wait
from simuring.conform.scenarios.liburing_pbuf import provide, recv_sel
from simuring.uapi import (
    IORING_RECVSEND_BUNDLE,
    IORING_RECVSEND_POLL_FIRST,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
)

TAGS = ("difffuzz",)
MSG_DONTWAIT, MSG_WAITALL = 0x40, 0x100
#: Three messages, as state seed 122111's pair held two (9 and 16 bytes) and one more after them.
MESSAGES = (b"sock-data", b"m" * 16, b"xyz12")
#: How long a scenario gives a request before it cancels it, in ns.
SETTLE_NS = 50_000_000


def _settle(L: Any, ring: Any, ud: int) -> Gen:
    """Wait ``SETTLE_NS`` for request ``ud`` (recorded); if it did not complete, cancel it.  Then reap
    (recording) its CQE, the cancel's if any, and its linked NOP's."""
    cqe = L.Cqe()
    waited = yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, SETTLE_NS))
    L.record("completed", waited == 0)
    if waited != 0:
        prep_named(L, ring, 99, "io_uring_prep_cancel64", ud, 0)
        yield from L.io_uring_submit(ring)
        yield from reap_one(L, ring)
    yield from reap(L, ring, 2)


def _waitall_linked(L: Any, kind: int, messages: tuple[bytes, ...], op: str, sqe_flags: int) -> Gen:
    """A socketpair of ``kind`` with ``messages`` queued at one end; a RECV or RECVMSG (``op``) with
    MSG_WAITALL of 64 bytes on it (``sqe_flags`` added) linked to a NOP, settled (:func:`_settle`);
    then the bytes received and what is left queued (recv(2) with MSG_DONTWAIT) recorded."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, kind, 0, sv)
    for m in messages:
        yield from L.send(sv[1], m, len(m), 0)
    buf = bytearray(64)
    args = (sv[0], buf, 64, MSG_WAITALL) if op == "recv" else (sv[0], L.Msghdr([buf]), MSG_WAITALL)
    prep_named(L, ring, 1, f"io_uring_prep_{op}", *args, sqe_flags=sqe_flags | IOSQE_IO_LINK)
    prep_named(L, ring, 2, "io_uring_prep_nop")
    yield from L.io_uring_submit(ring)
    yield from _settle(L, ring, 1)
    L.record("got", bytes(buf).rstrip(b"\0"))
    left = bytearray(64)
    L.record("left", (yield from L.recv(sv[0], left, 64, MSG_DONTWAIT)))
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("fz10-seqpacket-waitall-async", tags=TAGS)
def fz10_seqpacket_waitall_async(L: Any) -> Gen:
    """A RECV and a RECVMSG with MSG_WAITALL of 64 and IOSQE_ASYNC on a SOCK_SEQPACKET pair holding
    messages of 9, 16 and 5 bytes, each linked to a NOP: the io-wq worker's non-blocking try gets the
    first message (short: -EAGAIN, kept), its poll finds the socket readable, the blocking retry gets
    the second (short again), and ``io_wq_submit_work`` fails the request with that -EAGAIN: it
    completes at once with 25 (``io_sendrecv_fail``), the NOP -ECANCELED, 5 bytes left queued.
    (State seed 122111.)"""
    for op in ("recv", "recvmsg"):
        yield from _waitall_linked(L, L.SOCK_SEQPACKET, MESSAGES, op, IOSQE_ASYNC)


@scenario("fz10-seqpacket-waitall-nonblock", tags=TAGS)
def fz10_seqpacket_waitall_nonblock(L: Any) -> Gen:
    """As fz10-seqpacket-waitall-async on a SOCK_NONBLOCK pair: the worker's blocking RECVMSG does not
    wait (``____sys_recvmsg`` adds MSG_DONTWAIT) but still takes one message: 25, the NOP -ECANCELED,
    5 left; a RECV the same."""
    for op in ("recv", "recvmsg"):
        yield from _waitall_linked(L, L.SOCK_SEQPACKET | L.SOCK_NONBLOCK, MESSAGES, op, IOSQE_ASYNC)


@scenario("fz10-waitall-cancel-fails-link", tags=TAGS)
def fz10_waitall_cancel_fails_link(L: Any) -> Gen:
    """A RECV with MSG_WAITALL of 64 on a stream pair holding 9 bytes, linked to a NOP, waits on its
    poll for the rest; cancelled, it completes with the 9 (``io_sendrecv_fail``) and fails its link
    (``io_req_defer_failed``): the NOP -ECANCELED.  The same for a RECVMSG with IOSQE_ASYNC (the
    worker's try is short, its poll waits), and inline on a SOCK_SEQPACKET pair holding three
    messages (the poll's task work takes one at a time: 30)."""
    yield from _waitall_linked(L, L.SOCK_STREAM, MESSAGES[:1], "recv", 0)
    yield from _waitall_linked(L, L.SOCK_STREAM, MESSAGES[:1], "recvmsg", IOSQE_ASYNC)
    yield from _waitall_linked(L, L.SOCK_SEQPACKET, MESSAGES, "recv", 0)


#: ``ioprio`` bits SEND_ZC does not know (fields seed 137938's): -EINVAL at prep, after the notification
BAD_ZC_FLAGS = 0xE000


def _failed_zcs(L: Any, count: int, linked: bool) -> Gen:
    """On a DEFER_TASKRUN ring, ``count`` SEND_ZCs that fail at prep (``BAD_ZC_FLAGS``), each (linked to
    a NOP if ``linked``) submitted and its -EINVAL reaped (nothing else is ready); then one wait for a
    CQE: how many it made ready, all reaped."""
    ring = yield from new_ring(L, 16, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    for i in range(count):
        sqe = prep_named(L, ring, 100 + i, "io_uring_prep_send_zc", sv[0], bytearray(b"payload!"), 8, 0, 0)
        sqe.ioprio = BAD_ZC_FLAGS
        if linked:
            L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
            prep_named(L, ring, 200 + i, "io_uring_prep_nop")
        yield from L.io_uring_submit(ring)
        L.record("ready", L.io_uring_cq_ready(ring))
        yield from reap_one(L, ring)
    cqe = L.Cqe()
    L.record("wait", (yield from L.io_uring_wait_cqe(ring, cqe)))
    ready = L.io_uring_cq_ready(ring)
    L.record("ready", ready)
    yield from reap(L, ring, ready)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("fz10-zc-notif-together", tags=TAGS)
def fz10_zc_notif_together(L: Any) -> Gen:
    """Three SEND_ZCs failing at prep on a DEFER_TASKRUN ring, each submitted alone: -EINVAL with
    IORING_CQE_F_MORE each, and their notifications wait as deferred task work until the next wait,
    which runs it in one pass: all three notifications, in order.  (Fields seed 137938.)"""
    yield from _failed_zcs(L, 3, linked=False)


@scenario("fz10-zc-notif-linked", tags=TAGS)
def fz10_zc_notif_linked(L: Any) -> Gen:
    """As fz10-zc-notif-together with each SEND_ZC linked to a NOP (two of them): the wait makes four
    CQEs ready, each NOP's -ECANCELED before its SEND_ZC's notification (``io_queue_next``, then
    ``io_clean_op``)."""
    yield from _failed_zcs(L, 2, linked=True)


@scenario("fz10-splice-socket-pipe-offset", tags=TAGS)
def fz10_splice_socket_pipe_offset(L: Any) -> Gen:
    """SPLICE between a pipe (holding 4 bytes) and a stream socket (holding 4) or an eventfd, 4 bytes:
    an offset on the pipe's side is -ESPIPE, socket to pipe (seed 140965's) and pipe to socket, and
    eventfd to pipe; an offset on the socket's side is -EINVAL (no FMODE_PREAD / FMODE_PWRITE).
    Nothing moves: the pipe and the socket still hold their bytes."""
    ring = yield from new_ring(L, 8)
    p = [0, 0]
    yield from L.pipe(p)
    yield from L.write(p[1], b"pipe", 4)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.send(sv[1], b"sock", 4, 0)
    efd = yield from L.eventfd(1, 0)
    splice = "io_uring_prep_splice"
    yield from one_result(L, ring, 1, splice, sv[0], -1, p[1], 0, 4, 0)
    yield from one_result(L, ring, 2, splice, p[0], 0, sv[1], -1, 4, 0)
    yield from one_result(L, ring, 3, splice, efd, -1, p[1], 0, 4, 0)
    yield from one_result(L, ring, 4, splice, sv[0], 0, p[1], -1, 4, 0)
    yield from one_result(L, ring, 5, splice, p[0], -1, sv[1], 0, 4, 0)
    got = bytearray(8)
    L.record("pipe", (yield from L.read(p[0], got, 8)))
    L.record("sock", (yield from L.recv(sv[0], got, 8, MSG_DONTWAIT)))
    for fd in (p[0], p[1], sv[0], sv[1], efd):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


#: The TCP port of the ``fz10-iowq-waitall-eof*`` scenarios (apart from the other modules' ranges).
PORT = 29965
POLLRDHUP = 0x2000


def _iowq_waitall_eof(L: Any, ioprio: int, bundle: bool, provided: bool) -> Gen:
    """A TCP connection holding 7 bytes and the peer's FIN (waited for); a RECV with MSG_WAITALL of 16
    and IOSQE_ASYNC (a bundle if ``bundle``; ``ioprio`` added) into a legacy 16-byte provided buffer
    (``provided``) or its own, linked to a NOP; both CQEs and the buffer recorded."""
    ring = yield from new_ring(L, 16)
    lfd, peer, me = yield from pair(L, ring, PORT)
    mem = bytearray(32)
    if provided:
        provide(L, ring, mem, 16, 2, 1, 0, 100)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from L.send(peer, b"0123456", 7, 0)
    yield from shut_peer(L, ring, [me, peer])
    yield from poll_wait(L, ring, 3, me, POLLRDHUP)
    if provided:
        sqe = recv_sel(L, ring, me, 0, 1, 10, MSG_WAITALL, IOSQE_ASYNC | IOSQE_IO_LINK)
    else:
        sqe = prep_named(L, ring, 10, "io_uring_prep_recv", me, mem, 16, MSG_WAITALL, sqe_flags=IOSQE_ASYNC | IOSQE_IO_LINK)
    sqe.ioprio = ioprio | (IORING_RECVSEND_BUNDLE if bundle else 0)
    prep_named(L, ring, 11, "io_uring_prep_nop")
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("mem", bytes(mem))
    yield from closing(L, ring, peer, me, lfd)


@scenario("fz10-iowq-waitall-eof", tags=(*TAGS, "inet"))
def fz10_iowq_waitall_eof(L: Any) -> Gen:
    """A RECV with IORING_RECVSEND_POLL_FIRST, IOSQE_ASYNC and MSG_WAITALL of 16 on a TCP socket holding
    7 bytes and its peer's FIN, linked to a NOP: io-wq's poll fires at once, its blocking receive gets
    the 7 and stops at the FIN, and the request fails with them (7, no IORING_CQE_F_SOCK_NONEMPTY; the
    NOP -ECANCELED): into its own buffer, into a legacy provided buffer (IORING_CQE_F_BUFFER, id 0),
    and as a bundle (seed 39477's)."""
    yield from _iowq_waitall_eof(L, IORING_RECVSEND_POLL_FIRST, bundle=False, provided=False)
    yield from _iowq_waitall_eof(L, IORING_RECVSEND_POLL_FIRST, bundle=False, provided=True)
    yield from _iowq_waitall_eof(L, IORING_RECVSEND_POLL_FIRST, bundle=True, provided=True)


@scenario("fz10-iowq-waitall-eof-nonblocking-part", tags=(*TAGS, "inet"))
def fz10_iowq_waitall_eof_nonblocking_part(L: Any) -> Gen:
    """The contrast, without POLL_FIRST: io-wq's non-blocking try gets the 7 (kept, -EAGAIN), the poll
    fires, and the blocking retry's receive is 0 at once: ``io_recv_finish`` completes it (7 with
    IORING_CQE_F_SOCK_NONEMPTY, the FIN still counted in ``msg_inq``; the NOP -ECANCELED), plain and
    as a bundle."""
    yield from _iowq_waitall_eof(L, 0, bundle=False, provided=False)
    yield from _iowq_waitall_eof(L, 0, bundle=True, provided=True)
