"""Send and receive bundles (IORING_RECVSEND_BUNDLE): the buffer peek and its counts
(kernel/kbuf.py), the message-header cache (opcodes/netmsg_cache.py) and the CQEs of bundle
SENDs and RECVs (opcodes/net.py)."""

from __future__ import annotations

import random
from typing import Any

import simuring.liburing as lu
from simuring.abi.errno import ENOBUFS
from simuring.abi.io_uring import BufRing
from simuring.abi.limits import INT_MAX
from simuring.kernel.kbuf import (
    PEEK_MAX_IMPORT,
    BufferList,
    Bundle,
    _ring_peek,
    bundle_nbufs,
    put_bundle,
)
from simuring.kernel.setup import FEATURES
from simuring.opcodes.netmsg_cache import IO_ALLOC_CACHE_MAX, IO_VEC_CACHE_SOFT_CAP, NetmsgCache
from simuring.syscalls import AF_UNIX, SOCK_STREAM, send, socketpair
from simuring.uapi import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_CQE_F_BUF_MORE,
    IORING_CQE_F_BUFFER,
    IORING_CQE_F_MORE,
    IORING_CQE_F_SOCK_NONEMPTY,
    IORING_FEAT_RECVSEND_BUNDLE,
    IORING_RECVSEND_BUNDLE,
    IOSQE_BUFFER_SELECT,
)
from tests.helpers.procs import run_threads
from tests.helpers.ring import reap_flags


def ring_of(lengths: list[int], inc: bool = False, entries: int = 1024) -> BufferList:
    """A buffer group whose ring holds buffers of ``lengths`` (ids 0, 1, ...), published."""
    bl = BufferList(1)
    bl.ring = BufRing(entries)
    bl.nr_entries, bl.mask, bl.inc = entries, entries - 1, inc
    for i, n in enumerate(lengths):
        e = bl.ring.bufs[i]
        e.addr, e.len, e.bid = bytearray(n), n, i
    bl.ring.tail = len(lengths)
    return bl


def peek(bl: BufferList, max_len: int, nr_iovs: int = 1, cut_entry: bool = True) -> Bundle:
    assert bl.ring is not None
    got = _ring_peek(bl, bl.ring, max_len, nr_iovs, True, cut_entry)
    assert isinstance(got, Bundle)
    return got


def lens(b: Bundle) -> list[int]:
    return [n for _, n in b.segs]


# -- io_ring_buffers_peek ----------------------------------------------------------------------
def test_no_length_maps_what_the_iovec_array_holds() -> None:
    bl = ring_of([8, 8, 8, 8])
    assert lens(peek(bl, 0)) == [8]  # a new header: one iovec
    three = peek(bl, 0, 3)
    assert lens(three) == [8, 8, 8] and not three.grown and not three.empty
    assert three.empty is False and lens(peek(bl, 0, 9)) == [8, 8, 8, 8] and peek(bl, 0, 9).empty


def test_length_maps_whole_buffers_and_cuts_only_the_first() -> None:
    bl = ring_of([8, 8, 8, 8])
    b = peek(bl, 20)
    assert lens(b) == [8, 8] and b.out_len == 16 and b.partial and b.grown
    assert bl.ring is not None and bl.ring.bufs[2].len == 8  # the buffer left out is untouched
    cut = peek(bl, 5)
    assert lens(cut) == [5] and cut.partial and bl.ring.bufs[0].len == 5  # the entry rewritten
    assert bl.head == 0  # a peek consumes nothing


def test_incremental_ring_keeps_the_cut_buffer() -> None:
    bl = ring_of([16, 16], inc=True)
    b = peek(bl, 20)
    assert lens(b) == [16, 4] and not b.partial
    assert bl.ring is not None and bl.ring.bufs[1].len == 16


def test_one_bundle_takes_at_most_256_buffers() -> None:
    bl = ring_of([1] * 300)
    b = peek(bl, INT_MAX)
    assert len(b.segs) == PEEK_MAX_IMPORT and b.bid == 0 and not b.empty


def test_empty_ring_and_zero_length_head() -> None:
    bl = ring_of([])
    assert bl.ring is not None
    assert _ring_peek(bl, bl.ring, 8, 1, True, True) == -ENOBUFS
    zero = ring_of([0, 8])
    assert zero.ring is not None
    assert _ring_peek(zero, zero.ring, 8, 1, True, True) == -ENOBUFS  # with a length: the head entry's size is the unit
    assert lens(peek(zero, 0)) == [0]  # without one it is mapped, empty


def test_peek_property() -> None:
    """For any ring and length: the buffers come in ring order from the head, add up to the bundle's
    length, never exceed the length asked, at most 256 of them when a length is known, and a transfer
    of the whole length reaches every one of them."""
    rnd = random.Random(1)
    for _ in range(400):
        sizes = [rnd.randint(1, 40) for _ in range(rnd.randint(1, 40))]
        max_len = rnd.choice([0, rnd.randint(1, 600)])
        bl = ring_of(sizes)
        b = peek(bl, max_len, rnd.randint(1, 8))
        got = lens(b)
        assert sum(got) == b.out_len and got
        if max_len:
            assert b.out_len <= max_len and len(got) <= PEEK_MAX_IMPORT
        assert got[:-1] == sizes[: len(got) - 1] and got[-1] <= sizes[len(got) - 1]
        assert bundle_nbufs(b.segs, b.out_len) == len(got)


# -- io_bundle_nbufs / io_put_kbufs --------------------------------------------------------------
def test_nbufs_counts_the_buffers_a_transfer_reached() -> None:
    segs: list[tuple[Any, int]] = [(None, 8), (None, 8), (None, 4)]
    assert [bundle_nbufs(segs, n) for n in (-1, 0, 1, 8, 9, 16, 17, 20)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert bundle_nbufs([(None, 8)], 3) == 1


def test_put_bundle_commits_what_the_bytes_reached() -> None:
    bl = ring_of([8, 8, 8, 8])
    b = peek(bl, 0, 4)
    b.bl = bl
    flags = put_bundle(b, 12)
    assert flags == IORING_CQE_F_BUFFER and bl.head == 2
    inc = ring_of([16, 16], inc=True)
    bi = peek(inc, 20)
    bi.bl = inc
    assert put_bundle(bi, 20) == IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE and inc.head == 1


# -- the message-header cache --------------------------------------------------------------------
def test_netmsg_cache_is_lifo_and_bounded() -> None:
    cache = NetmsgCache.__new__(NetmsgCache)
    cache.vecs = []
    assert cache.take() == 0  # a new header
    cache.give(3)
    cache.give(IO_VEC_CACHE_SOFT_CAP + 1)  # too long an array is freed, the header kept
    assert cache.take() == 0 and cache.take() == 3
    for _ in range(IO_ALLOC_CACHE_MAX + 5):
        cache.give(2)
    assert len(cache.vecs) == IO_ALLOC_CACHE_MAX


def test_feature_bit_reported() -> None:
    assert FEATURES & IORING_FEAT_RECVSEND_BUNDLE


# -- through the ring ----------------------------------------------------------------------------
def bid_of(flags: int) -> int:
    return flags >> IORING_CQE_BUFFER_SHIFT


def run(body: Any) -> dict[str, Any]:
    def main(out: dict[str, Any]) -> Any:
        ring = lu.Ring()
        yield from lu.io_uring_queue_init(16, ring, 0)
        yield from body(ring, out)
        yield from lu.io_uring_queue_exit(ring)

    return run_threads(main)


def bundle_sqe(ring: lu.Ring, send_side: bool, fd: int, length: int, bgid: int, user_data: int) -> Any:
    sqe = lu.io_uring_get_sqe(ring)
    (lu.io_uring_prep_send if send_side else lu.io_uring_prep_recv)(sqe, fd, None, length, 0)
    sqe.buf_group = bgid
    sqe.ioprio = IORING_RECVSEND_BUNDLE
    lu.io_uring_sqe_set_data64(sqe, user_data)
    lu.io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT)
    return sqe


def test_send_bundles_chain_until_the_ring_is_empty() -> None:
    """Five 8-byte buffers, a length of 16: the first bundle takes two (F_MORE); the next ones have no
    length (a SEND has no multishot length to go back to) and take the other three, emptying the
    ring: its CQE ends the request."""

    def body(ring: lu.Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        br = yield from lu.io_uring_setup_buf_ring(ring, 8, 1, 0, [0])
        for i in range(5):
            lu.io_uring_buf_ring_add(br, bytearray(bytes([65 + i]) * 8), 8, 10 + i, lu.io_uring_buf_ring_mask(8), i)
        lu.io_uring_buf_ring_advance(br, 5)
        bundle_sqe(ring, True, sv[0], 16, 1, 1)
        yield from lu.io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)

    cqes = run(body)["cqes"]
    assert [c[1] for c in cqes] == [16, 24]
    assert [bid_of(c[2]) for c in cqes] == [10, 12]
    assert [bool(c[2] & IORING_CQE_F_MORE) for c in cqes] == [True, False]


def test_recv_bundle_speculative_then_one_retry() -> None:
    """20 queued bytes, 8-byte buffers, no length: one buffer first (nothing known), then a bundle for
    the 12 still queued, which leaves out the buffer it would have to cut: 16 bytes, buffer 0, head 2."""

    def body(ring: lu.Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        br = yield from lu.io_uring_setup_buf_ring(ring, 8, 1, 0, [0])
        for i in range(4):
            lu.io_uring_buf_ring_add(br, bytearray(8), 8, i, lu.io_uring_buf_ring_mask(8), i)
        lu.io_uring_buf_ring_advance(br, 4)
        yield from send(sv[1], b"0123456789abcdefghij", 20, 0)
        bundle_sqe(ring, False, sv[0], 0, 1, 1)
        yield from lu.io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)
        head = [0]
        yield from lu.io_uring_buf_ring_head(ring, 1, head)
        out["head"] = head[0]

    out = run(body)
    assert out["cqes"] == [(1, 16, IORING_CQE_F_BUFFER | IORING_CQE_F_SOCK_NONEMPTY)]
    assert out["head"] == 2


def test_garbage_ring_entries_give_errnos() -> None:
    """Ring entries holding nonsense (no memory behind the address, a length of 4 GiB) make bundle
    SENDs and RECVs answer -errno CQEs, never a Python exception, and the RECV allocates no more than
    what is queued."""

    def body(ring: lu.Ring, out: dict[str, Any]) -> Any:
        sv: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        br = yield from lu.io_uring_setup_buf_ring(ring, 4, 1, 0, [0])
        br.bufs[0].addr, br.bufs[0].len, br.bufs[0].bid = "not memory", 0xFFFF_FFFF, None
        br.bufs[1].addr, br.bufs[1].len, br.bufs[1].bid = 12, "x", 3
        lu.io_uring_buf_ring_advance(br, 2)
        yield from send(sv[1], b"queued", 6, 0)
        bundle_sqe(ring, False, sv[0], 0, 1, 1)
        bundle_sqe(ring, True, sv[0], 0, 1, 2)
        yield from lu.io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 2)

    cqes = run(body)["cqes"]
    assert all(isinstance(c[1], int) for c in cqes) and any(c[1] < 0 for c in cqes)


# -- found by the differential fuzzer's bundle mode -------------------------------------------------
def test_recv_peek_cap_leaves_the_entry() -> None:
    """A SEND's peek cuts the first buffer's ring entry to its cap; a RECV's (cut_entry False) maps
    the cut buffer but leaves the entry's length (lbd-fz-recv-cap-entry)."""
    for cut, entry in ((True, 6), (False, 8)):
        bl = ring_of([8, 5, 3])
        got = peek(bl, 6, cut_entry=cut)
        assert lens(got) == [6] and got.partial
        assert bl.ring is not None and bl.ring.bufs[0].len == entry


def _sim_cqes(name: str) -> list[list[int]]:
    from simuring.conform.registry import all_scenarios
    from simuring.conform.sim_backend import run_sim

    sc = next(s for s in all_scenarios() if s.name == name)
    observations, error = run_sim(sc)
    assert error is None
    return [o.value for o in observations if o.kind == "cqe"]


def test_bundle_send_from_iowq_fails_on_a_writable_socket() -> None:
    """io_wq_submit_work: a bundle SEND (REQ_F_MULTISHOT) with IOSQE_ASYNC whose poll is ready at once
    fails with -ECANCELED, taking no buffer."""
    from simuring.abi.errno import ECANCELED

    assert _sim_cqes("lbd-fz-send-async") == [[1, -ECANCELED, 0], [2, -ECANCELED, 0]]


def test_a_failed_bundle_recv_names_the_buffer_it_held() -> None:
    """io_req_defer_failed puts the request's buffer: a cancelled MSG_WAITALL bundle RECV's CQE names
    buffer 5 (the bytes it got are its result); an io-wq one names the buffer it consumed, with
    IORING_CQE_F_BUF_MORE when an incremental buffer kept a remainder."""
    from simuring.abi.errno import ECANCELED

    flags = IORING_CQE_F_BUFFER | (5 << IORING_CQE_BUFFER_SHIFT)
    assert _sim_cqes("lbd-fz-waitall-cancel")[-1] == [1, 8, flags]
    assert _sim_cqes("lbd-fz-waitall-cancel-inc")[-1] == [1, 8, flags]
    held = IORING_CQE_F_BUFFER | (3 << IORING_CQE_BUFFER_SHIFT)
    assert _sim_cqes("lbd-fz-iowq-cancel")[-1] == [1, -ECANCELED, held]
    assert _sim_cqes("lbd-fz-iowq-cancel-inc")[-1] == [1, -ECANCELED, held | IORING_CQE_F_BUF_MORE]


def test_a_bundle_recv_that_waited_in_io_wq_names_its_buffer() -> None:
    """io_recv_finish puts the bundle a MSG_WAITALL receive kept when it ends in an io-wq worker (the
    end of stream cut it short): the CQE names buffer 0."""
    assert _sim_cqes("lbd-fz-iowq-waitall-shut")[-1] == [1, 12, IORING_CQE_F_BUFFER]


def test_a_multishot_recv_woken_from_its_poll_misses_an_end_of_stream_already_there() -> None:
    """io_poll_check_events: after an IOU_RETRY from its poll's task work the edge-triggered multishot
    poll waits for the next wake-up, so an end of stream queued before it posts nothing (the cancel
    ends the request, -ECANCELED); issued inline, the poll it arms finds the end of stream (0)."""
    from simuring.abi.errno import ECANCELED, ENOENT

    more = IORING_CQE_F_BUFFER | IORING_CQE_F_MORE
    for name in ("lbd-fz-mshot-eof-async", "lbd-fz-mshot-eof-poll-first", "lbd-fz-mshot-eof-plain"):
        assert _sim_cqes(name) == [[2, 0, 0], [1, 3, more], [99, 0, 0], [1, -ECANCELED, 0]], name
    assert _sim_cqes("lbd-fz-mshot-eof-inline")[-3:] == [[1, 3, more], [1, 0, 0], [99, -ENOENT, 0]]
    capped = _sim_cqes("lbd-fz-mshot-eof-cap")
    assert [c[1] for c in capped[1:4]] == [4, 4, 4] and capped[-1] == [1, -ECANCELED, 0]


def test_an_iowq_recv_whose_poll_first_poll_is_ready_blocks() -> None:
    """io_wq_submit_work retries blocking after IO_APOLL_READY: a MSG_WAITALL RECV short of its buffer
    waits in the worker, so the cancel finds it running (-EALREADY) and the request ends with the 5
    bytes; more data completes the buffer and one more bundle (16 bytes)."""
    from simuring.abi.errno import EALREADY

    for name in ("lbd-fz-pf-async-waitall", "lbd-fz-pf-async-waitall-plain"):
        assert _sim_cqes(name)[-2:] == [[99, -EALREADY, 0], [1, 5, IORING_CQE_F_BUFFER]], name
    assert _sim_cqes("lbd-fz-pf-async-waitall-more")[-1] == [1, 16, IORING_CQE_F_BUFFER | IORING_CQE_F_SOCK_NONEMPTY]
