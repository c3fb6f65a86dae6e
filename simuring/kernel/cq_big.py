"""32-byte CQEs: the CQ of a ring set up with IORING_SETUP_CQE32 or IORING_SETUP_CQE_MIXED.

A CQE32 ring's CQ slots are 32 bytes each.  A request's CQE (``io_fill_cqe_req``)
carries the request's ``big_cqe[0..1]`` after its 16 bytes, zero unless the
request set them (``io_req_set_res32``: a NOP with IORING_NOP_CQE32), and the
request's words are cleared once copied.  A CQE of no request of its own
(``io_fill_cqe_aux``: a MSG_RING message, a registered resource's tag, a
multishot poll's event) writes only its 16 bytes, so the slot keeps the extra
words it held; one that overflowed gets zeros (its overflow entry is zeroed).

A CQE_MIXED ring's slots are 16 bytes: a 32-byte CQE (IORING_CQE_F_32 in its
flags) takes two consecutive ones.  The kernel hands out slots from a cached
contiguous range (``ctx->cqe_cached`` .. ``ctx->cqe_sentinel``), refilled when
the CQE does not fit in what is left (``io_cqe_cache_refill``):

* the refill fails while CQEs wait on the overflow list (except for the
  flush), and when the free slots up to the ring's end are fewer than the CQE
  needs;
* a 32-byte CQE never wraps: with the tail at the ring's last slot and that
  slot free, the slot is filled with a padding entry (flags IORING_CQE_F_SKIP,
  ``io_fill_nop_cqe``) and the tail moves on, whether or not the CQE then fits;
* a CQE that fits in the cached range is written there without any check, so
  a 16-byte CQE posted after a 32-byte one overflowed still takes the slot
  left in the range (ahead of the overflowed one), and one posted after a
  padding entry that left no room overwrites the padding entry (the range was
  not moved), which leaves the CQ tail one past a full ring (Linux 6.18.44).

In the model the :class:`~simuring.abi.io_uring.IoUringCqe` of a slot holds the
extra words; on a mixed ring the second slot of a 32-byte CQE also holds them
as the 16 bytes liburing would read there (user_data = ``big_cqe[0]``, res and
flags the halves of ``big_cqe[1]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.io_uring import IORING_CQE_F_32, IORING_CQE_F_SKIP, IORING_SETUP_CQE_MIXED
from simuring.abi.limits import U32

if TYPE_CHECKING:
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.request import Request

ZERO_BIG: Final = (0, 0)
"""The extra words of a 32-byte CQE that sets none."""

_OWN: Final = (-1, -1)
"""``BigCq.next_words`` when the next CQE is a request's own (its words are the request's)."""


class BigCq:
    """The CQ of one ring of 32-byte (or mixed) CQEs: writes the CQEs
    :meth:`RingCtx.post_cqe <simuring.kernel.ctx.RingCtx.post_cqe>` hands it."""

    __slots__ = ("ctx", "mixed", "cached", "sentinel", "next_words", "words")

    def __init__(self, ctx: RingCtx) -> None:
        self.ctx = ctx
        self.mixed = bool(ctx.flags & IORING_SETUP_CQE_MIXED)
        # a mixed ring's ``cqe_cached`` / ``cqe_sentinel``, as slot indices: the range of
        # slots the next CQEs go to without a refill (empty: none)
        self.cached = 0
        self.sentinel = 0
        # the extra words of the next CQE when it is not a request's own: set by the poster of
        # an auxiliary CQE (aux_words) or by the overflow flush (the words it queued with)
        self.next_words: tuple[int, int] | None = _OWN
        self.words: tuple[int, int] | None = ZERO_BIG  # those of the CQE being written

    def reset_cache(self) -> None:
        """The rings were replaced (IORING_REGISTER_RESIZE_RINGS): the next CQE refills."""
        self.cached = self.sentinel = 0

    @staticmethod
    def aux_words(cflags: int) -> tuple[int, int] | None:
        """``io_fill_cqe_aux``: an auxiliary CQE writes its extra words (zeros) only when it is
        flagged IORING_CQE_F_32; None: the slot keeps what it held."""
        return ZERO_BIG if cflags & IORING_CQE_F_32 else None

    def overflow_words(self, cflags: int) -> tuple[int, int] | None:
        """The extra words an overflow entry keeps for the CQE :meth:`write` found no room for:
        a 32-byte CQE's (``io_alloc_ocqe`` zeroes the entry first), None for a 16-byte one."""
        if self.mixed and not cflags & IORING_CQE_F_32:
            return None
        return self.words or ZERO_BIG

    def room(self, cflags: int) -> bool:
        """For the overflow flush (``io_get_cqe_overflow`` allowed past the overflow flag):
        whether the CQE fits now, a mixed ring's cache refilled (and padded) as needed."""
        if not self.mixed:
            return self.ctx.cq_ready() < self.ctx.cq_entries
        need = 2 if cflags & IORING_CQE_F_32 else 1
        return self.sentinel - self.cached >= need or self._refill(need)

    def write(self, user_data: int, res: int, cflags: int, req: Request | None) -> bool:
        """Write the CQE into the CQ if there is room (``io_get_cqe`` then ``io_fill_cqe_req`` or
        ``io_fill_cqe_aux``): whether there was.  A request's own CQE takes the request's extra
        words (``req->big_cqe``, set only by io_req_set_res32), which are then cleared."""
        words = self.next_words
        self.next_words = _OWN
        if words is _OWN:
            words = ZERO_BIG
            own = getattr(req, "big_cqe", None)  # unset on a request that set none
            if own is not None and req is not None:
                words, req.big_cqe = own, None
        self.words = words
        ctx = self.ctx
        rings = ctx.rings
        if self.mixed:
            index = self._slots(2 if cflags & IORING_CQE_F_32 else 1)
            if index < 0:
                return False
            if not cflags & IORING_CQE_F_32:
                words = ZERO_BIG  # a 16-byte CQE has no extra words (the next slot is another CQE's)
            elif words is not None:
                _second_half(ctx, index + 1, words)
        else:
            if not ctx.cq_has_room():
                return False
            index = rings.cq_tail & rings.cq_mask
            rings.cq_tail = (rings.cq_tail + 1) & U32
        cqe = rings.cqes[index]
        cqe.user_data, cqe.res, cqe.flags = user_data, res, cflags
        if words is not None:
            cqe.extra1, cqe.extra2 = words
        return True

    def _slots(self, need: int) -> int:
        """A mixed ring's ``io_get_cqe_overflow``: the slot index where a CQE of ``need`` slots
        goes (the tail moved on by ``need``), or -1 when there is no room."""
        if self.sentinel - self.cached < need and not self._refill(need):
            return -1
        index = self.cached
        self.cached += need
        rings = self.ctx.rings
        rings.cq_tail = (rings.cq_tail + need) & U32
        return index

    def _refill(self, need: int) -> bool:
        """``io_cqe_cache_refill`` on a mixed ring (module docstring)."""
        ctx = self.ctx
        if ctx.overflow:  # IO_CHECK_CQ_OVERFLOW_BIT (the flush works from a list of its own)
            return False
        rings = ctx.rings
        entries = ctx.cq_entries
        off = rings.cq_tail & rings.cq_mask
        if need == 2 and entries - off == 1:
            if rings.cq_ready() >= entries:
                return False
            pad = rings.cqes[off]  # io_fill_nop_cqe
            pad.user_data, pad.res, pad.flags = 0, 0, IORING_CQE_F_SKIP
            pad.extra1 = pad.extra2 = 0
            rings.cq_tail = (rings.cq_tail + 1) & U32
            off = 0
        queued = min(rings.cq_ready(), entries)
        length = min(entries - queued, entries - off)
        if length < need:
            return False
        self.cached = off
        self.sentinel = off + length
        return True


def _second_half(ctx: RingCtx, index: int, big: tuple[int, int]) -> None:
    """The second slot of a mixed ring's 32-byte CQE, as liburing would read it as a CQE:
    ``big_cqe[0]`` as user_data, ``big_cqe[1]``'s low half as res (an s32), high half as flags."""
    half = ctx.rings.cqes[index]
    low = big[1] & U32
    half.user_data = big[0]
    half.res = low - (1 << 32) if low >= 1 << 31 else low
    half.flags = big[1] >> 32
    half.extra1 = half.extra2 = 0
