"""What the machine says of itself, read from (fake) sysfs and /proc files."""

from __future__ import annotations

from pathlib import Path

from simuring.calibrate.hostinfo import caches, cpu_model, parse_size, read_host


def test_parse_size() -> None:
    assert parse_size("32K") == 32 * 1024
    assert parse_size("1024K") == 1 << 20
    assert parse_size("32M") == 32 << 20
    assert parse_size("512") == 512
    assert parse_size("lots") is None


def _index(root: Path, n: int, level: int, kind: str, size: str) -> None:
    d = root / f"index{n}"
    d.mkdir(parents=True)
    (d / "level").write_text(f"{level}\n")
    (d / "type").write_text(f"{kind}\n")
    (d / "size").write_text(f"{size}\n")


def test_caches_skip_instruction_caches_and_take_the_highest_level_as_llc(tmp_path: Path) -> None:
    _index(tmp_path, 0, 1, "Data", "48K")
    _index(tmp_path, 1, 1, "Instruction", "32K")
    _index(tmp_path, 2, 2, "Unified", "2048K")
    _index(tmp_path, 3, 3, "Unified", "36M")
    assert caches(tmp_path) == (48 * 1024, 2 << 20, 36 << 20)
    assert caches(tmp_path / "missing") == (None, None, None)


def test_cpu_model(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU @ 3.0GHz\nflags\t: fpu\n")
    assert cpu_model(info) == "Some CPU @ 3.0GHz"


def test_read_host_on_this_machine() -> None:
    host = read_host()
    assert host.cpus >= 1
    assert host.kernel and host.date.endswith("Z")
    assert str(host.cpus) in host.describe()


ZONEINFO = """Node 0, zone      DMA
  pages free     3840
        min      33
        low      41
        high     49
        managed  3840
  pagesets
    cpu: 0
              count:    0
              high:     0
              batch:    1
    cpu: 1
              count:    0
              high:     0
              batch:    1
Node 0, zone    DMA32
  pages free     700000
        min      5481
        low      6851
        high     8221
        managed  772848
  pagesets
    cpu: 0
              count:    0
              high:     3425
              batch:    63
    cpu: 1
              count:    0
              high:     3425
              batch:    63
Node 0, zone   Normal
  pages free     1500000
        min      11386
        low      14233
        high     17080
        managed  1605632
  pagesets
    cpu: 0
              count:    6791
              high:     7116
              batch:    63
    cpu: 1
              count:    2332
              high:     7431
              batch:    63
"""


def test_page_lists_come_from_the_largest_zone(tmp_path: Path) -> None:
    """zone_highsize's two bounds: the low watermark and an eighth of the managed pages,
    each over the CPUs the zone lists (what the kernel sets CPU 0's high to here)."""
    from simuring.calibrate.hostinfo import PageLists, page_lists

    path = tmp_path / "zoneinfo"
    path.write_text(ZONEINFO)
    assert page_lists(path) == PageLists(batch=63, high_min=14233 // 2, high_max=1605632 // 8 // 2, zone="node 0, zone Normal")
    path.write_text(ZONEINFO.split("Node 0, zone   Normal")[0])
    assert page_lists(path) == PageLists(batch=63, high_min=6851 // 2, high_max=772848 // 8 // 2, zone="node 0, zone DMA32")
    assert page_lists(tmp_path / "missing") is None
