"""IORING_OP_IPC_SEND, step by step as in the proposal (see docs/ipc.md).

1. resolve ``fd`` in this ring's subscriber table (SEND flag, else -EACCES);
   not found: ``fd`` is a channel id (-ENOENT; write permission, -EACCES);
2. ``len > max_msg_size``: -EMSGSIZE;
3. reserve a slot lock-free: CAS the producer tail; full: -ENOBUFS (a
   BROADCAST channel first recomputes the consumer head once);
4. copy the payload, fill the descriptor, publish ``seq = tail + 1``; a copy
   fault publishes a zero-length slot and completes -EFAULT;
5. wake receivers (targeted / multicast round-robin / broadcast / unicast);
   a bad target completes -ENOENT after publishing;
6. ``res = len``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EACCES, EFAULT, EINVAL, EMSGSIZE, ENOBUFS, ENOENT
from simuring.abi.ipc import IOIPC_SUB_RECV
from simuring.abi.limits import U64
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.ipc.channel import PERM_WRITE, U32, Channel, Subscriber, u32_diff
from simuring.opcodes.ipc.costs import IpcCosts
from simuring.opcodes.ipc.tables import RingIpc, ipc_state, ring_ipc
from simuring.opcodes.ipc.wake import wake_subscriber

if TYPE_CHECKING:
    from simuring.abi.io_uring import Sqe
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.request import Request


def ipc_prep(req: Request, sqe: Sqe) -> int:
    """Prep of IPC_SEND and IPC_RECV: no buffer index, personality, ioprio or op flags."""
    if sqe.buf_index or sqe.personality or sqe.ioprio or sqe.op_flags:
        return -EINVAL
    return 0


def ring_subscriber(ctx: RingCtx, sub_id: object) -> Subscriber | None:
    ext = ctx.peek_ext(RingIpc)
    if ext is None or not isinstance(sub_id, int):
        return None
    sub = ext.subscribers.get(sub_id)
    return sub if isinstance(sub, Subscriber) else None


def reserve_slot(task: Task, ch: Channel, costs: IpcCosts) -> int:
    """Step 3: the reserved producer counter, or -ENOBUFS."""
    entries = ch.ring_entries
    recomputed = False
    tail = ch.prod_tail.load(task)
    while True:
        head = ch.cons_head.load(task)
        if u32_diff(tail + 1, head) > entries:
            if ch.broadcast and not recomputed:
                recomputed = True
                ch.stats.full_scans += 1
                ch.recompute_consumer_head(task, costs.sub_walk_ns)
                tail = ch.prod_tail.load(task)
                continue
            ch.stats.enobufs += 1
            return -ENOBUFS
        if ch.prod_tail.cas(task, tail, (tail + 1) & U32):
            return tail
        # lost the race: cmpxchg returned the current tail; re-read and retry
        ch.stats.reserve_retries += 1
        tail = int(ch.prod_tail.peek())


def wake_receivers(task: Task, ch: Channel, target_id: int, costs: IpcCosts) -> int:
    """Step 5; returns 0 or -ENOENT (targeted send to a non-receiver)."""
    stats = ch.stats
    subs = ch.subscribers
    if target_id:
        task.charge(costs.sub_walk_ns)
        target = subs.get(target_id)
        if target is None or not target.can_recv:
            return -ENOENT
        wake_subscriber(task, target, costs, stats)
        return 0
    if ch.multicast:
        n = ch.nr_receivers
        if n <= 0:
            return 0
        idx = ((ch.rr_counter.fetch_add(task, 1, U32) + 1) & U32) % n  # a u32 counter, pre-incremented
        i = 0
        for sub in subs.values():  # id order
            task.charge(costs.sub_walk_ns)
            if not sub.flags & IOIPC_SUB_RECV:  # sub.can_recv without the property call
                continue
            if i == idx:
                wake_subscriber(task, sub, costs, stats)
                break
            i += 1
        return 0
    broadcast = ch.broadcast
    for sub in subs.values():  # id order
        task.charge(costs.sub_walk_ns)
        if not sub.flags & IOIPC_SUB_RECV:  # sub.can_recv without the property call
            continue
        wake_subscriber(task, sub, costs, stats)
        if not broadcast:
            break  # unicast: the first receiver in id order only
    return 0


def ipc_send_issue(req: Request, issue_flags: int) -> int:
    task = req.worker
    ctx = req.ctx
    kernel = ctx.kernel
    costs = ring_ipc(ctx).costs
    task.charge(costs.send_ns)
    # 1. resolve
    sub = ring_subscriber(ctx, req.fd)
    if sub is not None:
        if not sub.can_send:
            return -EACCES
        ch = sub.channel
    else:
        found = ipc_state(kernel).by_id(req.fd)
        if found is None:
            return -ENOENT
        ch = found
        if not ch.permitted(req.task.process, PERM_WRITE):
            return -EACCES
    # 2. size
    length = req.len
    if not isinstance(length, int) or length < 0:
        return -EINVAL
    if length > ch.max_msg_size:
        return -EMSGSIZE
    # 3. reserve
    tail = reserve_slot(task, ch, costs)
    if tail < 0:
        return tail
    # 4. copy, fill, publish
    desc = ch.descs[tail & ch.ring_mask]
    res = length
    payload = user_bytes(req.addr, length, kernel_writes=False)  # copy_from_user's checks
    if not isinstance(payload, int):
        ch.data[desc.offset : desc.offset + length] = payload
        ch.data_lines.write(task, length)
        desc.len = length
        ch.stats.send_bytes += length
    else:
        desc.len = 0
        res = -EFAULT
        ch.stats.send_faults += 1
    desc.msg_id = (ch.msg_counter.fetch_add(task, 1, U64) + 1) & U64  # a u64 counter, pre-incremented
    desc.sender_data = req.user_data
    task.charge(costs.desc_write_ns)
    desc.seq.store(task, (tail + 1) & U32)
    ch.stats.sends += 1
    if ctx.tracer.enabled:  # skip building the event's fields when tracing is off
        ctx.tracer.emit(task.now(), "ipc_send", tid=task.tid, ctx=ctx.id, req=req.id, channel=ch.id, seq=tail, msg_id=desc.msg_id, len=desc.len)
    if res < 0:
        return res  # the faulted slot is published (len 0); nobody is woken for it
    # 5. wake
    err = wake_receivers(task, ch, req.file_index, costs)
    if err:
        return err
    # 6.
    return res
