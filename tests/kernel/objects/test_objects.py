"""Pipes, AF_UNIX socket pairs, eventfd, shared memory and regular files as syscalls."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EAGAIN, EBADF, EEXIST, EFAULT, EINVAL, ENOENT, EPIPE
from simuring.kernel.objects.base import inherit_fd
from simuring.kernel.objects.pipe import PIPE_SLOTS
from simuring.kernel.objects.shm import copy_cost
from simuring.syscalls import (
    AF_UNIX,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    MAP_SHARED,
    MSG_DONTWAIT,
    O_CREAT,
    O_NONBLOCK,
    O_RDWR,
    PROT_READ,
    PROT_WRITE,
    SOCK_NONBLOCK,
    SOCK_STREAM,
    close,
    eventfd,
    eventfd_read,
    eventfd_write,
    ftruncate,
    mmap,
    nanosleep,
    open,
    pipe,
    pipe2,
    read,
    recv,
    send,
    shm_open,
    socketpair,
    write,
)


def two_processes(parent_body: Any, child_body: Any, setup: Any) -> dict[str, Any]:
    """Run ``setup`` in a parent task (creates fds, returns a list of them), then
    give a copy of each to a child process, as fork() would."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {"sim": sim}

    def parent() -> Any:
        fds = yield from setup(out)
        child_fds = [inherit_fd(me.process, fd, child.process) for fd in fds]
        out["child_fds"] = child_fds
        gate.succeed()
        yield from parent_body(out, fds)

    def child_main() -> Any:
        yield gate
        yield from child_body(out, out["child_fds"])

    gate = sim.env.event()
    me = sim.spawn(parent, name="parent", cpu=0)
    child = sim.spawn(child_main, name="child", cpu=1)
    sim.run()
    return out


# -- pipes ------------------------------------------------------------------------
def test_pipe_blocking_read_write_between_two_processes() -> None:
    def setup(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        assert (yield from pipe(fds)) == 0
        assert fds == [3, 4]
        return fds

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(20_000)
        out["t_write"] = out["sim"].now
        out["w"] = yield from write(fds[1], b"hello world", 11)

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        buf = bytearray(32)
        t0 = out["sim"].now
        n = yield from read(fds[0], buf, 32)  # blocks: the pipe is empty
        out["r"] = (n, bytes(buf[:n]), out["sim"].now - t0)

    out = two_processes(parent, child, setup)
    assert out["w"] == 11
    n, data, waited = out["r"]
    assert (n, data) == (11, b"hello world")
    assert waited > 20_000  # it slept until the write


def test_pipe_blocked_writer_resumes_when_reader_drains() -> None:
    total = PIPE_SLOTS * 4096 + 1000

    def setup(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        return fds

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        data = bytes(i % 251 for i in range(total))
        out["w"] = yield from write(fds[1], data, total)  # more than 64 KiB: blocks once full
        out["t_w"] = out["sim"].now

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(100_000)
        out["t_r"] = out["sim"].now
        got = bytearray()
        buf = bytearray(8192)
        while len(got) < total:
            n = yield from read(fds[0], buf, 8192)
            assert n > 0
            got += buf[:n]
        out["data"] = bytes(got)

    out = two_processes(parent, child, setup)
    assert out["w"] == total
    assert out["t_w"] > out["t_r"]  # the writer finished only after the reader drained
    assert out["data"] == bytes(i % 251 for i in range(total))


def test_pipe_nonblock_eagain_eof_epipe_and_atomic_writes() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        fds: list[int] = []
        assert (yield from pipe2(fds, O_NONBLOCK)) == 0
        buf = bytearray(8)
        res["empty"] = yield from read(fds[0], buf, 8)
        # fill 15 slots with one page each, then 100 bytes in the 16th
        page = bytes(4096)
        for _ in range(PIPE_SLOTS - 1):
            assert (yield from write(fds[1], page, 4096)) == 4096
        assert (yield from write(fds[1], b"x" * 100, 100)) == 100
        # 4000 bytes do not fit in the last slot and no slot is free: atomic, nothing written
        res["atomic"] = yield from write(fds[1], b"y" * 4000, 4000)
        res["merge"] = yield from write(fds[1], b"z" * 3996, 3996)  # fits in the last slot
        res["big"] = yield from write(fds[1], b"w" * 9000, 9000)  # full: -EAGAIN
        res["bad"] = yield from read(99, buf, 8)
        res["fault"] = yield from read(fds[0], buf, 9)
        res["wrong_end"] = yield from write(fds[0], b"a", 1)
        assert (yield from close(fds[1])) == 0
        got = 0
        big = bytearray(65536)
        while True:
            n = yield from read(fds[0], big, 65536)
            if n <= 0:
                res["eof"] = n
                break
            got += n
        res["got"] = got
        fds2: list[int] = []
        yield from pipe(fds2)
        yield from close(fds2[0])
        res["epipe"] = yield from write(fds2[1], b"a", 1)

    sim.spawn(body)
    sim.run()
    assert res["empty"] == -EAGAIN
    assert res["atomic"] == -EAGAIN
    assert res["merge"] == 3996
    assert res["big"] == -EAGAIN
    assert res["bad"] == -EBADF
    assert res["fault"] == -EFAULT
    assert res["wrong_end"] == -EBADF
    assert res["got"] == (PIPE_SLOTS - 1) * 4096 + 4096
    assert res["eof"] == 0
    assert res["epipe"] == -EPIPE


# -- sockets --------------------------------------------------------------------------
def test_socketpair_stream_blocking_between_two_processes() -> None:
    def setup(out: dict[str, Any]) -> Any:
        sv: list[int] = []
        assert (yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0
        return sv

    def parent(out: dict[str, Any], sv: list[int]) -> Any:
        yield from close(sv[1])  # as after fork: each side keeps its own end
        yield from nanosleep(10_000)
        assert (yield from send(sv[0], b"abc", 3, 0)) == 3
        assert (yield from send(sv[0], b"defgh", 5, 0)) == 5
        buf = bytearray(16)
        n = yield from recv(sv[0], buf, 16, 0)  # blocks until the child answers
        out["answer"] = bytes(buf[:n])
        yield from close(sv[0])

    def child(out: dict[str, Any], sv: list[int]) -> Any:
        yield from close(sv[0])
        buf = bytearray(64)
        got = b""
        while len(got) < 8:  # a stream: one read may return parts of both sends
            n = yield from recv(sv[1], buf, 64, 0)  # blocks while nothing is queued
            assert n > 0
            got += bytes(buf[:n])
        out["child"] = got
        assert (yield from write(sv[1], b"ok", 2)) == 2
        out["eof"] = yield from recv(sv[1], buf, 64, 0)

    out = two_processes(parent, child, setup)
    assert out["child"] == b"abcdefgh"  # stream: both sends, however split
    assert out["answer"] == b"ok"
    assert out["eof"] == 0


def test_socket_send_buffer_limit_and_dontwait() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        sv: list[int] = []
        assert (yield from socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) == 0
        buf = bytearray(16)
        res["empty"] = yield from recv(sv[1], buf, 16, 0)
        sent = 0
        chunk = bytes(65536)
        while True:
            n = yield from send(sv[0], chunk, len(chunk), 0)
            if n < 0:
                res["full"] = n
                break
            sent += n
        res["sent"] = sent
        sv2: list[int] = []
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv2)
        res["dontwait"] = yield from recv(sv2[0], buf, 16, MSG_DONTWAIT)

    sim.spawn(body)
    sim.run()
    assert res["empty"] == -EAGAIN
    assert res["full"] == -EAGAIN
    assert 212992 <= res["sent"] < 212992 + 2 * 65536  # stops once wmem_default is in flight
    assert res["dontwait"] == -EAGAIN


# -- eventfd ------------------------------------------------------------------------------
def test_eventfd_counter_and_semaphore() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        fd = yield from eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK)
        v: list[int] = [0]
        reads = []
        for _ in range(4):
            ret = yield from eventfd_read(fd, v)
            reads.append((ret, v[0]))
        res["sem"] = reads
        fd2 = yield from eventfd(0, EFD_NONBLOCK)
        assert (yield from eventfd_write(fd2, 5)) == 0
        assert (yield from eventfd_write(fd2, 7)) == 0
        ret = yield from eventfd_read(fd2, v)
        res["sum"] = (ret, v[0])
        res["again"] = yield from eventfd_read(fd2, v)
        res["short"] = yield from read(fd2, bytearray(4), 4)
        res["max"] = yield from eventfd_write(fd2, 0xFFFF_FFFF_FFFF_FFFF)
        res["overflow"] = (
            (yield from eventfd_write(fd2, 0xFFFF_FFFF_FFFF_FFFE)),
            (yield from eventfd_write(fd2, 1)),
        )
        res["badflags"] = yield from eventfd(0, 0x100)

    sim.spawn(body)
    sim.run()
    assert res["sem"] == [(0, 1), (0, 1), (0, 1), (-EAGAIN, 1)]
    assert res["sum"] == (0, 12)
    assert res["again"] == -EAGAIN
    assert res["short"] == -EINVAL
    assert res["max"] == -EINVAL
    assert res["overflow"] == (0, -EAGAIN)
    assert res["badflags"] == -EINVAL


def test_eventfd_blocking_read_woken_by_other_process() -> None:
    def setup(out: dict[str, Any]) -> Any:
        fd = yield from eventfd(0, 0)
        return [fd]

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        v = [0]
        t0 = out["sim"].now
        out["ret"] = yield from eventfd_read(fds[0], v)
        out["v"] = v[0]
        out["waited"] = out["sim"].now - t0

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(30_000)
        yield from eventfd_write(fds[0], 42)

    out = two_processes(parent, child, setup)
    assert (out["ret"], out["v"]) == (0, 42)
    assert out["waited"] > 30_000


# -- shared memory ---------------------------------------------------------------------------
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


# -- regular files ----------------------------------------------------------------------------
def test_regular_file_syscalls_miss_then_hit() -> None:
    from simuring.kernel.objects.regfile import create_file

    sim = Simulation(seed=1)
    create_file(sim.kernel, "/data", bytes(range(256)) * 64)  # 16 KiB, not cached
    res: dict[str, Any] = {}

    def body() -> Any:
        fd = yield from open("/data", O_RDWR)
        buf = bytearray(4096)
        t0 = sim.now
        n = yield from read(fd, buf, 4096)
        res["miss"] = (n, bytes(buf[:4]), sim.now - t0)
        fd2 = yield from open("/data", O_RDWR)
        t0 = sim.now
        n = yield from read(fd2, buf, 4096)
        res["hit"] = (n, sim.now - t0)
        res["enoent"] = yield from open("/none", O_RDWR)
        fd3 = yield from open("/new", O_CREAT | O_RDWR)
        assert (yield from write(fd3, b"abc", 3)) == 3
        fd4 = yield from open("/new", O_RDWR)
        n = yield from read(fd4, buf, 10)
        res["new"] = (n, bytes(buf[:3]))

    sim.spawn(body)
    sim.run()
    n, head, miss_ns = res["miss"]
    assert (n, head) == (4096, bytes([0, 1, 2, 3]))
    assert res["hit"][0] == 4096
    assert miss_ns > 10 * res["hit"][1]  # the miss waited for the device
    assert res["enoent"] == -ENOENT
    assert res["new"] == (3, b"abc")
