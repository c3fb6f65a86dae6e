"""IORING_OP_IPC_RECV, step by step as in the proposal (see docs/ipc.md).

1. resolve ``fd`` in this ring's subscriber table only (-ENOENT); RECV flag
   (-EACCES);
2. head: the shared consumer head (MULTICAST) or the subscriber's
   ``local_head``;
3. empty (``head == tail``) or unpublished slot (``seq != head + 1``):
   -EAGAIN.  The generic path punts the request to io-wq (an IPC op has no
   file to poll); the worker issues it once more and a second -EAGAIN
   completes it with ``res = -EAGAIN``;
4. copy ``min(desc.len, sqe.len)`` bytes (silent truncation);
5. advance with CAS (lost race: -EAGAIN); BROADCAST then rescans the consumer
   head when ``head % 16 == 0``; unicast stores consumer head = head + 1;
6. ``res`` = copied length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EACCES, EAGAIN, ENOENT
from simuring.abi.ipc import IOIPC_F_BROADCAST, IOIPC_F_MULTICAST
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.ipc.channel import U32
from simuring.opcodes.ipc.send import ring_subscriber
from simuring.opcodes.ipc.tables import ring_ipc

if TYPE_CHECKING:
    from simuring.kernel.request import Request

LAZY_SCAN_PERIOD: Final = 16


def ipc_recv_issue(req: Request, issue_flags: int) -> int:
    task = req.worker
    ctx = req.ctx
    costs = ring_ipc(ctx).costs
    task.charge(costs.recv_ns)
    # 1. resolve (no receive by channel id)
    sub = ring_subscriber(ctx, req.fd)
    if sub is None:
        return -ENOENT
    if not sub.can_recv:
        return -EACCES
    ch = sub.channel
    stats = ch.stats
    multicast = ch.flags & IOIPC_F_MULTICAST  # ch.multicast without the property call (hot)
    # 2. which head
    line = ch.cons_head if multicast else sub.local_head
    head = int(line.load(task))
    # 3. anything published there?
    tail = int(ch.prod_tail.load(task))
    desc = ch.descs[head & ch.ring_mask]
    if head == tail or desc.seq.load(task) != (head + 1) & U32:
        stats.recv_eagain += 1
        return -EAGAIN
    # 4. copy
    want = req.len if isinstance(req.len, int) and req.len > 0 else 0
    n = min(desc.len, want)
    dest = user_bytes(req.addr, n, kernel_writes=True)  # copy_to_user's checks
    if isinstance(dest, int):
        return dest
    dest[:] = ch.data[desc.offset : desc.offset + n]
    ch.data_lines.read(task, n)
    # 5. advance
    if not line.cas(task, head, (head + 1) & U32):
        stats.recv_lost_races += 1
        stats.recv_eagain += 1
        return -EAGAIN
    if ch.flags & IOIPC_F_BROADCAST:
        if head % LAZY_SCAN_PERIOD == 0:
            stats.lazy_scans += 1
            ch.recompute_consumer_head(task, costs.sub_walk_ns)
    elif not multicast:
        ch.cons_head.store(task, (head + 1) & U32)
    stats.recvs += 1
    stats.recv_bytes += n
    if ctx.tracer.enabled:
        ctx.tracer.emit(task.now(), "ipc_recv", tid=task.tid, ctx=ctx.id, req=req.id, channel=ch.id, sub=sub.id, seq=head, msg_id=desc.msg_id, len=n)
    return n
