"""What the machine says of itself: CPU count and model, caches, kernel, idle driver.

Read from ``os``, ``/proc/cpuinfo`` and ``/sys/devices/system/cpu`` (see
sysfs-devices-system-cpu in the kernel's ABI documentation); a field the
machine does not expose is None.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
from pathlib import Path

import attrs

SYS_CPU = Path("/sys/devices/system/cpu")


@attrs.frozen
class PageLists:
    """The bounds of the largest memory zone's per-CPU page lists (``struct per_cpu_pages``)."""

    batch: int  # pcp->batch
    high_min: int  # pcp->high_min: the zone's low watermark over its CPUs (zone_highsize)
    high_max: int  # pcp->high_max: an eighth of its pages over its CPUs
    zone: str


@attrs.frozen
class HostInfo:
    cpus: int
    cpu_model: str
    kernel: str
    date: str  # UTC, ISO 8601, when it was read
    l1d_bytes: int | None = None
    l2_bytes: int | None = None
    llc_bytes: int | None = None
    idle_driver: str | None = None  # cpuidle's current driver (haltpoll on a KVM guest)
    halt_poll_ns: int | None = None  # guest_halt_poll_ns of cpuidle-haltpoll, if loaded
    io_uring_disabled: int | None = None  # the kernel.io_uring_disabled sysctl
    hz: int | None = None  # CONFIG_HZ, from the kernel's config if it is readable
    page_lists: PageLists | None = None  # the largest zone's per-CPU page lists (/proc/zoneinfo)

    @property
    def base_slice_ns(self) -> int:
        """EEVDF's default base slice on this many CPUs (``sched_update_scaling``,
        SCHED_TUNABLESCALING_LOG): 0.75 ms x (1 + log2(min(CPUs, 8)))."""
        return 750_000 * (1 + min(self.cpus, 8).bit_length() - 1)

    def describe(self) -> str:
        caches = ", ".join(
            f"{name} {size // 1024} KiB"
            for name, size in (("L1d", self.l1d_bytes), ("L2", self.l2_bytes), ("LLC", self.llc_bytes))
            if size
        )
        return f"{self.cpu_model}, {self.cpus} CPUs ({caches or 'caches unknown'}), Linux {self.kernel}"


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def parse_size(text: str) -> int | None:
    """A sysfs cache size: ``32K``, ``1024K``, ``32M`` -> bytes."""
    m = re.fullmatch(r"(\d+)\s*([KMG]?)", text.strip())
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


def caches(cpu_dir: Path = SYS_CPU / "cpu0" / "cache") -> tuple[int | None, int | None, int | None]:
    """(L1 data, L2, last level) cache sizes of CPU 0, in bytes."""
    l1d = l2 = llc = None
    top = 0
    for index in sorted(cpu_dir.glob("index*")):
        level, kind, size = _read(index / "level"), _read(index / "type"), _read(index / "size")
        if level is None or size is None or kind == "Instruction":
            continue
        nbytes = parse_size(size)
        if nbytes is None:
            continue
        lvl = int(level)
        if lvl == 1:
            l1d = nbytes
        elif lvl == 2:
            l2 = nbytes
        if lvl >= top and lvl >= 3:
            top, llc = lvl, nbytes
    return l1d, l2, llc


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    text = _read(cpuinfo) or ""
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else platform.machine() or "unknown CPU"


def online_cpus() -> int:
    """CPUs this process may run on (the benchmarks pin to them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def config_hz(release: str) -> int | None:
    """CONFIG_HZ from ``/boot/config-RELEASE`` or ``/proc/config.gz``, if either is there."""
    import gzip

    texts = [_read(Path(f"/boot/config-{release}"))]
    try:
        texts.append(gzip.decompress(Path("/proc/config.gz").read_bytes()).decode())
    except OSError:
        pass
    for text in texts:
        m = re.search(r"^CONFIG_HZ=(\d+)$", text or "", re.M)
        if m:
            return int(m.group(1))
    return None


def page_lists(zoneinfo: Path = Path("/proc/zoneinfo")) -> PageLists | None:
    """The per-CPU page lists' batch and bounds of the zone with the most pages: its
    pagesets' ``batch``, and ``zone_highsize``'s two bounds (Linux 6.7+) from its low
    watermark and its managed pages over the CPUs it lists (at least four batches).
    None where the file is unreadable or lists no such zone."""
    text = _read(zoneinfo)
    if not text:
        return None
    best: PageLists | None = None
    best_pages = 0
    for block in re.split(r"^(?=Node \d+, zone)", text, flags=re.M):
        name = re.match(r"Node (\d+), zone\s+(\S+)", block)
        managed = re.search(r"^\s+managed\s+(\d+)$", block, re.M)
        low = re.search(r"^\s+low\s+(\d+)$", block, re.M)
        batch = re.search(r"^\s+batch:\s+(\d+)$", block, re.M)
        cpus = len(re.findall(r"^\s+cpu:\s+\d+$", block, re.M))
        if not (name and managed and low and batch and cpus):
            continue
        pages, b = int(managed.group(1)), int(batch.group(1))
        if pages > best_pages and b > 1:
            best_pages = pages
            high_min = max(int(low.group(1)) // cpus, b << 2)
            best = PageLists(
                batch=b,
                high_min=high_min,
                high_max=max(pages // 8 // cpus, high_min),
                zone=f"node {name.group(1)}, zone {name.group(2)}",
            )
    return best


def read_host() -> HostInfo:
    l1d, l2, llc = caches()
    halt = _read(Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns"))
    disabled = _read(Path("/proc/sys/kernel/io_uring_disabled"))
    return HostInfo(
        cpus=online_cpus(),
        cpu_model=cpu_model(),
        kernel=platform.release(),
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        l1d_bytes=l1d,
        l2_bytes=l2,
        llc_bytes=llc,
        idle_driver=_read(SYS_CPU / "cpuidle" / "current_driver"),
        halt_poll_ns=int(halt) if halt and halt.isdigit() else None,
        io_uring_disabled=int(disabled) if disabled and disabled.isdigit() else None,
        hz=config_hz(platform.release()),
        page_lists=page_lists(),
    )
