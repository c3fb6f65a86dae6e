"""Waking receivers: the CQ wait queues of the receiving rings, posting nothing.

The proposal's SEND wakes the wait queue of a receiving subscriber's ring
(``ctx->cq_wait``) without posting a CQE: every task sleeping in
``io_cqring_wait`` on that ring is woken, finds no new completion and sleeps
again (the wait loop in :mod:`simuring.kernel.wait`).  A DEFER_TASKRUN
ring's waiter is not on that queue (it waits for deferred work,
``ctx->cq_wait_nr``): the SEND does not wake it.  Each wake-up is
counted, with what it cost the sender, in the channel's statistics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.host.task import wake_task

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.opcodes.ipc.channel import ChannelStats, Subscriber
    from simuring.opcodes.ipc.costs import IpcCosts

WAKE_REASON: Final = "ipc"


def wake_subscriber(task: Task, sub: Subscriber, costs: IpcCosts, stats: ChannelStats) -> int:
    """Wake every task waiting on ``sub``'s ring; returns how many were woken."""
    before = task.cpu_time()
    task.charge(costs.wake_queue_ns)
    sub.ctx.cq_wait_lines.touch(task)  # __wake_up takes the queue's lock
    stats.wake_targets += 1
    woken = 0
    for waiter in list(sub.ctx.cq_wait_queue()):  # none on a DEFER_TASKRUN ring
        if wake_task(task, waiter.task, WAKE_REASON, event=waiter.event):
            woken += 1
    stats.wakeups += woken
    stats.wakeup_cost_ns += task.cpu_time() - before
    tracer = sub.ctx.tracer
    if tracer.enabled:
        tracer.emit(task.now(), "ipc_wake", tid=task.tid, ctx=sub.ctx.id, channel=sub.channel.id, sub=sub.id, woken=woken)
    return woken
