"""Send and receive bundles (IORING_RECVSEND_BUNDLE in ``sqe.ioprio``) as liburing's
recvsend_bundle.c and recvsend_bundle-inc.c use them, and the corner cases around them; names
prefixed ``lbd-``.

Those tests send a stream of sequence-numbered messages with bundle SENDs, each taking as many
provided buffers of a send group as the request may, and receive it with bundle RECVs (single and
multishot) into a receive group, plain and incremental (IOU_PBUF_RING_INC), over AF_UNIX stream
pairs and TCP; they check that every byte arrives in order, that a CQE's buffer id names the first
buffer of its bundle and that the buffers used follow it in ring order, and that the CQE's result
says how many bytes (hence buffers) the bundle moved.  The scenarios here check the same things
deterministically: the data is queued before a receive is submitted, and each scenario records the
CQEs, the ring head (how many buffers were consumed) and the bytes where they landed.

TCP and UDP scenarios use ports 29970-29979 (below the ephemeral range, apart from the other modules'
ranges), and wait for the data to reach the receiving socket (a POLL_ADD) before a receive."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    new_ring,
    prep_named,
    reap,
    reap_one,
    reap_ready,
    submit_and_reap,
)
from simuring.conform.scenarios.liburing_inet import closing, pair, poll_wait
from simuring.conform.scenarios.liburing_pbuf import (
    buf_ring,
    fill,
    provide,
    recv_sel,
    socketpair,
)
from simuring.conform.scenarios.liburing_udp import addr as udp_addr
from simuring.conform.scenarios.liburing_udp import bound
from simuring.uapi import (
    IORING_CQE_F_MORE,
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_BUNDLE,
    IORING_RECVSEND_POLL_FIRST,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_IO_LINK,
    IOU_PBUF_RING_INC,
)

TAGS = ("liburing", "pbuf", "bundle", "net")
PORT = 29970
POLLIN = 0x001
BUNDLE = IORING_RECVSEND_BUNDLE


def send_bundle(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int, ioprio: int = 0) -> Any:
    """A bundle SEND of up to ``length`` bytes (0: no limit) from group ``bgid``
    (io_uring_prep_send_bundle(3)), with the extra ``ioprio`` flags."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_send_bundle(sqe, fd, length, 0)
    sqe.ioprio |= ioprio
    sqe.buf_group = bgid
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT)
    return sqe


def recv_bundle(L: Any, ring: Any, fd: int, length: int, bgid: int, user_data: int, ioprio: int = 0) -> Any:
    """A bundle RECV of up to ``length`` bytes (0: no limit) into group ``bgid``."""
    sqe = recv_sel(L, ring, fd, length, bgid, user_data)
    sqe.ioprio = BUNDLE | ioprio
    return sqe


def reap_bundle(L: Any, ring: Any, limit: int = 12) -> Gen:
    """Reap (recording) the CQEs of one request until the one without IORING_CQE_F_MORE, at most
    ``limit``."""
    for _ in range(limit):
        got = yield from reap_one(L, ring)
        if got is None or not got[2] & IORING_CQE_F_MORE:
            return


def setup(L: Any, bufs: list[Any], entries: int, first_bid: int = 0, cq: int = 8, flags: int = 0) -> Gen:
    """A ring of ``cq`` entries, an AF_UNIX stream pair and buffer group 1: a buffer ring of ``entries``
    (``flags``) holding ``bufs``, ids from ``first_bid``; (ring, pair, buffer ring)."""
    ring = yield from new_ring(L, cq)
    sv = yield from socketpair(L)
    br = yield from buf_ring(L, ring, entries, 1, flags)
    fill(L, br, bufs, entries, first_bid)
    return ring, sv, br


def finish(L: Any, ring: Any, bufs: list[Any], label: str = "bufs") -> Gen:
    """Record the bytes of ``bufs`` (where the data landed) and tear the ring down."""
    L.record(label, [bytes(b) for b in bufs])
    yield from L.io_uring_queue_exit(ring)


def send_step(L: Any, ring: Any, sv: list[int], length: int, bgid: int, user_data: int, head: bool = True) -> Gen:
    """A bundle SEND of up to ``length`` bytes from group ``bgid`` on ``sv[0]`` and its chain of CQEs
    reaped; the group's head (``head``: a ring) and what ``sv[1]`` received recorded."""
    send_bundle(L, ring, sv[0], length, bgid, user_data)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    if head:
        yield from head_of(L, ring, bgid)
    yield from drain(L, sv[1], 64)


def recv_step(L: Any, ring: Any, fd: int, length: int, user_data: int, label: str = "head") -> Gen:
    """A bundle RECV of up to ``length`` bytes into group 1, reaped; the group's head recorded."""
    recv_bundle(L, ring, fd, length, 1, user_data)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 1, label)


def head_of(L: Any, ring: Any, bgid: int, label: str = "head") -> Gen:
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, bgid, head)
    L.record(label, head[0])


def drain(L: Any, fd: int, n: int, label: str = "got") -> Gen:
    """recv(2) with MSG_DONTWAIT of up to ``n`` bytes: what the peer queued, recorded."""
    buf = bytearray(n)
    got = yield from L.recv(fd, buf, n, L.MSG_DONTWAIT)
    L.record(label, bytes(buf[: max(got, 0)]) if got >= 0 else got)


def lettered(n: int, size: int) -> list[bytearray]:
    """``n`` buffers of ``size`` bytes, the first all 'a', the next all 'b', ..."""
    return [bytearray(bytes([ord("a") + i]) * size) for i in range(n)]


# -- SEND bundles ----------------------------------------------------------------------------
@scenario("lbd-send-ring-all", tags=TAGS)
def lbd_send_ring_all(L: Any) -> Gen:
    """A bundle SEND with length 0 from a ring of four 8-byte buffers (ids 10-13) sends them all at once:
    one CQE of 32 bytes naming the first buffer (id 10), no IORING_CQE_F_MORE (the ring is empty), the
    head at 4, the bytes in ring order at the peer; a second one finds the ring empty: -ENOBUFS."""
    ring, sv, _ = yield from setup(L, lettered(4, 8), 8, first_bid=10)
    yield from send_step(L, ring, sv, 0, 1, 1)
    send_bundle(L, ring, sv[0], 0, 1, 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-ring-len", tags=TAGS)
def lbd_send_ring_len(L: Any) -> Gen:
    """A bundle SEND's length bounds each bundle: 20 from four 8-byte buffers takes the two whole ones
    (16 bytes: a buffer that would be cut is left for the next bundle), posts that with F_MORE and goes on
    with the rest of the ring (16 bytes from the third buffer, the last CQE); the head at 4."""
    ring, sv, _ = yield from setup(L, lettered(4, 8), 8)
    yield from send_step(L, ring, sv, 20, 1, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-ring-cut-first", tags=TAGS)
def lbd_send_ring_cut_first(L: Any) -> Gen:
    """A bundle SEND shorter than the first buffer sends that buffer cut to the length (5 of 8 bytes,
    the ring entry's length rewritten), then, the ring not empty, the rest of the ring in a next
    bundle; the head at 3."""
    ring, sv, _ = yield from setup(L, lettered(3, 8), 4, first_bid=20)
    yield from send_step(L, ring, sv, 5, 1, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-legacy", tags=TAGS)
def lbd_send_legacy(L: Any) -> Gen:
    """A bundle SEND from a PROVIDE_BUFFERS group takes one buffer per bundle, whole: three 5-byte
    buffers (ids 7-9) give three CQEs of 5, the first two with F_MORE, in id order; the group is then
    empty (a fourth bundle SEND: -ENOBUFS)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(b"aaaaabbbbbccccc"), 5, 3, 2, 7, 1)
    yield from submit_and_reap(L, ring)
    yield from send_step(L, ring, sv, 0, 2, 2, head=False)
    send_bundle(L, ring, sv[0], 0, 2, 3)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-poll-first", tags=TAGS)
def lbd_send_poll_first(L: Any) -> Gen:
    """A bundle SEND with IORING_RECVSEND_POLL_FIRST goes through the poll first, and a send that went
    through the poll starts no further bundle: from a legacy group of three it sends one buffer (one
    CQE, no F_MORE); from a ring limited to 8 bytes, one 8-byte buffer of four (head 1)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    provide(L, ring, bytearray(b"aaaaabbbbbccccc"), 5, 3, 2, 0, 1)
    yield from submit_and_reap(L, ring)
    send_bundle(L, ring, sv[0], 0, 2, 2, IORING_RECVSEND_POLL_FIRST)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    br = yield from buf_ring(L, ring, 4, 1)
    fill(L, br, lettered(4, 8), 4)
    send_bundle(L, ring, sv[0], 8, 1, 3, IORING_RECVSEND_POLL_FIRST)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    yield from head_of(L, ring, 1)
    yield from drain(L, sv[1], 64)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-errors", tags=TAGS)
def lbd_send_errors(L: Any) -> Gen:
    """Bundle SEND failures: a group never made -ENOENT; an empty ring -ENOBUFS; a ring whose head entry
    has length 0 -ENOBUFS (the head stays); a destination address on the connected stream socket
    -EISCONN after the buffers were taken (the CQE names the first, the head moved past both); to a
    closed peer -EPIPE, likewise."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    send_bundle(L, ring, sv[0], 0, 5, 1)
    yield from submit_and_reap(L, ring)
    br = yield from buf_ring(L, ring, 4, 1)
    send_bundle(L, ring, sv[0], 0, 1, 2)
    yield from submit_and_reap(L, ring)
    fill(L, br, [bytearray(0)], 4)
    send_bundle(L, ring, sv[0], 0, 1, 3)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 1, "head-zero")
    br2 = yield from buf_ring(L, ring, 4, 2)
    fill(L, br2, lettered(4, 4), 4, 30)
    sqe = send_bundle(L, ring, sv[0], 8, 2, 4)
    L.io_uring_prep_send_set_addr(sqe, L.SockaddrUn(b"\0bundle-dest"), 15)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 2, "head-isconn")
    yield from L.close(sv[1])
    send_bundle(L, ring, sv[0], 0, 2, 5)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 2, "head-epipe")
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-prep-flags", tags=TAGS)
def lbd_prep_flags(L: Any) -> Gen:
    """Which requests take IORING_RECVSEND_BUNDLE: SENDMSG and RECVMSG refuse it (-EINVAL, with or
    without a provided buffer), SEND_ZC refuses it as an unknown flag (-EINVAL, with its
    notification after it); a SEND bundle without IOSQE_BUFFER_SELECT is accepted and sends its own
    buffer (a CQE of 4 with F_MORE), then a second, empty, bundle (0); RECV takes it without a provided
    buffer too (a plain receive of what is queued, 4 of 10 bytes into a 4-byte buffer, nothing added)."""
    ring = yield from new_ring(L, 16)
    sv = yield from socketpair(L)
    sqe = prep_named(L, ring, 1, "io_uring_prep_sendmsg", sv[0], L.Msghdr([b"x"]), 0)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    sqe = prep_named(L, ring, 2, "io_uring_prep_recvmsg", sv[1], L.Msghdr([bytearray(4)]), 0)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    sqe = prep_named(L, ring, 3, "io_uring_prep_recvmsg", sv[1], L.Msghdr([bytearray(4)]), 0, sqe_flags=IOSQE_BUFFER_SELECT)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 4, "io_uring_prep_send_zc", sv[0], b"zc", 2, 0, BUNDLE)
    yield from submit_and_reap(L, ring, 2)
    sqe = prep_named(L, ring, 5, "io_uring_prep_send", sv[0], b"nobs", 4, 0)
    sqe.ioprio = BUNDLE
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    buf = bytearray(8)
    sqe = prep_named(L, ring, 6, "io_uring_prep_recv", sv[1], buf, 8, 0)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    L.record("buf", bytes(buf))
    yield from L.send(sv[1], b"0123456789", 10, 0)
    buf2 = bytearray(4)
    sqe = prep_named(L, ring, 7, "io_uring_prep_recv", sv[0], buf2, 4, 0)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    L.record("buf2", bytes(buf2))
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-send-cap-256", tags=TAGS)
def lbd_send_cap_256(L: Any) -> Gen:
    """One bundle takes at most 256 buffers: a bundle SEND from a ring of 300 one-byte buffers sends 256
    bytes (F_MORE), then the other 44 in the next bundle; the head at 300."""
    data = bytes(range(200)) + bytes(range(100))
    ring, sv, _ = yield from setup(L, [bytearray(data[i : i + 1]) for i in range(300)], 512)
    send_bundle(L, ring, sv[0], 0, 1, 1)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    yield from head_of(L, ring, 1)
    buf = bytearray(400)
    got = yield from L.recv(sv[1], buf, 400, L.MSG_DONTWAIT)
    L.record("same", got == 300 and bytes(buf[:300]) == data)
    yield from L.io_uring_queue_exit(ring)


# -- RECV bundles ----------------------------------------------------------------------------
@scenario("lbd-recv-ring", tags=TAGS)
def lbd_recv_ring(L: Any) -> Gen:
    """A bundle RECV with length 0 of 20 queued bytes into a ring of four 8-byte buffers (ids 4-7): the
    bytes, the buffers used (the head), the CQE's first buffer id and IORING_CQE_F_SOCK_NONEMPTY; a
    second bundle RECV takes what is left."""
    bufs = [bytearray(8) for _ in range(4)]
    ring, sv, _ = yield from setup(L, bufs, 8, first_bid=4)
    yield from L.send(sv[1], b"0123456789abcdefghij", 20, 0)
    yield from recv_step(L, ring, sv[0], 0, 1)
    yield from recv_step(L, ring, sv[0], 0, 2, "head2")
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-two-sends", tags=TAGS)
def lbd_recv_two_sends(L: Any) -> Gen:
    """A bundle RECV of data queued by two sends (10 and 14 bytes) into a ring of 4-byte buffers takes
    all 24 bytes across the two: a first receive into one buffer (no length known yet), then one more
    bundle for the 20 bytes still queued; one CQE naming the first buffer, the head at 6."""
    bufs = [bytearray(4) for _ in range(10)]
    ring, sv, _ = yield from setup(L, bufs, 16)
    yield from L.send(sv[1], b"ABCDEFGHIJ", 10, 0)
    yield from L.send(sv[1], b"klmnopqrstuvwx", 14, 0)
    yield from recv_step(L, ring, sv[0], 0, 1)
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-len", tags=TAGS)
def lbd_recv_len(L: Any) -> Gen:
    """A bundle RECV's length bounds it: 12 of 30 queued bytes into 8-byte buffers, then 3 (cut inside
    the first buffer), then the rest with length 0; the head after each."""
    bufs = [bytearray(8) for _ in range(8)]
    ring, sv, _ = yield from setup(L, bufs, 8)
    yield from L.send(sv[1], b"abcdefghijklmnopqrstuvwxyz0123", 30, 0)
    yield from recv_step(L, ring, sv[0], 12, 1, "head1")
    yield from recv_step(L, ring, sv[0], 3, 2, "head2")
    yield from recv_step(L, ring, sv[0], 0, 3, "head3")
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-ring-short", tags=TAGS)
def lbd_recv_ring_short(L: Any) -> Gen:
    """A bundle RECV into a ring that runs out part way: 30 queued bytes, two 8-byte buffers: 16 bytes,
    the ring now empty (head 2); the next bundle RECV -ENOBUFS; refilled, the rest."""
    bufs = [bytearray(8) for _ in range(4)]
    ring, sv, br = yield from setup(L, bufs[:2], 4)
    yield from L.send(sv[1], b"abcdefghijklmnopqrstuvwxyz0123", 30, 0)
    yield from recv_step(L, ring, sv[0], 0, 1, "head1")
    recv_bundle(L, ring, sv[0], 0, 1, 2)
    yield from submit_and_reap(L, ring)
    mask = L.io_uring_buf_ring_mask(4)
    for i in range(2):
        L.io_uring_buf_ring_add(br, bufs[2 + i], 8, 2 + i, mask, i)
    L.io_uring_buf_ring_advance(br, 2)
    yield from recv_step(L, ring, sv[0], 0, 3, "head3")
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-legacy", tags=TAGS)
def lbd_recv_legacy(L: Any) -> Gen:
    """A bundle RECV from a PROVIDE_BUFFERS group takes one buffer (a legacy group gives no bundles): 8 of
    20 queued bytes into id 3, then 8 into id 4, with IORING_CQE_F_SOCK_NONEMPTY."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    mem = bytearray(32)
    provide(L, ring, mem, 8, 4, 2, 3, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[1], b"0123456789abcdefghij", 20, 0)
    for ud in (2, 3):
        recv_bundle(L, ring, sv[0], 0, 2, ud)
    yield from submit_and_reap(L, ring, 2)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-recv-eof", tags=TAGS)
def lbd_recv_eof(L: Any) -> Gen:
    """A bundle RECV of 12 bytes queued before the peer closed: the bytes (the end of stream keeps
    IORING_CQE_F_SOCK_NONEMPTY off or on as the kernel says), then a bundle RECV at end of stream: 0,
    no buffer named, the head unmoved."""
    bufs = [bytearray(8) for _ in range(4)]
    ring, sv, _ = yield from setup(L, bufs, 8)
    yield from L.send(sv[1], b"0123456789ab", 12, 0)
    yield from L.close(sv[1])
    yield from recv_step(L, ring, sv[0], 0, 1, "head1")
    yield from recv_step(L, ring, sv[0], 0, 2, "head2")
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-waits", tags=TAGS)
def lbd_recv_waits(L: Any) -> Gen:
    """A bundle RECV submitted on an empty socket waits (no buffer consumed: head 0), and once 20 bytes
    are sent in one go completes with what one bundle takes of them."""
    bufs = [bytearray(8) for _ in range(4)]
    ring, sv, _ = yield from setup(L, bufs, 8)
    recv_bundle(L, ring, sv[0], 0, 1, 1)
    yield from L.io_uring_submit(ring)
    yield from head_of(L, ring, 1, "head-waiting")
    yield from L.send(sv[1], b"0123456789abcdefghij", 20, 0)
    yield from reap(L, ring, 1)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-cap-256", tags=TAGS)
def lbd_recv_cap_256(L: Any) -> Gen:
    """A bundle RECV into a ring of 600 one-byte buffers with 400 bytes queued: the buffers one bundle
    fills (at most 256 per peek), the head and the CQE."""
    bufs = [bytearray(1) for _ in range(600)]
    ring, sv, _ = yield from setup(L, bufs, 1024)
    data = bytes(range(200)) * 2
    yield from L.send(sv[1], data, 400, 0)
    yield from recv_step(L, ring, sv[0], 0, 1)
    got = b"".join(bytes(b) for b in bufs)
    L.record("prefix", data.startswith(got.rstrip(b"\0")[:1]) and got[:10] == data[:10])
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-recv-inc", tags=TAGS)
def lbd_recv_inc(L: Any) -> Gen:
    """Bundle RECVs into an incremental ring (IOU_PBUF_RING_INC) of two 16-byte buffers, as
    recvsend_bundle-inc.c uses one: 10 bytes use part of the first (IORING_CQE_F_BUF_MORE, head 0); the
    next 10 fill the rest of it and 4 of the second; the last 6 continue in the second."""
    mem = [bytearray(16), bytearray(16)]
    ring, sv, _ = yield from setup(L, mem, 4, first_bid=5, flags=IOU_PBUF_RING_INC)
    yield from L.send(sv[1], b"0123456789", 10, 0)
    yield from recv_step(L, ring, sv[0], 0, 1, "head1")
    yield from L.send(sv[1], b"abcdefghij", 10, 0)
    yield from recv_step(L, ring, sv[0], 0, 2, "head2")
    yield from L.send(sv[1], b"ABCDEF", 6, 0)
    yield from recv_step(L, ring, sv[0], 0, 3, "head3")
    yield from finish(L, ring, mem, "mem")


@scenario("lbd-recv-mshot", tags=TAGS)
def lbd_recv_mshot(L: Any) -> Gen:
    """A multishot bundle RECV (IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE) with 40 bytes queued into
    a ring of eight 8-byte buffers: one CQE of 40 with IORING_CQE_F_MORE (a speculative receive into one
    buffer, then a bundle of four for the 32 still queued), head 5; 6 more bytes sent: the iovec array
    grown to four maps the last three buffers, which empties the ring, so that CQE (6 bytes, buffer 5)
    ends the request; head 6."""
    bufs = [bytearray(8) for _ in range(8)]
    ring, sv, _ = yield from setup(L, bufs, 8, cq=16)
    data = b"0123456789abcdefghijklmnopqrstuvwxyzABCD"
    yield from L.send(sv[1], data, 40, 0)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_recv_multishot(sqe, sv[0], None, 0, 0)  # io_uring_prep_recv_multishot(3), then the bundle flag
    sqe.ioprio |= BUNDLE
    sqe.buf_group = 1
    L.io_uring_sqe_set_data64(sqe, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT)
    yield from L.io_uring_submit(ring)
    total = 0
    while total < 40:
        got = yield from reap_one(L, ring)
        if got is None or got[1] <= 0 or not got[2] & IORING_CQE_F_MORE:
            break
        total += got[1]
    yield from head_of(L, ring, 1, "head1")
    yield from L.send(sv[1], b"EFGHIJ", 6, 0)
    yield from reap(L, ring, 1)
    yield from head_of(L, ring, 1, "head2")
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-mshot-enobufs", tags=TAGS)
def lbd_recv_mshot_enobufs(L: Any) -> Gen:
    """A multishot bundle RECV with more queued than its ring holds: 30 bytes, three 4-byte buffers:
    the buffers filled, then the request ends with -ENOBUFS (no F_MORE); the rest stays queued."""
    bufs = [bytearray(4) for _ in range(3)]
    ring, sv, _ = yield from setup(L, bufs, 4, cq=16)
    yield from L.send(sv[1], b"abcdefghijklmnopqrstuvwxyz0123", 30, 0)
    recv_bundle(L, ring, sv[0], 0, 1, 1, IORING_RECV_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    yield from head_of(L, ring, 1)
    L.record("bufs", [bytes(b) for b in bufs])
    yield from drain(L, sv[0], 64)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-recv-errors", tags=TAGS)
def lbd_recv_errors(L: Any) -> Gen:
    """Bundle RECV failures: a group never made -ENOENT (a RECV that is not a bundle says -ENOBUFS); an
    empty ring -ENOBUFS; a pipe -ENOTSOCK; with data queued, a ring whose head entry has length 0: a
    receive of nothing (0, no buffer named, the head unmoved)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.send(sv[1], b"queued", 6, 0)
    recv_bundle(L, ring, sv[0], 0, 5, 1)
    yield from submit_and_reap(L, ring)
    recv_sel(L, ring, sv[0], 0, 5, 2)
    yield from submit_and_reap(L, ring)
    br = yield from buf_ring(L, ring, 4, 1)
    recv_bundle(L, ring, sv[0], 0, 1, 3)
    yield from submit_and_reap(L, ring)
    recv_bundle(L, ring, fds[0], 0, 1, 4)
    yield from submit_and_reap(L, ring)
    fill(L, br, [bytearray(0), bytearray(8)], 4)
    yield from recv_step(L, ring, sv[0], 0, 5)
    yield from drain(L, sv[0], 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-recv-mshot-len", tags=TAGS)
def lbd_recv_mshot_len(L: Any) -> Gen:
    """A multishot bundle RECV with a length of 8 into 4-byte buffers, 30 bytes queued: each receive
    takes two buffers (8 bytes), no more bundles are added to a CQE that reached the length, and it
    goes on until the queue is empty (8, 8, 8, 6, each with F_MORE); cancelled, it ends with
    -ECANCELED."""
    bufs = [bytearray(4) for _ in range(10)]
    ring, sv, _ = yield from setup(L, bufs, 16, cq=16)
    yield from L.send(sv[1], b"abcdefghijklmnopqrstuvwxyz0123", 30, 0)
    recv_bundle(L, ring, sv[0], 8, 1, 1, IORING_RECV_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from head_of(L, ring, 1)
    L.record("bufs", [bytes(b) for b in bufs])
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 1, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-recv-async", tags=TAGS)
def lbd_recv_async(L: Any) -> Gen:
    """A bundle RECV with IOSQE_ASYNC, 30 bytes queued, 8-byte ring buffers: io-wq takes one buffer at
    a time (no peek without the ring's lock), consumed at once: 8, then one more buffer for what is
    queued (8): 16 in one CQE, head 2.  Once the rest is read and the peer closed, an IOSQE_ASYNC bundle
    RECV at end of stream: 0, and the buffer io-wq consumed is named all the same (head 3)."""
    bufs = [bytearray(8) for _ in range(6)]
    ring, sv, _ = yield from setup(L, bufs, 8)
    yield from L.send(sv[1], b"abcdefghijklmnopqrstuvwxyz0123", 30, 0)
    for ud in (1, 2):
        if ud == 2:
            yield from drain(L, sv[0], 64)
            yield from L.close(sv[1])
        sqe = recv_bundle(L, ring, sv[0], 0, 1, ud)
        L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT | IOSQE_ASYNC)
        yield from submit_and_reap(L, ring)
        yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


@scenario("lbd-recv-cached-vec", tags=TAGS)
def lbd_recv_cached_vec(L: Any) -> Gen:
    """The message header a request gets comes from the ring's cache with the iovec array an earlier
    request grew: after a RECVMSG into three iovecs, a bundle RECV with no length maps three buffers
    at once (20 queued bytes into 8-byte buffers: 20 in one receive, head 3), where a new header maps
    one (``lbd-recv-ring``)."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    yield from L.send(sv[1], b"xyz", 3, 0)
    parts = [bytearray(1), bytearray(1), bytearray(1)]
    prep_named(L, ring, 1, "io_uring_prep_recvmsg", sv[0], L.Msghdr(parts), 0)
    yield from submit_and_reap(L, ring)
    L.record("parts", [bytes(p) for p in parts])
    br = yield from buf_ring(L, ring, 8, 1)
    bufs = [bytearray(8) for _ in range(4)]
    fill(L, br, bufs, 8)
    yield from L.send(sv[1], b"0123456789abcdefghij", 20, 0)
    yield from recv_step(L, ring, sv[0], 0, 2)
    yield from finish(L, ring, bufs)


@scenario("lbd-send-short", tags=TAGS)
def lbd_send_short(L: Any) -> Gen:
    """A bundle SEND bigger than the socket's send buffer: four 64 KiB buffers of a five-buffer ring,
    bounded to 256 KiB by its length; a RECV with MSG_WAITALL of 256 KiB on the peer, on the same ring,
    drains it: the SEND completes with all 262144 bytes in one CQE (the short send was retried through
    the poll, so no further bundle starts: the fifth buffer stays, head 4), then the RECV."""
    data = [bytearray(bytes([i]) * 65536) for i in range(1, 6)]
    ring, sv, _ = yield from setup(L, data, 8)
    send_bundle(L, ring, sv[0], 262144, 1, 1)
    yield from L.io_uring_submit(ring)
    sink = bytearray(262144)
    prep_named(L, ring, 2, "io_uring_prep_recv", sv[1], sink, 262144, 0x100)
    yield from submit_and_reap(L, ring, 2)
    yield from head_of(L, ring, 1)
    L.record("same", bytes(sink) == b"".join(bytes(d) for d in data[:4]))
    yield from L.io_uring_queue_exit(ring)


# -- TCP -------------------------------------------------------------------------------------
@scenario("lbd-tcp-send-recv", tags=(*TAGS, "inet"))
def lbd_tcp_send_recv(L: Any) -> Gen:
    """recvsend_bundle.c's shape over TCP: a bundle SEND of four 16-byte buffers from a send ring, then,
    once the data is at the receiver, a bundle RECV into a ring of 16-byte buffers and a multishot bundle
    RECV for the rest of a second burst; CQEs, heads and the bytes."""
    ring = yield from new_ring(L, 16)
    lfd, c, s = yield from pair(L, ring, PORT)
    sbr = yield from buf_ring(L, ring, 8, 1)
    fill(L, sbr, lettered(4, 16), 8)
    send_bundle(L, ring, c, 0, 1, 1)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    yield from poll_wait(L, ring, 2, s, POLLIN)
    rbr = yield from buf_ring(L, ring, 16, 2)
    rbufs = [bytearray(16) for _ in range(8)]
    fill(L, rbr, rbufs, 16)
    recv_bundle(L, ring, s, 0, 2, 3)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 2, "rhead1")
    yield from L.send(c, b"0123456789" * 5, 50, 0)
    yield from poll_wait(L, ring, 4, s, POLLIN)
    recv_bundle(L, ring, s, 0, 2, 5, IORING_RECV_MULTISHOT)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    yield from head_of(L, ring, 2, "rhead2")
    L.record("rbufs", [bytes(b) for b in rbufs])
    yield from closing(L, None, c)
    if got is not None and got[2] & IORING_CQE_F_MORE:
        yield from reap(L, ring, 1)
    yield from closing(L, ring, s, lfd)


@scenario("lbd-udp", tags=(*TAGS, "inet", "udp"))
def lbd_udp(L: Any) -> Gen:
    """Bundles on UDP: a bundle SEND of three 6-byte buffers on a connected socket is one 18-byte
    datagram (one CQE, the ring emptied); the bundle RECV after it, with no length, gets the message
    header the SEND grew to three iovecs and so maps three 8-byte buffers: the whole datagram (head 3);
    a multishot bundle RECV then takes the datagrams of 10 and 3 bytes, each into the buffers it
    reaches (F_MORE: UDP reports nothing of what is queued, so it tries again at once) and waits;
    cancelled, it ends."""
    ring = yield from new_ring(L, 16)
    r = yield from bound(L, PORT + 2)
    s = yield from bound(L, PORT + 3)
    yield from L.connect(s, *udp_addr(L, PORT + 2))
    sbr = yield from buf_ring(L, ring, 4, 1)
    fill(L, sbr, lettered(3, 6), 4)
    send_bundle(L, ring, s, 0, 1, 1)
    yield from L.io_uring_submit(ring)
    yield from reap_bundle(L, ring)
    yield from L.send(s, b"0123456789", 10, 0)
    rbr = yield from buf_ring(L, ring, 16, 2)
    rbufs = [bytearray(8) for _ in range(10)]
    fill(L, rbr, rbufs, 16)
    recv_bundle(L, ring, r, 0, 2, 2)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 2)
    yield from L.send(s, b"abc", 3, 0)
    recv_bundle(L, ring, r, 0, 2, 3, IORING_RECV_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from head_of(L, ring, 2, "head2")
    L.record("rbufs", [bytes(b) for b in rbufs])
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 3, 0)
    L.io_uring_sqe_set_data64(sqe, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from closing(L, ring, s, r)


# -- MSG_WAITALL on a bundle RECV ----------------------------------------------------------------------
MSG_WAITALL = 0x100


def waitall_recv(L: Any, ring: Any, fd: int, length: int, user_data: int, own: Any = None) -> Any:
    """A bundle RECV with MSG_WAITALL of ``length`` bytes: into group 1, or into ``own`` (no provided
    buffer)."""
    if own is None:
        sqe = recv_sel(L, ring, fd, length, 1, user_data, MSG_WAITALL)
    else:
        sqe = prep_named(L, ring, user_data, "io_uring_prep_recv", fd, own, length, MSG_WAITALL)
    sqe.ioprio = BUNDLE
    return sqe


def _waitall_ring(L: Any, rest: bytes) -> Gen:
    """8 bytes queued, a bundle RECV with MSG_WAITALL of 24 bytes into a ring of four 8-byte buffers
    submitted, then ``rest`` sent (nothing: the peer closes its end)."""
    bufs = [bytearray(8) for _ in range(4)]
    ring, sv, _ = yield from setup(L, bufs, 8)
    yield from L.send(sv[1], b"01234567", 8, 0)
    waitall_recv(L, ring, sv[0], 24, 1)
    yield from L.io_uring_submit(ring)
    yield from head_of(L, ring, 1, "head-waiting")
    L.record("done early", reap_ready(L, ring))
    if rest:
        yield from L.send(sv[1], rest, len(rest), 0)
    else:
        yield from L.close(sv[1])
    yield from reap(L, ring, 1)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


@scenario("lbd-waitall-ring", tags=TAGS, expect={"head-waiting": 1, "done early": 0, "head": 1})
def lbd_waitall_ring(L: Any) -> Gen:
    """A bundle RECV with MSG_WAITALL of 24 bytes into a ring of four 8-byte buffers, 8 bytes queued:
    the short receive is kept (its buffer consumed) and the request waits; 16 more bytes complete it
    with 24.  The CQE's buffer id, the head while waiting and after, and the bytes are recorded."""
    yield from _waitall_ring(L, b"abcdefghijklmnop")


@scenario("lbd-waitall-ring-more", tags=TAGS, expect={"head": 2})
def lbd_waitall_ring_more(L: Any) -> Gen:
    """As lbd-waitall-ring with 24 more bytes sent: the rest fills the bundle's buffers and, 8 bytes
    still queued, one more bundle takes them into the same CQE (IORING_RECV_RETRY), from the ring's
    head, which only the first part moved.  The CQE, the head and the bytes are recorded."""
    yield from _waitall_ring(L, b"abcdefghijklmnopqrstuvwx")


@scenario("lbd-waitall-ring-shut", tags=TAGS)
def lbd_waitall_ring_shut(L: Any) -> Gen:
    """As lbd-waitall-ring, but the peer closes its end after the 8 bytes: the request completes with
    the 8 received."""
    yield from _waitall_ring(L, b"")


def _waitall_own(L: Any, then_send: bool) -> Gen:
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    own = bytearray(16)
    yield from L.send(sv[1], b"012345", 6, 0)
    sqe = waitall_recv(L, ring, sv[0], 16, 1, own)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    L.record("done early", reap_ready(L, ring))
    if then_send:
        yield from L.send(sv[1], b"abcdefghij", 10, 0)
    else:
        yield from L.close(sv[1])
    yield from reap(L, ring, 2)
    L.record("own", bytes(own))
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-waitall-own", tags=TAGS, expect={"done early": 0, "own": repr(b"012345abcdefghij")})
def lbd_waitall_own(L: Any) -> Gen:
    """A bundle RECV with MSG_WAITALL of 16 bytes into the request's own buffer (no provided buffer), 6
    bytes queued, linked to a NOP: it waits for the rest; 10 more bytes complete it with 16, in order,
    and the NOP runs."""
    yield from _waitall_own(L, then_send=True)


@scenario("lbd-waitall-own-shut", tags=TAGS)
def lbd_waitall_own_shut(L: Any) -> Gen:
    """As lbd-waitall-own, but the peer closes its end after the 6 bytes: 6, short of MSG_WAITALL's
    16, so the linked NOP is -ECANCELED."""
    yield from _waitall_own(L, then_send=False)


# -- found by the differential fuzzer's bundle mode (python -m simuring.conform.difffuzz --mode bundle)
#: How long a scenario lets a request park (io-wq arms its poll) before it cancels it, in ns.
PARK_NS = 50_000_000
MSG_DONTWAIT = 0x40


def parked_cancel(L: Any, ring: Any, target: int) -> Gen:
    """Give request ``target`` ``PARK_NS`` to complete (it does not: it waits on its poll), then cancel
    it; the cancel's CQE and the request's are reaped (recorded)."""
    cqe = L.Cqe()
    L.record("parked", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, PARK_NS))))
    cancel(L, ring, 99, target)
    yield from submit_and_reap(L, ring, 2)


@scenario("lbd-fz-send-async", tags=TAGS)
def lbd_fz_send_async(L: Any) -> Gen:
    """A bundle SEND with IOSQE_ASYNC on a socket with room fails with -ECANCELED, sending nothing and
    taking no buffer (head 0), with POLL_FIRST too: a bundle SEND is REQ_F_MULTISHOT
    (``io_send_setup``), io-wq runs no multishot request but arms its poll
    (``io_wq_submit_work``), and a one-shot poll of a socket already writable is IO_APOLL_READY,
    which fails it.  (--mode bundle seed 3.)"""
    ring, sv, _ = yield from setup(L, lettered(3, 8), 4)
    for user_data, ioprio in ((1, 0), (2, IORING_RECVSEND_POLL_FIRST)):
        sqe = send_bundle(L, ring, sv[0], 0, 1, user_data, ioprio)
        L.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT | IOSQE_ASYNC)
        yield from submit_and_reap(L, ring)
        yield from head_of(L, ring, 1)
    yield from drain(L, sv[1], 64)
    yield from L.io_uring_queue_exit(ring)


def _cancelled_recv(L: Any, bufs: list[Any], first_bid: int, flags: int, queued: bytes, async_: bool) -> Gen:
    """A bundle RECV (user_data 1) on an AF_UNIX pair holding ``queued``, from a ring (``flags``) of
    ``bufs`` (ids from ``first_bid``): with IOSQE_ASYNC and a 5-byte cap (``async_``), else with
    MSG_WAITALL of 24 bytes; cancelled while it waits, then the head and the buffers recorded."""
    ring, sv, _ = yield from setup(L, bufs, 4, first_bid=first_bid, flags=flags)
    if queued:
        yield from L.send(sv[1], queued, len(queued), 0)
    if async_:
        L.io_uring_sqe_set_flags(recv_bundle(L, ring, sv[0], 5, 1, 1), IOSQE_BUFFER_SELECT | IOSQE_ASYNC)
    else:
        waitall_recv(L, ring, sv[0], 24, 1)
    yield from L.io_uring_submit(ring)
    yield from parked_cancel(L, ring, 1)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


def _waitall_cancel(L: Any, flags: int) -> Gen:
    """8 bytes queued, a bundle RECV with MSG_WAITALL of 24 into a ring (``flags``) of two 16-byte
    buffers (ids 5, 6), cancelled while it waits for the rest."""
    yield from _cancelled_recv(L, [bytearray(16), bytearray(16)], 5, flags, b"01234567", False)


@scenario("lbd-fz-waitall-cancel", tags=TAGS)
def lbd_fz_waitall_cancel(L: Any) -> Gen:
    """A bundle RECV with MSG_WAITALL cancelled after a short receive completes with the 8 bytes it got
    (``io_sendrecv_fail``) and names the buffer it kept (id 5, IORING_CQE_F_BUFFER): the failure
    path's ``io_req_defer_failed`` puts the request's buffer (``io_put_kbuf``).  (Seed 173.)"""
    yield from _waitall_cancel(L, 0)


@scenario("lbd-fz-waitall-cancel-inc", tags=TAGS)
def lbd_fz_waitall_cancel_inc(L: Any) -> Gen:
    """As lbd-fz-waitall-cancel on an incremental ring: the same CQE, without IORING_CQE_F_BUF_MORE
    (the failure path's put has no buffer list to commit), the head still at 0.  (Seed 19.)"""
    yield from _waitall_cancel(L, IOU_PBUF_RING_INC)


def _iowq_cancel(L: Any, flags: int) -> Gen:
    """A bundle RECV with IOSQE_ASYNC on an empty socket, from a ring (``flags``) of two 8-byte buffers
    (ids 3, 4) and a cap of 5 bytes, cancelled while it waits."""
    yield from _cancelled_recv(L, lettered(2, 8), 3, flags, b"", True)


@scenario("lbd-fz-iowq-cancel", tags=TAGS)
def lbd_fz_iowq_cancel(L: Any) -> Gen:
    """A bundle RECV from io-wq takes one ring buffer, consumed at once (no peek without the lock),
    and keeps it while it waits on its poll: cancelled, it completes with -ECANCELED naming that
    buffer (id 3, IORING_CQE_F_BUFFER, ``io_req_defer_failed``); the head stays past it.  (Seed 13.)"""
    yield from _iowq_cancel(L, 0)


@scenario("lbd-fz-iowq-cancel-inc", tags=TAGS)
def lbd_fz_iowq_cancel_inc(L: Any) -> Gen:
    """As lbd-fz-iowq-cancel on an incremental ring: io-wq consumed 5 bytes of the first buffer, which
    keeps the rest (REQ_F_BUF_MORE), so the -ECANCELED CQE carries IORING_CQE_F_BUF_MORE too.
    (Seed 75.)"""
    yield from _iowq_cancel(L, IOU_PBUF_RING_INC)


@scenario("lbd-fz-recv-cap-entry", tags=TAGS)
def lbd_fz_recv_cap_entry(L: Any) -> Gen:
    """A bundle RECV with a 6-byte cap that receives nothing (MSG_DONTWAIT on an empty socket: -EAGAIN;
    then, the peer shut down for writing, end of stream: 0) leaves the first ring entry's 8 bytes
    alone: a bundle SEND then sends the whole ring, 8 + 5 + 3 bytes.  (A SEND's cap does rewrite
    the entry: lbd-send-ring-cut-first.)  (Seeds 43, 263.)"""
    ring, sv, _ = yield from setup(L, [bytearray(b"a" * 8), bytearray(b"b" * 5), bytearray(b"c" * 3)], 4)
    sqe = recv_sel(L, ring, sv[0], 6, 1, 1, MSG_DONTWAIT)
    sqe.ioprio = BUNDLE
    yield from submit_and_reap(L, ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_shutdown(sqe, sv[1], 1)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring)
    recv_bundle(L, ring, sv[0], 6, 1, 3)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 1)
    yield from send_step(L, ring, sv, 0, 1, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lbd-fz-iowq-waitall-shut", tags=TAGS)
def lbd_fz_iowq_waitall_shut(L: Any) -> Gen:
    """A bundle RECV with IOSQE_ASYNC and MSG_WAITALL of 16 bytes, 12 queued and the peer shut down for
    writing: the io-wq worker keeps the 12 and, its poll ready (end of stream), retries blocking,
    which ends the stream short; the CQE has the 12 and names the ring buffer they went into (id 0,
    IORING_CQE_F_BUFFER, ``io_recv_finish``), the head past it.  (Seed 4818.)"""
    bufs = [bytearray(16), bytearray(5)]
    ring, sv, _ = yield from setup(L, bufs, 4)
    yield from L.send(sv[1], b"0123456789ab", 12, 0)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_shutdown(sqe, sv[1], 1)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring)
    L.io_uring_sqe_set_flags(waitall_recv(L, ring, sv[0], 16, 1), IOSQE_BUFFER_SELECT | IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


def shut_peer(L: Any, ring: Any, sv: list[int]) -> Gen:
    """Shut ``sv[1]`` down for writing (an io_uring SHUTDOWN, reaped): ``sv[0]`` then holds the end
    of stream after what is queued."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_shutdown(sqe, sv[1], 1)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring)


def _mshot_eof(L: Any, queued: bytes, length: int, ioprio: int, sqe_flags: int, cqes: int, bundle: bool = True) -> Gen:
    """``queued`` and the end of stream on the socket before a multishot RECV of ``length`` (a bundle
    unless not ``bundle``; ``ioprio`` and ``sqe_flags`` added) into a ring of four 8-byte buffers:
    its first ``cqes`` CQEs reaped, then it is given ``PARK_NS`` and cancelled if it posted nothing."""
    bufs = lettered(4, 8)
    ring, sv, _ = yield from setup(L, bufs, 4)
    yield from L.send(sv[1], queued, len(queued), 0)
    yield from shut_peer(L, ring, sv)
    sqe = recv_sel(L, ring, sv[0], length, 1, 1, 0, sqe_flags)
    sqe.ioprio = IORING_RECV_MULTISHOT | ioprio | (BUNDLE if bundle else 0)
    yield from L.io_uring_submit(ring)
    for _ in range(cqes):
        yield from reap_one(L, ring)
    yield from parked_cancel(L, ring, 1)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


@scenario("lbd-fz-mshot-eof-async", tags=TAGS)
def lbd_fz_mshot_eof_async(L: Any) -> Gen:
    """A multishot bundle RECV with IOSQE_ASYNC on a socket holding 3 bytes and the end of stream: the
    io-wq worker arms the multishot poll, ready at once, whose task work receives the 3 bytes (CQE 3,
    IORING_CQE_F_MORE, no SOCK_NONEMPTY: ``msg_inq`` 0) and answers IOU_RETRY; the edge-triggered poll
    stays armed without looking at the socket again (``io_poll_check_events``), so the end of stream
    posts nothing and the cancel ends the request (-ECANCELED).  (Seeds 358, 1860, 2544, 3614, 4315.)"""
    yield from _mshot_eof(L, b"abc", 0, 0, IOSQE_BUFFER_SELECT | IOSQE_ASYNC, 1)


@scenario("lbd-fz-mshot-eof-poll-first", tags=TAGS)
def lbd_fz_mshot_eof_poll_first(L: Any) -> Gen:
    """As lbd-fz-mshot-eof-async, with IORING_RECVSEND_POLL_FIRST instead of IOSQE_ASYNC: the first
    receive runs from the poll's task work too, and the end of stream posts nothing.  (Seeds 1323,
    2500, 3785.)"""
    yield from _mshot_eof(L, b"abc", 0, IORING_RECVSEND_POLL_FIRST, IOSQE_BUFFER_SELECT, 1)


@scenario("lbd-fz-mshot-eof-inline", tags=TAGS, expect={"parked": 0})
def lbd_fz_mshot_eof_inline(L: Any) -> Gen:
    """The contrast: issued inline, the same RECV receives the 3 bytes, answers IOU_RETRY and arms its
    poll, whose ``vfs_poll`` finds the end of stream: the task work posts it (0, no F_MORE) and the
    cancel finds nothing (-ENOENT)."""
    yield from _mshot_eof(L, b"abc", 0, 0, IOSQE_BUFFER_SELECT, 1)


@scenario("lbd-fz-mshot-eof-cap", tags=TAGS)
def lbd_fz_mshot_eof_cap(L: Any) -> Gen:
    """Issued inline with a 4-byte cap on 12 bytes and the end of stream: each capped receive
    (IORING_RECV_MSHOT_CAP) requeues the request from its poll (IOU_REQUEUE, ``vfs_poll`` again),
    but the one that empties the socket answers IOU_RETRY from the poll's task work: 4, 4, 4 with
    IORING_CQE_F_MORE, then nothing until the cancel.  (Seed 4253.)"""
    yield from _mshot_eof(L, b"0123456789ab", 4, 0, IOSQE_BUFFER_SELECT, 3)


@scenario("lbd-fz-mshot-eof-plain", tags=TAGS)
def lbd_fz_mshot_eof_plain(L: Any) -> Gen:
    """Not a bundle rule: a plain multishot RECV (one buffer per CQE) with IOSQE_ASYNC on 3 bytes and
    the end of stream misses the end of stream the same way (CQE 3 with IORING_CQE_F_MORE, then the
    cancel's -ECANCELED)."""
    yield from _mshot_eof(L, b"abc", 0, 0, IOSQE_BUFFER_SELECT | IOSQE_ASYNC, 1, bundle=False)


def _pf_async_waitall(L: Any, bundle: bool, then: bytes) -> Gen:
    """5 bytes queued, a RECV (a bundle unless not ``bundle``) with IOSQE_ASYNC,
    IORING_RECVSEND_POLL_FIRST and MSG_WAITALL into legacy buffers of 8 bytes (ids 0-2); given
    ``PARK_NS``, then ``then`` sent (the request's CQE reaped) or, if empty, the request cancelled."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    mem = bytearray(24)
    provide(L, ring, mem, 8, 3, 1, 0, 100)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[1], b"abcde", 5, 0)
    sqe = recv_sel(L, ring, sv[0], 0, 1, 1, MSG_WAITALL, IOSQE_ASYNC)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST | (BUNDLE if bundle else 0)
    yield from L.io_uring_submit(ring)
    if then:
        cqe = L.Cqe()
        L.record("parked", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, PARK_NS))))
        yield from L.send(sv[1], then, len(then), 0)
        yield from reap(L, ring, 1)
    else:
        yield from parked_cancel(L, ring, 1)
    yield from finish(L, ring, [mem])


@scenario("lbd-fz-pf-async-waitall", tags=TAGS)
def lbd_fz_pf_async_waitall(L: Any) -> Gen:
    """A bundle RECV with IOSQE_ASYNC, POLL_FIRST and MSG_WAITALL on 5 bytes: the worker's POLL_FIRST
    -EAGAIN arms a poll the socket satisfies at once (IO_APOLL_READY), so ``io_wq_submit_work``
    retries it blocking, and the worker waits in ``unix_stream_read_generic`` for the rest of the
    8-byte buffer: the cancel finds it running (-EALREADY) and interrupts it, and the request
    completes with the 5 bytes naming buffer 0.  (Seed 1066.)"""
    yield from _pf_async_waitall(L, True, b"")


@scenario("lbd-fz-pf-async-waitall-plain", tags=TAGS)
def lbd_fz_pf_async_waitall_plain(L: Any) -> Gen:
    """As lbd-fz-pf-async-waitall without IORING_RECVSEND_BUNDLE: the same blocking worker, the same
    -EALREADY and 5-byte CQE."""
    yield from _pf_async_waitall(L, False, b"")


@scenario("lbd-fz-pf-async-waitall-more", tags=TAGS)
def lbd_fz_pf_async_waitall_more(L: Any) -> Gen:
    """As lbd-fz-pf-async-waitall, then 20 more bytes: the blocked worker fills buffer 0 (8 bytes)
    and, the buffer full and 17 bytes queued, receives one more bundle of one buffer
    (IORING_RECV_RETRY; from io-wq one buffer at a time): 16 bytes, buffer 0, SOCK_NONEMPTY."""
    yield from _pf_async_waitall(L, True, b"0123456789abcdefghij")


@scenario("lbd-fz-iowq-ring-commit", tags=TAGS)
def lbd_fz_iowq_ring_commit(L: Any) -> Gen:
    """A plain RECV with IOSQE_ASYNC and MSG_WAITALL of 16 on 5 bytes, from a ring of two 8-byte
    buffers: the worker's non-blocking try takes buffer 0 and consumes it at once (io-wq is
    IO_URING_F_UNLOCKED, ``io_should_commit``), so after the cancel (-ECANCELED, 5 bytes, buffer 0)
    the head is 1."""
    bufs = lettered(2, 8)
    ring, sv, _ = yield from setup(L, bufs, 4)
    yield from L.send(sv[1], b"abcde", 5, 0)
    recv_sel(L, ring, sv[0], 16, 1, 1, MSG_WAITALL, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from parked_cancel(L, ring, 1)
    yield from head_of(L, ring, 1)
    yield from finish(L, ring, bufs)


# -- the peer's FIN in TCP's msg_inq (difffuzz bundle seeds 5087, 6538) ---------------------------------
POLLRDHUP = 0x2000
FIN_PORT = PORT + 4


def _fin_inq(L: Any, sizes: list[int], inc: bool, queued: bytes, length: int, tcp: bool = True, mshot: bool = False) -> Gen:
    """``queued`` then the end of stream (the peer's SHUT_WR) on a TCP connection (an AF_UNIX pair
    unless ``tcp``), waited for at the receiver; then a bundle RECV of ``length`` into a buffer ring
    (incremental if ``inc``) of buffers of ``sizes``: with MSG_WAITALL and linked to a NOP, or
    (``mshot``) multishot without either; its CQEs reaped, then the head and the buffers."""
    ring = yield from new_ring(L, 16)
    if tcp:
        lfd, peer, me = yield from pair(L, ring, FIN_PORT)
    else:
        lfd, (me, peer) = -1, (yield from socketpair(L))
    br = yield from buf_ring(L, ring, 8, 1, IOU_PBUF_RING_INC if inc else 0)
    bufs = [bytearray(bytes([ord("a") + i]) * n) for i, n in enumerate(sizes)]
    fill(L, br, bufs, 8)
    yield from L.send(peer, queued, len(queued), 0)
    yield from shut_peer(L, ring, [me, peer])
    yield from poll_wait(L, ring, 3, me, POLLRDHUP)
    if mshot:
        recv_bundle(L, ring, me, length, 1, 1, IORING_RECV_MULTISHOT)
        yield from L.io_uring_submit(ring)
        yield from reap_bundle(L, ring)
    else:
        sqe = recv_sel(L, ring, me, length, 1, 1, MSG_WAITALL, IOSQE_IO_LINK)
        sqe.ioprio = BUNDLE
        prep_named(L, ring, 4, "io_uring_prep_nop")
        yield from submit_and_reap(L, ring, 2)
    yield from head_of(L, ring, 1)
    L.record("bufs", [bytes(b) for b in bufs])
    yield from closing(L, ring, peer, me, lfd)


@scenario("lbd-fz-tcp-fin-inq", tags=(*TAGS, "inet"), expect={"head": 2})
def lbd_fz_tcp_fin_inq(L: Any) -> Gen:
    """TCP's ``msg_inq`` counts the peer's FIN (``tcp_inq_hint``: ``rcv_nxt - copied_seq``, the FIN a
    sequence number of its own).  12 bytes and the FIN queued, a bundle RECV with MSG_WAITALL into an
    incremental ring of 8, 3 and 16 bytes, linked to a NOP: the first receive fills the 8-byte buffer
    and reads ``msg_inq`` 5, so the retry bundle (IORING_RECV_RETRY) maps 5 bytes (3 and 2), receives
    the 4 left, short of MSG_WAITALL's 5: they are committed, the request waits, and the end of stream
    ends it short: 12, the first buffer's id and SOCK_NONEMPTY but no IORING_CQE_F_BUF_MORE (the
    final put commits nothing), and the NOP -ECANCELED.  (Seed 5087.)"""
    yield from _fin_inq(L, [8, 3, 16], True, b"0123456789ab", 0)


@scenario("lbd-fz-tcp-fin-inq-cap", tags=(*TAGS, "inet"), expect={"head": 0})
def lbd_fz_tcp_fin_inq_cap(L: Any) -> Gen:
    """As lbd-fz-tcp-fin-inq with 8 bytes, a ``len`` of 4 and one incremental 16-byte buffer: 4, then
    a retry for 5 that gets 4: 8 with no IORING_CQE_F_BUF_MORE though the buffer keeps 8 bytes (the
    first part's flag is not carried over), the NOP -ECANCELED.  (Seed 6538.)"""
    yield from _fin_inq(L, [16], True, b"01234567", 4)


@scenario("lbd-fz-tcp-fin-inq-ring", tags=(*TAGS, "inet"), expect={"head": 2})
def lbd_fz_tcp_fin_inq_ring(L: Any) -> Gen:
    """As lbd-fz-tcp-fin-inq-cap on a plain ring of 4 and 16 bytes: the same 8 in two parts, the
    retry's short receive failing the link (NOP -ECANCELED), the head past both buffers."""
    yield from _fin_inq(L, [4, 16], False, b"01234567", 4)


@scenario("lbd-fz-tcp-fin-inq-mshot", tags=(*TAGS, "inet"), expect={"head": 2})
def lbd_fz_tcp_fin_inq_mshot(L: Any) -> Gen:
    """A multishot bundle RECV into a ring of two 4-byte buffers, 8 bytes and the FIN queued: the
    retry bundle for ``msg_inq`` 5 maps the second buffer and looks past it for the fifth byte, so
    the ring is empty (REQ_F_BL_EMPTY) and the request ends with one CQE of 8 without
    IORING_CQE_F_MORE; for 4 it would have stopped at the buffer and gone on (a CQE with F_MORE,
    then -ENOBUFS)."""
    yield from _fin_inq(L, [4, 4], False, b"01234567", 0, mshot=True)


@scenario("lbd-fz-unix-shut-inq", tags=TAGS, expect={"head": 2})
def lbd_fz_unix_shut_inq(L: Any) -> Gen:
    """The contrast: lbd-fz-tcp-fin-inq on an AF_UNIX pair, whose ``msg_inq`` is the bytes alone: the
    retry maps 4 bytes and gets them, the CQE (12) has IORING_CQE_F_BUF_MORE (the 16-byte buffer keeps
    15), and the NOP completes (0)."""
    yield from _fin_inq(L, [8, 3, 16], True, b"0123456789ab", 0, tcp=False)
