"""POSIX shared memory (mm/shmem.c): shm_open, ftruncate, mmap, munmap."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EEXIST, EINVAL, ENOENT
from simuring.kernel.objects.shm import copy_cost
from simuring.syscalls import (
    MAP_SHARED,
    O_CREAT,
    O_RDWR,
    PROT_READ,
    PROT_WRITE,
    ftruncate,
    mmap,
    munmap,
    nanosleep,
    shm_open,
)
from tests.helpers.sim import run_task


def test_shm_is_visible_across_two_processes() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def writer() -> Any:
        fd = yield from shm_open("/ring", O_CREAT | O_RDWR, 0o600)
        assert fd >= 3
        assert (yield from ftruncate(fd, 8192)) == 0
        mem = yield from mmap(None, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        assert isinstance(mem, memoryview)
        res["excl"] = yield from shm_open("/ring", O_CREAT | 0o200 | O_RDWR, 0o600)
        t0 = sim.now
        mem[100:105] = b"hello"
        copy_cost(sim.tasks[0], 4096)
        yield from nanosleep(0)
        res["copy_ns"] = sim.now - t0

    def reader() -> Any:
        yield from nanosleep(50_000)
        fd = yield from shm_open("/ring", O_RDWR, 0)
        mem = yield from mmap(None, 8192, PROT_READ, MAP_SHARED, fd, 0)
        res["seen"] = bytes(mem[100:105])
        res["readonly"] = mem.readonly
        res["missing"] = yield from shm_open("/nope", O_RDWR, 0)

    sim.spawn(writer, cpu=0)
    sim.spawn(reader, cpu=1)
    sim.run()
    assert res["seen"] == b"hello"
    assert res["readonly"] is True
    assert res["excl"] == -EEXIST
    assert res["missing"] == -ENOENT
    assert res["copy_ns"] > 0


def test_munmap_releases_the_view_and_refuses_length_zero():
    def body():
        fd = yield from shm_open("/seg", O_CREAT | O_RDWR, 0o600)
        assert (yield from ftruncate(fd, 4096)) == 0
        view = yield from mmap(None, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        zero = yield from munmap(view, 0)
        ok = yield from munmap(view, 4096)
        try:
            view[0] = 1
            touched = "no error"
        except ValueError:
            touched = "ValueError"
        grown = yield from ftruncate(fd, 8192)  # nothing is mapped any more
        return zero, ok, touched, grown

    assert run_task(body) == (-EINVAL, 0, "ValueError", 0)
