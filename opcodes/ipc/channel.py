"""The channel object: shared ring header, message descriptors, data region.

Layout of the region a subscriber maps (read-only), as in the proposal:

* the ring part: producer ``head``/``tail`` on one 64-byte cache line,
  consumer ``head`` on its own line, then ``ring_mask``, ``ring_entries``,
  ``max_msg_size`` and the descriptor array; the ring part is page aligned;
* the data region: ``ring_entries * max_msg_size`` bytes, page aligned;
  slot ``i`` holds its payload at ``i * max_msg_size``.

The words that several CPUs update concurrently are
:class:`~simuring.host.memory.CacheLine` objects, so that their CAS races and
line transfers are simulated: the producer tail, the consumer head, each
slot's ``seq`` (the publication word of the lock-free protocol), each
subscriber's ``local_head``, the multicast round-robin counter and the
message-id counter.  All counters are free-running u32 values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.ipc import IOIPC_F_BROADCAST, IOIPC_F_MULTICAST, IOIPC_SUB_RECV, IOIPC_SUB_SEND
from simuring.abi.limits import U32
from simuring.host.memory import BufferLines, CacheLine

if TYPE_CHECKING:
    from simuring.host.task import Process, Task
    from simuring.kernel.ctx import RingCtx
    from simuring.opcodes.ipc.mmap import ChannelFile

PAGE: Final = 4096
CACHE_LINE: Final = 64
IORING_MAX_ENTRIES: Final = 32768
MAX_MSG_SIZE: Final = 1 << 20

HEADER_BYTES: Final = 2 * CACHE_LINE + 3 * 4  # producer line, consumer line, mask/entries/max_msg_size
DESC_ARRAY_OFFSET: Final = (HEADER_BYTES + 7) & ~7  # 144: descriptors are 8-byte aligned
DESC_BYTES: Final = 32  # u32 offset, u32 len, u64 msg_id, u64 sender_data, u32 seq, u32 pad

PERM_READ: Final = 4
PERM_WRITE: Final = 2


def page_align(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


def ring_bytes(entries: int) -> int:
    """Size of the page-aligned ring part (header + descriptors)."""
    return page_align(DESC_ARRAY_OFFSET + entries * DESC_BYTES)


def region_bytes(entries: int, max_msg_size: int) -> int:
    """Size of the whole mappable region (ring part + data region)."""
    return ring_bytes(entries) + page_align(entries * max_msg_size)


def u32_diff(a: int, b: int) -> int:
    """``(a - b)`` as the kernel computes it on u32 counters."""
    return (a - b) & U32


class Desc:
    """One message descriptor of the shared ring (``seq`` is a cache-line word)."""

    __slots__ = ("offset", "len", "msg_id", "sender_data", "seq")

    def __init__(self, index: int, offset: int) -> None:
        self.offset = offset
        self.len = 0
        self.msg_id = 0
        self.sender_data = 0
        self.seq = CacheLine(f"ipc.desc[{index}].seq", 0)


class ChannelStats:
    """Per-channel counters, exposed by :func:`simuring.opcodes.ipc.stats.ipc_stats`."""

    FIELDS = (
        "sends",
        "send_bytes",
        "send_faults",
        "enobufs",
        "reserve_retries",
        "recvs",
        "recv_bytes",
        "recv_eagain",
        "recv_lost_races",
        "head_scans",
        "lazy_scans",
        "full_scans",
        "wake_targets",
        "wakeups",
        "wakeup_cost_ns",
    )

    def __init__(self) -> None:
        self.sends = 0
        self.send_bytes = 0
        self.send_faults = 0
        self.enobufs = 0
        self.reserve_retries = 0
        self.recvs = 0
        self.recv_bytes = 0
        self.recv_eagain = 0
        self.recv_lost_races = 0
        self.head_scans = 0
        self.lazy_scans = 0
        self.full_scans = 0
        self.wake_targets = 0
        self.wakeups = 0
        self.wakeup_cost_ns = 0

    def to_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in self.FIELDS}


class Subscriber:
    """``struct io_ipc_subscriber``: one attachment of a ring to a channel."""

    __slots__ = ("id", "channel", "ctx", "flags", "local_head", "file", "attached")

    def __init__(self, sub_id: int, channel: Channel, ctx: RingCtx, flags: int) -> None:
        self.id = sub_id
        self.channel = channel
        self.ctx = ctx
        self.flags = flags
        self.local_head = CacheLine(f"ipc.sub[{sub_id}].local_head", 0)
        self.file: ChannelFile | None = None  # the channel fd's file (ATTACH)
        self.attached = True

    @property
    def can_recv(self) -> bool:
        return bool(self.flags & IOIPC_SUB_RECV)

    @property
    def can_send(self) -> bool:
        return bool(self.flags & IOIPC_SUB_SEND)

    def __repr__(self) -> str:
        return f"<IpcSubscriber {self.id} channel={self.channel.id} ring={self.ctx.id} flags={self.flags}>"


class Channel:
    """``struct io_ipc_channel``."""

    def __init__(
        self,
        chan_id: int,
        flags: int,
        ring_entries: int,
        max_msg_size: int,
        mode: int,
        key: int,
        uid: int,
        gid: int,
        creator: RingCtx,
    ) -> None:
        self.id = chan_id
        self.flags = flags
        self.ring_entries = ring_entries
        self.ring_mask = ring_entries - 1
        self.max_msg_size = max_msg_size
        self.mode = mode & 0o666
        self.key = key
        self.uid = uid
        self.gid = gid
        self.creator = creator
        self.region_size = region_bytes(ring_entries, max_msg_size)
        self.data_offset = ring_bytes(ring_entries)
        # shared ring header
        self.prod_head = 0  # the proposal keeps it next to tail; unused by the protocol
        self.prod_tail = CacheLine(f"ipc.ch[{chan_id}].producer", 0)
        self.cons_head = CacheLine(f"ipc.ch[{chan_id}].consumer", 0)
        self.descs = [Desc(i, i * max_msg_size) for i in range(ring_entries)]
        self.data = bytearray(ring_entries * max_msg_size)
        self.data_lines = BufferLines(len(self.data))  # where the payload's lines are
        # kernel-private state
        self.msg_counter = CacheLine(f"ipc.ch[{chan_id}].msg_id", 1)  # pre-incremented: first id 2
        self.rr_counter = CacheLine(f"ipc.ch[{chan_id}].rr", 0)
        # id -> Subscriber, in id order: ids only grow (IpcState.alloc_sub_id) and each is
        # inserted once, at ATTACH, so a dict's insertion order is the id order
        self.subscribers: dict[int, Subscriber] = {}
        self.nr_receivers = 0
        self.refs = 1  # the creator's reference
        self.live = True  # in the id and key tables (not DESTROYed)
        self.stats = ChannelStats()

    def __repr__(self) -> str:
        return f"<IpcChannel {self.id} flags={self.flags} entries={self.ring_entries} live={self.live}>"

    @property
    def broadcast(self) -> bool:
        return bool(self.flags & IOIPC_F_BROADCAST)

    @property
    def multicast(self) -> bool:
        return bool(self.flags & IOIPC_F_MULTICAST)

    def put(self) -> None:
        """Drop one reference; the channel is freed with the last one."""
        self.refs -= 1

    def permitted(self, proc: Process, need: int) -> bool:
        """One-class check of ``need`` (4 read, 2 write) against ``mode & 0666``."""
        if proc.fsuid == self.uid:
            bits = (self.mode >> 6) & 7
        elif proc.fsgid == self.gid:
            bits = (self.mode >> 3) & 7
        else:
            bits = self.mode & 7
        return bits & need == need

    def slot(self, counter: int) -> int:
        return counter & self.ring_mask

    def recompute_consumer_head(self, task: Task, walk_ns: int) -> int:
        """Consumer head = minimum ``local_head`` over RECV subscribers (O(subscribers)).

        The minimum is taken by distance behind the producer tail, so that it
        stays right when the u32 counters wrap.  With no receiver nothing
        holds the ring back and the consumer head moves to the tail.
        """
        tail = self.prod_tail.load(task)
        lowest = tail
        worst = 0
        subs = self.subscribers
        for sub in subs.values():  # id order
            task.charge(walk_ns)
            if not sub.flags & IOIPC_SUB_RECV:  # sub.can_recv without the property call
                continue
            lh = sub.local_head.load(task)
            behind = u32_diff(tail, lh)
            if worst < behind < 0x8000_0000:  # (a head seen ahead of a stale tail is not behind)
                worst = behind
                lowest = lh
        self.cons_head.store(task, lowest)
        self.stats.head_scans += 1
        return lowest
