"""IORING_OP_READ_MULTISHOT (io_uring/rw.c: ``io_read_mshot_prep``, ``io_read_mshot``;
io_uring_prep_read_multishot(3)).

A read of a pollable file (pipe, socket, eventfd) into provided buffers that
stays armed: every read takes the next buffer of its group and posts a CQE
with IORING_CQE_F_MORE naming it, until the request ends with a CQE without
F_MORE.

Prep (``io_read_mshot_prep``): IOSQE_BUFFER_SELECT is required (-EINVAL
without it); then READ's own checks (``io_prep_rw``: ``rw_flags``, offset,
the group in ``buf_group``); a buffer address or a length is
-EINVAL (the read always fills a whole provided buffer).

A non-zero ``ioprio`` never reaches the prep: the opcode's ``io_issue_def``
(io_uring/opdef.c) lacks ``.ioprio``, so ``io_init_req`` refuses it (-EINVAL).

Issue (``io_read_mshot``): a file that cannot be polled (a regular file) is
-EBADFD.  The ring's own descriptor (no ``read_iter``, no FMODE_NOWAIT) reads
as READ does (``rw_no_iter``): -EAGAIN while its CQ is empty, so the request
waits in its poll, and -EINVAL, ending it, once a CQE is there.  Then each read is ``__io_read``'s: a buffer is selected first (none
in the group, or no such group: -ENOBUFS), then the file is checked (-EBADF
when it is not open for reading, the ``rw_flags``, an offset below -1
-EINVAL); the read never blocks.  Data read: the buffer is put
(``io_put_kbuf``) and a CQE with F_MORE posted (``io_req_post_cqe``); the
next read follows at once, until the file has nothing (-EAGAIN: the buffer
goes back, ``io_kbuf_recycle``, and the request waits in its poll, which
stays armed: the multishot poll spends no fast-poll budget).  The request
ends with a CQE without F_MORE on end of file (0), an error (-ENOBUFS,
-EINVAL, ...: no buffer named, the one held goes back), cancellation
(-ECANCELED), or when the CQ has no room for another CQE: the read's own
result and buffer then go in the final CQE, which may overflow.  Only 0
lets a linked request run; an error fails the link chain.  With RWF_NOWAIT
the request ends with -EAGAIN instead of waiting (REQ_F_NOWAIT:
``io_queue_async`` fails it), after the CQEs of what it could read.

Where the reads run, as the kernel runs them: the first, inline at
submission, reads once and, with data, posts its CQE and waits in the poll
(``io_read_mshot`` returns -EAGAIN outside IO_URING_F_MULTISHOT); the
poll's task work then reads on until the file is empty
(``io_poll_multishot_retry``).  A re-issue from the poll is told by the
request having armed one (``Request.apoll_retries``).  From io-wq
(IOSQE_ASYNC, ``io_wq_submit_work``) the request reads without blocking
what the file holds, then polls.  Cost: ``[rw]`` ``issue_ns`` per issue, and
``[kbuf]`` ``select_ns`` per buffer taken.

Not modelled: the read length clamp of newer kernels (6.18 refuses a
length), multishot reads of files that do not support non-blocking reads
(which the kernel turns into single-shot reads: every simulated pollable
file supports them).
"""

from __future__ import annotations

from simuring.abi.errno import EAGAIN, EBADFD, EINVAL
from simuring.abi.io_uring import (
    IORING_CQE_F_MORE,
    IORING_OP_READ_MULTISHOT,
    IOSQE_BUFFER_SELECT,
    Sqe,
)
from simuring.kernel.kbuf import kbuf_recycle, put_kbuf
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import APOLL_MAX_RETRY, arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.opcodes.rw import RwSelState, bsel_select, prep_rw, rw_no_iter, rw_view


def _null(v: object) -> bool:
    """The SQE field is 0 (NULL / no length)."""
    return v is None or (isinstance(v, int) and v == 0)


def read_mshot_prep(req: Request, sqe: Sqe) -> int:
    """``io_read_mshot_prep``: IOSQE_BUFFER_SELECT, READ's checks, no address and no length."""
    if not req.flags & IOSQE_BUFFER_SELECT:
        return -EINVAL
    err = prep_rw(req, sqe, write=False, vectored=False)
    if err:
        return err
    if not (_null(sqe.addr) and _null(sqe.len)):
        return -EINVAL
    return 0


def _give_back(req: Request, st: RwSelState) -> None:
    """``io_kbuf_recycle``: the buffer held goes back to its group (a legacy one too);
    a ring buffer already committed stays consumed.  The request holds none after."""
    sel = st.sel
    if sel is not None:
        kbuf_recycle(req, sel)
        st.sel = None
        st.bufs = None


def _read_once(req: Request, st: RwSelState, file: object, issue_flags: int) -> int:
    """One ``__io_read``: select a buffer, check the file, read without blocking."""
    err = bsel_select(req, st, issue_flags)
    if err:
        return err
    if not isinstance(file, ObjFile):  # a ring fd: every multishot read is a nonblocking one
        return rw_no_iter(req, st, req.file, issue_flags | IO_URING_F_NONBLOCK)
    view = rw_view(req, st, file)
    if isinstance(view, int):
        return view
    return file.read_nb(req.worker, view, st.off)


def _mshot(req: Request, st: RwSelState, file: object, issue_flags: int, loop: bool) -> int:
    """``io_read_mshot``'s reads: -EAGAIN while the request waits (CQEs with F_MORE
    posted for what was read), or the result of its final CQE (``req.cflags`` naming
    the buffer when the CQ had no room for another)."""
    ctx = req.ctx
    while True:
        ret = _read_once(req, st, file, issue_flags)
        if ret == -EAGAIN:
            _give_back(req, st)
            req.apoll_retries = APOLL_MAX_RETRY  # the multishot poll stays armed
            return -EAGAIN
        if ret <= 0:
            _give_back(req, st)
            if ret < 0:
                req.fail_links = True  # req_set_fail
            return ret
        sel = st.sel
        st.sel = None
        st.bufs = None
        cflags = put_kbuf(sel, ret) if sel is not None else 0
        if not ctx.cq_has_room():  # io_req_post_cqe fails: the request ends with this read
            req.cflags |= cflags
            return ret
        ctx.post_cqe(req.worker, req.user_data, ret, cflags | IORING_CQE_F_MORE, req=req)
        if not loop:
            req.apoll_retries = APOLL_MAX_RETRY
            return -EAGAIN  # outside IO_URING_F_MULTISHOT: the poll reads on


def read_mshot_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_read_mshot`` inline, from the poll's task work, or from io-wq (where it is
    tried once without blocking, then polls: ``io_wq_submit_work``)."""
    st: RwSelState = req.op
    file = req.file
    task = req.worker
    task.charge(st.costs.issue_ns)
    if file is None or not file.pollable:
        return -EBADFD
    nonblock = issue_flags & IO_URING_F_NONBLOCK
    if nonblock:
        # a re-issue by the request's own poll reads until the file is empty
        ret = _mshot(req, st, file, issue_flags, loop=req.apoll_retries is not None)
    else:
        # io-wq reads what is there, then polls (a file ready again re-issues from task work)
        ret = _mshot(req, st, file, issue_flags | IO_URING_F_NONBLOCK, loop=True)
    if ret != -EAGAIN:
        return ret
    if st.nowait:  # RWF_NOWAIT (REQ_F_NOWAIT): io_queue_async fails the request with -EAGAIN
        req.fail_links = True
        if nonblock:
            post_completion(task, req, -EAGAIN)
            return ISSUE_SKIP_COMPLETE
        return -EAGAIN
    if nonblock:
        return -EAGAIN  # the generic path arms the poll (or re-arms it)
    if arm_poll(task, req):
        return ISSUE_SKIP_COMPLETE
    return -EAGAIN


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(
            IORING_OP_READ_MULTISHOT,
            issue=read_mshot_issue,
            prep=read_mshot_prep,
            name="READ_MULTISHOT",
            needs_file=True,
            unbound_nonreg_file=True,
            pollin=True,
            buffer_select=True,
        )
    )
