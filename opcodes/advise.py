"""IORING_OP_FADVISE and IORING_OP_MADVISE (io_uring/advise.c).

FADVISE (``io_fadvise_prep`` / ``io_fadvise`` -> ``vfs_fadvise``): needs a file
(-EBADF); a non-zero ``buf_index`` or ``splice_fd_in`` is -EINVAL at prep.
``off`` is the offset, ``addr`` the (64-bit) length, or ``len`` when ``addr``
is 0, ``fadvise_advice`` the advice.  Advice other than POSIX_FADV_NORMAL / RANDOM / SEQUENTIAL is
forced to io-wq (``io_fadvise_force_async``).  ``generic_fadvise``: a pipe is
-ESPIPE; a negative length (as an loff_t) or advice outside 0..5 is
-EINVAL; otherwise 0 (the model keeps no
readahead state, so the advice changes nothing).  A failure fails the link
(``req_set_fail``).

MADVISE (``io_madvise_prep`` / ``io_madvise`` -> ``do_madvise``): no file; a
non-zero ``buf_index`` or ``splice_fd_in`` is -EINVAL at prep; always forced
to io-wq.  ``addr`` is the start, ``off`` the (64-bit) length, or ``len`` when
``off`` is 0.  Unknown
advice is -EINVAL; so is a start that is not page aligned -- a buffer object
(``bytearray``/``memoryview``) stands for a heap buffer, which never starts a
page in the model; an integer start that is page aligned: a length of 0 is
0, a length whose page-rounded end wraps -EINVAL, anything else -ENOMEM (the
model maps nothing at a bare address).  The
result is set without ``req_set_fail``: a failure does not fail the link.
Not modelled: advice on mapped memory (an mmap()ed region).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.abi.errno import EINVAL, ENOMEM, ESPIPE
from simuring.abi.io_uring import IORING_OP_FADVISE, IORING_OP_MADVISE, IOSQE_ASYNC, Sqe
from simuring.abi.limits import U32, U64
from simuring.cost import param
from simuring.kernel.objects.pipe import PipeFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.opcodes.sync import complete_no_fail

PAGE_SIZE = 4096
LLONG_MAX = (1 << 63) - 1
POSIX_FADV_NOREUSE = 5
#: ``madvise_behavior_valid`` on x86-64 (MADV_NORMAL .. MADV_DONTNEED, MADV_FREE .. MADV_COLLAPSE, HWPOISON .. GUARD_REMOVE).
MADV_VALID = frozenset((0, 1, 2, 3, 4, *range(8, 26), 100, 101, 102, 103))


@attrs.frozen
class AdviseCosts:
    """FADVISE and MADVISE: the advice call on state the model does not keep."""

    SECTION: ClassVar[str] = "advise"

    advise_ns: int = param(200, "ns", "FADVISE / MADVISE: vfs_fadvise or do_madvise with nothing to read ahead or drop")


def _nonzero(v: object) -> bool:
    return not (v is None or (isinstance(v, int) and v == 0))


class AdviseOp:
    """``struct io_fadvise`` / ``struct io_madvise``."""

    __slots__ = ("addr", "len", "advice")

    def __init__(self, addr: object, length: int, advice: int) -> None:
        self.addr = addr
        self.len = length
        self.advice = advice


def fadvise_prep(req: Request, sqe: Sqe) -> int:
    """``io_fadvise_prep``."""
    if _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    off, length, advice, addr = sqe.off, sqe.len, sqe.op_flags, sqe.addr
    if not (isinstance(off, int) and isinstance(length, int) and isinstance(advice, int)):
        return -EINVAL
    if addr is None or isinstance(addr, int):
        length = addr & U64 if addr else length & U32
    else:
        length = 1 << 32  # an object's address read as the length: some positive count
    req.op = AdviseOp(off & U64, length, advice & U32)
    if advice & U32 not in (0, 1, 2):  # io_fadvise_force_async
        req.flags |= IOSQE_ASYNC
    return 0


def fadvise_issue(req: Request, issue_flags: int) -> int:
    """``io_fadvise`` -> ``vfs_fadvise`` -> ``generic_fadvise``."""
    req.worker.charge(req.ctx.kernel.costs.get(AdviseCosts).advise_ns)
    op: AdviseOp = req.op
    if isinstance(req.file, PipeFile):
        return -ESPIPE
    if op.len > LLONG_MAX or op.advice > POSIX_FADV_NOREUSE:
        return -EINVAL
    return 0


def madvise_prep(req: Request, sqe: Sqe) -> int:
    """``io_madvise_prep``."""
    if _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    off, length, advice = sqe.off, sqe.len, sqe.op_flags
    if not (isinstance(off, int) and isinstance(length, int) and isinstance(advice, int)):
        return -EINVAL
    req.op = AdviseOp(sqe.addr, off & U64 if off else length & U32, advice & U32)
    req.flags |= IOSQE_ASYNC
    return 0


def madvise_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_madvise`` -> ``do_madvise``."""
    req.worker.charge(req.ctx.kernel.costs.get(AdviseCosts).advise_ns)
    return complete_no_fail(req, issue_flags, _do_madvise(req.op))


def _do_madvise(op: AdviseOp) -> int:
    """``madvise_should_skip`` and the VMA walk, for memory the model does not map."""
    if op.advice not in MADV_VALID:
        return -EINVAL
    addr = op.addr if op.addr is not None else 0
    if not isinstance(addr, int) or addr % PAGE_SIZE:
        return -EINVAL  # a heap buffer: not page aligned
    addr &= U64
    length = (op.len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) & U64
    if (op.len and not length) or addr + length > U64:
        return -EINVAL
    if not length:
        return 0
    return -ENOMEM


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(AdviseCosts)
    registry.add_opcode(OpDef(IORING_OP_FADVISE, issue=fadvise_issue, prep=fadvise_prep, name="FADVISE", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_MADVISE, issue=madvise_issue, prep=madvise_prep, name="MADVISE"))
