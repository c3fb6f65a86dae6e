"""IORING_OP_SPLICE / IORING_OP_TEE (io_uring/splice.c, fs/splice.c) between simulated pipes.

Prep (``__io_splice_prep``, ``io_splice_prep``, ``io_tee_prep``):

* ``splice_flags`` (the ``op_flags`` word) may hold SPLICE_F_FD_IN_FIXED and
  splice(2)'s SPLICE_F_MOVE / NONBLOCK / MORE / GIFT; any other bit is
  -EINVAL.  ``splice_fd_in`` (the ``file_index`` word, signed) is the input
  descriptor, a fixed-file slot with SPLICE_F_FD_IN_FIXED; ``fd`` is the
  output file.  TEE needs ``splice_off_in`` (``addr``) and ``off`` zero.
* Both ops set REQ_F_FORCE_ASYNC: they are always issued by an io-wq
  worker, never inline (an unbound one for a pipe, ``unbound_nonreg_file``),
  and have no poll flags, so a worker blocks in the pipe.

Issue (``io_splice`` / ``io_tee``): the input file is looked up at issue
(``io_splice_get_file``; not there, or an empty fixed slot: -EBADF); a fixed
input slot's node is held until the request is freed, so the slot's tag CQE
waits for the request's.  A zero
``len`` completes with 0 at once, before any other check.  Then ``do_splice``
/ ``do_tee``:

* the input must be open for reading and the output for writing (-EBADF);
* both pipes: SPLICE with an offset other than -1 on either side is -ESPIPE
  (an offset is a pointer in the kernel, and pipes have none); the same pipe
  on both sides, or any end that is not a pipe for TEE, is -EINVAL; either
  file's O_NONBLOCK acts as SPLICE_F_NONBLOCK;
* ``splice_pipe_to_pipe``: wait for data in the input (or return 0 once it
  has no writer left), wait for a free slot in the output (-EPIPE once it has
  no reader), then move whole input buffers to output slots (a part of one
  when ``len`` ends inside it), one slot each, until ``len`` bytes moved, the
  input is empty or the output full; so a nearly full output pipe takes as
  many buffers as it has free slots.  SPLICE_F_NONBLOCK turns the waits into
  -EAGAIN.  A whole buffer moved keeps taking merged writes in its new pipe;
  the part of one (a page now shared) does not;
* ``link_pipe`` (TEE) duplicates input buffers into output slots the same
  way without consuming them;
* a result other than ``len`` fails the link chain.

A pipe and a regular file (SPLICE only): an offset on the pipe side is
-ESPIPE, a negative one on the file side -EINVAL, an O_APPEND output
-EINVAL; pipe to file waits for data and writes what the pipe holds (up to
``len``) at the offset (-1: the file position, which moves); file to pipe
waits for a free slot and reads into the free slots one file page per slot
(``filemap_splice_read``), 0 at the end of the file.

A pipe and a socket or an eventfd: an offset on the pipe's side is -ESPIPE
first, as with a file; an offset on the other side is -EINVAL (no
FMODE_PREAD / FMODE_PWRITE).

Not modelled: the transfer between a pipe and a socket (the model answers
-EINVAL, as for two non-pipes, where the kernel moves the data; an eventfd
has no ``splice_read`` / ``splice_write``, -EINVAL on the kernel too);
SIGPIPE on -EPIPE.

Costs: the pipes' own ``[pipe]`` costs (``op_ns`` per pipe locked, the
shared-state lines); moving a buffer copies no data.  The request's prep
reuses the ``[rw]`` section's ``prep_ns``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EAGAIN, EBADF, EINVAL, EPIPE, ESPIPE
from simuring.abi.io_uring import (
    IORING_OP_SPLICE,
    IORING_OP_TEE,
    IOSQE_ASYNC,
    SPLICE_F_FD_IN_FIXED,
    Sqe,
)
from simuring.abi.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from simuring.abi.posix import O_APPEND, PAGE_SIZE
from simuring.kernel.files import File, files_of
from simuring.kernel.objects.base import READ_EVENTS, WRITE_EVENTS, ObjFile, block_on
from simuring.kernel.objects.pipe import Pipe, PipeFile
from simuring.kernel.objects.regfile import RegFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import fixed_file_node
from simuring.opcodes.rw import RwRing

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task

SPLICE_F_NONBLOCK: Final = 0x02
SPLICE_F_ALL: Final = 0x0F  # MOVE | NONBLOCK | MORE | GIFT
VALID_FLAGS: Final = SPLICE_F_FD_IN_FIXED | SPLICE_F_ALL
U64: Final = 0xFFFF_FFFF_FFFF_FFFF
_RETRY: Final = -(1 << 40)
"""``_move`` found nothing to move yet and may block: wait again (``goto retry``)."""


class SpliceState:
    """The request's ``struct io_splice``."""

    __slots__ = ("off_in", "off_out", "len", "fd_in", "flags", "tee")

    def __init__(self, off_in: int, off_out: int, length: int, fd_in: int, flags: int, tee: bool) -> None:
        self.off_in = off_in
        self.off_out = off_out
        self.len = length
        self.fd_in = fd_in
        self.flags = flags
        self.tee = tee


def _loff(v: object) -> int | None:
    """A u64 SQE field read as a loff_t (None: not an integer at all)."""
    if not isinstance(v, int) or not -(1 << 63) <= v <= U64:
        return None
    return v - (1 << 64) if v > (1 << 63) - 1 else v


def _prep(req: Request, sqe: Sqe, tee: bool) -> int:
    """``__io_splice_prep`` (after ``io_tee_prep``'s offset check for TEE)."""
    off_in = _loff(sqe.splice_off_in)
    off_out = _loff(sqe.off)
    if off_in is None or off_out is None:
        return -EINVAL
    if tee and (off_in or off_out):
        return -EINVAL
    length = sqe.len
    flags = sqe.op_flags
    fd_word = sqe.file_index
    if not isinstance(length, int) or not isinstance(flags, int) or not isinstance(fd_word, int):
        return -EINVAL
    flags &= 0xFFFF_FFFF
    if flags & ~VALID_FLAGS:
        return -EINVAL
    fd_word &= 0xFFFF_FFFF
    fd_in = fd_word - (1 << 32) if fd_word >= 1 << 31 else fd_word
    req.task.charge(req.ctx.ext(RwRing).costs.prep_ns)
    req.op = SpliceState(off_in, off_out, length & 0xFFFF_FFFF, fd_in, flags, tee)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def splice_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, tee=False)


def tee_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, tee=True)


def _file_in(req: Request, st: SpliceState) -> File | None:
    """``io_splice_get_file``: the input, a fixed-file slot or a descriptor.

    A fixed slot's node gets a reference the request keeps (``sp->rsrc_node``,
    ``req.op_node``) until it is freed (``io_splice_cleanup``), as the request's
    own fixed file (the output) is kept: emptying or replacing the input slot
    meanwhile posts its tag's CQE only after the request's, before the output
    slot's (kernel/rsrc.py)."""
    if st.flags & SPLICE_F_FD_IN_FIXED:
        node = fixed_file_node(req.ctx, st.fd_in)
        if node is None:
            return None
        if req.op_node is None:
            node.refs += 1
            req.op_node = node
        return node.file
    return files_of(req.task.process).get(st.fd_in)


def _wait_data(task: Task, ip: Pipe, nonblock: bool) -> Generator[simpy.Event, Any, int]:
    """``ipipe_prep`` / ``link_ipipe_prep``: 0 once the input has data or no writer."""

    def ready() -> int:
        if ip.bufs or ip.writers == 0:
            return 0
        return -EAGAIN

    r = ready()
    if r == -EAGAIN and not nonblock:
        r = yield from block_on(task, ip.wq, READ_EVENTS, ready, first=r)
    return r


def _wait_room(task: Task, op: Pipe, nonblock: bool) -> Generator[simpy.Event, Any, int]:
    """``opipe_prep`` / ``link_opipe_prep``: 0 once the output has a free slot, -EPIPE without reader."""

    def ready() -> int:
        if op.readers == 0:
            return -EPIPE
        return -EAGAIN if op.full() else 0

    r = ready()
    if r == -EAGAIN and not nonblock:
        r = yield from block_on(task, op.wq, WRITE_EVENTS, ready, first=r)
    return r


def _move(task: Task, ip: Pipe, op: Pipe, length: int, nonblock: bool) -> int:
    """The locked loop of ``splice_pipe_to_pipe``: bytes moved, -EAGAIN to wait again, or -errno."""
    for p in (ip, op):
        task.charge(p.pc.op_ns)
        p.state.touch(task)
    ret = 0
    input_wakeup = False
    while length:
        if op.readers == 0:
            if not ret:
                ret = -EPIPE
            break
        if not ip.bufs and ip.writers == 0:
            break
        if not ip.bufs or op.full():
            if ret:
                break
            ret = -EAGAIN if nonblock else _RETRY
            break
        buf = ip.bufs[0]
        if length >= len(buf):
            # the whole buffer moves with its flags: it still takes merged writes
            ip.bufs.popleft()
            op.bufs.append(buf)
            input_wakeup = True
            # its page use: known for the input's last buffer; else its bytes
            # (the model keeps no per-buffer offset)
            op.last_used = len(buf) if ip.bufs else ip.last_used
            if not ip.bufs:
                ip.last_used = 0
            n = len(buf)
        else:
            op.bufs.append(bytearray(buf[:length]))
            del buf[:length]
            n = length
            op.last_used = PAGE_SIZE  # a shared page: no PIPE_BUF_FLAG_CAN_MERGE
        ret += n
        length -= n
    if ret > 0:
        op.wq.wake(task, POLLIN | POLLRDNORM)
    if input_wakeup:
        ip.wq.wake(task, POLLOUT | POLLWRNORM)
    return ret


def _link(task: Task, ip: Pipe, op: Pipe, length: int) -> int:
    """``link_pipe``: duplicate input buffers into output slots, the input untouched."""
    for p in (ip, op):
        task.charge(p.pc.op_ns)
        p.state.touch(task)
    ret = 0
    i = 0
    while length:
        if op.readers == 0:
            if not ret:
                ret = -EPIPE
            break
        if i >= len(ip.bufs) or op.full():
            break
        n = min(len(ip.bufs[i]), length)
        op.bufs.append(bytearray(ip.bufs[i][:n]))
        op.last_used = PAGE_SIZE
        ret += n
        length -= n
        i += 1
    if ret > 0:
        op.wq.wake(task, POLLIN | POLLRDNORM)
    return ret


def _pipes(st: SpliceState, fin: ObjFile, fout: ObjFile) -> tuple[Pipe, Pipe, bool] | int:
    """``do_splice`` / ``do_tee`` up to the transfer: the two pipes and whether not to block."""
    if not fin.readable or not fout.writable:
        return -EBADF
    if not (isinstance(fin, PipeFile) and isinstance(fout, PipeFile)):
        return -EINVAL  # TEE needs two pipes; SPLICE with a non-pipe end: not modelled
    if not st.tee and (st.off_in != -1 or st.off_out != -1):
        return -ESPIPE
    if fin.pipe is fout.pipe:
        return -EINVAL
    nonblock = bool(st.flags & SPLICE_F_NONBLOCK) or fin.nonblock or fout.nonblock
    return fin.pipe, fout.pipe, nonblock


def _one_pipe(task: Task, st: SpliceState, fin: ObjFile, fout: ObjFile) -> Generator[simpy.Event, Any, int]:
    """``do_splice`` with one end a pipe (SPLICE only): an offset on the pipe's side is -ESPIPE
    whatever the other end is (a socket's too: checked before its transfer, fields seed 140965,
    ``fz10-splice-socket-pipe-offset``); then a regular file's transfer.  Any other end: -EINVAL
    (neither end a pipe; or an offset on a file without FMODE_PREAD / FMODE_PWRITE, a socket's,
    an eventfd's; or a socket's transfer, which is not modelled)."""
    if isinstance(fin, PipeFile):
        if st.off_in != -1:
            return -ESPIPE
        if isinstance(fout, RegFile):
            return (yield from _pipe_to_file(task, st, fin, fout))
    elif isinstance(fout, PipeFile):
        if st.off_out != -1:
            return -ESPIPE
        if isinstance(fin, RegFile):
            return (yield from _file_to_pipe(task, st, fin, fout))
    return -EINVAL


def _pipe_to_file(
    task: Task, st: SpliceState, fin: PipeFile, fout: RegFile
) -> Generator[simpy.Event, Any, int]:
    """``do_splice`` with a pipe input and a regular-file output: ``iter_file_splice_write``.

    It waits for data (0 once the pipe has no writer), then writes what the
    pipe holds, up to ``len``, at ``off_out`` (-1: the file position, which
    moves) and consumes it from the pipe.
    """
    if fout.f_flags & O_APPEND:
        return -EINVAL
    if st.off_out < -1:
        return -EINVAL  # rw_verify_area: a negative position
    ip = fin.pipe
    nonblock = bool(st.flags & SPLICE_F_NONBLOCK) or fin.nonblock
    r = yield from _wait_data(task, ip, nonblock)
    if r or not ip.bufs:
        return r
    buf = bytearray(min(st.len, len(ip)))
    n = ip.read(task, memoryview(buf))
    if n <= 0:
        return n
    return fout.write_at(task, memoryview(buf)[:n], st.off_out, False)


def _file_to_pipe(
    task: Task, st: SpliceState, fin: RegFile, fout: PipeFile
) -> Generator[simpy.Event, Any, int]:
    """``do_splice`` with a regular-file input and a pipe output: ``splice_file_to_pipe``.

    It waits for a free slot (-EPIPE without reader), then reads from
    ``off_in`` (-1: the file position, which moves) at most as many bytes as
    the free slots hold, one page-cache page per slot (a slot ends at each
    page boundary of the file), up to ``len`` or the end of the file.
    """
    if st.off_in < -1:
        return -EINVAL  # rw_verify_area: a negative position
    op = fout.pipe
    nonblock = bool(st.flags & SPLICE_F_NONBLOCK) or fout.nonblock
    r = yield from _wait_room(task, op, nonblock)
    if r:
        return r
    pos = fin.pos if st.off_in == -1 else st.off_in
    end = min(fin.inode.size, pos + st.len)
    chunks: list[int] = []
    at = pos
    free = op.max_slots - len(op.bufs)
    while at < end and len(chunks) < free:
        n = min(end, (at // PAGE_SIZE + 1) * PAGE_SIZE) - at
        chunks.append(n)
        at += n
    total = sum(chunks)
    if total == 0:
        return 0
    buf = bytearray(total)
    got = yield from fin.read_wait(task, memoryview(buf), st.off_in)
    if got <= 0:
        return got
    task.charge(op.pc.op_ns)
    op.state.touch(task)
    was_empty = not op.bufs
    done = 0
    for n in chunks:
        if done >= got:
            break
        n = min(n, got - done)
        op.bufs.append(bytearray(buf[done : done + n]))
        done += n
    op.last_used = PAGE_SIZE  # page-cache pages take no merged writes
    if was_empty or op.wq.polled:
        op.wq.wake(task, POLLIN | POLLRDNORM)
    return done


def splice_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_splice`` / ``io_tee`` in an io-wq worker (REQ_F_FORCE_ASYNC), blocking in the pipes."""
    st: SpliceState = req.op
    task = req.worker
    fin = _file_in(req, st)
    fout = req.file
    if fin is None:
        ret = -EBADF
    elif not st.len:
        ret = 0
    elif (isinstance(fin, ObjFile) and not fin.readable) or (isinstance(fout, ObjFile) and not fout.writable):
        ret = -EBADF  # do_splice / do_tee check the modes first (a ring's descriptor is O_RDWR)
    elif not isinstance(fin, ObjFile) or not isinstance(fout, ObjFile):
        ret = -EINVAL  # a ring or other non-object file: neither end is a pipe
    else:
        found = _pipes(st, fin, fout)
        if found == -EINVAL and not st.tee and fin.readable and fout.writable:
            ret = yield from _one_pipe(task, st, fin, fout)
        elif isinstance(found, int):
            ret = found
        else:
            ip, op, nonblock = found
            while True:
                ret = yield from _wait_data(task, ip, nonblock)
                if ret == 0:
                    ret = yield from _wait_room(task, op, nonblock)
                if ret:
                    break
                if st.tee:
                    ret = _link(task, ip, op, st.len)
                    break
                ret = _move(task, ip, op, st.len, nonblock)
                if ret != _RETRY:
                    break
    if ret != st.len:
        req.fail_links = True  # req_set_fail
    return ret


def register(registry: PluginRegistry) -> None:
    common: dict[str, Any] = dict(needs_file=True, unbound_nonreg_file=True)
    registry.add_opcode(OpDef(IORING_OP_SPLICE, issue=splice_issue, prep=splice_prep, name="SPLICE", **common))
    registry.add_opcode(OpDef(IORING_OP_TEE, issue=splice_issue, prep=tee_prep, name="TEE", **common))
