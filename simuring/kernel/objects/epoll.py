"""epoll (fs/eventpoll.c): an interest list of files and a ready list.

* :class:`EventPoll` is the epoll file (``struct eventpoll``).  Each watched
  file is an :class:`EpItem` (``struct epitem``) keyed by the file and the
  descriptor number it was added under (``ep_find``); the item hangs a
  callback entry on the file's poll wait queue (``ep_ptable_queue_proc``:
  at the head, or at the tail with EPOLLEXCLUSIVE).  A file nobody watches
  pays nothing: the wake-up of its queue has no entry to visit.
* The callback (``ep_poll_callback``) ignores an item disabled by
  EPOLLONESHOT and a keyed wake-up carrying none of the item's events;
  otherwise it puts the item at the tail of the ready list (once) and wakes
  the pollers of the epoll file itself (``ep->poll_wait``, keyed
  EPOLLIN, plus EPOLL_URING_WAKE when the wake-up came from a ring), which is
  where io_uring's EPOLL_WAIT waits.  An exclusive item does not stop the
  wake-up there: ``ewake`` is only set when a task sleeps in epoll_wait(2)
  (``ep->wq``), which the model does not have.
* :meth:`EventPoll.send_events` (``ep_send_events``) walks the ready list,
  polls every item again (``ep_item_poll``: the file's mask and the item's
  events), drops the ones no longer ready and copies the others out as
  packed ``struct epoll_event`` (12 bytes); a level-triggered item goes back
  to the tail of the list, an EPOLLET one leaves it, an EPOLLONESHOT one is
  disabled (only its private bits are kept) until EPOLL_CTL_MOD arms it
  again.  Items left over when ``maxevents`` is reached stay at the head
  (``ep_done_scan`` splices them back first).  A copy that faults puts the
  item back and ends the scan: -EFAULT if nothing was copied yet.
* :meth:`EventPoll.poll_mask` (``ep_eventpoll_poll``) is EPOLLIN|EPOLLRDNORM
  when an item of the ready list is really ready; the ones that are not
  are dropped from the list on the way, as the kernel does.
* :func:`do_epoll_ctl` (``do_epoll_ctl``) adds, modifies and deletes items
  with the kernel's checks, in its order.

Not modelled: epoll_wait(2) itself (a task sleeping on ``ep->wq``),
EPOLLWAKEUP (kept in the mask, never reported), the reverse-path limits
and ``max_user_watches``.  A watched file closed for good (its last
reference dropped) leaves every interest list (``eventpoll_release``);
the model notices it lazily, at the next look-up, scan or poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.epoll import (
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLL_EVENT_SIZE,
    EPOLLERR,
    EPOLLET,
    EPOLLEXCLUSIVE,
    EPOLLHUP,
    EPOLLIN,
    EPOLLONESHOT,
    EPOLLOUT,
    EPOLLRDNORM,
    EPOLLWAKEUP,
)
from simuring.abi.errno import EBADF, EEXIST, EFAULT, EINVAL, ELOOP, ENOENT, EPERM
from simuring.abi.limits import U32
from simuring.abi.poll import EPOLL_URING_WAKE
from simuring.kernel.costs import PollCosts
from simuring.kernel.files import File, fdget
from simuring.kernel.objects.base import ObjFile, WaitEntry, WaitQueue

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task

EP_PRIVATE_BITS: Final = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE
"""The item's bits that are not events (a disabled one-shot item keeps only these)."""
EPOLLEXCLUSIVE_OK_BITS: Final = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
"""What an EPOLL_CTL_ADD with EPOLLEXCLUSIVE may ask for."""
EP_MAX_EVENTS: Final = 0x7FFF_FFFF // EPOLL_EVENT_SIZE
"""``INT_MAX / sizeof(struct epoll_event)``: the largest ``maxevents``."""
EP_MAX_NESTS: Final = 4
"""How deep epoll files may watch epoll files (``ep_loop_check``)."""
TASK_SIZE: Final = (1 << 47) - 4096
"""The end of user space on x86-64 (``access_ok`` of an address given as an integer)."""


class EpItem:
    """``struct epitem``: one watched (file, fd) of one epoll file."""

    __slots__ = ("ep", "file", "fd", "events", "data", "wq", "entry", "linked")

    def __init__(self, ep: EventPoll, file: File, fd: int, events: int, data: int) -> None:
        self.ep = ep
        self.file = file
        self.fd = fd
        self.events = events
        self.data = data
        self.linked = False  # on the ready list (ep_is_linked)
        self.wq = file.poll_wq(events)
        self.entry = WaitEntry(events & ~EP_PRIVATE_BITS, func=self._callback)

    def hook(self) -> None:
        """``ep_ptable_queue_proc``: on the file's queue (at the tail for EPOLLEXCLUSIVE)."""
        if self.wq is not None:
            self.wq.add(self.entry, tail=bool(self.events & EPOLLEXCLUSIVE))

    def unhook(self) -> None:
        """``ep_unregister_pollwait``."""
        if self.wq is not None:
            self.wq.remove(self.entry)

    def poll(self) -> int:
        """``ep_item_poll``: the file's ready events among the item's."""
        return self.file.poll_mask() & self.events

    def set_events(self, events: int) -> None:
        self.events = events
        self.entry.mask = events & ~EP_PRIVATE_BITS  # the keys the callback can accept

    def _callback(self, by: Task | None, key: int) -> None:
        """``ep_poll_callback``: queue the item as ready, wake the epoll file's pollers."""
        if not self.events & ~EP_PRIVATE_BITS:
            return  # a one-shot item that fired: disabled until EPOLL_CTL_MOD
        if key and not key & self.events:
            return
        ep = self.ep
        if by is not None:
            by.charge(ep.costs.wake_ns)
        if not self.linked:
            self.linked = True
            ep.rdllist.append(self)
        ep.wake_pollers(by, key & EPOLL_URING_WAKE)


class EventPoll(ObjFile):
    """``struct eventpoll`` and its file (anon inode ``[eventpoll]``)."""

    kind = "epoll"
    pollable = True

    def __init__(self, costs: CostModel, flags: int = 0) -> None:
        super().__init__(flags)
        self.costs = costs.get(PollCosts)  # the [poll] section: epoll is poll's machinery
        self.items: dict[tuple[File, int], EpItem] = {}  # the interest list (ep->rbr)
        self.rdllist: list[EpItem] = []
        self.poll_wait = WaitQueue()  # ep->poll_wait: who polls this epoll file

    def __repr__(self) -> str:
        return f"<EventPoll items={len(self.items)} ready={len(self.rdllist)}>"

    # -- the interest list ---------------------------------------------------------------
    def _prune(self) -> None:
        """``eventpoll_release_file`` for the watched files closed for good since the last look."""
        dead = [it for it in self.items.values() if it.file.refs <= 0]
        for it in dead:
            self.remove(it)

    def find(self, file: File, fd: int) -> EpItem | None:
        """``ep_find``."""
        self._prune()
        return self.items.get((file, fd))

    def insert(self, by: Task, file: File, fd: int, events: int, data: int) -> int:
        """``ep_insert``: hook on the file's queue; ready at once: on the ready list."""
        by.charge(self.costs.arm_ns)
        it = EpItem(self, file, fd, events, data)
        self.items[(file, fd)] = it
        it.hook()
        if it.poll() and not it.linked:
            it.linked = True
            self.rdllist.append(it)
            self.wake_pollers(by, 0)
        return 0

    def modify(self, by: Task, it: EpItem, events: int, data: int) -> int:
        """``ep_modify``: new events and data; ready now: on the ready list."""
        by.charge(self.costs.arm_ns)
        it.set_events(events)
        it.data = data
        if it.poll() and not it.linked:
            it.linked = True
            self.rdllist.append(it)
            self.wake_pollers(by, 0)
        return 0

    def remove(self, it: EpItem) -> None:
        """``ep_remove``: off the file's queue, the ready list and the interest list."""
        it.unhook()
        if it.linked:
            it.linked = False
            self.rdllist.remove(it)
        self.items.pop((it.file, it.fd), None)

    def watches(self, other: EventPoll, depth: int = 0) -> bool:
        """``ep_loop_check``: whether ``other`` reaches this epoll file (or nests too deep)."""
        if depth >= EP_MAX_NESTS:
            return True
        for it in other.items.values():
            f = it.file
            if isinstance(f, EventPoll) and f.refs > 0 and (f is self or self.watches(f, depth + 1)):
                return True
        return False

    # -- wake-ups and readiness --------------------------------------------------------------
    def wake_pollers(self, by: Task | None, uring: int) -> None:
        """``ep_poll_safewake``: wake ``ep->poll_wait`` with EPOLLIN (| EPOLL_URING_WAKE)."""
        if self.poll_wait.entries:
            self.poll_wait.wake(by, EPOLLIN | uring)

    def poll_mask(self) -> int:
        """``ep_eventpoll_poll``: EPOLLIN|EPOLLRDNORM if a listed item is really ready;
        the listed items found not ready are dropped from the ready list."""
        self._prune()
        rdl = self.rdllist
        while rdl:
            it = rdl[0]
            if it.poll():
                return EPOLLIN | EPOLLRDNORM
            it.linked = False
            del rdl[0]
        return 0

    def poll_wq(self, events: int) -> WaitQueue:
        return self.poll_wait

    def events_available(self) -> bool:
        """``ep_events_available``."""
        return bool(self.rdllist)

    def send_events(self, by: Task, buf: object, maxevents: int) -> int:
        """``ep_send_events`` into user buffer ``buf`` (packed ``struct epoll_event``):
        how many were copied, or -EFAULT when the first copy faulted."""
        self._prune()
        by.charge(self.costs.rearm_ns)
        room = _writable_len(buf)
        txlist = self.rdllist
        self.rdllist = []
        res = 0
        i = 0
        while i < len(txlist):
            if res >= maxevents:
                break
            it = txlist[i]
            revents = it.poll()
            if not revents:
                it.linked = False
                del txlist[i]
                continue
            end = (res + 1) * EPOLL_EVENT_SIZE
            if end > room:
                if not res:
                    res = -EFAULT
                break
            assert isinstance(buf, (bytearray, memoryview))
            _put_event(buf, res, revents, it.data)
            del txlist[i]
            res += 1
            if it.events & EPOLLONESHOT:
                it.linked = False
                it.set_events(it.events & EP_PRIVATE_BITS)
            elif it.events & EPOLLET:
                it.linked = False
            else:
                self.rdllist.append(it)  # level-triggered: ready again next time
        # ep_done_scan: what was not sent goes back first
        self.rdllist = txlist + self.rdllist
        return res

    def release(self, task: Task | None) -> None:
        """``ep_clear_and_put``: every item off its file's queue."""
        for it in list(self.items.values()):
            it.unhook()
        self.items.clear()
        self.rdllist.clear()


def _writable_len(buf: object) -> int:
    """How many bytes of ``buf`` the kernel can write (0: none, a NULL or read-only pointer)."""
    if isinstance(buf, bytearray):
        return len(buf)
    if isinstance(buf, memoryview) and not buf.readonly and buf.c_contiguous:
        return buf.nbytes
    return 0


def _put_event(buf: bytearray | memoryview, i: int, events: int, data: int) -> None:
    """``epoll_put_uevent``: the ``i``-th packed ``struct epoll_event`` of ``buf``."""
    off = i * EPOLL_EVENT_SIZE
    raw = (events & U32).to_bytes(4, "little") + (data & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")
    mv = memoryview(buf).cast("B") if isinstance(buf, memoryview) else memoryview(buf)
    mv[off : off + EPOLL_EVENT_SIZE] = raw


def check_params(file: File, buf: object, maxevents: int) -> int:
    """``ep_check_params``: ``maxevents`` in 1..EP_MAX_EVENTS (-EINVAL), the array's
    address range in user space (``access_ok``: -EFAULT; a buffer object always
    is), the file an epoll file (-EINVAL)."""
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        return -EINVAL
    if isinstance(buf, int) and not isinstance(buf, bool) and (buf & 0xFFFF_FFFF_FFFF_FFFF) + maxevents * EPOLL_EVENT_SIZE > TASK_SIZE:
        return -EFAULT
    if not isinstance(file, EventPoll):
        return -EINVAL
    return 0


def epoll_sendevents(by: Task, file: File, buf: object, maxevents: int) -> int:
    """``epoll_sendevents`` (what IORING_OP_EPOLL_WAIT calls): the checks, then
    the ready events copied out, or 0 when none is ready (never waits)."""
    ret = check_params(file, buf, maxevents)
    if ret:
        return ret
    assert isinstance(file, EventPoll)
    if not file.events_available():
        return 0
    return file.send_events(by, buf, maxevents)


def do_epoll_ctl(by: Task, epfd: int, op: int, fd: int, events: int, data: int) -> int:
    """``do_epoll_ctl``: EPOLL_CTL_ADD / MOD / DEL of ``fd`` on epoll file ``epfd``.

    ``events`` and ``data`` are the ``struct epoll_event`` the caller already
    copied in (ignored for EPOLL_CTL_DEL).  The checks, in the kernel's order:
    either descriptor bad -EBADF; a target without ``->poll`` (a regular file)
    -EPERM; ``epfd`` the target itself or not an epoll file -EINVAL;
    EPOLLEXCLUSIVE with MOD, or with ADD of an epoll file or of events outside
    EPOLLEXCLUSIVE_OK_BITS -EINVAL; an ADD that closes a loop of epoll files
    -ELOOP; ADD of a watched (file, fd) -EEXIST; MOD or DEL of an unwatched
    one -ENOENT; MOD of an exclusive item -EINVAL; an unknown op -EINVAL.
    ADD and MOD always add EPOLLERR|EPOLLHUP to the events.
    """
    f = fdget(by, epfd)
    if f is None:
        return -EBADF
    tf = fdget(by, fd)
    if tf is None:
        return -EBADF
    if not tf.pollable:
        return -EPERM
    has_event = op != EPOLL_CTL_DEL
    if f is tf or not isinstance(f, EventPoll):
        return -EINVAL
    if has_event and events & EPOLLEXCLUSIVE:
        if op == EPOLL_CTL_MOD:
            return -EINVAL
        if op == EPOLL_CTL_ADD and (isinstance(tf, EventPoll) or events & ~EPOLLEXCLUSIVE_OK_BITS):
            return -EINVAL
    ep = f
    if op == EPOLL_CTL_ADD and isinstance(tf, EventPoll) and ep.watches(tf):
        return -ELOOP
    it = ep.find(tf, fd)
    if op == EPOLL_CTL_ADD:
        if it is not None:
            return -EEXIST
        return ep.insert(by, tf, fd, (events | EPOLLERR | EPOLLHUP) & U32, data)
    if op == EPOLL_CTL_DEL:
        if it is None:
            return -ENOENT
        ep.remove(it)
        return 0
    if op == EPOLL_CTL_MOD:
        if it is None:
            return -ENOENT
        if it.events & EPOLLEXCLUSIVE:
            return -EINVAL
        return ep.modify(by, it, (events | EPOLLERR | EPOLLHUP) & U32, data)
    return -EINVAL


def create_epoll(costs: CostModel, flags: int) -> EventPoll:
    """``do_epoll_create``'s object (the caller checks the flags and installs it)."""
    return EventPoll(costs, flags)
