"""IORING_OP_FSETXATTR, IORING_OP_SETXATTR, IORING_OP_FGETXATTR, IORING_OP_GETXATTR
(io_uring/xattr.c; the checks of fs/xattr.c, modelled in :mod:`simuring.kernel.xattr`).

SQE fields (io_uring_prep_fsetxattr(3) ...): ``addr`` the name, ``addr2``
(``off``) the value buffer, ``len`` its size, ``xattr_flags`` (the op flags)
the flags, ``addr3`` the path of the path forms, ``fd`` the file of the fd
forms (``needs_file``: -EBADF at issue when it is not open).

Prep, in the kernel's order: a path form with IOSQE_FIXED_FILE is -EBADF
(``io_setxattr_prep`` / ``io_getxattr_prep``; the fd forms take a registered
file).  The get forms (``__io_getxattr_prep``): non-zero flags -EINVAL, then
the name (``import_xattr_name``: -EFAULT, -ERANGE).  The set forms
(``__io_setxattr_prep`` -> ``setxattr_copy``): flags other than
XATTR_CREATE | XATTR_REPLACE -EINVAL, the name, a size above 65536 -E2BIG,
the value copied now (-EFAULT).  The path forms then read the path
(``getname``: -EFAULT, "" -ENOENT, PATH_MAX bytes or more -ENAMETOOLONG).
Every request then runs from io-wq (REQ_F_FORCE_ASYNC).

Issue (``io_fsetxattr`` / ``io_setxattr`` -> ``file_setxattr`` /
``filename_setxattr``; ``io_fgetxattr`` / ``io_getxattr`` -> ``file_getxattr``
/ ``filename_getxattr``): the path forms look the path up from the working
directory (absolute paths as OPENAT's; a missing file -ENOENT), then
:func:`~simuring.kernel.xattr.vfs_setxattr` or
:func:`~simuring.kernel.xattr.do_getxattr`.  The result is set with
``io_req_set_res`` and no ``req_set_fail``: a failure at issue does not fail
the link (the next request runs); a failure at prep does, as any.

Cost: ``[xattr]`` ``xattr_ns`` per request, plus the value's copy; the path
forms add ``[file]`` ``open_ns`` (the path walk).
"""

from __future__ import annotations

from typing import ClassVar, Final, cast

import attrs

from simuring.abi.errno import EBADF, EINVAL
from simuring.abi.io_uring import (
    IORING_OP_FGETXATTR,
    IORING_OP_FSETXATTR,
    IORING_OP_GETXATTR,
    IORING_OP_SETXATTR,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.cost import param
from simuring.host.memory import memcpy_ns
from simuring.kernel.costs import FileCosts
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.submit import SqeSlot
from simuring.kernel.xattr import (
    Xattrs,
    do_getxattr,
    file_xattrs,
    import_name,
    lookup_xattrs,
    setxattr_copy,
    vfs_setxattr,
)
from simuring.opcodes.open import getname
from simuring.opcodes.sync import complete_no_fail

U32: Final = 0xFFFF_FFFF


@attrs.frozen
class XattrCosts:
    """FSETXATTR, SETXATTR, FGETXATTR, GETXATTR."""

    SECTION: ClassVar[str] = "xattr"

    xattr_ns: int = param(
        300,
        "ns",
        "one extended attribute get or set: the handler lookup and the in-memory table's search or update (simple_xattr_get / simple_xattr_set), besides the value's copy",
    )


class XattrOp:
    """``struct io_xattr``: the name, the value (a copy for a set, the user buffer for a
    get), the size, the flags and the path (None for the fd forms)."""

    __slots__ = ("name", "value", "size", "flags", "path")

    def __init__(self, name: str, value: object, size: int, flags: int, path: str | None) -> None:
        self.name = name
        self.value = value
        self.size = size
        self.flags = flags
        self.path = path


def _prep(req: Request, sqe: Sqe, setting: bool, path_form: bool) -> int:
    """``__io_setxattr_prep`` / ``__io_getxattr_prep``, and the path of the path forms."""
    s = cast(SqeSlot, sqe)
    if path_form and req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    size, flags = s.len, s.op_flags
    if not isinstance(size, int) or not isinstance(flags, int):
        return -EINVAL
    size &= U32
    flags &= U32
    value: object = s.off
    if setting:
        copied = setxattr_copy(s.addr, value, size, flags)
        if isinstance(copied, int):
            return copied
        name, value = copied
    else:
        if flags:
            return -EINVAL
        got = import_name(s.addr)
        if isinstance(got, int):
            return got
        name = got
    path: str | None = None
    if path_form:
        got_path = getname(s.addr3)
        if isinstance(got_path, int):
            return got_path
        path = got_path
    req.op = XattrOp(name, value, size, flags, path)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def fsetxattr_prep(req: Request, sqe: Sqe) -> int:
    """``io_fsetxattr_prep``."""
    return _prep(req, sqe, True, False)


def setxattr_prep(req: Request, sqe: Sqe) -> int:
    """``io_setxattr_prep``."""
    return _prep(req, sqe, True, True)


def fgetxattr_prep(req: Request, sqe: Sqe) -> int:
    """``io_fgetxattr_prep``."""
    return _prep(req, sqe, False, False)


def getxattr_prep(req: Request, sqe: Sqe) -> int:
    """``io_getxattr_prep``."""
    return _prep(req, sqe, False, True)


def _table(req: Request, op: XattrOp) -> Xattrs | None | int:
    """The target's table: the file's (fd forms) or the path's (``filename_lookup``), or -errno."""
    kernel = req.ctx.kernel
    if op.path is None:
        return file_xattrs(req.file)
    req.worker.charge(kernel.costs.get(FileCosts).open_ns)
    return lookup_xattrs(kernel, op.path)


def setxattr_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_fsetxattr`` / ``io_setxattr``."""
    op: XattrOp = req.op
    costs = req.ctx.kernel.costs
    value = cast(bytes, op.value)
    req.worker.charge(costs.get(XattrCosts).xattr_ns + memcpy_ns(costs, len(value)))
    table = _table(req, op)
    ret = table if isinstance(table, int) else vfs_setxattr(table, op.name, value, op.flags)
    return complete_no_fail(req, issue_flags, ret)


def getxattr_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_fgetxattr`` / ``io_getxattr``."""
    op: XattrOp = req.op
    costs = req.ctx.kernel.costs
    table = _table(req, op)
    ret = table if isinstance(table, int) else do_getxattr(table, op.name, op.value, op.size)
    req.worker.charge(costs.get(XattrCosts).xattr_ns + memcpy_ns(costs, max(ret, 0)))
    return complete_no_fail(req, issue_flags, ret)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(XattrCosts)
    for opcode, name, issue, prep, fd_form in (
        (IORING_OP_FSETXATTR, "FSETXATTR", setxattr_issue, fsetxattr_prep, True),
        (IORING_OP_SETXATTR, "SETXATTR", setxattr_issue, setxattr_prep, False),
        (IORING_OP_FGETXATTR, "FGETXATTR", getxattr_issue, fgetxattr_prep, True),
        (IORING_OP_GETXATTR, "GETXATTR", getxattr_issue, getxattr_prep, False),
    ):
        registry.add_opcode(OpDef(opcode, issue=issue, prep=prep, name=name, needs_file=fd_form))
