"""SQE field rules the differential fuzzer (``python -m simuring.conform.difffuzz``) found the
simulator breaking, pinned so they stay checked without it; names prefixed ``lfz-``.

Each scenario submits one SQE at a time and reaps it before the next (a failed prep ends
its submission), so the order of the completions is fixed.  The rules come from Linux
6.18's preps (io_uring/timeout.c, net.c, sync.c, statx.c, splice.c, rw.c) and the VFS
calls they end in, as the real kernel answered them.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    new_pipe,
    new_ring,
    nop,
    prep_named,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_REGISTER_PBUF_RING,
    IORING_UNREGISTER_PBUF_RING,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "difffuzz")
NEG = 0x8000_0000  # a len with the int's sign bit set
MSG_WAITALL = 0x100
RWF_NOWAIT = 0x08
RWF_ATOMIC = 0x40
RWF_DONTCACHE = 0x80
STATX__RESERVED = 0x8000_0000


def _one(L: Any, ring: Any, user_data: int, name: str, *args: Any, **fields: int) -> Gen:
    """Queue one SQE from ``L.<name>(sqe, *args)``, set ``fields`` on it, submit and reap it."""
    sqe = prep_named(L, ring, user_data, name, *args)
    for field, value in fields.items():
        setattr(sqe, field, value)
    yield from submit_and_reap(L, ring)


def _socketpair(L: Any) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    return sv


@scenario("lfz-timeout-addr3", tags=(*TAGS, "timeout"))
def lfz_timeout_addr3(L: Any) -> Gen:
    """``__io_timeout_prep`` and ``io_timeout_remove_prep`` refuse a non-zero ``addr3`` (-EINVAL): a TIMEOUT
    with ``addr3`` 1 or 2**64 - 1 and a TIMEOUT_REMOVE with ``addr3`` 1 complete at once with -EINVAL; the same
    TIMEOUT_REMOVE without it is -ENOENT (nothing to remove), and a 1 ms TIMEOUT without it -ETIME."""
    ring = yield from new_ring(L, 8)
    ts = L.Timespec(0, 1_000_000)
    yield from _one(L, ring, 1, "io_uring_prep_timeout", ts, 0, 0, addr3=1)
    yield from _one(L, ring, 2, "io_uring_prep_timeout", ts, 0, 0, addr3=0xFFFF_FFFF_FFFF_FFFF)
    yield from _one(L, ring, 3, "io_uring_prep_timeout_remove", 0x1234, 0, addr3=1)
    yield from _one(L, ring, 4, "io_uring_prep_timeout_remove", 0x1234, 0)
    yield from _one(L, ring, 5, "io_uring_prep_timeout", ts, 0, 0)


@scenario("lfz-net-negative-len", tags=(*TAGS, "net", "socket"))
def lfz_net_negative_len(L: Any) -> Gen:
    """``io_sendmsg_prep`` / ``io_recvmsg_prep`` refuse a ``len`` negative as an int (-EINVAL) for SEND,
    RECV, SENDMSG and RECVMSG, before the msghdr is read (a NULL one is -EINVAL, not -EFAULT); SENDMSG and
    RECVMSG ignore a positive ``len`` (2**31 - 1: the message moves); RECVMSG refuses a non-zero
    ``file_index`` as SENDMSG does."""
    ring = yield from new_ring(L, 8)
    sv = yield from _socketpair(L)
    yield from L.send(sv[1], b"data", 4, 0)
    yield from _one(L, ring, 1, "io_uring_prep_send", sv[0], bytearray(b"payload!"), 8, 0, len=NEG)
    yield from _one(L, ring, 2, "io_uring_prep_recv", sv[0], bytearray(16), 16, 0, len=0xFFFF_FFFF)
    yield from _one(L, ring, 3, "io_uring_prep_sendmsg", sv[0], L.Msghdr([bytearray(b"msg!")]), 0, len=NEG)
    yield from _one(L, ring, 4, "io_uring_prep_recvmsg", sv[0], L.Msghdr([bytearray(16)]), 0, len=NEG)
    yield from _one(L, ring, 5, "io_uring_prep_sendmsg", sv[0], L.Msghdr([bytearray(b"msg!")]), 0, len=NEG, addr=0)
    yield from _one(L, ring, 6, "io_uring_prep_recvmsg", sv[0], L.Msghdr([bytearray(16)]), 0, file_index=1)
    yield from _one(L, ring, 7, "io_uring_prep_sendmsg", sv[0], L.Msghdr([bytearray(b"msg!")]), 0, len=NEG - 1)
    yield from _one(L, ring, 8, "io_uring_prep_recvmsg", sv[0], L.Msghdr([bytearray(16)]), 0, len=NEG - 1)


@scenario("lfz-recv-waitall-cancelled", tags=(*TAGS, "net", "socket", "cancel"))
def lfz_recv_waitall_cancelled(L: Any) -> Gen:
    """A RECV of 16 bytes with MSG_WAITALL takes the 4 bytes queued and waits for the rest; cancelled, it
    completes with those 4 bytes, not -ECANCELED (``io_sendrecv_fail``: ``done_io``); the cancel is 0.  A
    RECVMSG the same way; one cancelled before it moved anything is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    sv = yield from _socketpair(L)
    for ud, name, args in (
        (1, "io_uring_prep_recv", (sv[0], bytearray(16), 16, MSG_WAITALL)),
        (3, "io_uring_prep_recvmsg", (sv[0], L.Msghdr([bytearray(16)]), MSG_WAITALL)),
    ):
        yield from L.send(sv[1], b"part", 4, 0)
        prep_named(L, ring, ud, name, *args)
        yield from L.io_uring_submit(ring)
        prep_named(L, ring, ud + 1, "io_uring_prep_cancel64", ud, 0)
        yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 5, "io_uring_prep_recv", sv[0], bytearray(16), 16, MSG_WAITALL)
    yield from L.io_uring_submit(ring)
    prep_named(L, ring, 6, "io_uring_prep_cancel64", 5, 0)
    yield from submit_and_reap(L, ring, 2)


@scenario("lfz-fsync-negative-off", tags=(*TAGS, "fsync", "file"))
def lfz_fsync_negative_off(L: Any) -> Gen:
    """FSYNC passes ``off`` to ``vfs_fsync_range`` as an loff_t: negative (2**64 - 1, 2**63) is -EINVAL;
    LLONG_MAX with a length (the end overflows: ``io_fsync`` syncs to LLONG_MAX) and 2**62 are 0."""
    ring = yield from new_ring(L, 8)
    f = yield from L.open("/lfz-fsync", L.O_CREAT | L.O_RDWR, 0o644)
    yield from L.write(f, b"0123456789abcdef", 16)
    for ud, (off, length) in enumerate(((2**64 - 1, 0), (2**63, 0), (2**63 - 1, 16), (2**62, 0)), start=1):
        yield from _one(L, ring, ud, "io_uring_prep_fsync", f, 0, off=off, len=length)


@scenario("lfz-statx-skip-error", tags=(*TAGS, "statx", "file", "links"))
def lfz_statx_skip_error(L: Any) -> Gen:
    """``io_statx`` sets its result without ``req_set_fail``: a STATX with IOSQE_CQE_SKIP_SUCCESS whose mask
    has STATX__RESERVED fails (-EINVAL) yet posts no CQE, and does not break its link (the NOP after it
    completes with 0); without the skip flag the same STATX posts -EINVAL."""
    ring = yield from new_ring(L, 8)
    yield from L.open("/lfz-statx", L.O_CREAT | L.O_RDWR, 0o644)
    sqe = prep_named(L, ring, 1, "io_uring_prep_statx", -100, "/lfz-statx", 0, 0x7FF, bytearray(256))
    sqe.len = STATX__RESERVED
    L.io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring)
    L.record("nothing else", L.io_uring_peek_cqe(ring, L.Cqe()))
    yield from _one(L, ring, 3, "io_uring_prep_statx", -100, "/lfz-statx", 0, 0x7FF, bytearray(256), len=STATX__RESERVED)


@scenario("lfz-splice-modes-first", tags=(*TAGS, "splice", "pipe"))
def lfz_splice_modes_first(L: Any) -> Gen:
    """``do_tee`` and ``do_splice`` check the files' modes before they look for pipes: a TEE or SPLICE from a
    pipe's write end into the ring's descriptor is -EBADF; from its read end (readable) into the ring's
    descriptor (O_RDWR, no pipe) -EINVAL."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    yield from L.write(p[1], b"pipe-data", 9)
    yield from _one(L, ring, 1, "io_uring_prep_tee", p[1], ring.ring_fd, 8, 0)
    yield from _one(L, ring, 2, "io_uring_prep_splice", p[1], -1, ring.ring_fd, -1, 8, 0)
    yield from _one(L, ring, 3, "io_uring_prep_tee", p[0], ring.ring_fd, 8, 0)
    yield from _one(L, ring, 4, "io_uring_prep_splice", p[0], -1, ring.ring_fd, -1, 8, 0)


@scenario("lfz-rw-flags-before-ops", tags=(*TAGS, "rw"))
def lfz_rw_flags_before_ops(L: Any) -> Gen:
    """``io_rw_init_file`` checks the rw_flags before ``io_write`` looks for the file's ``write_iter``: a
    WRITE to the ring's own descriptor is -EOPNOTSUPP with RWF_ATOMIC, RWF_NOWAIT (no FMODE_NOWAIT) or an
    unknown flag, -EINVAL (no ``write_iter``) without one."""
    ring = yield from new_ring(L, 8)
    for ud, flags in enumerate((RWF_ATOMIC, RWF_NOWAIT, 0x4000, 0), start=1):
        yield from _one(L, ring, ud, "io_uring_prep_write", ring.ring_fd, bytearray(b"12345678"), 8, 0, rw_flags=flags)


@scenario("lfz-rw-regfile-ext4", tags=(*TAGS, "rw", "file"))
def lfz_rw_regfile_ext4(L: Any) -> Gen:
    """A regular file of the host's temporary directory (ext4) answers RWF_DONTCACHE reads and writes (it
    has FOP_DONTCACHE) and RWF_NOWAIT reads; a RWF_NOWAIT write is -EAGAIN (the buffered write refuses
    IOCB_NOWAIT, which ``io_write`` turns into -EAGAIN), WRITE and WRITEV alike; RWF_ATOMIC on a buffered
    write is -EOPNOTSUPP.  The file is unchanged by the refused writes."""
    ring = yield from new_ring(L, 8)
    f = yield from L.open("/lfz-rw", L.O_CREAT | L.O_RDWR, 0o644)
    yield from L.write(f, b"0123456789abcdef", 16)
    yield from _one(L, ring, 1, "io_uring_prep_read", f, bytearray(16), 16, 0, rw_flags=RWF_DONTCACHE)
    yield from _one(L, ring, 2, "io_uring_prep_write", f, bytearray(b"ABCD"), 4, 0, rw_flags=RWF_DONTCACHE)
    yield from _one(L, ring, 3, "io_uring_prep_read", f, bytearray(16), 16, 0, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 4, "io_uring_prep_write", f, bytearray(b"wxyz"), 4, 4, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 5, "io_uring_prep_writev", f, [bytearray(b"wxyz")], 1, 4, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 6, "io_uring_prep_write", f, bytearray(b"wxyz"), 4, 4, rw_flags=RWF_ATOMIC)
    got = bytearray(16)
    yield from L.lseek(f, 0, L.SEEK_SET)
    yield from L.read(f, got, 16)
    L.record("content", bytes(got))


@scenario("lfz-ring-read-self", tags=(*TAGS, "rw", "poll"))
def lfz_ring_read_self(L: Any) -> Gen:
    """A READ of the ring's own descriptor: the ring's file has no ``read_iter`` and no FMODE_NOWAIT,
    so ``io_file_supports_nowait`` asks its poll, and with an empty CQ the inline attempt is -EAGAIN
    and the request parks on the ring's poll (``io_arm_poll_handler``).  A CQE posted on the ring
    wakes it and the retry fails with -EINVAL (``io_iter_do_read``): after a NOP submitted alone or
    in the same batch (before or after it: the batch's CQEs are flushed after both were issued); a
    cancel completes it with -ECANCELED after the cancel's own CQE; with a CQE already in the CQ
    the READ is -EINVAL at once.  A WRITE to it (the SQ has room: writable) is -EINVAL at once."""
    for step in ("nop-after", "batch-read-first", "batch-nop-first", "cancel", "cqe-ready", "readv", "write"):
        L.record("step", step)
        ring = yield from new_ring(L, 8)
        buf = bytearray(8)
        if step in ("batch-nop-first", "cqe-ready"):
            nop(L, ring, 1)
            if step == "cqe-ready":
                yield from L.io_uring_submit(ring)
        if step == "readv":
            prep_named(L, ring, 100, "io_uring_prep_readv", ring.ring_fd, [buf], 1, -1)
        elif step == "write":
            prep_named(L, ring, 100, "io_uring_prep_write", ring.ring_fd, buf, 8, -1)
        else:
            prep_named(L, ring, 100, "io_uring_prep_read", ring.ring_fd, buf, 8, -1)
        if step == "batch-read-first":
            nop(L, ring, 1)
        if step in ("nop-after", "readv"):
            yield from L.io_uring_submit(ring)
            nop(L, ring, 1)
        elif step == "cancel":
            yield from L.io_uring_submit(ring)
            cancel(L, ring, 2, 100)
        yield from submit_and_reap(L, ring, 1 if step == "write" else 2)
        L.io_uring_queue_exit(ring)


@scenario("lfz-send-zc-drain", tags=(*TAGS, "net", "socket", "drain", "zc"))
def lfz_send_zc_drain(L: Any) -> Gen:
    """A drain waits until every allocated request is a drained one (``io_queue_deferred``:
    ``nr_req_allocated == nr_drained``), and SEND_ZC's notification is a request of its own,
    allocated at prep (``io_alloc_notif``).  So a SEND_ZC with IOSQE_IO_DRAIN is never issued, even
    as the ring's first request: nothing is sent and no CQE comes, and every request after it is
    deferred behind it (a NOP: no CQE either).  A SEND_ZC without DRAIN (-EOPNOTSUPP on a unix
    socket, IORING_CQE_F_MORE) followed by a drained NOP: the NOP waits for the notification."""
    sv = yield from _socketpair(L)
    cqe = L.Cqe()
    ring = yield from new_ring(L, 8)
    prep_named(L, ring, 100, "io_uring_prep_send_zc", sv[0], bytearray(b"payload!"), 8, 0, 0, sqe_flags=IOSQE_IO_DRAIN)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 101)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 20_000_000))
    yield from L.recv(sv[1], bytearray(16), 16, L.MSG_DONTWAIT)
    L.io_uring_queue_exit(ring)
    ring = yield from new_ring(L, 8)
    prep_named(L, ring, 200, "io_uring_prep_send_zc", sv[0], bytearray(b"payload!"), 8, 0, 0)
    nop(L, ring, 201, IOSQE_IO_DRAIN)
    yield from submit_and_reap(L, ring, 3)
    L.io_uring_queue_exit(ring)


@scenario("lfz-pbuf-reg-words", tags=(*TAGS, "kbuf", "register"))
def lfz_pbuf_reg_words(L: Any) -> Gen:
    """``struct io_uring_buf_reg``'s flags are a ``__u16``: IORING_REGISTER_PBUF_RING with flags 1 << 16 or
    1 << 31 (0 in the struct) goes on to the NULL ring (-EFAULT), with 4 or 8 it is -EINVAL.
    IORING_UNREGISTER_PBUF_RING (``io_unregister_pbuf_ring``, as Linux 6.18.44 answers) does not look at
    the low 32 bits of ``resv[0]``: 1 or 0xFFFFFFFF there finds no group (-ENOENT) or unregisters one (0),
    where 1 << 32, ``resv[1]``, ``resv[2]`` or a flag is -EINVAL; registering refuses any of them."""
    ring = yield from new_ring(L, 8)
    fd = ring.ring_fd
    for flags in (4, 8, 1 << 16, 1 << 31):
        yield from L.io_uring_register(fd, IORING_REGISTER_PBUF_RING, L.BufReg(ring_addr=None, ring_entries=8, bgid=3, flags=flags), 1)
    for resv in ([1, 0, 0], [1 << 32, 0, 0]):
        yield from L.io_uring_register(fd, IORING_REGISTER_PBUF_RING, L.BufReg(ring_addr=None, ring_entries=8, bgid=3, resv=resv), 1)
    for resv in ([1, 0, 0], [0xFFFF_FFFF, 0, 0], [1 << 32, 0, 0], [0, 1, 0], [0, 0, 1]):
        yield from L.io_uring_register(fd, IORING_UNREGISTER_PBUF_RING, L.BufReg(bgid=3, resv=resv), 1)
    for flags in (1, 0x8000, 1 << 16):
        yield from L.io_uring_register(fd, IORING_UNREGISTER_PBUF_RING, L.BufReg(bgid=3, flags=flags), 1)
    err = [0]
    yield from L.io_uring_setup_buf_ring(ring, 8, 3, 0, err)
    L.record("setup_buf_ring", err[0])
    yield from L.io_uring_register(fd, IORING_UNREGISTER_PBUF_RING, L.BufReg(bgid=3, resv=[0, 0, 1]), 1)
    yield from L.io_uring_register(fd, IORING_UNREGISTER_PBUF_RING, L.BufReg(bgid=3, resv=[1, 0, 0]), 1)
    yield from L.io_uring_register(fd, IORING_UNREGISTER_PBUF_RING, L.BufReg(bgid=3), 1)


def _one_buffer(L: Any, ring: Any, user_data: int) -> Gen:
    """PROVIDE_BUFFERS: one 16-byte buffer in group 1, reaped."""
    yield from _one(L, ring, user_data, "io_uring_prep_provide_buffers", bytearray(16), 16, 1, 1, 0)


@scenario("lfz-read-mshot-ioprio", tags=(*TAGS, "rw", "kbuf"))
def lfz_read_mshot_ioprio(L: Any) -> Gen:
    """READ_MULTISHOT's ``io_issue_def`` (io_uring/opdef.c) has no ``.ioprio``, so ``io_init_req`` refuses any
    non-zero ``ioprio`` (-EINVAL) before ``io_read_mshot_prep``, even a valid class (best effort, real time,
    level 0) READ accepts: the buffer provided stays in its group, and the same read without ``ioprio`` takes
    it (a CQE with F_MORE and the buffer, then -ENOBUFS with the group empty)."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    yield from L.write(p[1], b"pipe-data" * 4, 36)
    yield from _one_buffer(L, ring, 1)
    for user_data, ioprio in ((10, 0x4000), (11, 0x2000), (12, 0x4540), (13, 1)):
        yield from _one(L, ring, user_data, "io_uring_prep_read_multishot", p[0], 0, 0, 1, ioprio=ioprio)
    yield from _one(L, ring, 14, "io_uring_prep_read", p[0], bytearray(4), 4, 0, ioprio=0x4000)
    prep_named(L, ring, 15, "io_uring_prep_read_multishot", p[0], 0, 0, 1)
    yield from submit_and_reap(L, ring, 2)


@scenario("lfz-read-mshot-ring-fd", tags=(*TAGS, "rw", "kbuf", "poll"))
def lfz_read_mshot_ring_fd(L: Any) -> Gen:
    """READ_MULTISHOT of the ring's own descriptor: the ring's file is pollable but has no FMODE_NOWAIT, so
    every attempt (all nonblocking) stops at ``__io_read``'s ``io_file_supports_nowait`` check (-EAGAIN)
    before the missing ``read_iter`` could say -EINVAL: the buffer goes back and the request waits in its
    poll, woken by every CQE without ending (a NOP's), until a cancel ends it (-ECANCELED, after the
    cancel's own CQE).  The buffer is still there for a READ_MULTISHOT of a pipe."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    yield from L.write(p[1], b"pipe-data" * 4, 36)
    yield from _one_buffer(L, ring, 1)
    prep_named(L, ring, 10, "io_uring_prep_read_multishot", ring.ring_fd, 0, 0, 1)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 11)
    yield from submit_and_reap(L, ring)
    cancel(L, ring, 12, 10)
    yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 13, "io_uring_prep_read_multishot", p[0], 0, 0, 1)
    yield from submit_and_reap(L, ring, 2)


@scenario("lfz-read-bsel-ring-fd", tags=(*TAGS, "rw", "kbuf", "poll"))
def lfz_read_bsel_ring_fd(L: Any) -> Gen:
    """A READ of the ring's own descriptor with IOSQE_BUFFER_SELECT follows ``lfz-ring-read-self``'s rule after
    taking its buffer (``__io_read`` selects it first): with the CQ empty it waits in the ring's poll, keeping
    the legacy buffer, which its CQE names; a NOP's CQE wakes it and it ends with -EINVAL, a cancel with
    -ECANCELED after the cancel's own CQE; with a CQE already in the CQ it is -EINVAL at once."""
    for step in ("nop-after", "cancel", "cqe-ready"):
        L.record("step", step)
        ring = yield from new_ring(L, 8)
        yield from _one_buffer(L, ring, 1)
        if step == "cqe-ready":
            nop(L, ring, 2)
            yield from L.io_uring_submit(ring)
        sqe = prep_named(L, ring, 100, "io_uring_prep_read", ring.ring_fd, None, 8, 0, sqe_flags=IOSQE_BUFFER_SELECT)
        sqe.buf_group = 1
        yield from L.io_uring_submit(ring)
        if step == "nop-after":
            nop(L, ring, 3)
        elif step == "cancel":
            cancel(L, ring, 4, 100)
        yield from submit_and_reap(L, ring, 2)
        L.io_uring_queue_exit(ring)


@scenario("lfz-recv-mshot-unpollable", tags=(*TAGS, "net", "kbuf"))
def lfz_recv_mshot_unpollable(L: Any) -> Gen:
    """A multishot RECV of a regular file: tried inline, ``io_recv`` finds no socket (-ENOTSOCK); with
    IORING_RECVSEND_POLL_FIRST the inline try is -EAGAIN, no poll can be armed on the file, and in io-wq
    ``io_wq_submit_work`` refuses a multishot request on a file that cannot be polled (-EBADFD), as it does
    one sent there by IOSQE_ASYNC."""
    ring = yield from new_ring(L, 8)
    f = yield from L.open("/lfz-mshot-file", L.O_CREAT | L.O_RDWR, 0o644)
    yield from _one_buffer(L, ring, 1)
    for user_data, ioprio, sqe_flags in ((10, 2, 0), (11, 3, 0), (12, 2, IOSQE_ASYNC)):
        sqe = prep_named(L, ring, user_data, "io_uring_prep_recv", f, None, 0, 0, sqe_flags=IOSQE_BUFFER_SELECT | sqe_flags)
        sqe.ioprio = ioprio
        sqe.buf_group = 1
        yield from submit_and_reap(L, ring)


@scenario("lfz-recv-poll-first-unpollable", tags=(*TAGS, "net", "poll"))
def lfz_recv_poll_first_unpollable(L: Any) -> Gen:
    """A RECV with IORING_RECVSEND_POLL_FIRST of a regular file completes with -EAGAIN, not -ENOTSOCK:
    ``io_recv`` checks POLL_FIRST before the socket, ``io_arm_poll_handler`` gives up on a file that cannot
    be polled before it sets REQ_F_POLLED, so io-wq's retry says -EAGAIN again and ``io_wq_submit_work``
    completes with it; the same with a provided buffer (named by no CQE), and without POLL_FIRST -ENOTSOCK."""
    ring = yield from new_ring(L, 8)
    f = yield from L.open("/lfz-poll-first-file", L.O_CREAT | L.O_RDWR, 0o644)
    yield from _one_buffer(L, ring, 1)
    yield from _one(L, ring, 10, "io_uring_prep_recv", f, bytearray(16), 16, 0, ioprio=1)
    yield from _one(L, ring, 11, "io_uring_prep_recv", f, bytearray(16), 16, 0)
    sqe = prep_named(L, ring, 12, "io_uring_prep_recv", f, None, 0, 0, sqe_flags=IOSQE_BUFFER_SELECT)
    sqe.ioprio = 1
    sqe.buf_group = 1
    yield from submit_and_reap(L, ring)


@scenario("lfz-task-work-queued-during-run", tags=(*TAGS, "links", "taskwork"))
def lfz_task_work_queued_during_run(L: Any) -> Gen:
    """Task work queued while the task runs its task work leaves TIF_NOTIFY_SIGNAL set, and the
    waiter does not sleep on it (``schedule()`` returns at once with a signal pending): a chain
    POLL_ADD (ready) -> READ -> NOP (IOSQE_ASYNC) -> WRITE completes whole within one wait.  The
    READ completes from task work, whose run queues the NOP's punt; the NOP, done in io-wq,
    queues the WRITE (which drains the chain's head, and ends it open: hard links) as task work
    while the submitter waits.  One wait of 50 ms for more CQEs
    than the chain has, then every CQE in order (found by the differential fuzzer's batch mode,
    where the simulator's waiter slept through the WRITE's task work until its timeout)."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    q = yield from new_pipe(L)
    yield from L.write(p[1], b"pipe-data", 9)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_add(sqe, p[0], 1)  # POLLIN: ready
    L.io_uring_sqe_set_data64(sqe, 100)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    prep_named(L, ring, 101, "io_uring_prep_read", p[0], bytearray(8), 8, -1, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 102, IOSQE_IO_HARDLINK | IOSQE_ASYNC)
    # IOSQE_IO_DRAIN inside the chain drains its head (io_init_drain), so the chain starts from io-wq and
    # its members come back to the submitter as task work
    prep_named(L, ring, 103, "io_uring_prep_write", q[1], bytearray(b"01234567"), 8, -1, sqe_flags=IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN)
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    cqes = L.Cqe(8)
    yield from L.io_uring_wait_cqes(ring, cqe, 8, L.Timespec(0, 50_000_000))
    got = L.io_uring_peek_batch_cqe(ring, cqes, 8)
    L.record("cqes", [[c.user_data, c.res, c.flags] for c in cqes[:got]])
    L.io_uring_cq_advance(ring, got)
    yield from L.io_uring_queue_exit(ring)
