"""IORING_OP_PIPE (opcodes/pipe.py)."""

from __future__ import annotations

from simuring.abi.errno import EAGAIN, EFAULT, EINVAL, ENFILE, ENXIO
from simuring.liburing import (
    io_uring_prep_close_direct,
    io_uring_prep_pipe,
    io_uring_prep_pipe_direct,
    io_uring_register_files,
    io_uring_register_files_sparse,
)
from simuring.syscalls import close, eventfd, read, write
from simuring.uapi import IORING_FILE_INDEX_ALLOC
from tests.opcodes.test_openclose_sync import one, run

O_NONBLOCK = 0o4000


def test_pipe_fills_a_list_or_a_buffer_and_the_ends_work(runner):
    def body(ring):
        fds = [-1, -1]
        res = yield from one(ring, io_uring_prep_pipe, fds, 0)
        buf = bytearray(8)
        res2 = yield from one(ring, io_uring_prep_pipe, buf, O_NONBLOCK)
        nb = [int.from_bytes(buf[i : i + 4], "little") for i in (0, 4)]
        out = bytearray(4)
        return {
            "r": [
                res,
                (yield from write(fds[1], b"abc", 3)),
                (yield from read(fds[0], out, 4)),
                bytes(out[:3]),
                res2,
                len(set(fds + nb)),
                (yield from read(nb[0], out, 4)),
                (yield from close(fds[0])),
                (yield from close(nb[1])),
            ]
        }

    assert run(runner, body)["r"] == [0, 3, 3, b"abc", 0, 4, -EAGAIN, 0, 0]


def test_pipe_errors(runner):
    def body(ring):
        return {
            "r": [
                (yield from one(ring, io_uring_prep_pipe, None, 0)),
                (yield from one(ring, io_uring_prep_pipe, bytearray(4), 0)),
                (yield from one(ring, io_uring_prep_pipe, b"readonly", 0)),
                (yield from one(ring, io_uring_prep_pipe, bytearray(8), 1)),
                (yield from one(ring, io_uring_prep_pipe, bytearray(8), 0, fd=3)),
                (yield from one(ring, io_uring_prep_pipe, bytearray(8), 0, off=object())),
                (yield from one(ring, io_uring_prep_pipe_direct, bytearray(8), 0, 0)),
                (yield from one(ring, io_uring_prep_pipe_direct, bytearray(8), 0, IORING_FILE_INDEX_ALLOC)),
            ]
        }

    assert run(runner, body)["r"] == [-EFAULT, -EFAULT, -EFAULT, -EINVAL, -EINVAL, -EINVAL, -ENXIO, -ENFILE]


def test_pipe_direct_slots_and_cleanup(runner):
    def body(ring):
        yield from io_uring_register_files_sparse(ring, 4)
        fds = [-1, -1]
        first = yield from one(ring, io_uring_prep_pipe_direct, fds, 0, 1)
        got = list(fds)
        alloc = yield from one(ring, io_uring_prep_pipe_direct, fds, 0, IORING_FILE_INDEX_ALLOC)
        return {"r": [first, got, alloc, list(fds)]}

    assert run(runner, body)["r"] == [0, [1, 2], 0, [3, 0]]


def test_pipe_direct_past_the_table_removes_the_read_end(runner):
    def body(ring):
        efd = yield from eventfd(0, 0)
        yield from io_uring_register_files(ring, [efd, -1, -1], 3)
        res = yield from one(ring, io_uring_prep_pipe_direct, bytearray(8), 0, 2)
        return {
            "r": [
                res,
                (yield from one(ring, io_uring_prep_close_direct, 0)),
                (yield from one(ring, io_uring_prep_close_direct, 2)),
            ]
        }

    assert run(runner, body)["r"] == [-EINVAL, 0, -9]


def test_a_failed_pipe_leaves_no_descriptor_and_releases_its_ends(runner):
    def body(ring):
        fds = [-1, -1]
        yield from one(ring, io_uring_prep_pipe, fds, 0)
        first = list(fds)
        yield from close(fds[0])
        yield from close(fds[1])
        failed = yield from one(ring, io_uring_prep_pipe, None, 0)
        yield from one(ring, io_uring_prep_pipe, fds, 0)
        return {"r": [failed, fds == first]}

    assert run(runner, body)["r"] == [-EFAULT, True]


def test_pipe_ends_are_released_when_closed(runner):
    def body(ring):
        fds = [-1, -1]
        yield from one(ring, io_uring_prep_pipe, fds, 0)
        yield from close(fds[0])  # the last reader goes: a write is -EPIPE
        return {"r": (yield from write(fds[1], b"x", 1))}

    assert run(runner, body)["r"] == -32
