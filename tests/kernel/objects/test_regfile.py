"""Regular files (the page cache and a device) as syscalls."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EINVAL, ENOENT
from simuring.kernel.objects.regfile import MAX_LFS_FILESIZE, create_file
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_write,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
)
from simuring.syscalls import (
    O_CREAT,
    O_RDWR,
    O_TRUNC,
    SEEK_CUR,
    SEEK_END,
    SEEK_SET,
    ftruncate,
    lseek,
    open,
    read,
    write,
)
from tests.helpers.ring import drain


def test_regular_file_syscalls_miss_then_hit() -> None:

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


def _uring_rw(ring: Ring, write_: bool, fd: int, buf: Any, n: int, off: int) -> Any:
    sqe = io_uring_get_sqe(ring)
    (io_uring_prep_write if write_ else io_uring_prep_read)(sqe, fd, buf, n, off)
    io_uring_sqe_set_data64(sqe, 1)
    yield from io_uring_submit_and_wait(ring, 1)
    return drain(ring)[0][1]


def test_a_write_at_a_huge_offset_makes_a_sparse_file() -> None:
    """A write at 2**40 costs one page, not a terabyte (it raised MemoryError; near 2**63
    OverflowError); the size is 2**40 + 8; the hole before it reads as zeros without the device."""
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fd = yield from open("/sparse", O_CREAT | O_RDWR)
        res["write"] = yield from _uring_rw(ring, True, fd, b"farfaraw", 8, 1 << 40)
        res["size"] = yield from lseek(fd, 0, SEEK_END)
        hole = bytearray(b"\xff" * 8)
        res["hole"] = (yield from _uring_rw(ring, False, fd, hole, 8, 1 << 39)), bytes(hole)
        data = bytearray(8)
        res["data"] = (yield from _uring_rw(ring, False, fd, data, 8, (1 << 40) - 4)), bytes(data)
        res["past eof"] = yield from _uring_rw(ring, False, fd, bytearray(8), 8, 1 << 41)
        near_max = MAX_LFS_FILESIZE - 8
        res["near max"] = yield from _uring_rw(ring, True, fd, b"12345678", 8, near_max)
        res["size 2"] = yield from lseek(fd, 0, SEEK_END)

    sim.spawn(body)
    sim.run()
    inode = sim.kernel.fs.inodes["/sparse"]
    assert res["write"] == 8 and res["size"] == (1 << 40) + 8
    assert res["hole"] == (8, bytes(8))
    assert res["data"] == (8, bytes(4) + b"farf")
    assert res["past eof"] == 0
    assert res["near max"] == 8 and res["size 2"] == MAX_LFS_FILESIZE
    assert len(inode.pages) == 2  # the page at 2**40 and the last page below LLONG_MAX
    assert inode.device_reads == 0  # holes need no device read


def test_ranges_beyond_loff_t_are_einval_for_every_path() -> None:
    """rw_verify_area: offset + count above LLONG_MAX (or an offset of 2**63 and more, a negative
    loff_t) is -EINVAL for io_uring READ/WRITE, read(2)/write(2) at the file position and lseek(2);
    tmpfs's s_maxbytes is LLONG_MAX, so lseek may go right up to it."""
    res: dict[str, Any] = {}

    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fd = yield from open("/limits", O_CREAT | O_RDWR)
        for off in (MAX_LFS_FILESIZE, MAX_LFS_FILESIZE - 7, 1 << 63, (1 << 64) - 2):
            res[f"write {off:#x}"] = yield from _uring_rw(ring, True, fd, b"12345678", 8, off)
            res[f"read {off:#x}"] = yield from _uring_rw(ring, False, fd, bytearray(8), 8, off)
        res["seek max"] = yield from lseek(fd, MAX_LFS_FILESIZE, SEEK_SET)
        res["write at pos"] = yield from write(fd, b"x", 1)
        res["read at pos"] = yield from read(fd, bytearray(1), 1)
        res["seek past"] = yield from lseek(fd, 1, SEEK_CUR)
        res["seek 2**63"] = yield from lseek(fd, 1 << 63, SEEK_SET)
        res["seek end past"] = yield from lseek(fd, MAX_LFS_FILESIZE, SEEK_END)  # size 0: ok
        res["truncate 2**63"] = yield from ftruncate(fd, 1 << 63)

    sim = Simulation(seed=1)
    sim.spawn(body)
    sim.run()
    assert {k: v for k, v in res.items() if k.startswith(("write 0x", "read 0x"))} == {
        k: -EINVAL for k in res if k.startswith(("write 0x", "read 0x"))
    }
    assert len([k for k in res if k.startswith(("write 0x", "read 0x"))]) == 8
    assert res["seek max"] == MAX_LFS_FILESIZE
    assert res["write at pos"] == -EINVAL and res["read at pos"] == -EINVAL
    assert res["seek past"] == -EINVAL and res["seek 2**63"] == -EINVAL
    assert res["seek end past"] == MAX_LFS_FILESIZE
    assert res["truncate 2**63"] == -EINVAL
    assert sim.kernel.fs.inodes["/limits"].pages == {}


def test_truncate_grows_sparsely_and_shrinking_zeroes_the_tail() -> None:
    res: dict[str, Any] = {}

    def body() -> Any:
        fd = yield from open("/t", O_CREAT | O_RDWR)
        assert (yield from write(fd, b"abcdefgh" * 1024, 8192)) == 8192
        res["grow"] = yield from ftruncate(fd, 1 << 45)
        res["size"] = yield from lseek(fd, 0, SEEK_END)
        assert (yield from ftruncate(fd, 5)) == 0
        assert (yield from ftruncate(fd, 16)) == 0  # the bytes past 5 come back as zeros
        yield from lseek(fd, 0, SEEK_SET)
        buf = bytearray(32)
        n = yield from read(fd, buf, 32)
        res["after"] = bytes(buf[:n])
        fd2 = yield from open("/t", O_RDWR | O_TRUNC)
        res["o_trunc"] = yield from lseek(fd2, 0, SEEK_END)

    sim = Simulation(seed=1)
    sim.spawn(body)
    sim.run()
    assert res["grow"] == 0 and res["size"] == 1 << 45
    assert res["after"] == b"abcde" + bytes(11)
    assert res["o_trunc"] == 0
    assert sim.kernel.fs.inodes["/t"].pages == {}
