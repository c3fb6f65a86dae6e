"""io-wq: the worker pool that runs requests which cannot complete inline.

Modelled on io_uring/io-wq.c.  Each submitting task gets one pool
(``io_uring_task->io_wq``) with two accounts:

* **bounded** workers for work on regular files, at most
  ``min(SQ entries, 4 x CPUs)`` (``io_init_wq_offload``);
* **unbounded** workers for sockets, pipes and forced-async requests, limited
  only by RLIMIT_NPROC (modelled as unlimited).

A punt (``io_wq_enqueue``) costs the submitter a queue operation, plus either
waking an idle worker or creating a new one; the worker then pays the
wake-up latency and a context switch before it dequeues the item.  Workers
are threads of the submitter's process (``iou-wrk-<tid>``) and are scheduled
on CPUs like any task.  The worker issues the request *without*
IO_URING_F_NONBLOCK, so it may block; a request that still answers -EAGAIN
completes with -EAGAIN (``io_wq_submit_work`` for a file that cannot be
polled).  The worker posts the completion itself (``io_req_complete_post``)
except on a DEFER_TASKRUN ring, where it goes back to the owner as
deferred task work (see :func:`simuring.kernel.request.complete_from_iowq`).

Growth while workers block.  Each account counts its *running* workers
(``acct->nr_running``): a worker busy with an item, plus a worker whose
creation is under way.  The scheduler tells io-wq when one of its workers
blocks and when it runs again (``sched_submit_work`` ->
``io_wq_worker_sleeping``, ``sched_update_worker`` ->
``io_wq_worker_running``); here :meth:`Task.sleep` calls the worker's
:class:`WorkerHooks` (``task.io_worker``) to do the same.  A worker that blocks while executing an item
(a regular-file read waiting for the device, a blocking socket receive)
stops counting as running.  If that leaves the account with no running
worker while items are queued, ``io_wq_dec_running`` asks for another worker:
it counts the new worker as running at once and queues the creation as task
work on the io-wq's owner (``io_queue_worker_create``, TWA_SIGNAL), and the
owner creates it when it runs that work (``create_worker_cb``, paying
``iowq.worker_create_ns``) if the account is still below its cap; otherwise
nothing is created.  The blocked worker counts as running again once it
is back on a CPU.  So N blocking items on the bounded account are served by
up to ``max_workers`` workers in parallel, each new worker being created
once the previous one has blocked; an idle worker is always reused first.
An idle worker sleeping on its work list does not take part in this (it
sleeps only when the list is empty).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final, cast

from simuring.abi.errno import EALREADY, EBADF, ECANCELED, EFAULT, EINVAL, ENOENT
from simuring.abi.io_uring import IOSQE_ASYNC
from simuring.abi.limits import INT_MAX
from simuring.host.gen import is_generator
from simuring.host.task import Task, TaskState, wake_task
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE, IssueResult
from simuring.kernel.request import Request, complete_async, complete_from_iowq
from simuring.kernel.taskwork import notify, trace_task_work

if TYPE_CHECKING:
    import simpy

    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx

UNBOUNDED_MAX: Final = 1 << 20  # RLIMIT_NPROC is not modelled


class Account:
    """``struct io_wq_acct``: a work list and the workers that serve it."""

    def __init__(self, bound: bool, max_workers: int) -> None:
        self.bound = bound
        self.max_workers = max_workers
        self.queue: deque[Request] = deque()
        self.idle: list[Task] = []
        self.workers: list[Task] = []
        self.running: dict[int, Request] = {}  # items being executed, by request id
        self.blocked = 0  # workers executing an item that are blocked (not running)
        self.starting = 0  # creation requested or done, not yet running their loop

    def nr_running(self) -> int:
        """``acct->nr_running``: workers executing an item and not blocked,
        plus workers being created."""
        return len(self.running) - self.blocked + self.starting


class _NoRing:
    """The ring slot of a task-work item that belongs to no ring (a plain
    ``task_work_add``, as io-wq uses for worker creation): no ring flags."""

    flags = 0


_NO_RING = _NoRing()


class WorkerHooks:
    """What the scheduler tells io-wq about one worker (the kernel's PF_IO_WORKER
    hooks in ``schedule()``): it blocked, or it runs again.

    Installed as ``task.io_worker``; :meth:`Task.sleep` calls :meth:`sleeping`
    when the worker gives its CPU up to sleep and :meth:`running` once it has
    a CPU again.  Only a sleep while executing an item counts as blocking (an
    idle worker waiting on its work list is not running anything).
    """

    __slots__ = ("wq", "acct", "item", "blocked", "ltimeout_on_block")

    def __init__(self, wq: IoWq, acct: Account) -> None:
        self.wq = wq
        self.acct = acct
        self.item: Request | None = None  # the item the worker executes, if any
        self.blocked = False
        self.ltimeout_on_block = False  # arm the item's link timeout when it first blocks

    def sleeping(self, task: Task) -> None:
        """``io_wq_worker_sleeping``."""
        item = self.item
        if item is not None and self.ltimeout_on_block:
            self.ltimeout_on_block = False
            self.wq.kernel.submitter.arm_linked_timeout(task, item)
        if item is not None and not self.blocked:
            self.blocked = True
            self.wq._worker_sleeping(task, self.acct, item)

    def running(self, task: Task) -> None:
        """``io_wq_worker_running``: back on a CPU, the worker counts as running."""
        if self.blocked:
            self.blocked = False
            self.acct.blocked -= 1


class IoWq:
    """One task's io-wq."""

    def __init__(self, kernel: Kernel, owner: Task, bounded_max: int) -> None:
        self.kernel = kernel
        self.owner = owner
        self.accounts = {True: Account(True, bounded_max), False: Account(False, UNBOUNDED_MAX)}
        self.cpu_mask: frozenset[int] | None = None  # IORING_REGISTER_IOWQ_AFF (kept, not applied)
        self.punts = 0
        self.created = 0

    def enqueue(self, by: Task, req: Request, bound: bool, concurrent: bool = False) -> None:
        """``io_wq_enqueue``: queue the work and make sure a worker will run it.

        An idle worker is woken if there is one.  Otherwise a new worker is
        created (``io_wq_create_worker``, in the submitter's context, which
        pays) when the account is below its cap and either the work
        is IO_WQ_WORK_CONCURRENT (forced async) or no worker of the account
        is running (a worker blocked inside an item does not count); else the
        item waits for a busy worker to finish or block.
        """
        costs = self.kernel.costs.iowq
        acct = self.accounts[bound]
        by.charge(costs.enqueue_ns)
        req.in_iowq = True
        acct.queue.append(req)
        self.punts += 1
        if by.stats is not None:
            by.stats.punts += 1
        if acct.idle:
            worker = acct.idle.pop()
            by.charge(costs.worker_wakeup_ns)
            wake_task(by, worker, "work")
        elif len(acct.workers) < acct.max_workers and (concurrent or not acct.nr_running()):
            acct.starting += 1
            self._create_worker(acct, by)

    def _create_worker(self, acct: Account, by: Task) -> None:
        """``create_io_worker``: ``by`` pays; the caller has counted the new
        worker in ``acct.starting``."""
        by.charge(self.kernel.costs.iowq.worker_create_ns)
        self.created += 1
        name = f"iou-wrk-{self.owner.tid}"
        at = by.now() + self.kernel.costs.sched.wakeup_latency_ns
        worker = self.kernel.spawn_kthread(name, self.owner.process, lambda task: self._worker_loop(task, acct), at=at)
        worker.io_worker = WorkerHooks(self, acct)
        acct.workers.append(worker)

    def _worker_sleeping(self, worker: Task, acct: Account, req: Request) -> None:
        """``io_wq_worker_sleeping`` -> ``io_wq_dec_running``: ``worker`` blocked
        while executing ``req``.  If no worker of the account runs any more and
        work is queued, count a new worker as running and ask the owner to
        create it (``io_queue_worker_create``; the cap is checked there)."""
        acct.blocked += 1
        owner = self.owner
        if acct.nr_running() or not acct.queue or owner.state is TaskState.DEAD:
            return
        acct.starting += 1
        owner.task_works.append((_NO_RING, lambda task: self._create_worker_cb(acct, task)))
        if owner.sched.tracer.enabled:
            trace_task_work(worker.now(), owner)
        notify(worker, owner, True)

    def _create_worker_cb(self, acct: Account, by: Task) -> None:
        """``create_worker_cb``, run by the owner from task work: create the
        worker if the account is below its cap, else un-count it."""
        if len(acct.workers) < acct.max_workers:
            self._create_worker(acct, by)
        else:
            acct.starting -= 1

    def _worker_loop(self, task: Task, acct: Account) -> Generator[simpy.Event, Any, None]:
        costs = self.kernel.costs.iowq
        hooks = task.io_worker
        assert isinstance(hooks, WorkerHooks)
        acct.starting -= 1
        while True:
            if not acct.queue:
                acct.idle.append(task)
                ev = task.env.event()
                yield from task.sleep(ev)
                if task in acct.idle:
                    acct.idle.remove(task)
                continue
            req = acct.queue.popleft()
            task.charge(costs.worker_dequeue_ns)
            task.notify_signal = False  # a cancel of an earlier item does not reach this one
            acct.running[req.id] = req
            req.worker = task
            hooks.item = req
            res = yield from self._run(task, req)
            hooks.item = None
            acct.running.pop(req.id, None)
            if res is not None:
                complete_from_iowq(task, req, res, req.cflags)
            yield from task.flush()

    def _run(self, task: Task, req: Request) -> Generator[simpy.Event, Any, int | None]:
        """``io_wq_submit_work``: issue in the worker, blocking allowed."""
        opdef = req.opdef
        if req.failed or opdef is None:  # init failed: never issued (io_queue_sqe_fallback)
            return req.res if req.failed else -ECANCELED
        if opdef.needs_file and req.file is None:
            if self.kernel.submitter.grab_file(req) is None:
                return -EBADF
        hooks = task.io_worker
        assert isinstance(hooks, WorkerHooks)
        file = req.file
        # io_wq_submit_work: an IOSQE_ASYNC request of a pollable file is first issued without
        # blocking, which arms its link timeout before it waits (on poll); the model's blocking
        # issue arms it when the worker first sleeps
        hooks.ltimeout_on_block = bool(
            req.link is not None and req.flags & IOSQE_ASYNC and (opdef.pollin or opdef.pollout)
            and file is not None and file.pollable
        )
        issued = opdef.issue(req, IO_URING_F_IOWQ)
        ret: IssueResult
        if is_generator(issued):
            ret = yield from issued
        else:
            ret = cast(IssueResult, issued)
        hooks.ltimeout_on_block = False
        if req.link is not None:  # __io_issue_sqe: once the issue returns (no-op if armed)
            self.kernel.submitter.arm_linked_timeout(task, req)
        if ret is ISSUE_SKIP_COMPLETE:
            return None
        return ret

    def signal_running(self, by: Task | None, req: Request) -> None:
        """``io_wq_worker_cancel`` for an item a worker is running: IO_WQ_WORK_CANCEL
        and a notify signal, which ends the worker's interruptible sleep (a
        blocked read or write completes with -EINTR, ``block_on``)."""
        notify(by, req.worker, False)

    def cancel(self, by: Task | None, match: Callable[[Request], bool]) -> int:
        """``io_wq_cancel_cb``: 0 if a queued request matched (it completes -ECANCELED),
        -EALREADY if a matching one is already running, -ENOENT otherwise."""
        for acct in self.accounts.values():
            for req in list(acct.queue):
                if match(req):
                    acct.queue.remove(req)
                    complete_async(by, req, -ECANCELED, req.cflags)  # with a provided buffer it holds
                    return 0
            for req in acct.running.values():
                if match(req):
                    self.signal_running(by, req)
                    return -EALREADY
        return -ENOENT


# -- io_uring_register: the io-wq limits and CPU affinity (io_uring/register.c, io-wq.c) --------


def _task_iowq(task: Task, ctx: RingCtx) -> IoWq | None:
    """``tctx->io_wq`` of ``task``: the kernel creates it with the task's io_uring context
    (``io_init_wq_offload``); the model creates it on first use, here or at the first punt.
    None for a task without an io_uring context."""
    from simuring.kernel.tctx import (
        tctx_of,  # tctx imports the setup module, which imports this one
    )

    kernel = ctx.kernel
    tctx = tctx_of(kernel, task)
    if tctx is None:
        return None
    wq = kernel.iowqs.get(task.tid)
    if wq is None:
        bounded = tctx.iowq_bounded or min(ctx.sq_entries, 4 * kernel.costs.host.cpus)
        wq = kernel.iowqs[task.tid] = IoWq(kernel, task, bounded)
    return wq


def _wq_max_workers(wq: IoWq, new_count: list[int]) -> list[int]:
    """``io_wq_max_workers``: set each non-zero count (capped at RLIMIT_NPROC, modelled as
    UNBOUNDED_MAX) as the account's cap; the previous caps."""
    prev = []
    for i, bound in enumerate((True, False)):
        acct = wq.accounts[bound]
        prev.append(acct.max_workers)
        if new_count[i]:
            acct.max_workers = min(new_count[i], UNBOUNDED_MAX)
    return prev


def register_iowq_max_workers(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_IOWQ_MAX_WORKERS (``io_register_iowq_max_workers``): ``arg`` is a list
    of two counts, [bounded, unbounded]; a non-zero one becomes the cap of that io-wq account,
    0 leaves it; the previous caps are written back into ``arg``.

    -EINVAL for a NULL ``arg`` or ``nr_args`` other than 2 (``__io_uring_register``),
    -EFAULT for an unreadable array, -EINVAL for a count above INT_MAX.  The counts
    are kept as the ring's limits (``ctx->iowq_limits``), applied to io-wqs the
    ring's tasks create later.  The io-wq changed is the calling task's, or on an
    SQPOLL ring the SQ thread's (whose previous caps are written back; zeros if it
    has none).  Simplification: the kernel also applies the limits at once to the
    io-wqs of every other task attached to the ring; the model does not track them.
    """
    if arg is None or nr_args & 0xFFFF_FFFF != 2:
        return -EINVAL
    if not isinstance(arg, list) or len(arg) < 2 or not all(isinstance(v, int) for v in arg[:2]):
        return -EFAULT
    new_count = [arg[0] & 0xFFFF_FFFF, arg[1] & 0xFFFF_FFFF]
    if any(v > INT_MAX for v in new_count):
        return -EINVAL
    for i in range(2):
        if new_count[i]:
            ctx.iowq_limits[i] = new_count[i]
    ctx.iowq_limits_set = True
    if ctx.sqpoll is not None:
        thread = ctx.sqpoll.task
        wq = ctx.kernel.iowqs.get(thread.tid) if thread is not None else None
    else:
        wq = _task_iowq(task, ctx)
    prev = _wq_max_workers(wq, new_count) if wq is not None else [0, 0]
    arg[0], arg[1] = prev
    return 0


def apply_iowq_limits(wq: IoWq, ctx: RingCtx) -> None:
    """``__io_uring_add_tctx_node`` with ``ctx->iowq_limits_set``: a new io-wq of a task of
    this ring gets the ring's limits."""
    if ctx.iowq_limits_set:
        _wq_max_workers(wq, list(ctx.iowq_limits))


def _cpumask_size(ncpus: int) -> int:
    """``cpumask_size()``: the mask's bytes, whole longs."""
    return ((ncpus + 63) // 64) * 8


def register_iowq_aff(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_IOWQ_AFF (``io_register_iowq_aff``): ``arg`` is a CPU mask (bytes,
    ``cpu_set_t``), ``nr_args`` its size.

    -EINVAL for a NULL ``arg`` or size 0; at most ``cpumask_size()`` bytes are read
    (-EFAULT for fewer bytes than that); -EINVAL for a task without an io-wq.  The
    kernel's cpumask operations look at the first ``nr_cpu_ids`` bits only, so a
    CPU the machine does not have is ignored (Linux 6.18 accepts it); a CPU outside
    the task's cpuset is -EINVAL, which cannot happen here (no cpusets: every CPU
    of the host is allowed).  The mask is kept (``wq.cpu_mask``); simplification:
    the model's workers are not bound by it.  On an SQPOLL ring the kernel sets
    the SQ thread's io-wq; the model sets the caller's."""
    if arg is None or not nr_args & 0xFFFF_FFFF:
        return -EINVAL
    ncpus = ctx.kernel.costs.host.cpus
    size = min(nr_args & 0xFFFF_FFFF, _cpumask_size(ncpus))
    try:
        data = bytes(memoryview(arg).cast("B")[:size])  # type: ignore[arg-type]
    except TypeError:
        return -EFAULT
    if len(data) < size:
        return -EFAULT
    from simuring.kernel.tctx import tctx_of

    if tctx_of(ctx.kernel, task) is None:
        return -EINVAL
    wq = _task_iowq(task, ctx)
    assert wq is not None
    wq.cpu_mask = frozenset(cpu for cpu in range(min(len(data) * 8, ncpus)) if data[cpu // 8] >> (cpu % 8) & 1)
    return 0


def unregister_iowq_aff(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_IOWQ_AFF: -EINVAL with an argument or for a task without an
    io-wq; the io-wq may use every CPU again."""
    if arg is not None or nr_args:
        return -EINVAL
    wq = _task_iowq(task, ctx)
    if wq is None:
        return -EINVAL
    wq.cpu_mask = None
    return 0
