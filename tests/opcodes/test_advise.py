"""IORING_OP_FADVISE / MADVISE (opcodes/advise.py)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, EINVAL, ENOMEM, ESPIPE
from simuring.liburing import io_uring_prep_fadvise, io_uring_prep_madvise, io_uring_prep_nop
from simuring.syscalls import open as sys_open
from simuring.syscalls import pipe
from simuring.uapi import IOSQE_IO_LINK
from tests.opcodes.test_openclose_sync import O_RDWR_CREAT, one, run


def test_fadvise(runner):
    def body(ring):
        fd = yield from sys_open("/t-fadvise", O_RDWR_CREAT, 0o644)
        fds = []
        yield from pipe(fds)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_fadvise, fd, 0, 4096, 0)),
                (yield from one(ring, io_uring_prep_fadvise, fd, 0, 4096, 4)),  # forced async
                (yield from one(ring, io_uring_prep_fadvise, fd, 0, 4096, 6)),
                (yield from one(ring, io_uring_prep_fadvise, fds[0], 0, 0, 0)),
                (yield from one(ring, io_uring_prep_fadvise, 999, 0, 0, 0)),
                (yield from one(ring, io_uring_prep_fadvise, fd, 0, 0, 0, addr=1 << 63)),
                (yield from one(ring, io_uring_prep_fadvise, fd, 0, 0, 0, buf_index=1)),
            ]
        }

    assert run(runner, body)["r"] == [0, 0, -EINVAL, -ESPIPE, -EBADF, -EINVAL, -EINVAL]


def test_madvise(runner):
    def body(ring):
        buf = bytearray(64)
        out = [
            (yield from one(ring, io_uring_prep_madvise, buf, 64, 0)),
            (yield from one(ring, io_uring_prep_madvise, 0, 0, 0)),
            (yield from one(ring, io_uring_prep_madvise, 0, 4096, 4)),
            (yield from one(ring, io_uring_prep_madvise, 0, 0, 7)),
            (yield from one(ring, io_uring_prep_madvise, 0, 0, 0, off=(1 << 64) - 1)),
        ]
        from simuring.liburing import (
            io_uring_get_sqe,
            io_uring_sqe_set_data64,
            io_uring_sqe_set_flags,
            io_uring_submit,
        )
        from tests.helpers.ring import reap

        sqe = io_uring_get_sqe(ring)
        io_uring_prep_madvise(sqe, buf, 64, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
        io_uring_sqe_set_data64(sqe, 1)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        out.append((yield from reap(ring, 2)))
        return {"r": out}

    assert run(runner, body)["r"] == [-EINVAL, 0, -ENOMEM, -EINVAL, -EINVAL, [(1, -EINVAL), (2, 0)]]
