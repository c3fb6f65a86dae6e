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
