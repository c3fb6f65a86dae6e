"""Anonymous pipes (fs/pipe.c): ``pipe2(2)`` and the two ends it returns.

The pipe holds at most ``PIPE_SLOTS`` (16) buffers of up to a page each
(64 KiB), as ``struct pipe_buffer`` slots:

* a write first tops up the last, partially filled slot with the part of
  the write that is not a whole number of pages (``len % 4096``), if that
  part fits in it; the rest goes into new slots of up to a page each.  So a
  write of at most ``PIPE_BUF`` (4096) bytes lands in one slot and is atomic:
  all of it or, when it does not fit, none of it (-EAGAIN, or sleep);
* a read copies out of the slots in order, freeing each emptied one, and
  returns as soon as it has something (it does not wait to fill its buffer);
* readers sleep while the pipe is empty and has writers; with no writer left
  a read returns 0 (end of file).  Writers sleep while every slot is used;
  with no reader left a write fails with -EPIPE (SIGPIPE is not modelled).
  O_NONBLOCK turns both sleeps into -EAGAIN; a non-blocking write larger
  than PIPE_BUF writes what fits.
* wake-ups: a write that finds the pipe empty wakes the readers (POLLIN),
  a read that frees a slot of a full pipe wakes the writers (POLLOUT); once
  the pipe has been polled (``pipe->poll_usage``) every write wakes readers,
  as in the kernel.  Closing the last end of a side wakes the other side
  (POLLHUP / POLLERR).  The waker pays ``wake_task``; the wakee sees the
  wake-up latency.
* slots: a write that appends to the last, partly filled slot (its part of
  less than a page fits) or a read that leaves bytes in a slot pays the
  call's fixed price alone (``op_ns``); a write that starts a slot, or a
  read that empties one, also ``slot_ns`` (the buffer set up or released,
  the head or tail moved), so a stream of small messages pays it once a
  page;
* pages: a new slot takes a page; a read that empties a slot gives its page
  back to the pipe's own cache of ``PIPE_TMP_PAGES`` (``anon_pipe_buf_release``
  keeps it in ``pipe->tmp_page``) or to the page allocator.  Only a slot
  whose page does not come from that cache costs the writer ``buf_alloc_ns``
  (the allocation and its memory-cgroup charge), and only a page the cache
  does not keep costs the reader ``buf_free_ns`` (``put_page``, the uncharge);
  both go through the CPU's page list (:mod:`simuring.host.pages`), whose
  refills and drains a writer and a reader on two CPUs pay in lumps;
* memory: every read or write attempt takes the pipe's shared state
  (``pipe.shared_lines`` cache lines: ``struct pipe_inode_info``'s mutex, wait
  queues' lock and ``head``/``tail``, and the ``pipe_buffer`` being filled or
  drained), paying a transfer for each when another CPU used it last; the
  data goes through the pipe's pages, a 64 KiB footprint whose lines were
  last used by the other end's CPU
  (:class:`~simuring.host.memory.BufferLines`).
* ``pipe->mutex``: ``pipe_read`` and ``pipe_write`` hold it across their
  copies (released before they sleep), so the two ends of a busy pipe copy
  in turn, never at once.  A read or write that comes while the other end
  holds it spins until its release (``mutex_lock``'s optimistic spinning:
  the holder is running, copying) and pays that wait (:class:`PipeMutex`).
  Timing only: what each call does is decided when it runs, as before.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Final

from mypy_extensions import mypyc_attr

from simuring.abi.errno import EAGAIN, EINVAL, ENOPKG, EPIPE
from simuring.abi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from simuring.abi.posix import O_DIRECT, O_EXCL, PAGE_SIZE
from simuring.host.memory import BufferLines, ObjectLines
from simuring.kernel.costs import PipeCosts
from simuring.kernel.objects.base import ObjFile, WaitQueue

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task

PIPE_SLOTS: Final = 16
"""Default ``pipe->max_usage`` (PIPE_DEF_BUFFERS): 16 slots of a page = 64 KiB."""

PIPE_TMP_PAGES: Final = 2
"""Freed pages a pipe keeps for its next slots (``pipe->tmp_page``, two since Linux 6.15)."""


class PipeMutex:
    """``pipe->mutex`` as time: when the last holder took it and when it let it go.

    The task that takes it while the holder still copies (its clock past the
    holder's :meth:`lock` but short of its :meth:`unlock`) spins until the
    release, as ``mutex_lock``'s optimistic spinning does while the owner runs
    (an interruption that stops both is in the release already:
    :meth:`Task.spin_until`); nobody sleeps on it (the holder never sleeps
    holding it).  A task whose
    clock is before the holder's taking came first: it does not wait (both
    copy at once, the model's one approximation: the discrete-event loop ran
    the later taker first).
    """

    __slots__ = ("taken_at", "free_at")

    def __init__(self) -> None:
        self.taken_at = 0
        self.free_at = 0

    def lock(self, task: Task) -> None:
        """``mutex_lock``: wait for the holder's release, then hold it from then on."""
        now = task.now()
        if self.taken_at <= now < self.free_at:
            task.spin_until(self.free_at)
            now = self.free_at
        self.taken_at = now
        self.free_at = now  # held until unlock() says when the copies end

    def unlock(self, task: Task) -> None:
        """``mutex_unlock``: released where the holder's work has got to."""
        self.free_at = task.now()


class Pipe:
    """``struct pipe_inode_info``: the slots, the ends' counts, the wait queue and the mutex."""

    def __init__(self, costs: CostModel, slots: int = PIPE_SLOTS) -> None:
        self.pc = costs.get(PipeCosts)  # resolved once per pipe
        self.max_slots = slots
        self.bufs: deque[bytearray] = deque()  # unread bytes of each occupied slot
        self.last_used = 0  # page bytes used by the last slot (written, read or not)
        self.readers = 0
        self.writers = 0
        self.wq = WaitQueue()  # rd_wait and wr_wait together, keyed by event
        self.bytes_written = 0
        self.state = ObjectLines(self.pc.shared_lines)
        self.pages = BufferLines(slots * PAGE_SIZE)
        self.spare_pages = 0  # freed pages kept for reuse (pipe->tmp_page)
        self.mutex = PipeMutex()

    def __len__(self) -> int:
        return sum(len(b) for b in self.bufs)

    def full(self) -> bool:
        return len(self.bufs) >= self.max_slots

    def read(self, task: Task, dst: memoryview) -> int:
        task.charge(self.pc.op_ns)
        want = len(dst)
        if want == 0:
            return 0  # pipe_read: a null read succeeds at once, data or not
        self.mutex.lock(task)
        self.state.touch(task)
        if not self.bufs:
            self.mutex.unlock(task)
            return 0 if self.writers == 0 else -EAGAIN
        was_full = self.full()
        got = 0
        freed = False
        while got < want and self.bufs:
            buf = self.bufs[0]
            n = min(want - got, len(buf))
            dst[got : got + n] = buf[:n]
            self.pages.read(task, n)  # copy_page_to_iter, one per slot
            got += n
            if n == len(buf):
                self.bufs.popleft()
                task.charge(self.pc.slot_ns)  # pipe_update_tail: release the page, move the tail
                freed = True
                if self.spare_pages < PIPE_TMP_PAGES:
                    self.spare_pages += 1
                else:
                    task.charge(self.pc.buf_free_ns)
                    task.sched.pages.free(task)
                if not self.bufs:
                    self.last_used = 0
            else:
                del buf[:n]
        self.mutex.unlock(task)
        if freed and was_full:
            self.wq.wake(task, POLLOUT | POLLWRNORM)
        return got

    def write(self, task: Task, src: memoryview) -> int:
        pc = self.pc
        task.charge(pc.op_ns)
        total = len(src)
        if total == 0:
            return 0  # pipe_write: a null write succeeds, even with no reader left
        self.mutex.lock(task)
        self.state.touch(task)
        if self.readers == 0:
            self.mutex.unlock(task)
            return -EPIPE
        was_empty = not self.bufs
        done = 0
        chars = total & (PAGE_SIZE - 1)
        if chars and self.bufs and self.last_used + chars <= PAGE_SIZE:
            self.bufs[-1] += src[:chars]  # merge into the last slot
            self.last_used += chars
            done = chars
        while done < total and not self.full():
            n = min(PAGE_SIZE, total - done)
            task.charge(pc.slot_ns)  # anon_pipe_get_page, the buffer set up, the head moved
            if self.spare_pages:
                self.spare_pages -= 1
            else:
                task.charge(pc.buf_alloc_ns)
                task.sched.pages.alloc(task)
            self.bufs.append(bytearray(src[done : done + n]))
            self.last_used = n
            done += n
        if done == 0:
            self.mutex.unlock(task)
            return -EAGAIN
        self.pages.write(task, done)  # copy_page_from_iter
        self.mutex.unlock(task)
        self.bytes_written += done
        if was_empty or self.wq.polled:
            self.wq.wake(task, POLLIN | POLLRDNORM)
        return done

    def release_end(self, task: Task | None, reader: bool) -> None:
        if task is not None:
            task.charge(self.pc.release_ns)
        if reader:
            self.readers -= 1
            if self.readers == 0:  # pipe_release: wake_up_interruptible_all, no key
                self.wq.wake(task, 0)
        else:
            self.writers -= 1
            if self.writers == 0:
                self.wq.wake(task, 0)


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled; a FIFO's end (objects/fifo.py) subclasses it
class PipeFile(ObjFile):
    """One end of a pipe (the read end or the write end)."""

    kind = "pipe"
    pollable = True
    wait_exclusive = True  # pipe_read/pipe_write: wait_event_interruptible_exclusive

    def __init__(self, pipe: Pipe, reader: bool, flags: int = 0) -> None:
        super().__init__(flags, readable=reader, writable=not reader)
        self.pipe = pipe
        self.reader = reader
        if reader:
            pipe.readers += 1
        else:
            pipe.writers += 1

    def __repr__(self) -> str:
        return f"<PipeFile {'read' if self.reader else 'write'} end, {len(self.pipe)} bytes>"

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        return self.pipe.read(task, dst)

    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        return self.pipe.write(task, src)

    def poll_mask(self) -> int:
        """``pipe_poll``: an end open for reading (a FIFO's O_RDWR end is both) gets
        POLLIN with data and POLLHUP with no writer left (unless it never saw one:
        :meth:`writer_unseen`); an end open for writing POLLOUT with room and
        POLLERR with no reader left."""
        pipe = self.pipe
        mask = 0
        if self.readable:
            if pipe.bufs:
                mask |= POLLIN | POLLRDNORM
            if pipe.writers == 0 and not self.writer_unseen():
                mask |= POLLHUP
        if self.writable:
            if not pipe.full():
                mask |= POLLOUT | POLLWRNORM
            if pipe.readers == 0:
                mask |= POLLERR
        return mask

    def writer_unseen(self) -> bool:
        """Whether POLLHUP is held back because no writer has opened since this end
        looked (``filp->f_pipe == pipe->w_counter``): never for an anonymous pipe,
        whose two ends are made together."""
        return False

    def poll_wq(self, events: int) -> WaitQueue:
        return self.pipe.wq

    def wake_next(self, task: Task, reader: bool) -> None:
        """``pipe_read``'s ``wake_next_reader`` (data left) and ``pipe_write``'s
        ``wake_next_writer`` (room left), after a blocked read or write."""
        pipe = self.pipe
        if reader and pipe.bufs:
            pipe.wq.wake(task, POLLIN | POLLRDNORM)
        elif not reader and not pipe.full():
            pipe.wq.wake(task, POLLOUT | POLLWRNORM)

    def release(self, task: Task | None) -> None:
        self.pipe.release_end(task, self.reader)


O_NOTIFICATION_PIPE: Final = O_EXCL
"""A watch-queue pipe (include/uapi/linux/watch_queue.h)."""


def create_pipe_error(flags: int) -> int:
    """What ``create_pipe_files`` answers for ``flags`` before it makes a pipe (pipe2(2) and
    IORING_OP_PIPE, whose own checks let both flags through): O_NOTIFICATION_PIPE is -ENOPKG
    (``watch_queue_init``: Linux 6.18.44 is built without CONFIG_WATCH_QUEUE, the real kernel
    decided), then O_DIRECT -EINVAL (packet-mode pipes are not modelled); else 0."""
    if flags & O_NOTIFICATION_PIPE:
        return -ENOPKG
    if flags & O_DIRECT:
        return -EINVAL
    return 0


def create_pipe(costs: CostModel, task: Task, flags: int) -> tuple[PipeFile, PipeFile]:
    """``create_pipe_files``: a new pipe's read end and write end."""
    pipe = Pipe(costs)
    task.charge(pipe.pc.create_ns)
    return PipeFile(pipe, True, flags), PipeFile(pipe, False, flags)
