"""The io_uring IPC channel proposal (RFC, March 2026) as one plug-in.

Registers IORING_OP_IPC_SEND / IORING_OP_IPC_RECV, the four
IORING_REGISTER_IPC_CHANNEL_* commands, the ``[ipc]`` cost section and the
ring-teardown hook.  Modules, one job each:

* :mod:`~simuring.opcodes.ipc.channel`  the channel: ring header, descriptors, data;
* :mod:`~simuring.opcodes.ipc.tables`   global ids, key table, subscriber counter;
* :mod:`~simuring.opcodes.ipc.register` CREATE / ATTACH / DETACH / DESTROY, teardown;
* :mod:`~simuring.opcodes.ipc.send` / :mod:`~simuring.opcodes.ipc.recv` the two opcodes;
* :mod:`~simuring.opcodes.ipc.wake`     waking receivers' CQ wait queues;
* :mod:`~simuring.opcodes.ipc.mmap`     the channel fd and its read-only mapping;
* :mod:`~simuring.opcodes.ipc.costs`    the ``[ipc]`` cost section;
* :mod:`~simuring.opcodes.ipc.stats`    counters for reports.

See docs/ipc.md.
"""

from __future__ import annotations

from simuring.abi.io_uring import (
    IORING_OP_IPC_RECV,
    IORING_OP_IPC_SEND,
    IORING_REGISTER_IPC_CHANNEL_ATTACH,
    IORING_REGISTER_IPC_CHANNEL_CREATE,
    IORING_REGISTER_IPC_CHANNEL_DESTROY,
    IORING_REGISTER_IPC_CHANNEL_DETACH,
)
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.opcodes.ipc.costs import IpcCosts
from simuring.opcodes.ipc.recv import ipc_recv_issue
from simuring.opcodes.ipc.register import (
    channel_attach,
    channel_create,
    channel_destroy,
    channel_detach,
    ring_exit,
)
from simuring.opcodes.ipc.send import ipc_prep, ipc_send_issue
from simuring.opcodes.ipc.stats import ipc_stats


def register(registry: PluginRegistry) -> None:
    # simulator-only opcodes: not refused on an IOPOLL ring (iopoll=True keeps them as they were)
    registry.add_opcode(OpDef(IORING_OP_IPC_SEND, issue=ipc_send_issue, prep=ipc_prep, name="IPC_SEND", iopoll=True))
    registry.add_opcode(OpDef(IORING_OP_IPC_RECV, issue=ipc_recv_issue, prep=ipc_prep, name="IPC_RECV", iopoll=True))
    registry.add_register_command(IORING_REGISTER_IPC_CHANNEL_CREATE, "IPC_CHANNEL_CREATE", channel_create)
    registry.add_register_command(IORING_REGISTER_IPC_CHANNEL_ATTACH, "IPC_CHANNEL_ATTACH", channel_attach)
    registry.add_register_command(IORING_REGISTER_IPC_CHANNEL_DETACH, "IPC_CHANNEL_DETACH", channel_detach)
    registry.add_register_command(IORING_REGISTER_IPC_CHANNEL_DESTROY, "IPC_CHANNEL_DESTROY", channel_destroy)
    registry.add_cost_section(IpcCosts)
    registry.on_ring_exit(ring_exit)
    for kind, doc in TRACE_EVENTS.items():
        registry.add_trace_event(kind, doc)


TRACE_EVENTS = {
    "ipc_create": "a channel was created (IORING_REGISTER_IPC_CHANNEL_CREATE)",
    "ipc_attach": "a ring subscribed to a channel (IORING_REGISTER_IPC_CHANNEL_ATTACH)",
    "ipc_detach": "a subscriber left its channel (IORING_REGISTER_IPC_CHANNEL_DETACH)",
    "ipc_destroy": "a channel was destroyed (IORING_REGISTER_IPC_CHANNEL_DESTROY)",
    "ipc_send": "IPC_SEND published a message in its slot",
    "ipc_recv": "IPC_RECV copied a message out of the channel",
    "ipc_wake": "IPC_SEND woke the CQ wait queue of a receiving ring",
}
"""The plug-in's trace events (docs/tracing.md)."""


__all__ = ["IpcCosts", "ipc_stats", "register"]
