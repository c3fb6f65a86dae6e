"""``RealSqe``: an SQE slot of a real, mmapped SQ array, under simuring's field names.

simuring's :class:`simuring.uapi.Sqe` is a Python object; here the same
attribute names read and write the 64 bytes of ``struct io_uring_sqe`` in
the ring's shared memory, so the prep helpers and scenarios that set
``sqe.user_data`` or ``sqe.timeout_flags`` work unchanged.  Where simuring
lets a field hold an object (a buffer or a ``Timespec`` in ``addr``, a
``Timespec`` in ``off``), the object is converted to an address by the
ring's :class:`~simuring.conform.real.memory.Pins`, and reading the field
gives the object back.
"""

from __future__ import annotations

import ctypes
from typing import Any

from simuring.conform.real.abi import POINTER_FIELDS, SQE_FIELDS, SQE_SIZE
from simuring.conform.real.memory import Pins

_U16 = 0xFFFF
_U32 = 0xFFFF_FFFF

#: Union members that are another name for a whole field.
FULL_ALIASES: dict[str, str] = {
    "addr2": "off",
    "splice_off_in": "addr",
    "buf_group": "buf_index",
    "optlen": "file_index",
    "zcrx_ifq_idx": "file_index",
    "optval": "addr3",
    **{
        name: "op_flags"
        for name in (
            "rw_flags fsync_flags poll32_events sync_range_flags msg_flags timeout_flags "
            "accept_flags cancel_flags open_flags statx_flags fadvise_advice splice_flags "
            "rename_flags unlink_flags hardlink_flags xattr_flags msg_ring_flags "
            "uring_cmd_flags waitid_flags futex_flags install_fd_flags nop_flags pipe_flags"
        ).split()
    },
}

#: Union members that are the low part of a field: name -> (field, mask).
PART_ALIASES: dict[str, tuple[str, int]] = {
    "cmd_op": ("off", _U32),
    "poll_events": ("op_flags", _U16),
    "addr_len": ("file_index", _U16),
}


class RealSqe:
    """One ``struct io_uring_sqe`` in shared memory (compares by identity, like a pointer)."""

    __slots__ = ("_mem", "_pins", "_objs", "address")

    def __init__(self, address: int, pins: Pins) -> None:
        self.address = address
        self._mem = (ctypes.c_char * SQE_SIZE).from_address(address)
        self._pins = pins
        self._objs: dict[str, Any] = {}

    def clear(self) -> None:
        """Zero the 64 bytes, as simuring's ``io_uring_get_sqe`` does."""
        ctypes.memset(self.address, 0, SQE_SIZE)
        self._objs.clear()

    def _get(self, name: str) -> Any:
        if name in self._objs:
            return self._objs[name]
        off, ctype = SQE_FIELDS[name]
        return ctype.from_buffer(self._mem, off).value

    def _set(self, name: str, value: Any) -> None:
        off, ctype = SQE_FIELDS[name]
        if name in POINTER_FIELDS and not isinstance(value, int):
            ctype.from_buffer(self._mem, off).value = self._pins.address(value)
            self._objs[name] = value
            return
        if not isinstance(value, int):
            raise TypeError(f"sqe.{name} must be an int, got {type(value).__name__}")
        self._objs.pop(name, None)
        ctype.from_buffer(self._mem, off).value = value

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={self._get(n)!r}" for n in SQE_FIELDS)
        return f"RealSqe({fields})"


def _field(name: str) -> property:
    return property(lambda self: self._get(name), lambda self, v: self._set(name, v), doc=f"sqe->{name}")


def _part(name: str, mask: int) -> property:
    def get(self: RealSqe) -> int:
        return int(self._get(name)) & mask

    def put(self: RealSqe, value: int) -> None:
        self._set(name, (int(self._get(name)) & ~mask) | (value & mask))

    return property(get, put)


def _splice_fd_in() -> property:
    def get(self: RealSqe) -> int:
        return ctypes.c_int32(int(self._get("file_index"))).value

    def put(self: RealSqe, value: int) -> None:
        self._set("file_index", value & _U32)

    return property(get, put, doc="file_index read as the signed splice_fd_in")


for _name in SQE_FIELDS:
    setattr(RealSqe, _name, _field(_name))
for _alias, _target in FULL_ALIASES.items():
    setattr(RealSqe, _alias, _field(_target))
for _alias, (_target, _mask) in PART_ALIASES.items():
    setattr(RealSqe, _alias, _part(_target, _mask))
RealSqe.splice_fd_in = _splice_fd_in()  # type: ignore[attr-defined]
