"""The channel fd returned by ATTACH, and its read-only mapping.

``ChannelFile.mmap(task, length, prot, flags, offset)`` implements the
proposal's ``f_op->mmap``: a writable mapping (``PROT_WRITE``) fails with
-EACCES, a non-zero offset, a zero length or a length beyond the region with
-EINVAL.  On success it returns an :class:`IpcMapping`, a read-only view of
the live shared region: what a program would read through the pointer.
Workloads reach it with :func:`simuring.liburing.ipc_mmap`.

Reading the mapping is plain memory access in user space: it costs no
simulated time (the model does not charge cache misses of user-space reads).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EACCES, EINVAL
from simuring.kernel.files import File
from simuring.opcodes.ipc.channel import CACHE_LINE, DESC_ARRAY_OFFSET, DESC_BYTES, Channel

if TYPE_CHECKING:
    from simuring.host.task import Task

PROT_READ = 0x1
PROT_WRITE = 0x2
PROT_EXEC = 0x4
MAP_SHARED = 0x01
MAP_PRIVATE = 0x02


class IpcMsgDesc:
    """A snapshot of one message descriptor as read through the mapping."""

    __slots__ = ("offset", "len", "msg_id", "sender_data", "seq")

    def __init__(self, offset: int, length: int, msg_id: int, sender_data: int, seq: int) -> None:
        self.offset = offset
        self.len = length
        self.msg_id = msg_id
        self.sender_data = sender_data
        self.seq = seq

    def __repr__(self) -> str:
        return (
            f"IpcMsgDesc(offset={self.offset}, len={self.len}, msg_id={self.msg_id}, "
            f"sender_data={self.sender_data}, seq={self.seq})"
        )


class IpcMapping:
    """A read-only mapping of a channel region (``PROT_READ``, ``MAP_SHARED``).

    Structured access (the C struct fields): ``producer_head``,
    ``producer_tail``, ``consumer_head``, ``ring_mask``, ``ring_entries``,
    ``max_msg_size``, ``desc(i)`` (an :class:`IpcMsgDesc` of slot ``i``) and
    ``payload(i)`` (the bytes of slot ``i``'s message, ``desc.len`` long).
    Raw access: ``len(m)``, ``m.read(offset, n)`` and slicing ``m[a:b]`` give
    the bytes of the region (little-endian header and descriptors, then the
    data region at ``data_offset``).  The values are the latest stored ones.
    """

    def __init__(self, channel: Channel, length: int) -> None:
        self._ch = channel
        self.length = length
        self.data_offset = channel.data_offset

    # -- structured -----------------------------------------------------
    @property
    def producer_head(self) -> int:
        return self._ch.prod_head

    @property
    def producer_tail(self) -> int:
        return int(self._ch.prod_tail.peek())

    @property
    def consumer_head(self) -> int:
        return int(self._ch.cons_head.peek())

    @property
    def ring_mask(self) -> int:
        return self._ch.ring_mask

    @property
    def ring_entries(self) -> int:
        return self._ch.ring_entries

    @property
    def max_msg_size(self) -> int:
        return self._ch.max_msg_size

    def desc(self, index: int) -> IpcMsgDesc:
        d = self._ch.descs[index & self._ch.ring_mask]
        return IpcMsgDesc(d.offset, d.len, d.msg_id, d.sender_data, int(d.seq.peek()))

    def payload(self, index: int) -> bytes:
        d = self._ch.descs[index & self._ch.ring_mask]
        return bytes(self._ch.data[d.offset : d.offset + d.len])

    # -- raw bytes --------------------------------------------------------
    def __len__(self) -> int:
        return self.length

    def _ring_bytes(self) -> bytes:
        ch = self._ch
        out = bytearray(ch.data_offset)
        struct.pack_into("<II", out, 0, ch.prod_head & 0xFFFF_FFFF, int(ch.prod_tail.peek()))
        struct.pack_into("<I", out, CACHE_LINE, int(ch.cons_head.peek()))
        struct.pack_into("<III", out, 2 * CACHE_LINE, ch.ring_mask, ch.ring_entries, ch.max_msg_size)
        for i, d in enumerate(ch.descs):
            struct.pack_into(
                "<IIQQI",
                out,
                DESC_ARRAY_OFFSET + i * DESC_BYTES,
                d.offset,
                d.len,
                d.msg_id & 0xFFFF_FFFF_FFFF_FFFF,
                d.sender_data & 0xFFFF_FFFF_FFFF_FFFF,
                int(d.seq.peek()),
            )
        return bytes(out)

    def read(self, offset: int, n: int) -> bytes:
        """``n`` bytes at ``offset`` of the mapping (IndexError outside it: a SIGSEGV)."""
        if offset < 0 or n < 0 or offset + n > self.length:
            raise IndexError(f"read of {n} bytes at {offset} outside the {self.length}-byte mapping")
        out = b""
        if offset < self.data_offset:
            end = min(offset + n, self.data_offset)
            out += self._ring_bytes()[offset:end]
        if offset + n > self.data_offset:
            start = max(offset, self.data_offset) - self.data_offset
            stop = offset + n - self.data_offset
            data = bytes(self._ch.data[start:stop])
            out += data + bytes(stop - start - len(data))  # page-alignment padding reads as zeros
        return out

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.length)
            if step != 1:
                return self.read(start, max(0, stop - start))[::step]
            return self.read(start, max(0, stop - start))
        if isinstance(key, int):
            if key < 0:
                key += self.length
            return self.read(key, 1)[0]
        raise TypeError("mapping indices must be integers or slices")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise PermissionError("the IPC channel mapping is read-only (a write would be SIGSEGV)")

    def __repr__(self) -> str:
        return f"<IpcMapping channel={self._ch.id} length={self.length}>"


class ChannelFile(File):
    """The anonymous file behind ``channel_fd``: holds a channel reference."""

    kind = "ipc_channel"

    def __init__(self, channel: Channel, mmap_ns: int) -> None:
        super().__init__()
        self.channel = channel
        self.mmap_ns = mmap_ns
        channel.refs += 1

    def mmap(self, task: Task, length: int, prot: int, flags: int, offset: int) -> IpcMapping | int:
        """``f_op->mmap``: an :class:`IpcMapping` or a negative errno."""
        task.charge(self.mmap_ns)
        if not isinstance(prot, int) or prot & PROT_WRITE:
            return -EACCES
        if not isinstance(offset, int) or offset != 0:
            return -EINVAL
        if not isinstance(length, int) or length <= 0 or length > self.channel.region_size:
            return -EINVAL
        return IpcMapping(self.channel, length)

    def release(self, task: Task | None) -> None:
        self.channel.put()

    def __repr__(self) -> str:
        return f"<ChannelFile channel={self.channel.id}>"
