"""Kernel-global IPC tables (per :class:`~simuring.Simulation`) and per-ring tables.

"Global" in the proposal means kernel-wide; here it means per simulation:
the state is the kernel's :class:`IpcState` (``kernel.ext(IpcState)``, never
module globals), so two simulations are independent and each is deterministic.

* channel ids: 1..INT_MAX, lowest free first (an xarray with ``xa_alloc``),
  kept in a ``SortedDict`` so that the lowest gap is found in id order;
* the key table: key -> channels with that key; a lookup returns the first
  *live* match of the bucket walk, and the kernel's ``hash_add`` puts a new
  entry at the head of its bucket, so the newest channel with that key wins;
* subscriber ids: a global counter starting at 1 (never reused);
* per ring (:class:`RingIpc`, ``ctx.ext(RingIpc)``): the ring's subscribers
  (by id, id order) and the channels it created (destroyed at ring teardown
  if still live).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sortedcontainers import SortedDict

from simuring.abi.limits import INT_MAX
from simuring.kernel.ext import KernelExt, RingExt
from simuring.opcodes.ipc.channel import Channel, Subscriber
from simuring.opcodes.ipc.costs import IpcCosts

if TYPE_CHECKING:
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx


class IpcState(KernelExt):
    """The kernel-wide tables of one simulation."""

    def __init__(self, kernel: Kernel) -> None:
        self.channels: SortedDict = SortedDict()  # id -> live Channel
        self.keys: dict[int, list[Channel]] = {}
        self.next_sub_id = 1
        self.all_channels: list[Channel] = []  # every channel ever created (for reports)

    def alloc_channel_id(self) -> int:
        """Lowest free id in 1..INT_MAX, or 0 when none is free."""
        expect = 1
        for cid in self.channels.keys():
            if cid != expect:
                break
            expect += 1
        return expect if expect <= INT_MAX else 0

    def add_channel(self, ch: Channel) -> None:
        self.channels[ch.id] = ch
        self.keys.setdefault(ch.key, []).append(ch)
        self.all_channels.append(ch)

    def remove_channel(self, ch: Channel) -> None:
        """Erase from the id and key tables at once (DESTROY)."""
        self.channels.pop(ch.id, None)
        same = self.keys.get(ch.key)
        if same is not None:
            if ch in same:
                same.remove(ch)
            if not same:
                del self.keys[ch.key]
        ch.live = False

    def by_key(self, key: int) -> Channel | None:
        """``hash_for_each_possible`` over a bucket filled by ``hash_add`` (head insertion)."""
        for ch in reversed(self.keys.get(key, ())):
            if ch.live:
                return ch
        return None

    def by_id(self, cid: int) -> Channel | None:
        ch = self.channels.get(cid) if isinstance(cid, int) else None
        return ch if ch is not None and ch.live else None

    def alloc_sub_id(self) -> int:
        sid = self.next_sub_id
        self.next_sub_id += 1
        return sid


class RingIpc(RingExt):
    """The IPC state of one ring."""

    def __init__(self, ctx: RingCtx) -> None:
        self.subscribers: dict[int, Subscriber] = {}  # id -> Subscriber, in id order (see Channel)
        self.created: list[Channel] = []
        self.costs: IpcCosts = ctx.kernel.costs.get(IpcCosts)  # resolved once per ring


def ipc_state(kernel: Kernel) -> IpcState:
    """``kernel.ext(IpcState)``."""
    return kernel.ext(IpcState)


def ring_ipc(ctx: RingCtx) -> RingIpc:
    """``ctx.ext(RingIpc)``."""
    return ctx.ext(RingIpc)
