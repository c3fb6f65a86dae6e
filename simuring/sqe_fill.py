"""The SQE field fill shared by every prep helper (liburing's ``io_uring_prep_rw``).

Kept apart so that :mod:`simuring.liburing` and :mod:`simuring.liburing_ipc`
(which liburing re-exports) both import it at module level: prep helpers
run once per request, and an import statement inside them costs more than
the fill itself.
"""

from __future__ import annotations

from typing import Any

from simuring.argcheck import need_int
from simuring.uapi import Sqe, opcode_name


def io_uring_prep_rw(op: int, sqe: Sqe, fd: int, addr: Any, length: int, offset: int) -> None:
    """The common field fill of every prep helper.

    ``fd``, ``length`` and ``offset`` are C integers: anything else is a misuse
    of the Python API (TypeError), and so is a ``None`` SQE (what
    io_uring_get_sqe returns when the SQ ring is full).
    """
    if not (isinstance(fd, int) and isinstance(length, int) and isinstance(offset, int)):
        need_int(f"io_uring_prep_* ({opcode_name(op)})", fd=fd, len=length, offset=offset)
    if sqe is None:
        raise TypeError("prep on a None SQE: io_uring_get_sqe returned NULL because the SQ ring is full (submit first)")
    sqe.opcode = op
    sqe.flags = 0
    sqe.ioprio = 0
    sqe.fd = fd
    sqe.off = offset
    sqe.addr = addr
    sqe.len = length
    sqe.op_flags = 0
    sqe.buf_index = 0
    sqe.personality = 0
    sqe.file_index = 0
    sqe.addr3 = 0


def _need_buffer(buf: Any, what: str) -> None:
    """Reject what cannot be a user buffer; ``None`` is C's NULL (the kernel decides at issue)."""
    if buf is not None and not isinstance(buf, (bytearray, memoryview, bytes)):
        raise TypeError(f"{what}: the buffer must be a bytearray, memoryview or None (got {type(buf).__name__})")
