"""Helpers for the IPC channel tests: one-shot SEND/RECV round trips on a ring."""

from __future__ import annotations

from typing import Any

from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_ipc_recv,
    io_uring_prep_ipc_send,
    io_uring_queue_init,
    io_uring_register_ipc_channel_attach,
    io_uring_register_ipc_channel_create,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.opcodes.ipc.tables import IpcState
from simuring.uapi import IpcChannelAttach, IpcChannelCreate


def new_ring(entries: int = 16, flags: int = 0) -> Any:
    ring = Ring()
    ret = yield from io_uring_queue_init(entries, ring, flags)
    assert ret == 0, ret
    return ring


def complete_one(ring: Ring) -> Any:
    """Submit what is queued, wait for one CQE, return (res, user_data)."""
    yield from io_uring_submit_and_wait(ring, 1)
    cqe = Cqe()
    ret = yield from io_uring_wait_cqe(ring, cqe)
    assert ret == 0, ret
    res, ud = cqe[0].res, cqe[0].user_data
    io_uring_cqe_seen(ring, cqe[0])
    return res, ud


def send(ring: Ring, fd: int, data: Any, length: int | None = None, user_data: int = 0, target: int = 0, raw_addr: Any = None) -> Any:
    sqe = io_uring_get_sqe(ring)
    buf = data if isinstance(data, bytes | bytearray | memoryview) else bytearray(data)
    io_uring_prep_ipc_send(sqe, fd, buf, len(buf) if length is None else length)
    if raw_addr is not None:
        sqe.addr = raw_addr
    sqe.file_index = target
    io_uring_sqe_set_data64(sqe, user_data)
    res, _ = yield from complete_one(ring)
    return res


def recv(ring: Ring, fd: int, size: int = 64) -> Any:
    """Returns (res, bytes received)."""
    buf = bytearray(size)
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_ipc_recv(sqe, fd, buf, size)
    res, _ = yield from complete_one(ring)
    return res, bytes(buf[: max(res, 0)])


def create(ring: Ring, entries: int = 16, max_size: int = 64, flags: int = 0, mode: int = 0o666, key: int = 0) -> Any:
    c = IpcChannelCreate(flags=flags, ring_entries=entries, max_msg_size=max_size, mode=mode, key=key)
    ret = yield from io_uring_register_ipc_channel_create(ring, c)
    return ret, c


def attach(ring: Ring, flags: int, channel_id: int = 0, key: int = 0) -> Any:
    a = IpcChannelAttach(channel_id=channel_id, flags=flags, key=key)
    ret = yield from io_uring_register_ipc_channel_attach(ring, a)
    return ret, a


def wait_for(cond: Any, step_ns: int = 1000) -> Any:
    """Poll a shared-memory condition (a workload-level barrier) with nanosleep."""
    from simuring.syscalls import nanosleep

    while not cond():
        yield from nanosleep(step_ns)


def channel_of(sim: Any, channel_id: int) -> Any:
    """The live channel object with that id (for white-box assertions)."""
    return sim.kernel.ext(IpcState).channels.get(channel_id)
