"""IORING_OP_FUTEX_WAIT and IORING_OP_FUTEX_WAKE (io_uring/futex.c, kernel/futex/).

The SQE (``io_futex_prep``): ``addr`` the futex word, ``addr2`` (``off``)
the value (WAIT) or the most waiters to wake (WAKE), ``addr3`` the bitset
mask, ``fd`` the futex2 flags.  Prep refuses, in this order: a non-zero
``len``, ``futex_flags`` (the op-flags word), ``buf_index`` or
``file_index`` (-EINVAL); futex2 flags outside FUTEX2_SIZE_MASK |
FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE (``fd`` is read as a u32, so a
negative one is refused); a size other than FUTEX2_SIZE_U32
(``futex_flags_valid``); a value or mask that does not fit in 32 bits
(``futex_validate_input``).  A mask of 0 passes prep.

WAIT (``io_futex_wait``): a mask of 0 is -EINVAL; then ``get_futex_key``:
an address that is not a multiple of the futex size (4; 8 with
FUTEX2_NUMA, whose word is followed by a node word) is -EINVAL, one past the
user address space -EFAULT; a shared futex (no FUTEX2_PRIVATE) needs mapped
memory (-EFAULT otherwise).  The word is read (-EFAULT when unmapped); a value
other than ``addr2`` is -EAGAIN at once.  Otherwise the request waits on the
futex hash (a chain per key, in arrival order, ``futex_queue``) and in the
ring's ``futex_list`` (newest first).  Every error fails the request's link
(``req_set_fail``).

WAKE (``io_futex_wake`` -> ``futex_wake`` with FLAGS_STRICT): a mask of 0 is
-EINVAL, then the same key checks (a private futex only needs an address
within the user address space: a private WAKE of NULL is 0); a count of 0 is
0 without looking; otherwise the waiters of that key whose mask intersects
the WAKE's are woken in arrival order, at most ``addr2`` of them (read as a C
``int``: a count of 2^31 or more is negative, and wakes one).  The result is
the number woken; each woken WAIT completes with 0 through task work
(``io_futex_wake_fn`` -> ``io_req_task_work_add``), so the WAKE's own CQE
comes first.

Keys: a private and a shared futex on the same word are different keys
(``FUT_OFF_MMSHARED`` in the shared key of anonymous memory), so a private
WAKE does not wake a shared WAIT.  The address of a user buffer is its real
address in the Python process, as the conformance backend passes it to the
real kernel (a ``bytearray`` or writable ``memoryview`` is used in place, so
``memoryview(buf)[1:]`` is misaligned on both sides).  A read-only buffer
stands for a private copy (what the real backend passes): readable, aligned,
and no other request ever names it.  An integer address is not mapped in the
model: reading through it is -EFAULT.  With FUTEX2_NUMA the node word is
checked as on a one-node machine: FUTEX_NO_NODE (~0) is replaced by node 0
(written back), 0 passes, any other node is -EINVAL.

Cancel (``io_futex_cancel``, searched after armed polls and before
timeouts; never by file, -ENOENT with IORING_ASYNC_CANCEL_FD): matches by
user_data (or any with IORING_ASYNC_CANCEL_ANY) in ``futex_list`` order;
without IORING_ASYNC_CANCEL_ALL it stops at the first match; its answer is
the number cancelled, which is what an ASYNC_CANCEL of one WAIT returns (1,
not 0).  A cancelled WAIT completes with -ECANCELED from task work without
``req_set_fail``: its link goes on, and with IOSQE_CQE_SKIP_SUCCESS no CQE
is posted.  A ring's exit takes its waits off the hash
(``io_futex_remove_all``), so a later WAKE from another ring does not count
them.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, ClassVar, Final, Protocol, cast

import attrs

from simuring.abi.errno import EAGAIN, ECANCELED, EFAULT, EINVAL, ENOENT
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_OP_FUTEX_WAIT,
    IORING_OP_FUTEX_WAKE,
    Sqe,
)
from simuring.abi.posix import PAGE_SIZE
from simuring.cost import param
from simuring.kernel.cancel import CancelData, CancelTable, CancelTables
from simuring.kernel.ext import KernelExt, RingExt
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, complete_from_iowq, post_completion
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx

FUTEX2_SIZE_U32: Final = 0x02
FUTEX2_SIZE_MASK: Final = 0x03
FUTEX2_NUMA: Final = 0x04
FUTEX2_MPOL: Final = 0x08
FUTEX2_PRIVATE: Final = 128
FUTEX2_VALID_MASK: Final = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE
FUTEX_NO_NODE: Final = 0xFFFF_FFFF
U32: Final = 0xFFFF_FFFF
U64: Final = 0xFFFF_FFFF_FFFF_FFFF
TASK_SIZE_MAX: Final = (1 << 47) - PAGE_SIZE
"""x86-64's end of the user address space: ``access_ok`` refuses a range past it."""

KEY_PRIVATE: Final = 0
KEY_SHARED: Final = 1
KEY_COPY: Final = 2


@attrs.frozen
class FutexCosts:
    """FUTEX_WAIT and FUTEX_WAKE."""

    SECTION: ClassVar[str] = "futex"

    wait_ns: int = param(150, "ns", "FUTEX_WAIT: hash the key, read the futex word and queue the waiter (futex_wait_setup, futex_queue)")
    wake_ns: int = param(100, "ns", "FUTEX_WAKE: hash the key and walk its chain (futex_wake), plus queueing each woken waiter's task work")


class _FutexSqe(Protocol):
    """The SQE fields prep reads, as found in the slot (no declared types: a
    value that is not an int gives -EINVAL instead of a TypeError in the
    compiled build)."""

    fd: object
    off: object
    addr: object
    len: object
    op_flags: object
    buf_index: object
    file_index: object
    addr3: object


class FutexOp:
    """``struct io_futex`` (with the waiter's ``futex_q`` key)."""

    __slots__ = ("uaddr", "val", "mask", "flags", "key")

    def __init__(self, uaddr: object, val: int, mask: int, flags: int) -> None:
        self.uaddr = uaddr
        self.val = val
        self.mask = mask
        self.flags = flags  # the futex2 flags as given
        self.key: tuple[int, int] | None = None  # set while queued


class FutexHash(KernelExt):
    """The futex hash table: one FIFO chain of waiting requests per key."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.chains: dict[tuple[int, int], list[Request]] = {}


class RingFutexes(RingExt):
    """``ctx->futex_list``: the ring's waiting FUTEX_WAITs, newest first."""

    def __init__(self, ctx: RingCtx) -> None:
        super().__init__(ctx)
        self.reqs: list[Request] = []
        ctx.ext(CancelTables).searchers[CancelTable.FUTEX] = self.cancel_search

    def cancel_search(self, by: Task, cd: CancelData) -> int:
        """``io_futex_cancel``: the number cancelled, or -ENOENT."""
        if cd.flags & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED):
            return -ENOENT
        nr = 0
        for req in list(self.reqs):
            if req.user_data != cd.addr and not cd.flags & IORING_ASYNC_CANCEL_ANY:
                continue
            if futex_cancel(by, req):
                nr += 1
            if not cd.flags & IORING_ASYNC_CANCEL_ALL:
                break
        return nr if nr else -ENOENT


class FutexHook:
    """The waiting request's ``cancel_hook`` (LINK_TIMEOUT's cancel of the request it guards)."""

    __slots__ = ("req",)

    def __init__(self, req: Request) -> None:
        self.req = req

    @property
    def cancel_table(self) -> CancelTable:
        return CancelTable.FUTEX

    def cancel(self, by: Task | None) -> int:
        """``io_try_cancel`` reaching ``io_futex_cancel``: its count, 1, on success (so
        a LINK_TIMEOUT that cancels a WAIT completes with 1, not -ETIME)."""
        return 1 if futex_cancel(by, self.req) else -ENOENT


def _unqueue(req: Request) -> bool:
    """``futex_unqueue`` and ``hlist_del_init``: False when no longer queued (woken)."""
    op: FutexOp = req.op
    key = op.key
    if key is None:
        return False
    op.key = None
    req.cancel_hook = None
    chains = req.ctx.kernel.ext(FutexHash).chains
    chain = chains.get(key)
    if chain is not None and req in chain:
        chain.remove(req)
        if not chain:
            del chains[key]
    lst = req.ctx.ext(RingFutexes).reqs
    if req in lst:
        lst.remove(req)
    return True


def _complete_tw(by: Task | None, req: Request, res: int) -> None:
    """``io_req_task_work_add`` of ``io_futex_complete``: the result set without ``req_set_fail``."""

    def run(task: Task) -> None:
        post_completion(task, req, res, 0, set_fail=False)

    req_task_work_add(by, req, run, lazy=False)


def futex_cancel(by: Task | None, req: Request) -> bool:
    """``__io_futex_cancel``: take a waiting WAIT off and complete it with -ECANCELED."""
    if not _unqueue(req):
        return False
    _complete_tw(by, req, -ECANCELED)
    return True


def _u64(v: object) -> int:
    """A pointer-or-integer field as the kernel reads it (-1 when it is neither)."""
    if v is None:
        return 0
    if isinstance(v, int):
        return v & U64
    return -1


def futex_prep(req: Request, sqe: Sqe) -> int:
    """``io_futex_prep``."""
    s = cast(_FutexSqe, sqe)
    length, futex_flags, buf_index, file_index = s.len, s.op_flags, s.buf_index, s.file_index
    if length or futex_flags or buf_index or file_index:
        return -EINVAL
    val, mask, flags = _u64(s.off), _u64(s.addr3), s.fd
    if val < 0 or mask < 0 or not isinstance(flags, int):
        return -EINVAL
    flags &= U32
    if flags & ~FUTEX2_VALID_MASK:
        return -EINVAL
    if flags & FUTEX2_SIZE_MASK != FUTEX2_SIZE_U32:  # futex_flags_valid
        return -EINVAL
    if val > U32 or mask > U32:  # futex_validate_input
        return -EINVAL
    req.op = FutexOp(s.addr, val, mask, flags)
    return 0


def _flat(buf: object) -> memoryview | None:
    """A user buffer as flat bytes, or None when it is no flat user memory."""
    try:
        mv = memoryview(buf)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not mv.c_contiguous:
        return None
    if mv.ndim != 1 or mv.itemsize != 1:
        try:
            mv = mv.cast("B")
        except (TypeError, ValueError):
            return None
    return mv


def _futex_key(req: Request, op: FutexOp) -> tuple[int, int] | int:
    """``get_futex_key``: the key, or -EINVAL / -EFAULT.  Writes the node word of a
    FUTEX2_NUMA futex set to FUTEX_NO_NODE."""
    size = 8 if op.flags & FUTEX2_NUMA else 4
    shared = not op.flags & FUTEX2_PRIVATE
    uaddr = op.uaddr
    mem: memoryview | None = None
    if uaddr is None or isinstance(uaddr, int):
        address = _u64(uaddr)
    else:
        mem = _flat(uaddr)
        if mem is None or len(mem) == 0:
            return -EFAULT
        if mem.readonly:  # the real backend passes a private copy: aligned, named by nothing else
            return -EFAULT if len(mem) < size else (KEY_COPY, req.id)
        address = ctypes.addressof(ctypes.c_char.from_buffer(mem))
    if address % size:
        return -EINVAL
    if address + size > TASK_SIZE_MAX:
        return -EFAULT  # access_ok
    if op.flags & FUTEX2_NUMA:
        if mem is None or len(mem) < size:
            return -EFAULT
        node = int.from_bytes(mem[4:8], "little")
        if node != FUTEX_NO_NODE and node != 0:
            return -EINVAL  # a node that is not possible on a one-node machine
        if node == FUTEX_NO_NODE:
            mem[4:8] = (0).to_bytes(4, "little")
    if shared and mem is None:
        return -EFAULT  # get_user_pages_fast: nothing mapped there
    return (KEY_SHARED if shared else KEY_PRIVATE, address)


def _word(req: Request, op: FutexOp) -> int:
    """The futex word (``futex_get_value_locked``), or -EFAULT."""
    uaddr = op.uaddr
    if uaddr is None or isinstance(uaddr, int):
        return -EFAULT
    mv = _flat(uaddr)
    if mv is None or len(mv) < 4:
        return -EFAULT
    return int.from_bytes(mv[:4], "little")


def _finish(req: Request, issue_flags: int, res: int) -> IssueResult:
    """Complete now with ``res`` (``req_set_fail`` when negative): the result is
    posted here, so that -EAGAIN is a result and not a request to retry."""
    if issue_flags & IO_URING_F_IOWQ:
        complete_from_iowq(req.worker, req, res, 0)
    else:
        post_completion(req.worker, req, res, 0)
    return ISSUE_SKIP_COMPLETE


def futex_wait_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_futex_wait`` -> ``futex_wait_setup``, ``futex_queue``."""
    op: FutexOp = req.op
    by = req.worker
    by.charge(req.ctx.kernel.costs.get(FutexCosts).wait_ns)
    if not op.mask:
        return _finish(req, issue_flags, -EINVAL)
    key = _futex_key(req, op)
    if isinstance(key, int):
        return _finish(req, issue_flags, key)
    uval = _word(req, op)
    if uval < 0:
        return _finish(req, issue_flags, uval)
    if uval != op.val:
        return _finish(req, issue_flags, -EAGAIN)
    op.key = key
    req.ctx.kernel.ext(FutexHash).chains.setdefault(key, []).append(req)
    req.ctx.ext(RingFutexes).reqs.insert(0, req)
    req.cancel_hook = FutexHook(req)
    return ISSUE_SKIP_COMPLETE


def futex_wake_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_futex_wake`` -> ``futex_wake(uaddr, FLAGS_STRICT | flags, val, mask)``."""
    op: FutexOp = req.op
    by = req.worker
    by.charge(req.ctx.kernel.costs.get(FutexCosts).wake_ns)
    if not op.mask:
        return -EINVAL
    key = _futex_key(req, op)
    if isinstance(key, int):
        return key
    nr_wake = op.val - (1 << 32) if op.val >= 1 << 31 else op.val  # an int parameter
    if not nr_wake:
        return 0  # FLAGS_STRICT
    chain = req.ctx.kernel.ext(FutexHash).chains.get(key)
    woken = 0
    if chain is not None:
        for waiter in list(chain):
            wop: FutexOp = waiter.op
            if not wop.mask & op.mask:
                continue
            _unqueue(waiter)
            _complete_tw(by, waiter, 0)  # io_futex_wake_fn
            woken += 1
            if woken >= nr_wake:
                break
    return woken


def _ring_exit(task: Task | None, ctx: RingCtx) -> None:
    """``io_futex_remove_all``: the ring's waits leave the hash (no CQE: the ring is gone)."""
    st = ctx.peek_ext(RingFutexes)
    if st is None:
        return
    for req in list(st.reqs):
        _unqueue(req)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(FutexCosts)
    registry.add_opcode(OpDef(IORING_OP_FUTEX_WAIT, issue=futex_wait_issue, prep=futex_prep, name="FUTEX_WAIT"))
    registry.add_opcode(OpDef(IORING_OP_FUTEX_WAKE, issue=futex_wake_issue, prep=futex_prep, name="FUTEX_WAKE"))
    registry.on_ring_exit(_ring_exit)
