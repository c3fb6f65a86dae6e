"""The io_uring ABI as ctypes sees it: syscall numbers, structure layouts, sizes.

Everything here is a fact of the kernel's user-space ABI
(``include/uapi/linux/io_uring.h``, io_uring_setup(2), io_uring_enter(2)),
written out for ctypes; the field names follow the header.
"""

from __future__ import annotations

import ctypes
import platform
from ctypes import c_int32, c_int64, c_uint8, c_uint16, c_uint32, c_uint64
from typing import Any

#: io_uring_setup / io_uring_enter / io_uring_register.  The three calls came
#: after the syscall tables were unified, so they have the same numbers on
#: every architecture that uses the generic table and on x86_64.
SYSCALLS: dict[str, tuple[int, int, int]] = {
    "x86_64": (425, 426, 427),
    "aarch64": (425, 426, 427),
    "arm64": (425, 426, 427),
}


def syscall_numbers() -> tuple[int, int, int] | None:
    """(setup, enter, register) for this machine, or None for an architecture not listed."""
    return SYSCALLS.get(platform.machine())


class SqringOffsets(ctypes.Structure):
    """struct io_sqring_offsets."""

    _fields_ = [
        ("head", c_uint32),
        ("tail", c_uint32),
        ("ring_mask", c_uint32),
        ("ring_entries", c_uint32),
        ("flags", c_uint32),
        ("dropped", c_uint32),
        ("array", c_uint32),
        ("resv1", c_uint32),
        ("user_addr", c_uint64),
    ]


class CqringOffsets(ctypes.Structure):
    """struct io_cqring_offsets."""

    _fields_ = [
        ("head", c_uint32),
        ("tail", c_uint32),
        ("ring_mask", c_uint32),
        ("ring_entries", c_uint32),
        ("overflow", c_uint32),
        ("cqes", c_uint32),
        ("flags", c_uint32),
        ("resv1", c_uint32),
        ("user_addr", c_uint64),
    ]


class IoUringParams(ctypes.Structure):
    """struct io_uring_params (120 bytes)."""

    _fields_ = [
        ("sq_entries", c_uint32),
        ("cq_entries", c_uint32),
        ("flags", c_uint32),
        ("sq_thread_cpu", c_uint32),
        ("sq_thread_idle", c_uint32),
        ("features", c_uint32),
        ("wq_fd", c_uint32),
        ("resv", c_uint32 * 3),
        ("sq_off", SqringOffsets),
        ("cq_off", CqringOffsets),
    ]


class KernelTimespec(ctypes.Structure):
    """struct __kernel_timespec (two 64-bit fields on every architecture)."""

    _fields_ = [("tv_sec", c_int64), ("tv_nsec", c_int64)]


class GeteventsArg(ctypes.Structure):
    """struct io_uring_getevents_arg, the IORING_ENTER_EXT_ARG argument (24 bytes)."""

    _fields_ = [
        ("sigmask", c_uint64),
        ("sigmask_sz", c_uint32),
        ("min_wait_usec", c_uint32),
        ("ts", c_uint64),
    ]


class Iovec(ctypes.Structure):
    """struct iovec."""

    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class CMsghdr(ctypes.Structure):
    """struct msghdr (x86_64 / aarch64 layout: ctypes pads after msg_namelen)."""

    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.c_void_p),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class CFutexWaitv(ctypes.Structure):
    """struct futex_waitv (24 bytes)."""

    _fields_ = [
        ("val", ctypes.c_uint64),
        ("uaddr", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]


class Cqe(ctypes.Structure):
    """struct io_uring_cqe without the CQE32 tail."""

    _fields_ = [("user_data", c_uint64), ("res", c_int32), ("flags", c_uint32)]


SQE_SIZE = 64
CQE_SIZE = ctypes.sizeof(Cqe)

#: struct io_uring_sqe: field -> (byte offset, ctypes type).  ``op_flags`` is
#: the anonymous 32-bit union after ``len`` (rw_flags, timeout_flags, ...).
SQE_FIELDS: dict[str, tuple[int, Any]] = {
    "opcode": (0, c_uint8),
    "flags": (1, c_uint8),
    "ioprio": (2, c_uint16),
    "fd": (4, c_int32),
    "off": (8, c_uint64),
    "addr": (16, c_uint64),
    "len": (24, c_uint32),
    "op_flags": (28, c_uint32),
    "user_data": (32, c_uint64),
    "buf_index": (40, c_uint16),
    "personality": (42, c_uint16),
    "file_index": (44, c_uint32),
    "addr3": (48, c_uint64),
}

#: Fields that hold a user pointer in some opcode (a buffer, a timespec, an iovec array).
POINTER_FIELDS = frozenset({"addr", "off", "addr3"})

assert ctypes.sizeof(IoUringParams) == 120
assert ctypes.sizeof(GeteventsArg) == 24
assert CQE_SIZE == 16


class ProbeOp(ctypes.Structure):
    """struct io_uring_probe_op (8 bytes)."""

    _fields_ = [("op", ctypes.c_uint8), ("resv", ctypes.c_uint8), ("flags", ctypes.c_uint16), ("resv2", c_uint32)]


def probe_struct(nr_ops: int) -> type[ctypes.Structure]:
    """struct io_uring_probe with its flexible ``ops`` array sized ``nr_ops`` (16 + 8 * nr_ops bytes)."""

    class Probe(ctypes.Structure):
        _fields_ = [
            ("last_op", ctypes.c_uint8),
            ("ops_len", ctypes.c_uint8),
            ("resv", ctypes.c_uint16),
            ("resv2", c_uint32 * 3),
            ("ops", ProbeOp * nr_ops),
        ]

    return Probe


class RsrcUpdate(ctypes.Structure):
    """struct io_uring_rsrc_update (16 bytes)."""

    _fields_ = [("offset", c_uint32), ("resv", c_uint32), ("data", c_uint64)]


class RsrcUpdate2(ctypes.Structure):
    """struct io_uring_rsrc_update2 (32 bytes)."""

    _fields_ = [("offset", c_uint32), ("resv", c_uint32), ("data", c_uint64), ("tags", c_uint64), ("nr", c_uint32), ("resv2", c_uint32)]


class RsrcRegister(ctypes.Structure):
    """struct io_uring_rsrc_register (32 bytes)."""

    _fields_ = [("nr", c_uint32), ("flags", c_uint32), ("resv2", c_uint64), ("data", c_uint64), ("tags", c_uint64)]


class FileIndexRange(ctypes.Structure):
    """struct io_uring_file_index_range (16 bytes)."""

    _fields_ = [("off", c_uint32), ("len", c_uint32), ("resv", c_uint64)]


class Restriction(ctypes.Structure):
    """struct io_uring_restriction (16 bytes): the u8 union after ``opcode`` is ``arg``."""

    _fields_ = [("opcode", c_uint16), ("arg", c_uint8), ("resv", c_uint8), ("resv2", c_uint32 * 3)]


class SyncCancelReg(ctypes.Structure):
    """struct io_uring_sync_cancel_reg (64 bytes)."""

    _fields_ = [
        ("addr", c_uint64),
        ("fd", c_int32),
        ("flags", c_uint32),
        ("timeout", KernelTimespec),
        ("opcode", c_uint8),
        ("pad", c_uint8 * 7),
        ("pad2", c_uint64 * 3),
    ]


class ClockRegister(ctypes.Structure):
    """struct io_uring_clock_register (16 bytes)."""

    _fields_ = [("clockid", c_uint32), ("resv", c_uint32 * 3)]


class CloneBuffers(ctypes.Structure):
    """struct io_uring_clone_buffers (32 bytes)."""

    _fields_ = [
        ("src_fd", c_uint32),
        ("flags", c_uint32),
        ("src_off", c_uint32),
        ("dst_off", c_uint32),
        ("nr", c_uint32),
        ("pad", c_uint32 * 3),
    ]


class BufReg(ctypes.Structure):
    """struct io_uring_buf_reg (40 bytes)."""

    _fields_ = [
        ("ring_addr", c_uint64),
        ("ring_entries", c_uint32),
        ("bgid", c_uint16),
        ("flags", c_uint16),
        ("resv", c_uint64 * 3),
    ]


class BufStatus(ctypes.Structure):
    """struct io_uring_buf_status (40 bytes)."""

    _fields_ = [("buf_group", c_uint32), ("head", c_uint32), ("resv", c_uint32 * 8)]


class IoUringBuf(ctypes.Structure):
    """struct io_uring_buf (16 bytes); ``resv`` of entry 0 is the ring's tail."""

    _fields_ = [("addr", c_uint64), ("len", c_uint32), ("bid", c_uint16), ("resv", c_uint16)]


class RegionDesc(ctypes.Structure):
    """struct io_uring_region_desc (64 bytes)."""

    _fields_ = [
        ("user_addr", c_uint64),
        ("size", c_uint64),
        ("flags", c_uint32),
        ("id", c_uint32),
        ("mmap_offset", c_uint64),
        ("resv", c_uint64 * 4),
    ]


class MemRegionReg(ctypes.Structure):
    """struct io_uring_mem_region_reg (32 bytes)."""

    _fields_ = [("region_uptr", c_uint64), ("flags", c_uint64), ("resv", c_uint64 * 2)]
