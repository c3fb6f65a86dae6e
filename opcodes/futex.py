"""IORING_OP_FUTEX_WAIT, FUTEX_WAKE and FUTEX_WAITV (io_uring/futex.c, kernel/futex/).

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

WAITV (``io_futexv_prep``, ``io_futexv_wait``): ``addr`` a list of
:class:`~simuring.abi.posix.FutexWaitv`, ``len`` how many (1..128); prep
refuses non-zero ``fd``, ``addr2``, ``addr3``, op-flags, ``buf_index``,
``file_index`` and reads every entry (``futex_parse_waitv``: past the list
-EFAULT; bad flags, size, reserved word or value -EINVAL).  At issue every
key is taken before any word is read; a word that differs unqueues the
entries before it: -EAGAIN.  Its waiters match any mask.  The first wake or
cancel claims the request (``io_futexv_claim``); a wake of another of its
words before the completion ran still counts that waiter.  At completion
(``io_futexv_complete``) every entry leaves the hash and a woken WAITV's
result is the index of the entry woken.

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
from typing import TYPE_CHECKING, ClassVar, Final, cast

import attrs

from simuring.abi.errno import EAGAIN, ECANCELED, EFAULT, EINVAL, ENOENT
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_OP_FUTEX_WAIT,
    IORING_OP_FUTEX_WAITV,
    IORING_OP_FUTEX_WAKE,
    Sqe,
)
from simuring.abi.posix import (
    FUTEX2_MPOL,
    FUTEX2_NUMA,
    FUTEX2_PRIVATE,
    FUTEX2_SIZE_U32,
    FUTEX_BITSET_MATCH_ANY,
    FUTEX_WAITV_MAX,
    PAGE_SIZE,
    FutexWaitv,
)
from simuring.cost import param
from simuring.kernel.cancel import CancelData, CancelTable, CancelTables
from simuring.kernel.ext import KernelExt, RingExt
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, complete_from_iowq, post_completion
from simuring.kernel.submit import SqeSlot
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx

FUTEX2_SIZE_MASK: Final = 0x03
FUTEX2_VALID_MASK: Final = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE
FUTEX_NO_NODE: Final = 0xFFFF_FFFF
U32: Final = 0xFFFF_FFFF
U64: Final = 0xFFFF_FFFF_FFFF_FFFF
TASK_SIZE_MAX: Final = (1 << 47) - PAGE_SIZE
"""x86-64's end of the user address space: ``access_ok`` refuses a range past it."""

KEY_PRIVATE: Final = 0
KEY_SHARED: Final = 1
KEY_COPY: Final = 2

Key = tuple[int, int]


@attrs.frozen
class FutexCosts:
    """FUTEX_WAIT, FUTEX_WAITV and FUTEX_WAKE."""

    SECTION: ClassVar[str] = "futex"

    wait_ns: int = param(150, "ns", "FUTEX_WAIT: hash the key, read the futex word and queue the waiter (futex_wait_setup, futex_queue); FUTEX_WAITV: per futex")
    wake_ns: int = param(100, "ns", "FUTEX_WAKE: hash the key and walk its chain (futex_wake), plus queueing each woken waiter's task work")


class FutexQ:
    """``struct futex_q``: one waiter on one futex word (a WAITV has one per entry)."""

    __slots__ = ("req", "index", "uaddr", "val", "flags", "bitset", "key")

    def __init__(self, req: Request, index: int, uaddr: object, val: int, flags: int, bitset: int) -> None:
        self.req = req
        self.index = index
        self.uaddr = uaddr
        self.val = val
        self.flags = flags  # the futex2 flags as given
        self.bitset = bitset
        self.key: Key | None = None  # set while queued on the hash


class FutexOp:
    """``struct io_futex``: the WAIT's or WAITV's waiters (one for WAIT), WAKE's fields in ``qs[0]``."""

    __slots__ = ("qs", "vector", "claimed")

    def __init__(self, qs: list[FutexQ], vector: bool) -> None:
        self.qs = qs
        self.vector = vector  # FUTEX_WAITV
        self.claimed = False  # ``futexv_owned``: a wake or a cancel took the WAITV


class FutexHash(KernelExt):
    """The futex hash table: one chain of waiters per key, in arrival order."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.chains: dict[Key, list[FutexQ]] = {}


class RingFutexes(RingExt):
    """``ctx->futex_list``: the ring's FUTEX_WAIT / WAITV requests, newest first."""

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


def _unqueue(q: FutexQ) -> bool:
    """``futex_unqueue``: False when the waiter was no longer queued."""
    key = q.key
    if key is None:
        return False
    q.key = None
    chains = q.req.ctx.kernel.ext(FutexHash).chains
    chain = chains.get(key)
    if chain is not None and q in chain:
        chain.remove(q)
        if not chain:
            del chains[key]
    return True


def _unqueue_multiple(op: FutexOp) -> int:
    """``futex_unqueue_multiple``: unqueue every waiter; the last index that was
    no longer queued (the woken one), or -1."""
    ret = -1
    for q in op.qs:
        if not _unqueue(q):
            ret = q.index
    return ret


def _off_list(req: Request) -> None:
    """``hlist_del_init(&req->hash_node)``."""
    req.cancel_hook = None
    lst = req.ctx.ext(RingFutexes).reqs
    if req in lst:
        lst.remove(req)


def _complete_tw(by: Task | None, req: Request, res: int) -> None:
    """``io_req_task_work_add`` of ``io_futex_complete`` / ``io_futexv_complete``: the
    result set without ``req_set_fail``; a WAITV's waiters still queued leave the
    hash then, and a woken WAITV's result is the index of the futex that woke it."""

    def run(task: Task) -> None:
        op: FutexOp = req.op
        ret = res
        if op.vector:
            idx = _unqueue_multiple(op)
            if idx != -1:
                ret = idx
        _off_list(req)
        post_completion(task, req, ret, 0, set_fail=False)

    req_task_work_add(by, req, run, lazy=False)


def futex_cancel(by: Task | None, req: Request) -> bool:
    """``__io_futex_cancel``: take a waiting WAIT (or unclaimed WAITV) off and complete it with -ECANCELED."""
    op: FutexOp = req.op
    if op.vector:
        if op.claimed:  # io_futexv_claim
            return False
        op.claimed = True
    elif not _unqueue(op.qs[0]):
        return False
    _off_list(req)
    _complete_tw(by, req, -ECANCELED)
    return True


def _wake_one(by: Task, q: FutexQ) -> None:
    """``q->wake``: ``io_futex_wake_fn`` or ``io_futexv_wake_fn``."""
    req = q.req
    op: FutexOp = req.op
    if op.vector:
        if op.claimed:
            return  # counted by the waker all the same; the waiter stays queued until the completion
        op.claimed = True
    _unqueue(q)  # __futex_wake_mark
    _complete_tw(by, req, 0)


def _u64(v: object) -> int:
    """A pointer-or-integer field as the kernel reads it (-1 when it is neither)."""
    if v is None:
        return 0
    if isinstance(v, int):
        return v & U64
    return -1


def _flags_ok(flags: int) -> bool:
    """futex2 flags: only known bits (``FUTEX2_VALID_MASK``) and a 32-bit size (``futex_flags_valid``)."""
    return not flags & ~FUTEX2_VALID_MASK and flags & FUTEX2_SIZE_MASK == FUTEX2_SIZE_U32


def futex_prep(req: Request, sqe: Sqe) -> int:
    """``io_futex_prep`` (FUTEX_WAIT and FUTEX_WAKE)."""
    s = cast(SqeSlot, sqe)
    length, futex_flags, buf_index, file_index = s.len, s.op_flags, s.buf_index, s.file_index
    if length or futex_flags or buf_index or file_index:
        return -EINVAL
    val, mask, flags = _u64(s.off), _u64(s.addr3), s.fd
    if val < 0 or mask < 0 or not isinstance(flags, int):
        return -EINVAL
    flags &= U32
    if not _flags_ok(flags):
        return -EINVAL
    if val > U32 or mask > U32:  # futex_validate_input
        return -EINVAL
    req.op = FutexOp([FutexQ(req, 0, s.addr, val, flags, mask)], False)
    return 0


def futexv_prep(req: Request, sqe: Sqe) -> int:
    """``io_futexv_prep`` -> ``futex_parse_waitv``: the vector (a list of
    :class:`~simuring.abi.posix.FutexWaitv` in ``addr``, ``len`` entries) is
    read and checked at prep; reading past the list, or anything but a list, is -EFAULT."""
    s = cast(SqeSlot, sqe)
    if s.fd or s.buf_index or s.file_index or s.off or s.op_flags or s.addr3:
        return -EINVAL
    nr = s.len
    if not isinstance(nr, int):
        return -EINVAL
    nr &= U32
    if not nr or nr > FUTEX_WAITV_MAX:
        return -EINVAL
    vec = s.addr
    qs: list[FutexQ] = []
    for i in range(nr):
        if not isinstance(vec, (list, tuple)) or i >= len(vec) or not isinstance(vec[i], FutexWaitv):
            return -EFAULT  # copy_from_user
        w: FutexWaitv = vec[i]
        flags, reserved, val = w.flags, w.reserved, w.val
        if not (isinstance(flags, int) and isinstance(reserved, int) and isinstance(val, int)):
            return -EFAULT
        flags &= U32
        if flags & ~FUTEX2_VALID_MASK or reserved & U32:
            return -EINVAL
        if not _flags_ok(flags) or val & U64 > U32:
            return -EINVAL
        qs.append(FutexQ(req, i, w.uaddr, val & U64, flags, FUTEX_BITSET_MATCH_ANY))
    req.op = FutexOp(qs, True)
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


def _futex_key(req: Request, q: FutexQ) -> Key | int:
    """``get_futex_key``: the key, or -EINVAL / -EFAULT.  Writes the node word of a
    FUTEX2_NUMA futex set to FUTEX_NO_NODE."""
    size = 8 if q.flags & FUTEX2_NUMA else 4
    shared = not q.flags & FUTEX2_PRIVATE
    uaddr = q.uaddr
    mem: memoryview | None = None
    if uaddr is None or isinstance(uaddr, int):
        address = _u64(uaddr)
    else:
        mem = _flat(uaddr)
        if mem is None or len(mem) == 0:
            return -EFAULT
        if mem.readonly:  # the real backend passes a private copy: aligned, named by nothing else
            return -EFAULT if len(mem) < size else (KEY_COPY, req.id << 8 | q.index)
        address = ctypes.addressof(ctypes.c_char.from_buffer(mem))
    if address % size:
        return -EINVAL
    if address + size > TASK_SIZE_MAX:
        return -EFAULT  # access_ok
    if q.flags & FUTEX2_NUMA:
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


def _word(q: FutexQ) -> int:
    """The futex word (``futex_get_value_locked``), or -EFAULT."""
    uaddr = q.uaddr
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


def _park(req: Request) -> IssueResult:
    """``hlist_add_head(&req->hash_node, &ctx->futex_list)``: the request waits."""
    req.ctx.ext(RingFutexes).reqs.insert(0, req)
    req.cancel_hook = FutexHook(req)
    return ISSUE_SKIP_COMPLETE


def futex_wait_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_futex_wait`` -> ``futex_wait_setup``, ``futex_queue``."""
    op: FutexOp = req.op
    q = op.qs[0]
    req.worker.charge(req.ctx.kernel.costs.get(FutexCosts).wait_ns)
    if not q.bitset:
        return _finish(req, issue_flags, -EINVAL)
    key = _futex_key(req, q)
    if isinstance(key, int):
        return _finish(req, issue_flags, key)
    uval = _word(q)
    if uval < 0:
        return _finish(req, issue_flags, uval)
    if uval != q.val:
        return _finish(req, issue_flags, -EAGAIN)
    q.key = key
    req.ctx.kernel.ext(FutexHash).chains.setdefault(key, []).append(q)
    return _park(req)


def futexv_wait_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_futexv_wait`` -> ``futex_wait_multiple_setup``: every key first (an
    error there before any word is read), then each word in order: one that
    differs unqueues those already queued and is -EAGAIN."""
    op: FutexOp = req.op
    req.worker.charge(req.ctx.kernel.costs.get(FutexCosts).wait_ns * len(op.qs))
    keys: list[Key] = []
    for q in op.qs:
        key = _futex_key(req, q)
        if isinstance(key, int):
            return _finish(req, issue_flags, key)
        keys.append(key)
    chains = req.ctx.kernel.ext(FutexHash).chains
    for q, key in zip(op.qs, keys, strict=True):
        uval = _word(q)
        if uval >= 0 and uval == q.val:
            q.key = key
            chains.setdefault(key, []).append(q)
            continue
        _unqueue_multiple(op)
        return _finish(req, issue_flags, uval if uval < 0 else -EAGAIN)
    return _park(req)


def futex_wake_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_futex_wake`` -> ``futex_wake(uaddr, FLAGS_STRICT | flags, val, mask)``."""
    op: FutexOp = req.op
    q = op.qs[0]
    by = req.worker
    by.charge(req.ctx.kernel.costs.get(FutexCosts).wake_ns)
    if not q.bitset:
        return -EINVAL
    key = _futex_key(req, q)
    if isinstance(key, int):
        return key
    nr_wake = q.val - (1 << 32) if q.val >= 1 << 31 else q.val  # an int parameter
    if not nr_wake:
        return 0  # FLAGS_STRICT
    chain = req.ctx.kernel.ext(FutexHash).chains.get(key)
    woken = 0
    if chain is not None:
        for waiter in list(chain):
            if not waiter.bitset & q.bitset:
                continue
            _wake_one(by, waiter)
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
        _unqueue_multiple(req.op)
        _off_list(req)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(FutexCosts)
    registry.add_opcode(OpDef(IORING_OP_FUTEX_WAIT, issue=futex_wait_issue, prep=futex_prep, name="FUTEX_WAIT"))
    registry.add_opcode(OpDef(IORING_OP_FUTEX_WAKE, issue=futex_wake_issue, prep=futex_prep, name="FUTEX_WAKE"))
    registry.add_opcode(OpDef(IORING_OP_FUTEX_WAITV, issue=futexv_wait_issue, prep=futexv_prep, name="FUTEX_WAITV"))
    registry.on_ring_exit(_ring_exit)
