"""The order in which a CPU's waiting tasks get it: EEVDF (kernel/sched/fair.c), all at nice 0.

Since Linux 6.6 the fair class picks the next task of a CPU by *Earliest
Eligible Virtual Deadline First*.  The model keeps the parts that decide the
order, for tasks of equal weight (nice 0, as every simulated task is):

* ``vruntime``: the CPU time a task received (at nice 0 virtual time is time),
  advanced while it runs (``update_curr``);
* ``V``, the run queue's average vruntime over the tasks on it, the running
  one included (``avg_vruntime``); a task is *eligible* when it did not run
  ahead of it, ``vruntime <= V`` (``entity_eligible``);
* the virtual deadline, ``vruntime + slice`` when the task is placed
  (``place_entity``; half a slice for a new task, PLACE_DEADLINE_INITIAL) or
  once it used its slice (``update_deadline``); ``pick_eevdf`` takes the
  eligible task with the earliest deadline (the one queued first of equals);
* lag: a task that blocks keeps how far it was from ``V``
  (``update_entity_lag``: ``V - vruntime``, clamped to two slices or a tick,
  whichever is longer); woken, it is placed that far from the ``V`` of the
  queue it joins, scaled by ``(n + 1) / n`` for the ``n`` tasks already there
  (PLACE_LAG); a queue with no task places it at ``V``.  A task that ran
  ahead (negative lag) is not let off by sleeping (DELAY_DEQUEUE with
  DELAY_ZERO): woken on the CPU it slept on, it keeps its vruntime while that
  is still ahead of ``V``, else it starts at ``V``.

So a task that blocked while it was owed CPU time gets it back when woken,
ahead of tasks that have had theirs, and one that ran ahead waits behind
them: what decides which of many readers sharing a CPU runs next, and so how
many messages each finds when it runs.  Not modelled: weights (nice), wake-up
preemption (with RUN_TO_PARITY a woken task does not preempt a task within
its slice; the slice's end is :meth:`~simuring.host.cpu.Scheduler.wants_preemption`),
the red-black tree (a list: queues are short), cgroups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task


NEW: Final = 0
"""A task not placed yet (``Task.placement``): it starts at the queue's mean with half a slice."""
SLEPT: Final = 1
"""It blocked: placed by its lag."""
PREEMPTED: Final = 2
"""It gave its CPU up runnable: back on that CPU it keeps its place."""
PLACED: Final = 3
"""It holds a CPU or waits in a queue."""


def live_vruntime(task: Task) -> int:
    """``task``'s vruntime now, counting the CPU time it has been charged since it got its CPU."""
    return task.vruntime + task.cpu_ns - task.exec_start


Queue = list[tuple["Task", "simpy.Event"]]
"""A CPU's waiting tasks (``struct cfs_rq`` without the running one), each with the event
that gives it the CPU, in the order they came (a plain list: its truth and length are the
scheduler's most frequent questions)."""


def avg_vruntime(queue: Queue, curr: Task | None, zero_v: int) -> int:
    """``avg_vruntime``: the mean vruntime of the queued tasks and ``curr`` (the running
    task, None when there is none); ``zero_v``, the queue's zero point
    (``cfs_rq->zero_vruntime``), for none at all."""
    n = len(queue)
    total = 0
    for task, _ in queue:
        total += task.vruntime
    if curr is not None:
        n += 1
        total += live_vruntime(curr)
    return total // n if n else zero_v


def place(queue: Queue, zero_v: int, task: Task, curr: Task | None, here: bool, slice_ns: int) -> None:
    """``place_entity``: set ``task``'s vruntime and deadline as it joins a CPU (``curr``
    running there, None if idle; ``queue`` waiting; ``zero_v`` its zero point).  ``here``:
    the CPU is the one it last ran on.  What it did last (:func:`leave`) says how."""
    placement = task.placement
    task.placement = PLACED
    if placement == PREEMPTED and here:
        return  # back in its own queue with the vruntime and deadline it had
    v_avg = avg_vruntime(queue, curr, zero_v) if queue or curr is not None else zero_v
    if placement == NEW:
        task.vruntime = v_avg
        task.deadline = v_avg + slice_ns // 2  # PLACE_DEADLINE_INITIAL
        return
    lag = task.vlag if placement == SLEPT else 0
    n = len(queue) + (1 if curr is not None else 0)
    if lag < 0 and here:
        v = max(task.vruntime, v_avg)  # delayed dequeue: the debt stays until paid
    elif lag and n:
        v = v_avg - lag * (n + 1) // n
    else:
        v = v_avg
    task.vruntime = v
    task.deadline = v + slice_ns


def pick(queue: Queue) -> tuple[Task, simpy.Event]:
    """``pick_eevdf``: take the eligible task with the earliest deadline (the first queued
    of equals) out of ``queue``, with its event.  The queue is not empty."""
    v_avg = avg_vruntime(queue, None, 0)
    best = -1
    best_deadline = 0
    for i, (task, _) in enumerate(queue):
        if task.vruntime <= v_avg and (best < 0 or task.deadline < best_deadline):
            best = i
            best_deadline = task.deadline
    if best < 0:  # rounding left nobody at or below the mean: the least served
        best = min(range(len(queue)), key=lambda i: queue[i][0].vruntime)
    return queue.pop(best)


def leave(queue: Queue, task: Task, sleeping: bool, slice_ns: int, tick_ns: int) -> int:
    """``task`` gives its CPU up (``put_prev_entity`` / ``dequeue_entity``), ``queue``
    waiting there: bring its vruntime up to date; a task that blocks (``sleeping``) keeps
    its lag, one that stays runnable (preempted) gets a new deadline (``update_deadline``:
    it used its slice).  Returns its vruntime (the CPU's zero point if nobody waits)."""
    v = live_vruntime(task)
    task.vruntime = v
    if sleeping:
        total = v  # the mean with the leaving task in it, as dequeue_entity sees it
        for queued, _ in queue:
            total += queued.vruntime
        v_avg = total // (len(queue) + 1)
        lag = v_avg - v
        limit = 2 * slice_ns if 2 * slice_ns > tick_ns else tick_ns
        task.vlag = limit if lag > limit else -limit if lag < -limit else lag
        task.placement = SLEPT
    else:
        task.deadline = v + slice_ns
        task.placement = PREEMPTED
    return v
