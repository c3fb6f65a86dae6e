"""The user-space ABI of the io_uring IPC channel proposal (RFC, March 2026).

The proposal appends ``IORING_OP_IPC_SEND`` / ``IORING_OP_IPC_RECV`` to the
opcode enum and ``IORING_REGISTER_IPC_CHANNEL_*`` to the register opcodes;
those numbers live with the rest of the enums in :mod:`simuring.abi.io_uring`.
This module holds the channel and subscriber flags and the two structures
passed to IORING_REGISTER_IPC_CHANNEL_CREATE / _ATTACH.
"""

from __future__ import annotations

from typing import Final

from attrs import define, field

from simuring.abi.io_uring import reserved_zeros

# channel flags (IpcChannelCreate.flags)
IOIPC_F_BROADCAST: Final = 1 << 0
IOIPC_F_MULTICAST: Final = 1 << 1
IOIPC_F_PRIVATE: Final = 1 << 2

# subscriber flags (IpcChannelAttach.flags)
IOIPC_SUB_SEND: Final = 1 << 0
IOIPC_SUB_RECV: Final = 1 << 1
IOIPC_SUB_BOTH: Final = IOIPC_SUB_SEND | IOIPC_SUB_RECV


@define
class IpcChannelCreate:
    """Argument of IORING_REGISTER_IPC_CHANNEL_CREATE (IPC proposal).

    ``channel_id_out`` is filled by the kernel; ``reserved`` must stay zero.
    """

    flags: int = 0
    ring_entries: int = 0
    max_msg_size: int = 0
    mode: int = 0
    key: int = 0
    channel_id_out: int = 0
    reserved: list[int] = field(factory=reserved_zeros)


@define
class IpcChannelAttach:
    """Argument of IORING_REGISTER_IPC_CHANNEL_ATTACH (IPC proposal).

    Inputs: ``channel_id`` (used when ``key`` is 0), ``flags`` (IOIPC_SUB_*),
    ``key``.  Filled by the kernel: ``channel_fd``, ``local_id_out``,
    ``mmap_offset_out`` and ``region_size``.  ``reserved`` must stay zero.
    """

    channel_id: int = 0
    flags: int = 0
    key: int = 0
    channel_fd: int = 0
    local_id_out: int = 0
    mmap_offset_out: int = 0
    region_size: int = 0
    reserved: list[int] = field(factory=reserved_zeros)


__all__ = [
    "IOIPC_F_BROADCAST",
    "IOIPC_F_MULTICAST",
    "IOIPC_F_PRIVATE",
    "IOIPC_SUB_SEND",
    "IOIPC_SUB_RECV",
    "IOIPC_SUB_BOTH",
    "IpcChannelCreate",
    "IpcChannelAttach",
]
