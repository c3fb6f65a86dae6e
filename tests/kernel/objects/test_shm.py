"""POSIX shared memory (mm/shmem.c): shm_open, ftruncate, mmap, munmap."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EACCES, EBADF, EEXIST, EINVAL, ENOENT
from simuring.kernel.objects.shm import copy_cost
from simuring.syscalls import (
    MAP_SHARED,
    O_ACCMODE,
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    PROT_READ,
    PROT_WRITE,
    ftruncate,
    mmap,
    munmap,
    nanosleep,
    read,
    shm_open,
    write,
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


def test_access_mode_3_opens_for_neither_way_and_o_trunc_empties_in_any_mode() -> None:
    # Linux 6.18.44 (a C program on the test machine): shm_open(name, O_RDONLY | O_TRUNC)
    # empties the object; shm_open(name, 3 | O_TRUNC) succeeds, empties it too, and that
    # descriptor can neither read, write, truncate nor map it.  (The model maps no more than
    # the object holds: a page of an emptied object is -EINVAL, which tells its size here.)
    def body():
        fd = yield from shm_open("/acc3", O_CREAT | O_RDWR, 0o600)
        buf = bytearray(4)

        def holds_a_page():
            view = yield from mmap(None, 4096, PROT_READ, MAP_SHARED, fd, 0)
            if not isinstance(view, memoryview):
                return False
            assert (yield from munmap(view, 4096)) == 0  # the model resizes no mapped object
            return True

        assert (yield from ftruncate(fd, 4096)) == 0
        before = yield from holds_a_page()
        yield from shm_open("/acc3", O_RDONLY | O_TRUNC, 0)
        after_rdonly = yield from holds_a_page()
        assert (yield from ftruncate(fd, 4096)) == 0
        neither = yield from shm_open("/acc3", O_ACCMODE | O_TRUNC, 0)
        after_neither = yield from holds_a_page()
        calls = (
            (yield from read(neither, buf, 4)),
            (yield from write(neither, b"x", 1)),
            (yield from ftruncate(neither, 100)),
            (yield from mmap(None, 4096, PROT_READ, MAP_SHARED, neither, 0)),
        )
        return before, after_rdonly, neither >= 0, after_neither, calls

    before, after_rdonly, opened, after_neither, calls = run_task(body)
    assert (before, after_rdonly) == (True, False)
    assert opened and after_neither is False
    assert calls == (-EBADF, -EBADF, -EINVAL, -EACCES)
