"""The ``[ipc]`` cost section of the host profile (IPC channel proposal).

Only the mechanisms specific to the proposal are parameters here; what they
share with the rest of the kernel comes from the core sections: CAS and
cache-line moves (``mem.atomic_ns``, ``mem.cacheline_transfer_ns``, charged
by :class:`~simuring.host.memory.CacheLine`), payload copies
through the channel's data region (:class:`~simuring.host.memory.BufferLines`:
its footprint is the region, its lines last used by the other side) and wake-ups (``sched.wakeup_ns``).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.cost import param


@attrs.frozen
class IpcCosts:
    """Fixed costs of the IPC channel commands and opcodes."""

    SECTION: ClassVar[str] = "ipc"

    create_ns: int = param(
        3000, "ns", "IPC_CHANNEL_CREATE: allocate the channel, its region and the table entries"
    )
    attach_ns: int = param(
        2000, "ns", "IPC_CHANNEL_ATTACH: lookup, permission check, subscriber and fd allocation"
    )
    detach_ns: int = param(500, "ns", "IPC_CHANNEL_DETACH: remove a subscriber from both tables")
    destroy_ns: int = param(500, "ns", "IPC_CHANNEL_DESTROY: remove a channel from the id and key tables")
    mmap_ns: int = param(1500, "ns", "mmap() of the channel region (vma setup, read-only)")
    send_ns: int = param(60, "ns", "IPC_SEND issue: subscriber/channel lookup and checks")
    recv_ns: int = param(50, "ns", "IPC_RECV issue: subscriber lookup and checks")
    desc_write_ns: int = param(10, "ns", "fill one message descriptor and publish it (write barrier)")
    sub_walk_ns: int = param(5, "ns", "visit one entry of a channel's subscriber table (xarray walk)")
    wake_queue_ns: int = param(
        40, "ns", "wake the CQ wait queue of one receiving ring (lock, walk), beyond try_to_wake_up"
    )
