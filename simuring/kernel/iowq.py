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
polled).  The completion goes back through the task-work path of the ring's
delivery mode.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from simuring.errno import EALREADY, EBADF, ECANCELED, ENOENT
from simuring.host.task import Task, wake_task
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE
from simuring.kernel.request import Request, complete_async

if TYPE_CHECKING:
    from simuring.kernel import Kernel

UNBOUNDED_MAX = 1 << 20  # RLIMIT_NPROC is not modelled


class Account:
    """``struct io_wq_acct``: a work list and the workers that serve it."""

    def __init__(self, bound: bool, max_workers: int) -> None:
        self.bound = bound
        self.max_workers = max_workers
        self.queue: deque[Request] = deque()
        self.idle: list[Task] = []
        self.workers: list[Task] = []
        self.running: dict[int, Request] = {}
        self.starting = 0  # created, not yet running their loop


class IoWq:
    """One task's io-wq."""

    def __init__(self, kernel: Kernel, owner: Task, bounded_max: int) -> None:
        self.kernel = kernel
        self.owner = owner
        self.accounts = {True: Account(True, bounded_max), False: Account(False, UNBOUNDED_MAX)}
        self.punts = 0
        self.created = 0

    def enqueue(self, by: Task, req: Request, bound: bool, concurrent: bool = False) -> None:
        """``io_wq_enqueue``: queue the work and make sure a worker will run it.

        An idle worker is woken if there is one.  Otherwise a new worker is
        created (the submitter pays: the kernel runs ``create_worker_cb`` from
        its task work) when the account is below its cap and either the work
        is IO_WQ_WORK_CONCURRENT (forced async) or no worker of the account
        is running; else the item waits for a busy worker to finish.
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
        elif len(acct.workers) < acct.max_workers and (concurrent or not (acct.running or acct.starting)):
            by.charge(costs.worker_create_ns)
            self._create_worker(acct, by)

    def _create_worker(self, acct: Account, by: Task) -> None:
        self.created += 1
        name = f"iou-wrk-{self.owner.tid}"
        delay = by.burst_ns + self.kernel.costs.sched.wakeup_latency_ns
        worker = self.kernel.spawn_kthread(name, self.owner.process, lambda task: self._worker_loop(task, acct), delay=delay)
        acct.workers.append(worker)
        acct.starting += 1

    def _worker_loop(self, task: Task, acct: Account) -> Any:
        costs = self.kernel.costs.iowq
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
            acct.running[req.id] = req
            req.worker = task
            res = yield from self._run(task, req)
            acct.running.pop(req.id, None)
            if res is not None:
                complete_async(task, req, res, req.cflags)
            yield from task.flush()

    def _run(self, task: Task, req: Request) -> Any:
        """``io_wq_submit_work``: issue in the worker, blocking allowed."""
        opdef = req.opdef
        assert opdef is not None
        if opdef.needs_file and req.file is None:
            req.file = self.kernel.submitter.resolve_file(req)
            if req.file is None:
                return -EBADF
        if opdef.issue_is_generator:
            ret = yield from opdef.issue(req, IO_URING_F_IOWQ)
        else:
            ret = opdef.issue(req, IO_URING_F_IOWQ)
        if ret is ISSUE_SKIP_COMPLETE:
            return None
        return ret

    def cancel(self, by: Task | None, match: Any) -> int:
        """``io_wq_cancel_cb``: 0 if a queued request matched (it completes -ECANCELED),
        -EALREADY if a matching one is already running, -ENOENT otherwise."""
        for acct in self.accounts.values():
            for req in list(acct.queue):
                if match(req):
                    acct.queue.remove(req)
                    complete_async(by, req, -ECANCELED)
                    return 0
            for req in acct.running.values():
                if match(req):
                    return -EALREADY
        return -ENOENT
