"""What every simulated POSIX object shares: flags, wait queues, blocking.

* :class:`WaitQueue`: a ``wait_queue_head_t``.  Its entries are either a
  sleeping task (a blocking syscall, an io-wq worker) or a callback (an
  io_uring poll, :mod:`simuring.kernel.poll`).  A wake-up names the events
  that happened (``POLLIN``, ``POLLOUT``, ...), the key of the kernel's
  ``wake_up_poll``, and reaches the entries whose mask matches; a key of 0
  (``wake_up_all`` without a key) reaches every entry.  Entries are woken
  from the head of the queue (``__wake_up_common``): an io_uring poll is
  added at the head (``add_wait_queue``), so the newest poll is woken
  first; a blocked task is added where its object's wait loop puts it
  (:attr:`ObjFile.wait_tail`).  A task blocked in a pipe read or write waits
  *exclusively* (``prepare_to_wait_exclusive``): a keyed wake-up
  (``wake_up_interruptible_sync_poll``) wakes every non-exclusive entry it
  meets but only the first exclusive one, and the woken task, once served,
  wakes the next if data (or room) is left (``pipe_read``'s
  ``wake_next_reader``); a wake-up without a key is a ``wake_up_all`` and
  wakes them all.
* :func:`block_on`: the ``wait_event_interruptible`` loop of a blocking
  read or write: try, and while the answer is -EAGAIN sleep on the queue
  until a wake-up, then try again.
* :class:`ObjFile`: the base class of pipe ends, sockets, eventfds, shared
  memory objects and regular files: the non-blocking attempt
  (``read_nb``/``write_nb``) that io_uring issues inline, the blocking
  variant (``read_wait``/``write_wait``) that syscalls and io-wq use, and
  ``poll_mask``/``poll_wq`` for poll.

Simplification (documented in docs/objects.md): one queue per object, each
entry with the events it waits for, where a pipe has ``rd_wait`` and
``wr_wait`` and a socket one queue whose sleepers wake on any event.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, Final

from mypy_extensions import mypyc_attr

from simuring.abi.errno import EAGAIN, EBADF, EINVAL, ERESTARTSYS
from simuring.abi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from simuring.abi.posix import O_NONBLOCK
from simuring.host.events import clock, trigger_at, triggered
from simuring.host.task import wake_task
from simuring.kernel.files import File, files_of

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Process, Task


#: poll masks a reader / writer waits for (error and hang-up always count)
READ_EVENTS: Final = POLLIN | POLLRDNORM | POLLERR | POLLHUP
WRITE_EVENTS: Final = POLLOUT | POLLWRNORM | POLLERR | POLLHUP

WakeFn = Callable[["Task | None", int], None]


class WaitEntry:
    """One ``wait_queue_entry``: a sleeping task, or a callback (``func``)."""

    __slots__ = ("mask", "task", "event", "func", "queued", "exclusive")

    def __init__(
        self,
        mask: int,
        task: Task | None = None,
        event: simpy.Event | None = None,
        func: WakeFn | None = None,
        exclusive: bool = False,
    ) -> None:
        self.mask = mask
        self.task = task
        self.event = event
        self.func = func
        self.queued = False
        self.exclusive = exclusive  # WQ_FLAG_EXCLUSIVE


class WaitQueue:
    """``wait_queue_head_t``: entries in wake-up order (head first)."""

    __slots__ = ("entries", "polled")

    def __init__(self) -> None:
        self.entries: list[WaitEntry] = []
        self.polled = False  # a poll callback was ever added (pipe->poll_usage)

    def add(self, entry: WaitEntry, tail: bool = False) -> WaitEntry:
        """``add_wait_queue`` (at the head, woken first), or with ``tail``
        ``__add_wait_queue_entry_tail`` (woken after every earlier entry)."""
        entry.queued = True
        if tail:
            self.entries.append(entry)
        else:
            self.entries.insert(0, entry)
        if entry.func is not None:
            self.polled = True
        return entry

    def remove(self, entry: WaitEntry) -> None:
        if entry.queued:
            entry.queued = False
            self.entries.remove(entry)

    def wake(self, by: Task | None, events: int) -> int:
        """``__wake_up_common``, head first, for the key ``events``: the entries
        waiting for one of them, up to the first exclusive one (``nr_exclusive``
        1, as ``wake_up_interruptible_sync_poll``); 0 is a wake-up without a key
        (``wake_up_interruptible_all``): every entry.  Returns how many entries
        were reached."""
        if not self.entries:
            return 0
        n = 0
        for entry in list(self.entries):
            if not entry.queued or (events and not entry.mask & events):
                continue
            n += 1
            if entry.func is not None:
                entry.func(by, events)  # the callback decides whether it stays queued
            else:
                self.remove(entry)  # autoremove_wake_function
                assert entry.task is not None and entry.event is not None
                wake_waiter(by, entry.task, entry.event)
            if entry.exclusive and events:
                break
        return n


def wake_waiter(by: Task | None, task: Task, event: simpy.Event) -> None:
    """Wake ``task`` sleeping on ``event``; the waker pays (``wake_task``).

    If the task has queued itself but not yet gone to sleep (its own burst is
    still elapsing), the event is fired directly so that the wake-up is not
    lost: the task then finds it fired when it sleeps, as ``set_current_state``
    before the last check guarantees in the kernel.
    """
    if wake_task(by, task, None, event=event):
        return
    if not triggered(event):
        trigger_at(task.env, event, by.now() if by is not None else clock(task.env))


def block_on(
    task: Task,
    wq: WaitQueue,
    mask: int,
    attempt: Callable[[], int],
    first: int | None = None,
    tail: bool = False,
    exclusive: bool = False,
    woken: Callable[[], None] | None = None,
) -> Generator[simpy.Event, Any, int]:
    """Retry ``attempt()`` until it answers something else than -EAGAIN.

    Between tries the task sleeps on ``wq`` until an entry matching ``mask``
    is woken.  ``first`` is the result of a try the caller already made.
    The task queues at the head of ``wq`` (``prepare_to_wait``), with
    ``tail`` at its tail (``wait_event_interruptible_locked``), with
    ``exclusive`` at its tail as an exclusive waiter
    (``prepare_to_wait_exclusive``).  ``woken`` runs after the last try if
    the task slept (``pipe_read``'s ``wake_next_reader``).
    The sleep is interruptible: an io-wq worker whose item is cancelled while
    it runs gets TIF_NOTIFY_SIGNAL (``io_wq_worker_cancel``) and the wait ends
    with -ERESTARTSYS, which io_uring's read, write and socket ops report as
    -EINTR (``io_rw_done``, ``io_recv``...) and SPLICE / TEE as it stands.
    A user task's TIF_NOTIFY_SIGNAL only brings task work, after which the
    kernel restarts the call, so it does not end the wait here.
    """
    r = attempt() if first is None else first
    slept = False
    while r == -EAGAIN:
        if task.notify_signal and task.io_worker is not None:  # signal_pending(): an io-wq cancel
            return -ERESTARTSYS
        before = task.env.now
        yield from task.flush()
        if task.env.now != before:  # time passed: the state may have changed
            r = attempt()
            if r != -EAGAIN:
                break
        ev = task.env.event()
        entry = wq.add(WaitEntry(mask, task=task, event=ev, exclusive=exclusive), tail or exclusive)
        if task.stats is not None:
            task.stats.waits += 1
        yield from task.sleep(ev)
        slept = True
        wq.remove(entry)
        r = attempt()
    if slept and woken is not None:
        woken()
    return r


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled, the objects (and plug-ins) subclass it
class ObjFile(File):
    """Base of the simulated POSIX objects behind a descriptor.

    Subclasses implement ``read_nb`` / ``write_nb`` (never sleep; a count,
    0 at end of file, -EAGAIN when they would block, or -errno) and, when
    ``pollable``, :meth:`~File.poll_mask` and :meth:`~File.poll_wq`; the
    blocking variants and the syscall entry points are derived from them.  ``off`` is the file offset for regular files (-1:
    the file position) and ignored by stream objects.
    """

    kind: ClassVar[str] = "object"
    wait_tail: ClassVar[bool] = False
    """Whether a blocked reader or writer queues at the tail of the wait queue
    (woken after the earlier ones) rather than at its head (``prepare_to_wait``)."""
    wait_exclusive: ClassVar[bool] = False
    """Whether it waits exclusively (at the tail; a keyed wake-up wakes one)."""
    write_iter: ClassVar[bool] = True
    """Whether the file has ``f_op->write_iter``; without it (only ``->write``)
    a vectored write is one ``->write`` call per iovec (``loop_rw_iter``)."""

    def wake_next(self, task: Task, reader: bool) -> None:
        """After a blocked read (``reader``) or write was served: wake the next
        exclusive waiter if there is still something for it (none by default)."""

    def __init__(self, flags: int = 0, readable: bool = True, writable: bool = True) -> None:
        super().__init__()
        self.f_flags = flags
        self.readable = readable
        self.writable = writable

    @property
    def nonblock(self) -> bool:
        return bool(self.f_flags & O_NONBLOCK)

    # -- what subclasses provide ----------------------------------------------------
    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        return -EINVAL

    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        return -EINVAL

    # -- blocking variants ----------------------------------------------------------
    def read_wait(self, task: Task, dst: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        """Read, sleeping while there is nothing to read."""
        wq = self.poll_wq(READ_EVENTS)
        if wq is None:
            return self.read_nb(task, dst, off)
        return (
            yield from block_on(
                task,
                wq,
                READ_EVENTS,
                lambda: self.read_nb(task, dst, off),
                tail=self.wait_tail,
                exclusive=self.wait_exclusive,
                woken=lambda: self.wake_next(task, True),
            )
        )

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        """Write everything, sleeping while there is no room (a partial count on error)."""
        wq = self.poll_wq(WRITE_EVENTS)
        if wq is None:
            return self.write_nb(task, src, off)
        n = len(src)
        done = 0
        while True:
            rest = src[done:]

            def attempt(rest: memoryview = rest) -> int:
                return self.write_nb(task, rest, off)

            r = yield from block_on(
                task,
                wq,
                WRITE_EVENTS,
                attempt,
                tail=self.wait_tail,
                exclusive=self.wait_exclusive,
                woken=lambda: self.wake_next(task, False),
            )
            if r < 0:
                return done if done else r
            done += r
            if done >= n or r == 0:
                return done

    # -- the read(2) / write(2) entry points -------------------------------------------
    def sys_read(self, task: Task, dst: memoryview, nonblock: bool = False) -> Generator[simpy.Event, Any, int]:
        if not self.readable:
            return -EBADF
        if nonblock or self.nonblock:
            return self.read_nb(task, dst, -1)
        return (yield from self.read_wait(task, dst, -1))

    def sys_write(self, task: Task, src: memoryview, nonblock: bool = False) -> Generator[simpy.Event, Any, int]:
        if not self.writable:
            return -EBADF
        if nonblock or self.nonblock:
            return self.write_nb(task, src, -1)
        return (yield from self.write_wait(task, src, -1))


def inherit_fd(src: Process, fd: int, dst: Process) -> int:
    """Install ``src``'s descriptor ``fd`` in process ``dst`` (what fork() or
    SCM_RIGHTS does for one descriptor); the new fd, -EBADF or -EMFILE.

    A set-up helper for workloads with several processes (no time passes):
    ``inherit_fd(parent.process, fds[0], child.process)``.
    """
    file = files_of(src).get_raw(fd)  # an O_PATH file passes too (scm_fp_copy: fget_raw)
    if file is None:
        return -EBADF
    return files_of(dst).install(file)
