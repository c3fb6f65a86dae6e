"""IORING_OP_EPOLL_CTL and IORING_OP_EPOLL_WAIT (io_uring/epoll.c); the epoll
object is :mod:`simuring.kernel.objects.epoll`.

EPOLL_CTL (``io_epoll_ctl_prep`` / ``io_epoll_ctl``): epoll_ctl(2) through
the ring.  ``fd`` is the epoll descriptor, ``len`` the op, ``off`` the target
descriptor (both read as C ints), ``addr`` the ``struct epoll_event``.  At
prep: non-zero ``buf_index`` or ``splice_fd_in`` is -EINVAL, and for every op
but EPOLL_CTL_DEL the event is copied in (-EFAULT), so a later change of the
user's struct is not seen.  The op does not take the descriptors as the
request's file (``needs_file`` unset): ``do_epoll_ctl`` looks both up at
issue, with the errors of epoll_ctl(2) (-EBADF, -EPERM, -EINVAL, -EEXIST,
-ENOENT, -ELOOP), and a failure fails the link (``req_set_fail``).  Issued
inline with IO_URING_F_NONBLOCK it only answers -EAGAIN on a contended epoll
mutex, which the model never has.

EPOLL_WAIT (``io_epoll_wait_prep`` / ``io_epoll_wait``, Linux 6.15): reap the
ready events of the epoll file ``fd`` (``needs_file``: -EBADF) into the
array at ``addr``, at most ``len`` of them; the CQE's result is the count.
Non-zero ``off``, ``rw_flags``, ``buf_index`` or ``splice_fd_in`` is -EINVAL
at prep.  At issue ``epoll_sendevents`` checks ``maxevents`` (1..EP_MAX_EVENTS
as an int, else -EINVAL), then that the file is an epoll file (-EINVAL), and
never sleeps: with nothing ready it answers 0, which the op turns into
-EAGAIN, and the generic path arms a fast poll (``pollin``) on the epoll
file; the epoll file's wake-up (an item became ready) re-issues the request
from task work.  Such a waiting request is cancelled as any armed poll
(ASYNC_CANCEL, a linked timeout: -ECANCELED).  With IOSQE_ASYNC the io-wq
worker tries once and, if nothing is ready, arms the same poll
(``io_wq_submit_work`` with ``needs_poll``).  A copy to user memory that
faults on the first event is -EFAULT (the event stays ready).

Costs: the ``[poll]`` section (arming an item, its wake-up callback, the
scan of the ready list); no section of their own.
"""

from __future__ import annotations

from simuring.abi.epoll import EPOLL_CTL_DEL
from simuring.abi.errno import EAGAIN, EINVAL
from simuring.abi.io_uring import IORING_OP_EPOLL_CTL, IORING_OP_EPOLL_WAIT, Sqe
from simuring.abi.limits import U32
from simuring.kernel.objects.epoll import do_epoll_ctl, epoll_sendevents
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.sys.epoll import read_epoll_event


def _s32(v: int) -> int:
    """A u32 (or the low half of a u64) read as a C int."""
    v &= U32
    return v - (1 << 32) if v & 0x8000_0000 else v


def _nonzero(v: object) -> bool:
    return not (isinstance(v, int) and v == 0)


class EpollCtl:
    """``struct io_epoll``."""

    __slots__ = ("epfd", "op", "fd", "events", "data")

    def __init__(self, epfd: int, op: int, fd: int, events: int, data: int) -> None:
        self.epfd = epfd
        self.op = op
        self.fd = fd
        self.events = events
        self.data = data


def epoll_ctl_prep(req: Request, sqe: Sqe) -> int:
    """``io_epoll_ctl_prep``: the event is read from user memory here."""
    if _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    epfd, op, fd = sqe.fd, sqe.len, sqe.off
    if not (isinstance(epfd, int) and isinstance(op, int) and isinstance(fd, int)):
        return -EINVAL
    op = _s32(op)
    events, data = 0, 0
    if op != EPOLL_CTL_DEL:  # ep_op_has_event
        ev = read_epoll_event(sqe.addr)
        if isinstance(ev, int):
            return ev
        events, data = ev
    req.op = EpollCtl(_s32(epfd), op, _s32(fd), events, data)
    return 0


def epoll_ctl_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_epoll_ctl`` -> ``do_epoll_ctl`` (a negative result fails the link)."""
    op: EpollCtl = req.op
    return do_epoll_ctl(req.worker, op.epfd, op.op, op.fd, op.events, op.data)


class EpollWait:
    """``struct io_epoll_wait``."""

    __slots__ = ("events", "maxevents")

    def __init__(self, events: object, maxevents: int) -> None:
        self.events = events
        self.maxevents = maxevents


def epoll_wait_prep(req: Request, sqe: Sqe) -> int:
    """``io_epoll_wait_prep``."""
    if _nonzero(sqe.off) or _nonzero(sqe.op_flags) or _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    maxevents = sqe.len
    if not isinstance(maxevents, int):
        return -EINVAL
    req.op = EpollWait(sqe.addr, _s32(maxevents))
    return 0


def epoll_wait_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_epoll_wait``: the events ready now; none: -EAGAIN (a poll is armed).
    From io-wq the worker arms that poll itself (``needs_poll``); when it cannot
    (the file became ready meanwhile, or the arm budget is spent) it tries once
    more, and nothing ready then is -EAGAIN."""
    st: EpollWait = req.op
    file = req.file
    assert file is not None  # needs_file
    ret = epoll_sendevents(req.worker, file, st.events, st.maxevents)
    if ret != 0:
        return ret
    if issue_flags & IO_URING_F_IOWQ:
        if arm_poll(req.worker, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
        ret = epoll_sendevents(req.worker, file, st.events, st.maxevents)
        if ret != 0:
            return ret
    return -EAGAIN  # the generic path arms the poll


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_EPOLL_CTL, issue=epoll_ctl_issue, prep=epoll_ctl_prep, name="EPOLL_CTL", unbound_nonreg_file=True))
    registry.add_opcode(OpDef(IORING_OP_EPOLL_WAIT, issue=epoll_wait_issue, prep=epoll_wait_prep, name="EPOLL_WAIT", needs_file=True, pollin=True))
