"""The four ``io_uring_register`` commands and ring teardown.

Checks run in the order of the proposal (see docs/ipc.md):

* CREATE (``arg`` = IpcChannelCreate, ``nr_args`` = 1): -EINVAL for
  ``nr_args`` != 1, non-zero reserved words, ``ring_entries`` 0 / above 32768 /
  not a power of two, ``max_msg_size`` 0 / above 1 MiB, unknown flag bits,
  BROADCAST with MULTICAST, ``ring_entries * max_msg_size`` or the region
  above INT_MAX.  -EFAULT when ``arg`` is not the struct (a bad pointer).
* ATTACH (``arg`` = IpcChannelAttach, ``nr_args`` = 1): -EINVAL, then lookup
  (-ENOENT), then the one-class permission check (-EACCES).
* DETACH (``arg`` NULL, ``nr_args`` = subscriber id): -EINVAL, -ENOENT when
  the id is not one of this ring's subscribers.
* DESTROY (``arg`` NULL, ``nr_args`` = channel id): -EINVAL, -ENOENT when no
  live channel has that id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EACCES, EFAULT, EINVAL, ENOENT, ENOSPC
from simuring.abi.ipc import (
    IOIPC_F_BROADCAST,
    IOIPC_F_MULTICAST,
    IOIPC_F_PRIVATE,
    IOIPC_SUB_BOTH,
    IOIPC_SUB_RECV,
    IOIPC_SUB_SEND,
    IpcChannelAttach,
    IpcChannelCreate,
)
from simuring.abi.limits import INT_MAX
from simuring.kernel.files import files_of
from simuring.opcodes.ipc.channel import (
    IORING_MAX_ENTRIES,
    MAX_MSG_SIZE,
    PERM_READ,
    PERM_WRITE,
    Channel,
    Subscriber,
    region_bytes,
)
from simuring.opcodes.ipc.costs import IpcCosts
from simuring.opcodes.ipc.mmap import ChannelFile
from simuring.opcodes.ipc.tables import IpcState, RingIpc, ipc_state, ring_ipc

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

CHANNEL_FLAGS = IOIPC_F_BROADCAST | IOIPC_F_MULTICAST | IOIPC_F_PRIVATE


def _reserved_clear(reserved: Any) -> bool:
    try:
        return not any(reserved)
    except TypeError:
        return False


def _is_u(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def needed_perm(sub_flags: int) -> int:
    need = 0
    if sub_flags & IOIPC_SUB_RECV:
        need |= PERM_READ
    if sub_flags & IOIPC_SUB_SEND:
        need |= PERM_WRITE
    return need


def channel_create(task: Task, ctx: RingCtx, arg: Any, nr_args: int) -> int:
    if nr_args != 1:
        return -EINVAL
    if not isinstance(arg, IpcChannelCreate):
        return -EFAULT
    kernel = ctx.kernel
    task.charge(kernel.costs.get(IpcCosts).create_ns)
    c = arg
    if not _reserved_clear(c.reserved):
        return -EINVAL
    entries, size, flags = c.ring_entries, c.max_msg_size, c.flags
    if not (_is_u(entries) and _is_u(size) and _is_u(flags) and _is_u(c.mode) and _is_u(c.key)):
        return -EINVAL
    if entries == 0 or entries > IORING_MAX_ENTRIES or entries & (entries - 1):
        return -EINVAL
    if size == 0 or size > MAX_MSG_SIZE:
        return -EINVAL
    if flags & ~CHANNEL_FLAGS:
        return -EINVAL
    if flags & IOIPC_F_BROADCAST and flags & IOIPC_F_MULTICAST:
        return -EINVAL
    if entries * size > INT_MAX or region_bytes(entries, size) > INT_MAX:
        return -EINVAL
    state = ipc_state(kernel)
    cid = state.alloc_channel_id()
    if not cid:
        return -ENOSPC
    proc = task.process
    ch = Channel(cid, flags, entries, size, c.mode, c.key, proc.fsuid, proc.fsgid, ctx)
    state.add_channel(ch)
    ring_ipc(ctx).created.append(ch)
    c.channel_id_out = cid
    if kernel.tracer.enabled:
        kernel.tracer.emit(task.now(), "ipc_create", tid=task.tid, ctx=ctx.id, channel=cid, flags=flags, entries=entries, max_msg_size=size)
    return 0


def channel_attach(task: Task, ctx: RingCtx, arg: Any, nr_args: int) -> int:
    if nr_args != 1:
        return -EINVAL
    if not isinstance(arg, IpcChannelAttach):
        return -EFAULT
    kernel = ctx.kernel
    costs = kernel.costs.get(IpcCosts)
    task.charge(costs.attach_ns)
    a = arg
    if not _reserved_clear(a.reserved):
        return -EINVAL
    flags = a.flags
    if not _is_u(flags) or flags == 0 or flags & ~IOIPC_SUB_BOTH:
        return -EINVAL
    state = ipc_state(kernel)
    key = a.key
    ch = state.by_key(key) if key else state.by_id(a.channel_id)
    if ch is None:
        return -ENOENT
    if not ch.permitted(task.process, needed_perm(flags)):
        return -EACCES
    file = ChannelFile(ch, costs.mmap_ns)
    fd = files_of(task.process).install(file)
    if fd < 0:
        file.release(task)
        return fd
    sub = Subscriber(state.alloc_sub_id(), ch, ctx, flags)
    sub.file = file
    ch.subscribers[sub.id] = sub
    ring_ipc(ctx).subscribers[sub.id] = sub
    ch.refs += 1
    if sub.can_recv:
        ch.nr_receivers += 1
    a.channel_fd = fd
    a.local_id_out = sub.id
    a.mmap_offset_out = 0
    a.region_size = ch.region_size
    if kernel.tracer.enabled:
        kernel.tracer.emit(task.now(), "ipc_attach", tid=task.tid, ctx=ctx.id, channel=ch.id, sub=sub.id, flags=flags)
    return 0


def _detach(sub: Subscriber) -> None:
    ch = sub.channel
    ch.subscribers.pop(sub.id, None)
    ring_ipc(sub.ctx).subscribers.pop(sub.id, None)
    if sub.can_recv:
        ch.nr_receivers -= 1
    sub.attached = False
    ch.put()


def channel_detach(task: Task, ctx: RingCtx, arg: Any, nr_args: int) -> int:
    if arg is not None or not _is_u(nr_args) or nr_args == 0:
        return -EINVAL
    task.charge(ctx.kernel.costs.get(IpcCosts).detach_ns)
    sub = ring_ipc(ctx).subscribers.get(nr_args)
    if sub is None:
        return -ENOENT
    if ctx.tracer.enabled:
        ctx.tracer.emit(task.now(), "ipc_detach", tid=task.tid, ctx=ctx.id, channel=sub.channel.id, sub=sub.id)
    _detach(sub)
    return 0


def _destroy(state: IpcState, ch: Channel) -> None:
    state.remove_channel(ch)
    ch.put()


def channel_destroy(task: Task, ctx: RingCtx, arg: Any, nr_args: int) -> int:
    if arg is not None or not _is_u(nr_args) or nr_args == 0:
        return -EINVAL
    task.charge(ctx.kernel.costs.get(IpcCosts).destroy_ns)
    state = ipc_state(ctx.kernel)
    ch = state.by_id(nr_args)
    if ch is None:
        return -ENOENT
    if ctx.tracer.enabled:
        ctx.tracer.emit(task.now(), "ipc_destroy", tid=task.tid, ctx=ctx.id, channel=ch.id)
    _destroy(state, ch)
    return 0


def ring_exit(task: Task | None, ctx: RingCtx) -> None:
    """Ring teardown: detach the ring's subscribers, destroy its live channels."""
    ring = ctx.peek_ext(RingIpc)
    if ring is None:
        return
    for sub in list(ring.subscribers.values()):
        _detach(sub)
    state = ipc_state(ctx.kernel)
    for ch in ring.created:
        if ch.live:
            _destroy(state, ch)
    ring.created.clear()
