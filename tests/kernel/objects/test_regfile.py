"""Regular files (the page cache and a device) as syscalls."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import ENOENT
from simuring.kernel.objects.regfile import create_file
from simuring.syscalls import O_CREAT, O_RDWR, open, read, write


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
