"""IORING_OP_READ_FIXED / WRITE_FIXED and READV_FIXED / WRITEV_FIXED
(io_uring/rw.c) on registered buffers.

They are READ and WRITE (:mod:`simuring.opcodes.rw`) whose memory is a
registered buffer (:mod:`simuring.kernel.rsrc`): ``sqe.buf_index`` names the
slot and ``addr`` / ``len`` the range inside it.

* Prep (``io_prep_read_fixed`` / ``io_prep_write_fixed`` = ``__io_prep_rw``)
  reads the same fields as READ / WRITE (rw_flags, offset, ioprio) and
  ``buf_index`` (a u16), and imports nothing: a bad buffer is not a prep
  error.
* Issue (``io_read_fixed`` / ``io_write_fixed``) first imports the range
  (``io_init_rw_fixed`` -> ``io_import_reg_buf``), before any file check:
  no buffer registered, ``buf_index`` past the table or an empty slot, or a
  range not all inside the buffer (``addr + len`` wrapping, ``addr`` below
  it or the end past it) is -EFAULT, whatever the fd.  Then the request is
  a READ / WRITE on that memory: same file checks, same poll and io-wq
  paths, same short-transfer rule.
* The buffer is looked up once (``io_find_buf_node`` keeps a reference on
  the node in ``req.buf_node``): a request re-issued after a poll uses the
  memory it imported first, even if the slot was updated or the table
  unregistered meanwhile, and the buffer's tag CQE then waits until the
  request is done.

READV_FIXED / WRITEV_FIXED (``io_prep_readv_fixed``, 6.15+): ``addr`` is
an iovec array of ``len`` entries whose ranges all lie in registered buffer
``buf_index``.  Prep copies the array (``io_prep_reg_iovec``: more than
UIO_MAXIOV entries -EINVAL, a huge count -ENOMEM for the array's
allocation, an unreadable array or entry -EFAULT, a length negative as a
``ssize_t`` -EINVAL); the issue imports every range
(``io_import_reg_vec``: no buffer -EFAULT, then per entry the range check
and -EFAULT for an empty entry), again before the file's checks.  Not
modelled: a WRITEV_FIXED / READV_FIXED on a file without ``->write_iter``
/ ``->read_iter`` (an eventfd's write), where the kernel's ``loop_rw_iter``
uses the iovec array's own address and count as the buffer.

Costs: the ``[rw]`` section's, as a READ / WRITE (prep and issue) or a READV
/ WRITEV (one ``iovec_ns`` per entry); the lookup and the range checks are
not charged apart (no new cost parameter).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EFAULT, EINVAL, ENOMEM
from simuring.abi.io_uring import (
    IORING_OP_READ_FIXED,
    IORING_OP_READV_FIXED,
    IORING_OP_WRITE_FIXED,
    IORING_OP_WRITEV_FIXED,
    Sqe,
)
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import find_buf, import_fixed, import_fixed_vec, user_iovec_entry
from simuring.opcodes.rw import UIO_MAXIOV, RwRing, RwState, prep_rw, rw_issue, rw_issue_nowait

if TYPE_CHECKING:
    import simpy

U32 = 0xFFFF_FFFF
IOV_ALLOC_MAX = (1 << 22) // 16
"""The most iovecs ``io_vec_realloc`` can allocate (``kmalloc_array`` of 16-byte
entries up to KMALLOC_MAX_SIZE, 4 MiB): a larger count is -ENOMEM before the
array is read."""


class FixedAddr:
    """What a fixed request's buffer stands for until the issue imports it: the
    registered slot and the user address inside it (``rw->addr``)."""

    __slots__ = ("buf_index", "addr")

    def __init__(self, buf_index: int, addr: object) -> None:
        self.buf_index = buf_index
        self.addr = addr


def _fixed_prep(req: Request, sqe: Sqe, write: bool) -> int:
    """``__io_prep_rw``: READ / WRITE's prep, then the buffer is kept as a
    :class:`FixedAddr` for the issue to import (``req->buf_index``, a u16)."""
    buf_index = sqe.buf_index
    if not isinstance(buf_index, int):
        return -EINVAL
    length = sqe.len
    if isinstance(length, int) and not isinstance(length, bool):
        sqe_len = length & U32  # a u32: a negative count is a huge one
    else:
        return -EINVAL
    err = prep_rw(req, sqe, write=write, vectored=False)
    if err:
        return err
    st: RwState = req.op
    st.raw = [(FixedAddr(buf_index & 0xFFFF, sqe.addr), sqe_len)]
    st.total = sqe_len
    return 0


class FixedVec:
    """A vectored fixed request's iovecs as prep copied them (``io->vec``):
    (address, length) pairs, imported from registered buffer ``buf_index`` at issue."""

    __slots__ = ("buf_index", "segs")

    def __init__(self, buf_index: int, segs: list[tuple[object, int]]) -> None:
        self.buf_index = buf_index
        self.segs = segs


def _fixed_vec_prep(req: Request, sqe: Sqe, write: bool) -> int:
    """``io_prep_readv_fixed`` / ``io_prep_writev_fixed``: ``__io_prep_rw``, then
    ``io_prep_reg_iovec`` copies the ``len`` iovecs at ``addr``."""
    buf_index = sqe.buf_index
    nr = sqe.len
    if not isinstance(buf_index, int) or not isinstance(nr, int) or isinstance(nr, bool):
        return -EINVAL
    nr &= U32
    err = prep_rw(req, sqe, write=write, vectored=False)
    if err:
        return err
    if nr > IOV_ALLOC_MAX:
        return -ENOMEM  # io_vec_realloc
    if nr > UIO_MAXIOV:
        return -EINVAL  # iovec_from_user
    segs: list[tuple[object, int]] = []
    if nr:
        iovs = sqe.addr
        if not isinstance(iovs, (list, tuple)) or nr > len(iovs):
            return -EFAULT
        for item in iovs[:nr]:
            seg = user_iovec_entry(item)
            if isinstance(seg, int):
                return seg
            segs.append(seg)
    req.task.charge(req.ctx.ext(RwRing).costs.iovec_ns * nr)
    st: RwState = req.op
    st.raw = [(FixedVec(buf_index & 0xFFFF, segs), 0)]
    st.total = 0
    st.vectored = True
    return 0


def readv_fixed_prep(req: Request, sqe: Sqe) -> int:
    return _fixed_vec_prep(req, sqe, write=False)


def writev_fixed_prep(req: Request, sqe: Sqe) -> int:
    return _fixed_vec_prep(req, sqe, write=True)


def read_fixed_prep(req: Request, sqe: Sqe) -> int:
    return _fixed_prep(req, sqe, write=False)


def write_fixed_prep(req: Request, sqe: Sqe) -> int:
    return _fixed_prep(req, sqe, write=True)


def _import_reg_buf(req: Request) -> int:
    """``io_init_rw_fixed`` / ``io_rw_import_reg_vec``: the registered memory the
    request reads into or writes from, looked up at the first issue and kept (0),
    or -EFAULT."""
    st: RwState = req.op
    if st.bufs is not None:
        return 0  # imported at an earlier issue: the node stays with the request
    fixed, length = st.raw[0]
    assert isinstance(fixed, (FixedAddr, FixedVec))
    buf = req.buf_node
    if buf is None:
        buf = find_buf(req.ctx, fixed.buf_index)
        if buf is None:
            return -EFAULT
        buf.refs += 1  # io_req_assign_buf_node: the request keeps the node until it is done
        req.buf_node = buf
    if isinstance(fixed, FixedAddr):
        view = import_fixed(buf, fixed.addr, length)
        if isinstance(view, int):
            return view
        st.bufs = [view]
        return 0
    views = import_fixed_vec(buf, fixed.segs)
    if isinstance(views, int):
        return views
    st.bufs = views
    st.total = sum(len(v) for v in views)
    return 0


def fixed_issue_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_read_fixed`` / ``io_write_fixed`` inline: import, then READ / WRITE's issue."""
    err = _import_reg_buf(req)
    if err:
        return err
    return rw_issue_nowait(req, issue_flags)


def fixed_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_read_fixed`` / ``io_write_fixed``: import, then READ / WRITE's issue (may block in io-wq)."""
    err = _import_reg_buf(req)
    if err:
        return err
    return (yield from rw_issue(req, issue_flags))


def register(registry: PluginRegistry) -> None:
    common: dict[str, Any] = dict(
        needs_file=True,
        unbound_nonreg_file=True,
        ioprio=True,
        iopoll=True,
        issue_nowait=fixed_issue_nowait,
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_READ_FIXED,
            issue=fixed_issue,
            prep=read_fixed_prep,
            name="READ_FIXED",
            pollin=True,
            **common,
        )
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_WRITE_FIXED,
            issue=fixed_issue,
            prep=write_fixed_prep,
            name="WRITE_FIXED",
            pollout=True,
            **common,
        )
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_READV_FIXED,
            issue=fixed_issue,
            prep=readv_fixed_prep,
            name="READV_FIXED",
            pollin=True,
            **common,
        )
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_WRITEV_FIXED,
            issue=fixed_issue,
            prep=writev_fixed_prep,
            name="WRITEV_FIXED",
            pollout=True,
            **common,
        )
    )
