"""The SQE field fill shared by every prep helper (liburing's ``io_uring_prep_rw``).

Kept apart so that :mod:`simuring.liburing` and :mod:`simuring.liburing_ipc`
(which liburing re-exports) both import it at module level: prep helpers
run once per request, and an import statement inside them costs more than
the fill itself.
"""

from __future__ import annotations

from typing import Any

from simuring.uapi import Sqe


def io_uring_prep_rw(op: int, sqe: Sqe, fd: int, addr: Any, length: int, offset: int) -> None:
    """The common field fill of every prep helper."""
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
