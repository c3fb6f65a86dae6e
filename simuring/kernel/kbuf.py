"""Provided buffers (io_uring/kbuf.c): buffer groups and buffer selection.

A ring keeps its buffer groups by group id (``ctx->io_bl_xa``, here
:class:`KbufRing`, ``ctx.ext(KbufRing)``).  A group (:class:`BufferList`,
``struct io_buffer_list``) is one of two kinds:

* **legacy**: a FIFO of buffers handed over by IORING_OP_PROVIDE_BUFFERS
  (``io_add_buffers``) and taken back by IORING_OP_REMOVE_BUFFERS; a
  request that selects one takes it off the list (``io_provided_buffer_select``)
  and the completion consumes it (``io_kbuf_drop_legacy``);
* **ring-mapped**: a ring of ``struct io_uring_buf`` in user memory
  (:class:`~simuring.abi.io_uring.BufRing`) registered with
  IORING_REGISTER_PBUF_RING.  The application fills entries and publishes
  its u16 tail; the kernel keeps the u16 head.  A selection
  (``io_ring_buffer_select``) reads the entry at the head; the head moves
  on (``io_kbuf_commit``) at once when the request runs in io-wq or its file
  cannot be polled (``io_should_commit``), otherwise when the request
  completes.  With IOU_PBUF_RING_INC a buffer is consumed only as far as
  the transfer went (``io_kbuf_inc_commit``): the entry's address and length
  move on, and the CQE says IORING_CQE_F_BUF_MORE while some is left.

A request holds its selection in a :class:`Selection` (the request's
REQ_F_BUFFER_SELECTED / REQ_F_BUFFER_RING state and ``struct io_br_sel``),
kept in the op's own state.  :func:`buffer_select` makes one (None: no
buffer, the op answers -ENOBUFS; :func:`buffers_select_one` is SEND's
``io_buffers_select``), :func:`kbuf_recycle` gives it back where the op's
kernel code recycles it (``io_kbuf_recycle``: a legacy buffer returns to the
head of its list, an uncommitted ring buffer is simply not consumed; a
committed ring buffer stays with the request; a READ keeps a legacy buffer
while it waits, a RECV gives it back), and :func:`put_kbuf` ends it when the
request completes, returning the CQE flags (``__io_put_kbufs``):
IORING_CQE_F_BUFFER with the buffer id in the upper 16 bits.  A bundle
(IORING_RECVSEND_BUNDLE) takes several buffers at once (:class:`Bundle`,
:func:`buffers_bundle`: ``io_buffers_select`` / ``io_buffers_peek`` over
``io_ring_buffers_peek``; :func:`buffer_select_bundle` from io-wq) and ends
them with :func:`put_bundle` (``io_put_kbufs`` with ``io_bundle_nbufs``).
Costs: the ``[kbuf]`` section (:class:`KbufCosts`), ``select_ns`` per
buffer a bundle takes.

Buffers are user memory: an address is a Python buffer object (or an int
address, which nothing is mapped at) and a buffer ``i`` of a PROVIDE_BUFFERS
range is the view of that object from ``i * len`` (:func:`user_offset`).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from simuring.abi.errno import ENOBUFS, ENOENT
from simuring.abi.io_uring import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_CQE_F_BUF_MORE,
    IORING_CQE_F_BUFFER,
    BufRing,
)
from simuring.abi.limits import INT_MAX, U64
from simuring.cost import param
from simuring.kernel.ext import RingExt

if TYPE_CHECKING:
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.request import Request

MAX_BIDS_PER_BGID: Final = 1 << 16
"""Buffer ids are 16 bits in a CQE: the most buffers one PROVIDE_BUFFERS may add."""
USHRT_MAX: Final = 0xFFFF
MAX_RW_COUNT: Final = 0x7FFF_F000
"""``INT_MAX & PAGE_MASK``: the longest transfer; a provided buffer's length is clamped to it."""


def user_offset(addr: Any, off: int) -> Any:
    """The user address ``addr + off``: an int stays an int; a buffer object becomes
    the view of it from byte ``off`` (empty past its end, which then faults)."""
    if not off:
        return addr
    if isinstance(addr, int):
        return (addr + off) & U64
    if isinstance(addr, (bytes, bytearray, memoryview)):
        try:
            mv = memoryview(addr)
            if mv.ndim != 1 or mv.itemsize != 1:
                mv = mv.cast("B")
        except (TypeError, ValueError):
            return None
        return mv[off:]
    return None  # no flat memory behind it: any access faults


@attrs.frozen
class KbufCosts:
    """Provided buffers: the ``[kbuf]`` cost section (declared by the ``kbuf`` plug-in)."""

    SECTION: ClassVar[str] = "kbuf"

    buf_ns: int = param(25, "ns", "PROVIDE_BUFFERS / REMOVE_BUFFERS: add or remove one legacy buffer (io_add_buffers' allocation and list insert)")
    select_ns: int = param(15, "ns", "IOSQE_BUFFER_SELECT: take a provided buffer for a request (io_buffer_select, from a list or a ring)")


class KbufRing(RingExt):
    """A ring's buffer groups (``ctx->io_bl_xa``), by group id, and the ``[kbuf]`` costs."""

    def __init__(self, ctx: RingCtx) -> None:
        self.lists: dict[int, BufferList] = {}
        self.costs: KbufCosts = ctx.kernel.costs.get(KbufCosts)


class LegacyBuf:
    """``struct io_buffer``: one buffer given by IORING_OP_PROVIDE_BUFFERS."""

    __slots__ = ("addr", "len", "bid", "bgid")

    def __init__(self, addr: Any, length: int, bid: int, bgid: int) -> None:
        self.addr = addr
        self.len = length
        self.bid = bid
        self.bgid = bgid


class BufferList:
    """``struct io_buffer_list``: one buffer group, legacy (``bufs``) or ring-mapped (``ring``)."""

    __slots__ = ("bgid", "bufs", "ring", "nr_entries", "mask", "head", "inc", "mmap")

    def __init__(self, bgid: int) -> None:
        self.bgid = bgid
        self.bufs: deque[LegacyBuf] = deque()  # the legacy list, oldest first
        self.ring: BufRing | None = None  # IOBL_BUF_RING: the user memory of the ring
        self.nr_entries = 0
        self.mask = 0
        self.head = 0  # u16
        self.inc = False  # IOBL_INC (IOU_PBUF_RING_INC)
        self.mmap = False  # IOU_PBUF_RING_MMAP: the kernel allocated the ring (mapped from the ring fd)


class Selection:
    """A request's provided buffer (REQ_F_BUFFER_SELECTED or REQ_F_BUFFER_RING, and
    ``struct io_br_sel``): where to transfer (``addr``, ``len``) and what to give back.

    ``bl`` is the ring-mapped group while the head has not been moved past the
    buffer yet (``sel.buf_list``); None for a legacy buffer (``kbuf``) or once
    committed.  ``buf_more``: an incremental commit left part of the buffer
    (REQ_F_BUF_MORE).
    """

    __slots__ = ("addr", "len", "bid", "kbuf", "bl", "ring", "buf_more")

    def __init__(self, addr: Any, length: int, bid: int, kbuf: LegacyBuf | None, bl: BufferList | None) -> None:
        self.addr = addr
        self.len = length
        self.bid = bid
        self.kbuf = kbuf
        self.bl = bl
        self.ring = kbuf is None
        self.buf_more = False


def _inc_commit(bl: BufferList, length: int) -> bool:
    """``io_kbuf_inc_commit``: consume ``length`` bytes of the ring's head buffers;
    False when the head buffer keeps a remainder (or nothing was transferred)."""
    ring = bl.ring
    if not length or ring is None:
        return False
    while length:
        buf = ring.bufs[bl.head & bl.mask]
        buf_len = buf.len & 0xFFFF_FFFF if isinstance(buf.len, int) else 0
        this_len = min(length, buf_len)
        buf_len -= this_len
        if buf_len or not this_len:
            buf.addr = user_offset(buf.addr, this_len)
            buf.len = buf_len
            return False
        buf.len = 0
        bl.head = (bl.head + 1) & 0xFFFF
        length -= this_len
    return True


def kbuf_commit(bl: BufferList, length: int, nr: int) -> bool:
    """``io_kbuf_commit``: move the ring's head past what the request used (``nr``
    buffers; by ``length`` bytes for an incremental ring); a negative ``length``
    (a failed transfer) consumes nothing.  False when a buffer keeps a remainder."""
    if length < 0:
        return True
    if bl.inc:
        return _inc_commit(bl, length)
    bl.head = (bl.head + nr) & 0xFFFF
    return True


def buffer_select(req: Request, want: int, bgid: int, unlocked: bool) -> Selection | None:
    """``io_buffer_select``: take a buffer of group ``bgid`` for a transfer of ``want``
    bytes (0: the whole buffer); None when the group is missing or empty (-ENOBUFS).

    ``unlocked``: issued from io-wq (IO_URING_F_UNLOCKED), where a ring buffer is
    consumed at once, as it is for a file that cannot be polled."""
    kr = req.ctx.ext(KbufRing)
    req.worker.charge(kr.costs.select_ns)
    bl = kr.lists.get(bgid)
    if bl is None:
        return None
    ring = bl.ring
    if ring is None:  # io_provided_buffer_select
        if not bl.bufs:
            return None
        kbuf = bl.bufs.popleft()
        length = kbuf.len if want == 0 or want > kbuf.len else want
        return Selection(kbuf.addr, length, kbuf.bid, kbuf, None)
    # io_ring_buffer_select
    if ring.tail == bl.head:
        return None
    buf = ring.bufs[bl.head & bl.mask]
    buf_len = buf.len & 0xFFFF_FFFF if isinstance(buf.len, int) else 0
    length = buf_len if want == 0 or want > buf_len else want
    bid = buf.bid & 0xFFFF if isinstance(buf.bid, int) else 0
    sel = Selection(buf.addr, length, bid, None, bl)
    file = req.file
    if unlocked or file is None or not file.pollable:  # io_should_commit
        if not kbuf_commit(bl, length, 1):
            sel.buf_more = True
        sel.bl = None
    return sel


def kbuf_recycle(req: Request, sel: Selection) -> Selection | None:
    """``io_kbuf_recycle``: the request gives its buffer back before it waits or is
    retried; returns what it still holds (a committed ring buffer, or None).

    A legacy buffer goes back to the head of its group, or is dropped if the
    group is gone or became a ring (``io_kbuf_recycle_legacy``); an
    uncommitted ring buffer was never consumed (``io_kbuf_recycle_ring``)."""
    kbuf = sel.kbuf
    if kbuf is not None:
        bl = req.ctx.ext(KbufRing).lists.get(kbuf.bgid)
        if bl is not None and bl.ring is None:
            bl.bufs.appendleft(kbuf)
        return None
    if sel.bl is not None:
        return None
    return sel


def buffer_cflags(bid: int) -> int:
    """The CQE flags naming provided buffer ``bid`` (``__io_put_kbufs``): IORING_CQE_F_BUFFER and the id."""
    return IORING_CQE_F_BUFFER | (bid << IORING_CQE_BUFFER_SHIFT)


def put_kbuf(sel: Selection, res: int) -> int:
    """``__io_put_kbufs`` for one buffer: the request is done with it; the CQE flags.

    A legacy buffer is consumed; a ring buffer not yet committed is committed
    with the result (nothing for a failure); IORING_CQE_F_BUF_MORE when an
    incremental ring buffer keeps a remainder."""
    cflags = buffer_cflags(sel.bid)
    if not sel.ring:
        return cflags
    more = sel.buf_more
    bl = sel.bl
    if bl is not None:
        sel.bl = None
        if not kbuf_commit(bl, res, 1):
            more = True
    if more:
        cflags |= IORING_CQE_F_BUF_MORE
    return cflags




def buffers_select_one(req: Request, max_len: int, bgid: int) -> Selection | int:
    """``io_buffers_select`` for one buffer (a SEND that is not a bundle): the buffer, or
    -ENOENT for a missing group and -ENOBUFS for an empty one (or a ring entry of
    length 0).

    A legacy buffer is taken whole, whatever ``max_len``.  A ring buffer longer than
    ``max_len`` (0: INT_MAX) is cut to it, and the entry's length is rewritten so
    (``io_ring_buffers_peek``), except on an incremental ring; the ring's head moves
    on at once (REQ_F_BL_NO_RECYCLE: the buffer is never given back)."""
    got = _group_take(req, bgid, max_len if 0 < max_len <= INT_MAX else INT_MAX, 1, False, True)
    if isinstance(got, int):
        return got
    addr, length = got.segs[0]
    sel = Selection(addr, length, got.bid, got.kbuf, None)
    sel.buf_more = got.buf_more
    return sel


PEEK_MAX_IMPORT: Final = 256
"""The most buffers one bundle maps when its length is known (``io_ring_buffers_peek``)."""
UIO_MAXIOV: Final = 1024


class Bundle:
    """The provided buffers of one bundle (``struct buf_sel_arg`` after ``io_buffers_select`` /
    ``io_buffers_peek``, with the request's REQ_F_BUFFER_RING / REQ_F_BUFFER_SELECTED state):
    ``segs`` the (address, length) of each buffer in ring order, ``bid`` the first one's id,
    ``out_len`` their total; ``kbuf`` the legacy buffer (a legacy group gives one buffer), ``bl`` the
    ring while the head has not moved past them; ``partial`` (``arg->partial_map``: a buffer was
    left out or cut), ``empty`` (REQ_F_BL_EMPTY: the group had no more), ``grown`` (the iovec array
    was reallocated for them: ``kmsg->vec.nr`` becomes their count)."""

    __slots__ = ("segs", "bid", "out_len", "kbuf", "bl", "partial", "empty", "grown", "buf_more")

    def __init__(self, bid: int, kbuf: LegacyBuf | None) -> None:
        self.segs: list[tuple[Any, int]] = []
        self.bid = bid
        self.out_len = 0
        self.kbuf = kbuf
        self.bl: BufferList | None = None
        self.partial = False
        self.empty = False
        self.grown = False
        self.buf_more = False


def _ring_peek(bl: BufferList, ring: BufRing, max_len: int, nr_iovs: int, expand: bool, cut_entry: bool) -> Bundle | int:
    """``io_ring_buffers_peek``: the buffers from the head, at most ``nr_iovs`` (more when
    ``expand``, KBUF_MODE_EXPAND, and a length is known: as many as ``max_len`` needs of buffers the size of the
    first, at most PEEK_MAX_IMPORT), until ``max_len`` (0: INT_MAX) is covered.  A buffer longer
    than what is left is cut to it when it is the first one, else left for the next bundle; an
    incremental ring's buffer is cut and kept.  The cut rewrites the first buffer's ring entry
    (``cut_entry``) for a SEND (``io_send_select_buffer`` peeks with the request's ``len``); a RECV's
    ``len`` never shows in the entry on Linux 6.18.44 (``io_recv_buf_select`` sizes its peek by the
    socket's queue, and the receive is capped by its iterator): a RECV that moved nothing leaves the
    entry whole for the next request (``lbd-fz-recv-cap-entry``, found by the differential fuzzer's
    bundle mode), and one that moved something consumes the buffer anyway."""
    tail = ring.tail & 0xFFFF
    head = bl.head
    nr_avail = min((tail - head) & 0xFFFF, UIO_MAXIOV)
    if not nr_avail:
        return -ENOBUFS
    buf = ring.bufs[head & bl.mask]
    if max_len:
        first_len = _entry_len(buf)
        if not first_len:
            return -ENOBUFS
        needed = min(-(-max_len // first_len), PEEK_MAX_IMPORT)
        nr_avail = min(nr_avail, needed)
    out = Bundle(buf.bid & 0xFFFF if isinstance(buf.bid, int) else 0, None)
    if expand and nr_avail > nr_iovs and max_len:
        nr_iovs = nr_avail
        out.grown = True
    elif nr_avail < nr_iovs:
        nr_iovs = nr_avail
    if not max_len:
        max_len = INT_MAX
    while True:
        length = _entry_len(buf)
        if length > max_len:
            length = max_len
            if not bl.inc:
                out.partial = True
                if out.segs:
                    break
                if cut_entry:
                    buf.len = length
        out.segs.append((buf.addr, length))
        out.out_len += length
        max_len -= length
        if not max_len:
            break
        head = (head + 1) & 0xFFFF
        buf = ring.bufs[head & bl.mask]
        nr_iovs -= 1
        if not nr_iovs:
            break
    out.empty = head == tail
    return out


def _entry_len(buf: Any) -> int:
    return buf.len & 0xFFFF_FFFF if isinstance(buf.len, int) else 0


def buffers_bundle(req: Request, bgid: int, max_len: int, nr_iovs: int, commit: bool) -> Bundle | int:
    """``io_buffers_select`` (``commit``: a SEND, whose ring buffers are consumed at once) or
    ``io_buffers_peek`` (a RECV: consumed by :func:`put_bundle`) for a bundle of group ``bgid``
    (:func:`_ring_peek`, which may grow the ``nr_iovs`` the request's iovec array holds); -ENOENT
    for a missing group, -ENOBUFS for an empty one.  A legacy group gives one buffer
    (``io_provided_buffers_select``): whole for a SEND, cut to ``max_len`` for a RECV."""
    return _group_take(req, bgid, max_len, nr_iovs, True, commit)


def _group_take(req: Request, bgid: int, max_len: int, nr_iovs: int, expand: bool, commit: bool) -> Bundle | int:
    """``io_buffers_select`` / ``io_buffers_peek`` (:func:`buffers_bundle`)."""
    kr = req.ctx.ext(KbufRing)
    req.worker.charge(kr.costs.select_ns)
    bl = kr.lists.get(bgid)
    if bl is None:
        return -ENOENT
    ring = bl.ring
    if ring is None:
        if not bl.bufs:
            return -ENOBUFS
        kbuf = bl.bufs.popleft()
        out = Bundle(kbuf.bid, kbuf)
        length = kbuf.len if commit or not 0 < max_len <= kbuf.len else max_len
        out.segs.append((kbuf.addr, length))
        out.out_len = length
        out.empty = not bl.bufs
        return out
    got = _ring_peek(bl, ring, max_len, nr_iovs, expand, commit)
    if isinstance(got, int):
        return got
    req.worker.charge(kr.costs.select_ns * (len(got.segs) - 1))
    if commit:
        if not kbuf_commit(bl, got.out_len, len(got.segs)):
            got.buf_more = True
    else:
        got.bl = bl
    return got


def buffer_select_bundle(req: Request, want: int, bgid: int) -> Bundle | None:
    """A bundle RECV issued from io-wq, which does not peek without the ring's lock
    (``io_recv_buf_select`` -> ``io_buffer_select``): one buffer of at most ``want`` bytes (0: all
    of it), a ring's consumed at once (:func:`buffer_select`); None when there is none (-ENOBUFS)."""
    bl = req.ctx.ext(KbufRing).lists.get(bgid)
    ring = bl.ring if bl is not None else None
    last = bl is not None and (((ring.tail - bl.head) & 0xFFFF) == 1 if ring is not None else len(bl.bufs) == 1)
    sel = buffer_select(req, want, bgid, True)
    if sel is None:
        return None
    out = Bundle(sel.bid, sel.kbuf)
    out.segs.append((sel.addr, sel.len))
    out.out_len = sel.len
    out.empty = last
    out.buf_more = sel.buf_more
    return out


def bundle_nbufs(segs: list[tuple[Any, int]], moved: int) -> int:
    """``io_bundle_nbufs``: how many of the bundle's buffers ``moved`` bytes reached (0 for none)."""
    if moved <= 0:
        return 0
    if len(segs) == 1:
        return 1
    n = 0
    for _, length in segs:
        n += 1
        moved -= min(length, moved)
        if not moved:
            break
    return n


def put_bundle(b: Bundle, moved: int) -> int:
    """``io_put_kbufs``: the request is done with its bundle, which moved ``moved`` bytes; the CQE
    flags (IORING_CQE_F_BUFFER and the first buffer's id, IORING_CQE_F_BUF_MORE when an incremental
    ring's buffer keeps a remainder).  A RECV's ring buffers are consumed here: the head moves past
    the buffers the bytes reached (by the bytes on an incremental ring), nothing for a failure."""
    cflags = buffer_cflags(b.bid)
    if b.kbuf is not None:
        return cflags
    kept = commit_bundle(b, moved)
    if kept or b.buf_more:
        cflags |= IORING_CQE_F_BUF_MORE
    return cflags


def commit_bundle(b: Bundle, moved: int) -> bool:
    """``io_kbuf_commit`` of a RECV bundle's ring buffers (done once: it clears
    REQ_F_BUFFERS_COMMIT): the head moves past the buffers ``moved`` bytes reached (by the bytes on
    an incremental ring).  True when an incremental ring's buffer keeps a remainder.  Besides
    :func:`put_bundle`, a MSG_WAITALL receive part-way commits what it got (``io_net_kbuf_recyle``),
    so the buffers the rest then goes into are not consumed at all."""
    bl = b.bl
    if bl is None:
        return False
    b.bl = None
    return not kbuf_commit(bl, moved, bundle_nbufs(b.segs, moved))


def recycle_bundle(req: Request, b: Bundle) -> None:
    """``io_kbuf_recycle`` of a bundle that moved nothing: a legacy buffer goes back to the head of
    its group; uncommitted ring buffers were never consumed."""
    kbuf = b.kbuf
    if kbuf is not None:
        bl = req.ctx.ext(KbufRing).lists.get(kbuf.bgid)
        if bl is not None and bl.ring is None:
            bl.bufs.appendleft(kbuf)
    b.bl = None
